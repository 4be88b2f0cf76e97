"""The HR dashboard: the monitoring report as a small, self-contained web page.

`leerroute dashboard` serves it. Nothing is shown before sign-in with the password from
the settings (LEERROUTE_MONITOR__DASHBOARD_PASSWORD): pages redirect to /login and the
downloads answer 401. The session is a signed, expiring cookie (HMAC with a key derived
from the password and the pseudonym key), so the server keeps no session state and a new
password ends every session. Failed sign-ins are limited per client address.

Everything the page shows comes from `build_report`, so k-anonymity applies as it does in
the report; the weekly chart applies it too (see `weekly_themes`). The page is rendered on
the server with every value HTML-escaped, has inline CSS and an inline SVG chart, and
loads nothing from elsewhere: it works without internet and without JavaScript.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db import Database
from bot.models import Question, as_utc
from bot.monitor.report import (
    OTHER,
    Report,
    assign_themes,
    build_report,
    iso_week,
    load_questions,
)

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

SESSION_COOKIE = "leerroute_dashboard"
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5  # failed sign-ins per client address...
FAILURE_WINDOW_S = 60.0  # ...per this many seconds, then 429
MAX_FORM_BYTES = 4096
DEFAULT_DAYS = 30
MAX_DAYS = 731

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'none'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "pragma": "no-cache",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}

PALETTE = (
    "#3b6fb6",
    "#e8833a",
    "#4e9a57",
    "#d1495b",
    "#6bb3ae",
    "#c9a227",
    "#8e6bb0",
    "#e58fb0",
    "#8c6a4f",
    "#2f8fce",
    "#a3b93b",
    "#5c5f99",
)
OTHER_COLOUR = "#a6abb3"

SURFACES = {
    "dm": "Direct bericht",
    "mention": "Vermelding in kanaal",
    "thread": "Draad",
    "assistant": "Assistent-paneel",
    "slash": "Slash-commando",
}
LANGUAGES = {"nl": "Nederlands", "en": "Engels"}
REASONS = {
    "onbeantwoord": "Niet beantwoord",
    "negatief": "Negatief beoordeeld",
    "onbeantwoord of negatief": "Niet beantwoord of negatief beoordeeld",
}


# --- the period -------------------------------------------------------------------


class PeriodError(ValueError):
    """The period in the query cannot be used; the message says why (in Dutch)."""


@dataclass(frozen=True)
class Period:
    """Whole days in UTC, `start` up to and including `end`."""

    start: dt.date
    end: dt.date

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def until(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def query(self) -> str:
        return urlencode({"from": self.start.isoformat(), "to": self.end.isoformat()})


def parse_period(params: Mapping[str, str], today: dt.date) -> Period:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, or `?days=N` (the last N days up to today), else
    the last 30 days."""
    start_text, end_text = params.get("from", "").strip(), params.get("to", "").strip()
    if start_text or end_text:
        try:
            end = dt.date.fromisoformat(end_text) if end_text else today
            start = (
                dt.date.fromisoformat(start_text)
                if start_text
                else end - dt.timedelta(days=DEFAULT_DAYS - 1)
            )
        except ValueError:
            raise PeriodError("Geef datums als JJJJ-MM-DD.") from None
        if start > end:
            raise PeriodError("De begindatum ligt na de einddatum.")
        period = Period(start, end)
    else:
        days_text = params.get("days", "").strip() or str(DEFAULT_DAYS)
        if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_DAYS:
            raise PeriodError(f"Het aantal dagen moet tussen 1 en {MAX_DAYS} liggen.")
        period = Period(today - dt.timedelta(days=int(days_text) - 1), today)
    if period.days > MAX_DAYS:
        raise PeriodError(f"Kies een periode van hoogstens {MAX_DAYS} dagen.")
    return period


# --- the weekly chart's data ----------------------------------------------------------


@dataclass
class WeeklyThemes:
    """Questions per ISO week per theme, k-anonymous like the report.

    `series` holds one count per week of `weeks` for each theme, largest first and
    "overig" last. `hidden` counts the questions of weeks with fewer than k askers, which
    are not drawn (the report folds those weeks into "overig" too).
    """

    weeks: list[str]
    series: dict[str, list[int]]
    hidden: int = 0

    def totals(self) -> list[int]:
        return [sum(counts[i] for counts in self.series.values()) for i in range(len(self.weeks))]


