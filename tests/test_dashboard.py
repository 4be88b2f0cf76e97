"""The HR dashboard: sign-in first, then the k-anonymous report as a page and as downloads.

Questions are seeded through the real path (`services.questions.ask`: answer, scrub,
record), so what the dashboard shows is what HR would see in production.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.monitor.dashboard import (
    SESSION_COOKIE,
    Period,
    Sessions,
    create_dashboard_app,
    parse_period,
    weekly_themes,
)
from bot.monitor.report import OTHER, assign_themes, build_report, load_questions
from bot.services import Services
from bot.settings import Settings, load_settings
from tests.serving import free_port

PASSWORD = "hr-dashboard-wachtwoord-2024"
K = 5

# What was typed into Slack: none of it may reach HR.
PERSONAL_DATA = [
    "jan.jansen@gemeente.nl",
    "06-12345678",
    "0612345678",
    "12345678",
    "111222333",
    "Jan de Vries",
]
TEAM_QUESTIONS = [
    "wie kan ik bellen over ruzie in mijn team?",
    "wie kan ik bellen over ruzie in mijn team? mail me op jan.jansen@gemeente.nl",
    "wie kan ik bellen over ruzie in mijn team? bel me op 06-12345678",
    "wie helpt bij ruzie in ons team? mijn bsn is 111222333",
    "wie helpt bij ruzie in ons team? mijn collega Jan de Vries ook",
    "wie kan ik bellen over ruzie in mijn team?",
]
CANTEEN_QUESTIONS = [
    "hoe laat gaat de kantine open",
    "wanneer opent de kantine",
    "is de kantine open? mail jan.jansen@gemeente.nl",
] * 2
RARE_QUESTION = "wanneer is werkatelier 4?"


@pytest.fixture
def settings(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings, with a dashboard password and k = 5."""
    monkeypatch.setenv("LEERROUTE_MONITOR__DASHBOARD_PASSWORD", PASSWORD)
    monkeypatch.setenv("LEERROUTE_MONITOR__K_ANONYMITY", str(K))
    return load_settings()


@pytest.fixture
def seeded(services: Services) -> Services:
    """Many people asking, some with personal data in their question.

    - 6 people ask who helps with conflict in their team (a support-role route): shown;
    - 6 people ask when the canteen opens (not in the knowledge): a gap, shown, but none of
      the three wordings (two people each) as an example text;
    - 2 people ask when werkatelier 4 is: fewer than k, so only counted as "overig";
    - 3 of the team askers rate the answer (2 👍, 1 👎).
    """
    asked = [
        services.questions.ask(text, f"UTEAM{i:04d}", "dm") for i, text in enumerate(TEAM_QUESTIONS)
    ]
    for i, text in enumerate(CANTEEN_QUESTIONS):
        services.questions.ask(text, f"UCANT{i:04d}", "mention")
    for i in range(2):
        services.questions.ask(RARE_QUESTION, f"URARE{i:04d}", "slash")
    for i, vote in enumerate([1, 1, -1]):
        question_id = asked[i].question_id
        assert question_id is not None
        assert services.recorder.feedback(question_id, vote, f"UTEAM{i:04d}")
    return services


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def last_days(days: int = 30) -> Period:
    return Period(today() - dt.timedelta(days=days - 1), today())


def themes_below_k(services: Services, period: Period) -> list[str]:
    """Every theme label that fewer than k people stand behind: never to be shown."""
    rows = load_questions(services.db, period.since, period.until)
    themes = assign_themes(rows, services.role_names())
    askers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        askers[themes[row.id]].add(row.asker)
    return [label for label, people in askers.items() if len(people) < K]


