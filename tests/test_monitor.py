"""HR monitoring: scrubbed, pseudonymous records; themes with k-anonymity; retention; erasure."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from typer.testing import CliRunner

from bot.cli import app
from bot.models import Question
from bot.monitor.report import OTHER, build_report
from bot.monitor.scrub import elfproef, scrub
from bot.services import Services

# --- personal data, generated -----------------------------------------------------


@st.composite
def bsn(draw: st.DrawFn) -> str:
    while True:
        digits = draw(st.text("0123456789", min_size=9, max_size=9))
        if elfproef(digits):
            return digits


emails = st.from_regex(
    r"[a-z]{2,8}(\.[a-z]{2,8})?@(gemeente|example|mail)\.(nl|com|org)", fullmatch=True
)
mobiles = st.from_regex(r"06[- ]?[1-9][0-9]{7}", fullmatch=True)
landlines = st.from_regex(r"0[1-5][0-9]-?[1-9][0-9]{6}", fullmatch=True)
internationals = st.from_regex(r"\+31 ?6 ?[1-9][0-9]{3} ?[0-9]{4}", fullmatch=True)
ibans = st.from_regex(r"NL[0-9]{2} ?(ABNA|INGB|RABO) ?[0-9]{4} ?[0-9]{4} ?[0-9]{2}", fullmatch=True)
postcodes = st.from_regex(r"[1-9][0-9]{3} ?[A-Z]{2} [1-9][0-9]{0,2}", fullmatch=True)
mentions = st.from_regex(r"<@U[A-Z0-9]{8,10}>", fullmatch=True)
personal = st.one_of(emails, mobiles, landlines, internationals, ibans, postcodes, mentions, bsn())
templates = st.sampled_from(
    [
        "wie kan ik bellen over ruzie in mijn team? mijn nummer is {}",
        "Wanneer is werkatelier 4? Mail me op {} graag",
        "{} heeft een vraag over de kosten van de leergang",
        "ik wil een opleiding volgen, gegevens: {}.",
    ]
)


def digits_of(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


@given(template=templates, value=personal)
def test_scrubbing_removes_every_kind_of_personal_data(template: str, value: str) -> None:
    cleaned = scrub(template.format(value))
    assert value not in cleaned
    if len(digits_of(value)) >= 6:
        assert digits_of(value) not in digits_of(cleaned)


def test_scrubbing_keeps_the_facts_of_a_question() -> None:
    text = "Kost werkatelier 4 op 19 maart 2012 echt € 6.500? Mijn collega Jan de Vries twijfelt."
    assert (
        scrub(text)
        == "Kost werkatelier 4 op 19 maart 2012 echt € 6.500? Mijn collega [naam] twijfelt."
    )


def test_a_nine_digit_number_that_fails_the_elfproef_is_not_a_bsn() -> None:
    assert elfproef("111222333") and not elfproef("123456789")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(template=templates, value=personal)
def test_personal_data_never_reaches_the_database_or_the_logs(
    services: Services, caplog: pytest.LogCaptureFixture, data_dir: Path, template: str, value: str
) -> None:
    caplog.set_level(logging.DEBUG)
    services.questions.ask(template.format(value), "U0PRIVATE1", "dm")
    raw = b"".join(path.read_bytes() for path in data_dir.glob("leerroute.db*"))
    assert value.encode() not in raw
    assert b"U0PRIVATE1" not in raw  # only the keyed hash is stored
    assert value not in caplog.text


# --- what HR sees -------------------------------------------------------------------


def ask_many(services: Services, question: str, users: int, prefix: str) -> None:
    for i in range(users):
        services.questions.ask(question, f"U{prefix}{i:04d}", "dm")


def report_now(services: Services, k: int = 5):  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    return build_report(
        services.db,
        k,
        now - dt.timedelta(days=30),
        now + dt.timedelta(minutes=1),
        services.role_names(),
    )


def test_themes_asked_by_fewer_than_k_people_are_only_counted_as_other(services: Services) -> None:
    ask_many(services, "wie kan ik bellen over ruzie in mijn team?", 6, "TEAM")
    ask_many(services, "wanneer is werkatelier 4?", 2, "RARE")
    ask_many(services, "hoe laat gaat de kantine open?", 3, "KANT")
    report = report_now(services)
    labels = {theme.label: theme for theme in report.themes}
    assert labels["Hulplijn: Groepsontwikkelaar"].count == 6
    assert labels["Hulplijn: Groepsontwikkelaar"].askers == 6
    assert labels[OTHER].count == 5 and labels[OTHER].askers == 5
    assert not any("werkatelier" in label.lower() or "kantine" in label.lower() for label in labels)
    assert report.roles == {"groepsontwikkelaar": 6}
    assert all(gap.examples == [] for gap in report.gaps if gap.theme == OTHER)
    assert report.questions == 11 and report.askers == 11


def test_unanswered_questions_from_enough_people_are_a_named_gap(services: Services) -> None:
    for i, text in enumerate(
        ["hoe laat gaat de kantine open", "wanneer opent de kantine", "is de kantine open?"] * 2
    ):
        services.questions.ask(text, f"UGAP{i:04d}", "mention")
    report = report_now(services, k=5)
    gap = next(gap for gap in report.gaps if gap.reason == "onbeantwoord")
    assert "kantin" in gap.theme and gap.count == 6 and gap.askers == 6
    assert gap.examples == []  # each wording was typed by two people only: no text shown


def test_feedback_counts_per_theme_and_overall(services: Services) -> None:
    asked = [
        services.questions.ask("wie helpt bij ruzie in ons team?", f"UFB{i:04d}", "dm")
        for i in range(5)
    ]
    for i, item in enumerate(asked[:3]):
        assert item.question_id is not None
        assert services.recorder.feedback(item.question_id, 1 if i < 2 else -1, f"UFB{i:04d}")
    assert asked[3].question_id is not None
    assert not services.recorder.feedback(
        asked[3].question_id, 1, "USOMEONEELSE"
    )  # only the asker rates
    report = report_now(services)
    assert report.feedback == {"up": 2, "down": 1, "ratio": 0.667, "down_reasons": {}}
    theme = report.themes[0]
    assert (theme.up, theme.down) == (2, 1)


def test_retention_deletes_old_texts_but_keeps_the_counts(services: Services) -> None:
    ask_many(services, "wie helpt bij ruzie in ons team?", 5, "OLD")
    with services.db.session() as session:
        session.execute(
            update(Question).values(asked_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=91))
        )
    ask_many(services, "wanneer is werkatelier 4?", 1, "NEW")
    assert services.recorder.purge(90) == 5
    with services.db.session() as session:
        texts = [row.text for row in session.scalars(select(Question).order_by(Question.id))]
    assert texts[:5] == [None] * 5 and texts[5] == "wanneer is werkatelier 4?"
    now = dt.datetime.now(dt.UTC)
    old = build_report(services.db, 5, now - dt.timedelta(days=120), now, services.role_names())
    assert old.questions == 6 and old.roles["groepsontwikkelaar"] == 5


def test_forgetting_a_person_erases_all_of_them(services: Services) -> None:
    services.questions.ask("wie helpt bij ruzie in ons team?", "UFORGET1", "dm")
    services.questions.ask("wanneer is werkatelier 4?", "UKEEP001", "dm")
    services.participants.enrol("UFORGET1")
    services.portfolio.add("UFORGET1", "werkatelier-1", "Wat viel je op?", "Veel.")
    result = CliRunner().invoke(app, ["forget", "--user", "UFORGET1"])
    assert result.exit_code == 0, result.output
    assert (
        "questions 1" in result.output
        and "portfolio 1" in result.output
        and "enrolment 1" in result.output
    )
    assert services.recorder.question_count() == 1
    assert not services.participants.is_enrolled("UFORGET1")
    assert services.portfolio.entries("UFORGET1") == []


def test_forget_refuses_what_is_no_user_id_and_never_erases_anyone_else(
    services: Services,
) -> None:
    services.db.claim_event("Ev1", json.dumps({"event": {"user": "UOTHER01", "text": "hoi"}}))
    result = CliRunner().invoke(app, ["forget", "--user", "%"])
    assert result.exit_code == 2 and "not a Slack user id" in result.output
    assert services.recorder.forget("U%")["pending"] == 0  # a wildcard matches nothing
    assert [event_id for event_id, _ in services.db.unfinished_events(dt.timedelta(0))] == ["Ev1"]


def test_report_json_has_the_promised_shape_and_no_personal_data(services: Services) -> None:
    ask_many(services, "wie kan ik bellen over ruzie in mijn team? bel 06-12345678", 5, "JSON")
    result = CliRunner().invoke(app, ["report", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"questions", "askers", "themes", "roles", "gaps", "feedback"}
    assert report["questions"] == 5 and report["askers"] == 5
    assert set(report["themes"][0]) >= {"label", "count", "askers", "trend"}
    assert report["roles"] == {"groepsontwikkelaar": 5}
    assert "12345678" not in result.stdout and "UJSON" not in result.stdout


def test_reflections_never_appear_in_monitoring(services: Services, data_dir: Path) -> None:
    services.portfolio.add(
        "UREFLECT1", "werkatelier-1", "Wat viel je op?", "Mijn geheime reflectie over mijn baas"
    )
    report = report_now(services, k=1)
    assert "geheime" not in json.dumps(report.as_json())
    with sqlite3.connect(data_dir / "leerroute.db") as connection:
        rows = connection.execute("select text from questions").fetchall()
    assert all("geheime" not in (text or "") for (text,) in rows)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Ik ben Marloes en ik heb een burn-out", "Ik ben [naam] en ik heb een burn-out"),
        (
            "mijn naam is marloes de boer en ik zoek een coach",
            "mijn naam is [naam] en ik zoek een coach",
        ),
        (
            "Mijn leidinggevende, Piet Jansen, ontwijkt conflicten",
            "Mijn leidinggevende, [naam], ontwijkt conflicten",
        ),
        ("WANNEER IS WERKATELIER VIER", "WANNEER IS WERKATELIER VIER"),
        ("ik ben moe van het gedoe", "ik ben moe van het gedoe"),
    ],
)
def test_names_are_removed_where_they_can_be_told_apart_from_words(text: str, kept: str) -> None:
    assert scrub(text) == kept


def test_a_gap_shows_a_question_text_only_when_k_people_asked_it(services: Services) -> None:
    for i in range(5):
        services.questions.ask("hoe laat gaat de kantine open", f"USAME{i:04d}", "dm")
    for i in range(5):
        services.questions.ask(f"is de kantine open op dag {i} van de week", f"UDIFF{i:04d}", "dm")
    report = report_now(services, k=5)
    examples = [text for gap in report.gaps for text in gap.examples]
    assert "hoe laat gaat de kantine open" in examples
    assert not any("op dag" in text for text in examples)


def test_forget_finds_what_was_recorded_before_the_pseudonym_key_was_set(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import build_services
    from bot.settings import load_settings

    before = build_services(load_settings())  # the key generated in the database
    before.questions.ask("wie helpt bij ruzie in ons team?", "U0MOVED01", "dm")
    before.db.engine.dispose()
    # The README's step when moving to replicas: set the key explicitly.
    monkeypatch.setenv("LEERROUTE_MONITOR__PSEUDONYM_KEY", "a-real-key-for-the-replicas-42")
    after = build_services(load_settings())
    after.questions.ask("wanneer is werkatelier 4?", "U0MOVED01", "dm")
    after.questions.ask("wanneer is werkatelier 4?", "U0STAYS01", "dm")
    result = CliRunner().invoke(app, ["forget", "--user", "U0MOVED01"])
    assert result.exit_code == 0 and "questions 2" in result.output, result.output
    assert after.recorder.question_count() == 1