def weeks_between(since: dt.datetime, until: dt.datetime) -> list[str]:
    """Every ISO week that has a day in [since, until)."""
    day, last = since.date(), (until - dt.timedelta(microseconds=1)).date()
    day -= dt.timedelta(days=day.weekday())  # the Monday
    weeks = []
    while day <= last:
        year, week, _ = day.isocalendar()
        weeks.append(f"{year}-W{week:02d}")
        day += dt.timedelta(days=7)
    return weeks


def weekly_themes(
    db: Database,
    k: int,
    since: dt.datetime,
    until: dt.datetime,
    role_names: dict[str, str] | None = None,
) -> WeeklyThemes:
    """Per week per theme, with the same themes as `build_report` for the same period.

    A theme with fewer than k distinct askers in the period is drawn as "overig"; so is a
    theme's part of one week when fewer than k people stand behind it; a week with fewer
    than k askers in all is not drawn at all (only counted in `hidden`).
    """
    rows = load_questions(db, as_utc(since), as_utc(until))
    themes = assign_themes(rows, role_names or {})
    askers_per_theme: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        askers_per_theme[themes[row.id]].add(row.asker)
    named = {
        label for label, askers in askers_per_theme.items() if len(askers) >= k and label != OTHER
    }

    weeks = weeks_between(as_utc(since), as_utc(until))
    index = {week: i for i, week in enumerate(weeks)}
    cells: dict[tuple[str, str], list[Question]] = defaultdict(list)
    askers_per_week: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        week = iso_week(as_utc(row.asked_at))
        label = themes[row.id] if themes[row.id] in named else OTHER
        cells[(week, label)].append(row)
        askers_per_week[week].add(row.asker)

    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    hidden = 0
    for (week, label), members in cells.items():
        if len(askers_per_week[week]) < k or week not in index:
            hidden += len(members)
            continue
        shown = label if len({m.asker for m in members}) >= k else OTHER
        series[shown][index[week]] += len(members)
    order = sorted(
        (label for label in series if label != OTHER),
        key=lambda label: (-sum(series[label]), label),
    )
    if OTHER in series:
        order.append(OTHER)
    return WeeklyThemes(weeks, {label: series[label] for label in order}, hidden)


# --- sign-in ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Sessions:
    """Stateless sessions: `v1.<expiry>.<nonce>.<HMAC>` in a cookie.

    The HMAC key is derived from the dashboard password and the pseudonym key, so a
    cookie cannot be made without both, and changing the password ends every session.
    """

    def __init__(
        self,
        password: str | None,
        pseudonym_key: bytes,
        lifetime_s: int = SESSION_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._password = hashlib.sha256(password.encode()).digest() if password else None
        self._key = hmac.new(
            pseudonym_key,
            b"leerroute-dashboard-session\x00" + (password or "").encode(),
            hashlib.sha256,
        ).digest()
        self.lifetime_s = lifetime_s
        self.clock = clock

    def check_password(self, candidate: str) -> bool:
        """Constant-time: both sides are hashed first, so not even the length leaks."""
        given = hashlib.sha256(candidate.encode("utf-8", "replace")).digest()
        if self._password is None:
            hmac.compare_digest(given, given)
            return False
        return hmac.compare_digest(given, self._password)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self) -> str:
        payload = f"v1.{int(self.clock()) + self.lifetime_s}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def valid(self, token: str | None) -> bool:
        if self._password is None or not token or len(token) > 200 or not token.isascii():
            return False
        payload, _, signature = token.rpartition(".")
        parts = payload.split(".")
        if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit():
            return False
        if not hmac.compare_digest(signature, self._sign(payload)):
            return False
        return int(parts[1]) > self.clock()


class LoginLimiter:
    """At most `max_failures` failed sign-ins per client address per `window_s` seconds."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, client: str) -> int:
        """Seconds until this client may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            failures = self._recent(client, now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, math.ceil(failures[0] + self.window_s - now))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._failures) > 10_000:  # forget quiet addresses; memory stays bounded
                for other in list(self._failures):
                    if not self._recent(other, now):
                        del self._failures[other]
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