def signed_in(services: Services) -> TestClient:
    client = TestClient(create_dashboard_app(services))
    response = client.post("/login", data={"password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


# --- nothing without sign-in ------------------------------------------------------------


def test_without_a_session_every_page_sends_to_sign_in_and_downloads_are_refused(
    services: Services,
) -> None:
    client = TestClient(create_dashboard_app(services))
    for path in ("/", "/?days=7"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    for path in ("/report.json", "/report.csv"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 401
        assert "themes" not in response.text and "theme" not in response.text
    sign_in = client.get("/login")
    assert sign_in.status_code == 200
    assert 'type="password"' in sign_in.text and "Vragen per week" not in sign_in.text


def test_a_wrong_password_is_refused_and_the_sixth_failure_within_a_minute_gets_429(
    services: Services,
) -> None:
    client = TestClient(create_dashboard_app(services))
    for _ in range(5):
        response = client.post("/login", data={"password": "raden"}, follow_redirects=False)
        assert response.status_code == 401
        assert "Onjuist wachtwoord" in response.text
        assert SESSION_COOKIE not in response.cookies
    # Locked out for the rest of the minute, even with the right password.
    response = client.post("/login", data={"password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.text
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert SESSION_COOKIE not in response.cookies
    # Another address is not locked out.
    other = TestClient(create_dashboard_app(services), client=("10.0.0.2", 50000))
    assert other.post("/login", data={"password": "raden"}).status_code == 401


def test_the_right_password_gives_a_strict_httponly_cookie_that_expires(
    services: Services,
) -> None:
    client = TestClient(create_dashboard_app(services))
    response = client.post("/login", data={"password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=28800" in cookie
    assert PASSWORD.lower() not in cookie
    assert client.get("/").status_code == 200


def test_a_tampered_expired_or_foreign_cookie_is_refused(services: Services) -> None:
    client = signed_in(services)
    token = client.cookies[SESSION_COOKIE]
    payload, _, signature = token.rpartition(".")
    key = services.recorder.key
    version, expiry, nonce = payload.split(".")
    forged = {
        "tampered signature": f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        "longer expiry": f"{version}.{int(expiry) + 10**6}.{nonce}.{signature}",
        "expired": Sessions(PASSWORD, key, clock=lambda: time.time() - 9 * 3600).issue(),
        "other password": Sessions("een-ander-wachtwoord", key).issue(),
        "other pseudonym key": Sessions(PASSWORD, b"another key").issue(),
        "garbage": "v1.abc",
    }
    for name, value in forged.items():
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, value)
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303, name
        assert client.get("/report.json").status_code == 401, name


def test_signing_out_ends_the_session(services: Services) -> None:
    client = signed_in(services)
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_without_a_configured_password_nobody_signs_in(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.settings.monitor, "dashboard_password", None)
    client = TestClient(create_dashboard_app(services))
    assert client.post("/login", data={"password": ""}, follow_redirects=False).status_code == 401
    client.cookies.set(SESSION_COOKIE, Sessions(None, services.recorder.key).issue())
    assert client.get("/", follow_redirects=False).status_code == 303


def test_every_response_carries_the_security_headers(services: Services) -> None:
    anonymous = TestClient(create_dashboard_app(services))
    client = signed_in(services)
    responses = [
        anonymous.get("/login"),
        anonymous.get("/", follow_redirects=False),
        anonymous.get("/report.csv"),
        client.get("/"),
        client.get("/report.json"),
        client.get("/report.csv"),
    ]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "style-src 'self' 'unsafe-inline'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "no-store" in response.headers["cache-control"]


# --- what HR sees ------------------------------------------------------------------------


def test_the_dashboard_shows_themes_gaps_routes_feedback_and_use(seeded: Services) -> None:
    page = signed_in(seeded).get("/").text
    for heading in (
        "Vragen per week, per thema",
        "Thema’s",
        "Kennislacunes",
        "Doorverwijzingen",
        "Feedback",
        "Gebruik per kanaal",
        "Gebruik per taal",
    ):
        assert heading in page
    assert "Hulplijn: Groepsontwikkelaar" in page  # six people: shown
    assert "Onbeantwoord: kantin" in page  # a gap of six people: shown
    assert "kantine open? mail" not in page  # but no text that only two people typed
    assert OTHER in page  # the werkatelier question of two people
    assert "67%" in page  # 2 of 3 ratings positive
    assert "<svg" in page and "<rect" in page and "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page  # nothing loaded from elsewhere


def test_no_personal_data_and_no_theme_of_fewer_than_k_people_is_shown_or_downloaded(
    seeded: Services,
) -> None:
    client = signed_in(seeded)
    hidden = themes_below_k(seeded, last_days())
    assert any("werkatelier" in label.lower() or "—" in label for label in hidden)
    for path in ("/", "/report.json", "/report.csv", "/?days=7"):
        body = client.get(path).text
        for value in PERSONAL_DATA:
            assert value not in body, (path, value)
        for label in hidden:
            assert label not in body and escape(label) not in body, (path, label)
        assert "UTEAM" not in body and "URARE" not in body  # no Slack ids


def test_the_downloads_are_the_report_of_the_chosen_period(seeded: Services) -> None:
    client = signed_in(seeded)
    period = Period(today() - dt.timedelta(days=6), today())
    expected = build_report(seeded.db, K, period.since, period.until, seeded.role_names())
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"

    response = client.get(f"/report.json?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert response.json() == expected.as_json()
    assert response.json()["questions"] == 14

    response = client.get(f"/report.csv?{query}")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text == expected.themes_csv()
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["theme"] for row in rows} >= {"Hulplijn: Groepsontwikkelaar", OTHER}

    # ?days=N is the last N days up to and including today.
    response = client.get("/report.json?days=7")
    assert response.json() == expected.as_json()


def test_a_period_without_questions_shows_an_empty_dashboard(seeded: Services) -> None:
    client = signed_in(seeded)
    response = client.get("/?from=2020-01-01&to=2020-01-31")
    assert response.status_code == 200
    assert "Geen vragen" in response.text and "Groepsontwikkelaar" not in response.text
    assert client.get("/report.json?from=2020-01-01&to=2020-01-31").json()["questions"] == 0


def test_the_period_defaults_to_the_last_30_days_and_rejects_nonsense(services: Services) -> None:
    day = dt.date(2024, 3, 15)
    assert parse_period({}, day) == Period(dt.date(2024, 2, 15), day)
    assert parse_period({"days": "7"}, day) == Period(dt.date(2024, 3, 9), day)
    assert parse_period({"from": "2024-01-01", "to": "2024-01-31"}, day).days == 31
    client = signed_in(services)
    for query in (
        "days=0",
        "days=abc",
        "from=2024-02-01&to=2024-01-01",
        "from=gisteren",
        "days=100000",
    ):
        response = client.get(f"/?{query}")
        assert response.status_code == 400, query
        assert "<script" not in response.text
    assert client.get("/report.json?days=-1").status_code == 400


def test_the_weekly_chart_counts_match_the_report_and_keep_k_anonymity(seeded: Services) -> None:
    period = last_days()
    chart = weekly_themes(seeded.db, K, period.since, period.until, seeded.role_names())
    report = build_report(seeded.db, K, period.since, period.until, seeded.role_names())
    assert set(chart.series) <= {theme.label for theme in report.themes}
    assert "Hulplijn: Groepsontwikkelaar" in chart.series and OTHER in chart.series
    assert not set(chart.series) & set(themes_below_k(seeded, period))
    for week, total in zip(chart.weeks, chart.totals(), strict=True):
        assert total == report.use["per_week"].get(week, 0)
    assert sum(chart.totals()) == report.questions == 14
    assert list(chart.series)[-1] == OTHER  # "overig" is drawn on top, in grey


def test_the_chart_hides_a_week_with_fewer_than_k_askers(services: Services) -> None:
    services.questions.ask(TEAM_QUESTIONS[0], "ULONE0001", "dm")
    period = last_days(7)
    chart = weekly_themes(services.db, K, period.since, period.until, services.role_names())
    assert chart.series == {} and chart.hidden == 1


def test_text_in_a_question_is_escaped_not_rendered(services: Services) -> None:
    for i in range(K):
        services.questions.ask(
            "hoe laat gaat de kantine open <script>alert(1)</script><img src=x onerror=alert(2)>",
            f"UXSS{i:04d}",
            "dm",
        )
    page = signed_in(services).get("/").text
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page or "&lt;img" in page


# --- in a real browser -------------------------------------------------------------------


@pytest.fixture
def served(seeded: Services) -> Iterator[str]:
    """The dashboard served by uvicorn on 127.0.0.1 in a background thread."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_dashboard_app(seeded), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
def test_in_a_browser_hr_signs_in_and_sees_the_chart_without_personal_data(
    served: str, seeded: Services
) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    hidden = themes_below_k(seeded, last_days())
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda message: problems.append(f"{message.type}: {message.text}"))
            outside: list[str] = []
            page.on(
                "request",
                lambda request: (
                    None if request.url.startswith(served) else outside.append(request.url)
                ),
            )

            page.goto(served + "/")
            assert page.url == served + "/login"  # sent to sign in; nothing shown yet
            assert "Groepsontwikkelaar" not in page.inner_text("body")

            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(served + "/")
            assert page.locator("h2", has_text="Vragen per week").is_visible()
            assert page.locator("svg.chart rect").count() >= 2  # a stack: the theme and "overig"
            assert page.locator(".legend li").count() >= 2

            text = page.inner_text("body")
            assert "Hulplijn: Groepsontwikkelaar" in text
            for value in PERSONAL_DATA:
                assert value not in text and value not in page.content(), value
            for label in hidden:
                assert label not in text, label

            cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
            assert page.evaluate("document.cookie") == ""  # scripts cannot read the session

            page.screenshot(path="/tmp/dashboard.png", full_page=True)

            page.click("text=Afmelden")
            page.wait_for_url(served + "/login")
            page.goto(served + "/")
            assert page.url == served + "/login"
            assert problems == [], problems  # e.g. a style blocked by the CSP
            assert outside == []  # nothing is loaded from elsewhere
        finally:
            browser.close()