class SecurityHeaders:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.decode("latin-1").lower() not in SECURITY_HEADERS
                ]
                headers += [
                    (name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- the app ---------------------------------------------------------------------------


def create_dashboard_app(
    services: Services, *, today: Callable[[], dt.date] | None = None
) -> Starlette:
    """The dashboard as an ASGI app (served by `serve_dashboard`, or a test client)."""
    monitor = services.settings.monitor
    password = monitor.dashboard_password.get_secret_value() if monitor.dashboard_password else None
    sessions = Sessions(password, services.recorder.key)
    limiter = LoginLimiter()
    db, k = services.db, monitor.k_anonymity
    role_names = services.role_names()
    current_day = today or (lambda: dt.datetime.now(dt.UTC).date())

    def signed_in(request: Request) -> bool:
        return sessions.valid(request.cookies.get(SESSION_COOKIE))

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def period_of(request: Request) -> Period:
        return parse_period(request.query_params, current_day())

    async def login_page(request: Request) -> Response:
        if signed_in(request):
            return RedirectResponse("/", status_code=303)
        return HTMLResponse(render_login())

    async def login(request: Request) -> Response:
        client = client_of(request)
        wait = limiter.retry_after(client)
        if wait:
            return HTMLResponse(
                render_login(
                    f"Te veel mislukte pogingen. Probeer het over {wait} seconden opnieuw."
                ),
                status_code=429,
                headers={"retry-after": str(wait)},
            )
        form = await read_form(request)
        if not sessions.check_password(form.get("password", "")):
            limiter.failed(client)
            log.warning("dashboard: failed sign-in from %s", client)
            return HTMLResponse(render_login("Onjuist wachtwoord."), status_code=401)
        limiter.succeeded(client)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            sessions.issue(),
            max_age=sessions.lifetime_s,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    def dashboard(request: Request) -> Response:
        if not signed_in(request):
            return RedirectResponse("/login", status_code=303)
        try:
            period = period_of(request)
        except PeriodError as exc:
            fallback = parse_period({}, current_day())
            return HTMLResponse(render_error(str(exc), fallback), status_code=400)
        report = build_report(db, k, period.since, period.until, role_names)
        chart = weekly_themes(db, k, period.since, period.until, role_names)
        return HTMLResponse(render_dashboard(report, chart, period, role_names))

    def download(kind: str) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            if not signed_in(request):
                return Response(
                    "Niet aangemeld.\n", status_code=401, media_type="text/plain; charset=utf-8"
                )
            try:
                period = period_of(request)
            except PeriodError as exc:
                return Response(f"{exc}\n", status_code=400, media_type="text/plain; charset=utf-8")
            report = build_report(db, k, period.since, period.until, role_names)
            name = f"leerroute-rapport-{period.start.isoformat()}-{period.end.isoformat()}"
            if kind == "json":
                body = json.dumps(report.as_json(), ensure_ascii=False, indent=2)
                media = "application/json"
            else:
                body, media = report.themes_csv(), "text/csv; charset=utf-8"
            return Response(
                body,
                media_type=media,
                headers={"content-disposition": f'attachment; filename="{name}.{kind}"'},
            )

        return endpoint

    app = Starlette(
        routes=[
            Route("/", dashboard, methods=["GET"]),
            Route("/login", login_page, methods=["GET"]),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["GET", "POST"]),
            Route("/report.json", download("json"), methods=["GET"]),
            Route("/report.csv", download("csv"), methods=["GET"]),
        ]
    )
    app.add_middleware(SecurityHeaders)
    return app


async def read_form(request: Request) -> dict[str, str]:
    """A small url-encoded form; larger bodies are cut off (a password needs little)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            break
    fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def serve_dashboard(services: Services, host: str, port: int) -> None:
    """Serve the dashboard on exactly `host`:`port` until Ctrl-C or SIGTERM."""
    import uvicorn

    app = create_dashboard_app(services)
    shown = f"[{host}]" if ":" in host else host
    log.info("HR dashboard on http://%s:%d (Ctrl-C stops it)", shown, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


# --- rendering -------------------------------------------------------------------------


def e(value: Any) -> str:
    """HTML-escape anything shown; nothing reaches the page unescaped."""
    return escape(str(value), quote=True)


CSS = """
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--bg:#f4f6f8;--card:#fff;--accent:#2f5d9e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#1e3a5f;color:#fff;padding:.8rem 1.5rem;display:flex;align-items:center;gap:1rem;flex-wrap:wrap}
header h1{font-size:1.15rem;margin:0;font-weight:600;flex:1}
header form{margin:0}
main{max-width:1180px;margin:0 auto;padding:1.2rem 1.5rem 2.5rem}
h2{font-size:1.05rem;margin:0 0 .7rem}
section.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem 1.2rem;margin-bottom:1.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1.2rem}
.grid section.card{margin-bottom:0}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:1rem;margin-bottom:1.2rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem}
.stat b{display:block;font-size:1.6rem;line-height:1.2}
.stat span{color:var(--muted);font-size:.85rem}
.filter{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.8rem 1.2rem}
.filter label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);gap:.2rem}
input{font:inherit;padding:.35rem .5rem;border:1px solid #b8c0cc;border-radius:5px}
button,.button{font:inherit;background:var(--accent);color:#fff;border:0;border-radius:5px;padding:.4rem .9rem;cursor:pointer;text-decoration:none;display:inline-block}
header button{background:#fff;color:#1e3a5f}
.quick a,.downloads a{margin-right:.7rem}
a{color:var(--accent)}
.muted{color:var(--muted);font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:#2e7d32}.down{color:#c62828}
ul.examples{margin:0;padding-left:1.1rem;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:.35rem 1.2rem;list-style:none;margin:.6rem 0 0;padding:0;font-size:.88rem}
.legend i{display:inline-block;width:.85rem;height:.85rem;border-radius:2px;margin-right:.4rem;vertical-align:-.1rem}
svg.chart{width:100%;height:auto;display:block}
.chart text{font:11px system-ui,sans-serif;fill:#5f6b7a}
.chart text.total{font-weight:600;fill:#1f2933}
.bar{fill-opacity:.95}
.error{background:#fdecea;border:1px solid #f5c2c0;color:#8a1c1c;border-radius:6px;padding:.6rem .8rem;margin-bottom:1rem}
.login{max-width:360px;margin:12vh auto;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.6rem}
.login h1{font-size:1.2rem;margin:0 0 .3rem}
.login label{display:block;margin:1rem 0 .3rem;font-size:.9rem}
.login input{width:100%}
.login button{margin-top:1rem;width:100%;padding:.55rem}
"""


def page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow"><link rel="icon" href="data:,">'
        f"<title>{e(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def render_login(message: str | None = None) -> str:
    error = f'<p class="error" role="alert">{e(message)}</p>' if message else ""
    return page(
        "Aanmelden — Leerroute HR-dashboard",
        '<div class="login"><h1>Leerroute HR-dashboard</h1>'
        '<p class="muted">Alleen voor HR-beheerders. Meld je aan met het wachtwoord van het dashboard.</p>'
        f"{error}"
        '<form method="post" action="/login">'
        '<input type="text" name="username" value="HR" autocomplete="username" hidden>'
        '<label for="password">Wachtwoord</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>'
        '<button type="submit">Aanmelden</button></form></div>',
    )


def render_error(message: str, period: Period) -> str:
    return page(
        "Leerroute HR-dashboard",
        _header() + f'<main><p class="error" role="alert">{e(message)}</p>{_filter(period)}'
        '<p><a href="/">Terug naar de laatste 30 dagen</a></p></main>',
    )


def _header() -> str:
    return (
        "<header><h1>Leerroute — HR-dashboard</h1>"
        '<form method="post" action="/logout"><button type="submit">Afmelden</button></form></header>'
    )


def _filter(period: Period) -> str:
    quick = " ".join(f'<a href="/?days={days}">{days} dagen</a>' for days in (7, 30, 90, 365))
    return (
        '<section class="card"><form class="filter" method="get" action="/">'
        f'<label>Van<input type="date" name="from" value="{e(period.start.isoformat())}" required></label>'
        f'<label>Tot en met<input type="date" name="to" value="{e(period.end.isoformat())}" required></label>'
        '<button type="submit">Toon periode</button>'
        f'<span class="quick muted">Snel: {quick}</span></form></section>'
    )


def _trend(value: int) -> str:
    if value > 0:
        return f'<span class="up">▲ +{value}</span>'
    if value < 0:
        return f'<span class="down">▼ −{-value}</span>'
    return '<span class="muted">0</span>'


def _ratio(up: int, down: int) -> str:
    return f"{round(100 * up / (up + down))}%" if up + down else "—"


def _table(headers: list[tuple[str, bool]], rows: list[list[str]], empty: str) -> str:
    """Cells are HTML already (escaped by the caller); a header is (text, numeric)."""
    if not rows:
        return f'<p class="muted">{e(empty)}</p>'
    head = "".join(
        f"<th{' class=n' if numeric else ''}>{e(text)}</th>" for text, numeric in headers
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if numeric else ''}>{cell}</td>"
            for cell, (_, numeric) in zip(row, headers, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _colours(labels: list[str]) -> dict[str, str]:
    named = [label for label in labels if label != OTHER]
    colours = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(named)}
    colours[OTHER] = OTHER_COLOUR
    return colours


def _nice_max(value: int) -> tuple[int, int]:
    """A round top for the y axis and the step between its grid lines."""
    if value <= 5:
        return max(value, 1), 1
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return int(math.ceil(value / step) * step), int(step)


def render_chart(chart: WeeklyThemes) -> str:
    """Stacked bars per week, drawn as inline SVG with a tooltip per part."""
    width, height = 880, 292
    left, right, top, bottom = 44, 12, 24, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = chart.totals()
    top_value, step = _nice_max(max(totals, default=0))
    n = max(len(chart.weeks), 1)
    slot = plot_w / n
    bar_w = max(min(slot * 0.7, 56), 1.5)
    colours = _colours(list(chart.series))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-title">Vragen per week, per thema</title>'
    ]
    for tick in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * tick / top_value
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#9aa3ad" if tick == 0 else "#e3e7ec"}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    label_every = max(1, math.ceil(n / 16))
    for i, week in enumerate(chart.weeks):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for label, counts in chart.series.items():
            count = counts[i]
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colours[label]}"><title>{e(week)} · {e(label)}: {count}</title></rect>'
            )
        if totals[i] and n <= 30:
            parts.append(
                f'<text class="total" x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" '
                f'text-anchor="middle">{totals[i]}</text>'
            )
        if i % label_every == 0:
            year, _, number = week.partition("-W")
            parts.append(
                f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">wk {e(int(number))}</text>'
            )
            if i == 0 or chart.weeks[i - label_every].split("-W")[0] != year:
                parts.append(
                    f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 31}" '
                    f'text-anchor="middle">{e(year)}</text>'
                )
    parts.append("</svg>")
    legend = "".join(
        f'<li><i style="background:{colours[label]}"></i>{e(label)}</li>' for label in chart.series
    )
    notes = []
    if not any(totals):
        notes.append("Geen vragen om te tonen in deze periode.")
    if chart.hidden:
        notes.append(
            f"{chart.hidden} vragen uit weken met te weinig vragenstellers zijn niet per week getoond."
        )
    note = "".join(f'<p class="muted">{e(text)}</p>' for text in notes)
    return "".join(parts) + (f'<ul class="legend">{legend}</ul>' if legend else "") + note


def render_dashboard(
    report: Report, chart: WeeklyThemes, period: Period, role_names: dict[str, str]
) -> str:
    feedback = report.feedback
    ratio = f"{round(100 * feedback['ratio'])}%" if feedback["ratio"] is not None else "—"
    stats = (
        '<div class="stats">'
        f'<div class="stat"><b>{e(report.questions)}</b><span>vragen</span></div>'
        f'<div class="stat"><b>{e(report.askers)}</b><span>vragenstellers</span></div>'
        f'<div class="stat"><b>{e(sum(1 for t in report.themes if t.label != OTHER))}</b><span>thema’s getoond</span></div>'
        f'<div class="stat"><b>{e(ratio)}</b><span>positieve feedback ({e(feedback["up"])} positief, {e(feedback["down"])} negatief)</span></div>'
        "</div>"
    )
    themes = _table(
        [("Thema", False), ("Vragen", True), ("Vragenstellers", True), ("Trend", True)],
        [
            [e(t.label), e(t.count), e(t.askers), _trend(t.trend) if t.label != OTHER else "—"]
            for t in report.themes
        ],
        "Geen vragen in deze periode.",
    )
    gaps = _table(
        [("Thema", False), ("Reden", False), ("Aantal", True), ("Voorbeelden", False)],
        [
            [
                e(gap.theme),
                e(REASONS.get(gap.reason, gap.reason)),
                e(gap.count),
                '<ul class="examples">'
                + "".join(f"<li>{e(text)}</li>" for text in gap.examples)
                + "</ul>"
                if gap.examples
                else '<span class="muted">—</span>',
            ]
            for gap in report.gaps
        ],
        "Geen kennislacunes in deze periode.",
    )
    roles = _table(
        [("Hulplijn", False), ("Doorverwezen", True)],
        [
            [e(role_names.get(role, role) if role != OTHER else OTHER), e(count)]
            for role, count in report.roles.items()
        ],
        "Geen doorverwijzingen in deze periode.",
    )
    rated = [t for t in report.themes if t.up or t.down]
    feedback_table = _table(
        [("Thema", False), ("Positief", True), ("Negatief", True), ("% positief", True)],
        [[e(t.label), e(t.up), e(t.down), e(_ratio(t.up, t.down))] for t in rated]
        + (
            [
                [
                    "<b>Totaal</b>",
                    f"<b>{e(feedback['up'])}</b>",
                    f"<b>{e(feedback['down'])}</b>",
                    f"<b>{e(ratio)}</b>",
                ]
            ]
            if rated
            else []
        ),
        "Nog geen feedback in deze periode.",
    )
    surfaces = _table(
        [("Kanaal", False), ("Vragen", True)],
        [
            [e(SURFACES.get(name, name)), e(count)]
            for name, count in report.use.get("per_surface", {}).items()
        ],
        "Geen gebruik in deze periode.",
    )
    languages = _table(
        [("Taal", False), ("Vragen", True)],
        [
            [e(LANGUAGES.get(name, name)), e(count)]
            for name, count in report.use.get("per_language", {}).items()
        ],
        "Geen gebruik in deze periode.",
    )
    query = period.query()
    body = (
        _header()
        + "<main>"
        + _filter(period)
        + stats
        + '<section class="card"><h2>Vragen per week, per thema</h2>'
        + f'<p class="muted">{e(_dutch_date(period.start))} t/m {e(_dutch_date(period.end))} (UTC)</p>'
        + render_chart(chart)
        + "</section>"
        + f'<section class="card"><h2>Thema’s</h2>{themes}'
        + '<p class="muted">Trend: verschil met de even lange periode ervoor.</p></section>'
        + f'<section class="card"><h2>Kennislacunes</h2>{gaps}</section>'
        + '<div class="grid">'
        + f'<section class="card"><h2>Doorverwijzingen naar hulplijnen</h2>{roles}</section>'
        + f'<section class="card"><h2>Feedback</h2>{feedback_table}</section>'
        + f'<section class="card"><h2>Gebruik per kanaal</h2>{surfaces}</section>'
        + f'<section class="card"><h2>Gebruik per taal</h2>{languages}</section>'
        + "</div>"
        + '<section class="card" style="margin-top:1.2rem"><h2>Downloads</h2><p class="downloads">'
        + f'<a class="button" href="/report.csv?{e(query)}">Thema’s als CSV</a>'
        + f'<a class="button" href="/report.json?{e(query)}">Volledig rapport als JSON</a></p>'
        + f'<p class="muted">Privacy: een thema, voorbeeldvraag of uitsplitsing met minder dan {e(report.k)} '
        "verschillende vragenstellers wordt niet getoond maar telt mee onder “overig”. "
        "Vragen zijn vooraf ontdaan van persoonsgegevens; reflecties staan hier nooit in.</p>"
        + "</section></main>"
    )
    return page("Leerroute HR-dashboard", body)


MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _dutch_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
