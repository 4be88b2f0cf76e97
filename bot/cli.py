"""The `leerroute` command line. Each command is a few lines over a service."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.db import DatabaseError
from bot.knowledge import KnowledgeError
from bot.settings import Settings, SettingsError, load_settings, masked
from bot.store import StoreError

app = typer.Typer(
    help="Leerroute: answers, support roles and reflection for learning routes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known failures become one clear line and a non-zero exit, never a traceback."""
    try:
        yield
    except (SettingsError, KnowledgeError, StoreError, DatabaseError) as exc:
        fail(str(exc).replace("[", "\\["))
    except KeyboardInterrupt:
        fail("interrupted", 130)


def settings() -> Settings:
    with friendly_errors():
        loaded = load_settings()
    logging.basicConfig(
        level=loaded.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "chromadb", "urllib3", "alembic", "slack_bolt.App"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return loaded


def services(**overrides: Any) -> Any:
    from bot.services import build_services

    return build_services(settings(), **overrides)


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    table = Table("setting", "value", box=None)
    for key, value in masked(settings()).items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders; default: the knowledge dir.")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and embed everything again.")
    ] = False,
) -> None:
    """Embed the knowledge base into Chroma, incrementally."""
    from ingest.index import Indexer

    svc = services()
    for path in paths or []:
        if not path.exists():
            fail(f"{path}: no such file or folder")
    with friendly_errors():
        indexer = Indexer(svc.settings, svc.embedder, svc.chroma, svc.shared_engines())
        with Progress(
            TextColumn("embedding"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("embed", total=0)

            def progress(event: str, amount: int) -> None:
                if event == "total":
                    bar.update(task, total=amount)
                else:
                    bar.advance(task, amount)

            summary = indexer.run(paths or None, rebuild=rebuild, progress=progress)
    for line in summary.skipped:
        err.print(f"[yellow]skipped:[/] {line}", highlight=False)
    for line in summary.failed:
        err.print(
            f"[red]failed:[/] {line} (the previous version stays in the index)", highlight=False
        )
    if not summary.changed:
        console.print(
            f"Nothing changed: {summary.files_unchanged} files up to date, nothing re-embedded"
            + ("; answering engine fitted" if summary.engine_fitted else "")
            + f" ({summary.seconds:.1f} s)."
        )
    else:
        console.print(
            f"Indexed {summary.files_indexed} of {summary.files_seen} files "
            f"({summary.files_unchanged} unchanged, {summary.files_removed} removed): "
            f"{summary.chunks_added} chunks added, {summary.chunks_removed} removed"
            + ("; answering engine fitted" if summary.engine_fitted else "")
            + f"; {summary.seconds:.1f} s."
        )
    if summary.failed:
        raise typer.Exit(1)


def _print_answer(answer: Any) -> None:
    console.print(answer.text, highlight=False, markup=False)
    if answer.route.role and not answer.route.clarify:
        console.print(
            f"[dim]route: {answer.route.role} (confidence {answer.route.confidence:.2f})[/]",
            highlight=False,
        )
    for source in answer.sources:
        section = f" — {source.section}" if source.section else ""
        console.print(f"[dim]bron: {source.title}{section} ({source.path})[/]", highlight=False)


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question; with --json and none, read stdin.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question.")] = False,
) -> None:
    """Answer one question (or, with --json and no question, one per line of stdin)."""
    svc = services()
    with friendly_errors():
        assistant = svc.assistant
        if question is not None:
            answer = assistant.answer(question)
            if as_json:
                print(json.dumps(answer.as_json(), ensure_ascii=False), flush=True)
            else:
                _print_answer(answer)
            return
        if not as_json:
            fail("give a question, or use --json to read questions from standard input", 2)
        for line in sys.stdin:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            print(json.dumps(assistant.answer(text).as_json(), ensure_ascii=False), flush=True)


@app.command()
def chat() -> None:
    """Chat in the terminal, with follow-up questions. Ctrl-D or 'stop' ends it."""
    svc = services()
    with friendly_errors():
        run_chat(svc.assistant, input_fn=console.input)


def run_chat(assistant: Any, input_fn: Callable[[str], str]) -> None:
    console.print("[bold]Leerroute[/] — stel je vraag (Ctrl-D of 'stop' om te stoppen).")
    history: list[Any] = []
    while True:
        try:
            question = input_fn("[bold cyan]jij>[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if question.strip().lower() in {"stop", "exit", "quit", "doei"}:
            return
        if not question.strip():
            continue
        answer = assistant.answer(question, history)
        if answer.turn:
            history = [*history, answer.turn][-5:]
        _print_answer(answer)
        console.print()


@app.command("eval")
def evaluate_command(
    question_set: Annotated[
        Path | None,
        typer.Option("--set", help="Score only this set (the corpus or the dev.yaml format)."),
    ] = None,
    cv: Annotated[
        bool,
        typer.Option("--cv/--no-cv", help="Also 5-fold cross-validation of the training corpus."),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    all_misses: Annotated[bool, typer.Option("--all-misses", help="List every miss.")] = False,
) -> None:
    """Routing, knowledge, out-of-scope and small-talk scores: training (cross-validated),
    validation and dev sets, per language, with the role confusion and the misses."""
    from bot.evaluate_report import run_eval

    svc = services()
    with friendly_errors():
        run_eval(
            svc,
            console,
            question_set,
            cv=cv and question_set is None,
            as_json=as_json,
            all_misses=all_misses,
        )


@app.command()
def serve(
    http: Annotated[
        bool, typer.Option("--http", help="Serve the Events API over HTTP instead of Socket Mode.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to bind (HTTP mode).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind (HTTP mode).")] = 3000,
) -> None:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, or --http."""
    svc = services()
    with friendly_errors():
        run_slack(svc, http=http, host=host, port=port)


def run_slack(svc: Any, http: bool, host: str, port: int) -> None:
    import signal
    import threading

    from bot.slack.app import SlackConfigError, create_app, redeliver_unfinished
    from bot.slack.reflection import SlackMessenger

    slack = svc.settings.slack
    if not http and slack.app_token is None:
        fail("set SLACK_APP_TOKEN for Socket Mode, or use --http with SLACK_SIGNING_SECRET")
    if http and slack.signing_secret is None:
        fail("--http needs SLACK_SIGNING_SECRET to verify Slack's requests")
    # Load the index, the model and the database before Slack sends anything. What is not
    # reachable yet is reported; /healthz says 503 until it is, and work resumes by itself.
    for problem in svc.warm_up():
        err.print(f"[yellow]not ready:[/] {problem}", highlight=False)
    try:
        bolt = create_app(svc.settings, svc)
    except SlackConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # bolt calls auth.test here: a bad token or unreachable Slack
        fail(f"cannot connect to Slack at {slack.api_url}: {type(exc).__name__}: {str(exc)[:200]}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler = svc.start_scheduler(
        SlackMessenger(bolt.client), stop, lambda: redeliver_unfinished(bolt, svc)
    )
    if http:
        from bot.slack.server import serve_http

        server = serve_http(bolt, host, port, svc.check_health)
        console.print(
            f"Leerroute serves Slack on http://{host}:{server.server_address[1]}/slack/events"
        )
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        server.shutdown()
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert slack.app_token is not None
        handler = SocketModeHandler(bolt, app_token=slack.app_token.get_secret_value())
        handler.connect()
        console.print("Leerroute is connected to Slack over Socket Mode.")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        handler.close()
    stop.set()
    scheduler.join(timeout=5)


@app.command()
def start() -> None:
    """Bring the index up to date, then serve Slack when tokens are set, else chat here."""
    loaded = settings()
    from bot.services import build_services
    from ingest.index import Indexer

    svc = build_services(loaded)
    with friendly_errors():
        summary = Indexer(svc.settings, svc.embedder, svc.chroma, svc.shared_engines()).run()
        for line in summary.failed:
            err.print(f"[red]failed:[/] {line}", highlight=False)
        if summary.changed:
            console.print(
                f"Index updated: {summary.chunks_added} chunks added, {summary.chunks_removed} removed."
            )
        slack = loaded.slack
        if slack.bot_token and slack.app_token:
            run_slack(svc, http=False, host="127.0.0.1", port=0)
        elif slack.bot_token and slack.signing_secret:
            run_slack(svc, http=True, host="127.0.0.1", port=3000)
        else:
            console.print("[dim]No Slack tokens configured: starting the terminal chat.[/]")
            run_chat(svc.assistant, input_fn=console.input)


db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
reflect_app = typer.Typer(help="Reflection prompts between ateliers.", no_args_is_help=True)
participants_app = typer.Typer(
    help="Participants who receive reflection prompts.", no_args_is_help=True
)
portfolio_app = typer.Typer(help="Participants' own portfolios.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(reflect_app, name="reflect")
app.add_typer(participants_app, name="participants")
app.add_typer(portfolio_app, name="portfolio")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from bot.db import DatabaseError, create_db_engine, upgrade

    loaded = settings()
    try:
        upgrade(create_db_engine(loaded))
    except DatabaseError as exc:
        fail(str(exc))
    console.print("Database schema is up to date.")


def _parse_now(now: str | None) -> Any:
    import datetime as dt

    if now is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(now)
    except ValueError:
        fail(f"--now: '{now}' is not an ISO date-time like 2011-12-21T09:30")
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(settings().reflection.timezone))
    return moment


@reflect_app.command("tick")
def reflect_tick(
    now: Annotated[
        str | None, typer.Option(help="Pretend it is this moment (ISO, local time if no zone).")
    ] = None,
) -> None:
    """Send the reflection prompts that are due now (once each)."""
    from bot.slack.app import SlackConfigError, create_client
    from bot.slack.reflection import SlackMessenger

    moment = _parse_now(now)
    svc = services()
    with friendly_errors():
        try:
            client = create_client(svc.settings)
        except SlackConfigError as exc:
            fail(str(exc))
        result = svc.reflection.tick(SlackMessenger(client), moment)
    console.print(
        f"sent {len(result.sent)}, skipped {len(result.skipped)}, failed {len(result.failed)}"
    )
    if result.failed:
        raise typer.Exit(1)


@reflect_app.command("plan")
def reflect_plan(
    user: Annotated[str | None, typer.Option(help="Only this participant (Slack user id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List which prompts will be sent when."""
    from zoneinfo import ZoneInfo

    svc = services()
    with friendly_errors():
        tz = ZoneInfo(svc.settings.reflection.timezone)
        prompts = [p.as_json(tz) for p in svc.reflection.plan()]
        cohorts = {p.user_id: p.cohort for p in svc.participants.all()}
        people = [user] if user else [p.user_id for p in svc.participants.active()]
        rows = [
            {"user": person, "cohort": cohorts.get(person, "default"), **prompt.as_json(tz)}
            for person in people
            for prompt in svc.reflection.plan(cohorts.get(person))
        ]
    if as_json:
        print(json.dumps(rows if people else prompts, ensure_ascii=False, indent=2))
        return
    table = Table("user", "due", "moment", "session", box=None)
    for row in rows or [{"user": "(everyone)", **p} for p in prompts]:
        table.add_row(row["user"], row["due_at"], row["moment"], row["label"])
    console.print(table)


@participants_app.command("import")
def participants_import(
    file: Annotated[
        Path, typer.Argument(help="CSV with a column of Slack user ids or e-mail addresses.")
    ],
    cohort: Annotated[str, typer.Option(help="Cohort name.")] = "default",
) -> None:
    """Enrol a cohort from a CSV file (e-mails are looked up in Slack)."""
    from bot.reflection.enrol import CsvImportError, import_csv
    from bot.slack.app import SlackConfigError, email_lookup

    svc = services()
    with friendly_errors():
        if cohort != "default" and cohort not in svc.knowledge.cohorts:
            err.print(
                f"[yellow]note:[/] cohort '{cohort}' has no dates of its own in knowledge/cohorts.yaml;"
                " it follows the dates in programme.yaml",
                highlight=False,
                soft_wrap=True,
            )
        try:
            result = import_csv(file, svc.participants, lambda: email_lookup(svc.settings), cohort)
        except (CsvImportError, SlackConfigError) as exc:
            fail(str(exc))
    console.print(f"enrolled {len(result.enrolled)}; not found: {len(result.not_found)}")
    for line in result.not_found:
        err.print(f"[yellow]not found:[/] {line}", highlight=False)


@participants_app.command("list")
def participants_list() -> None:
    """List participants and whether they are active."""
    svc = services()
    with friendly_errors():
        people = svc.participants.all()
    table = Table("user", "cohort", "active", "enrolled", box=None)
    for person in people:
        table.add_row(
            person.user_id,
            person.cohort,
            "yes" if person.active else "no",
            str(person.enrolled_at)[:10],
        )
    console.print(table)


@participants_app.command("remove")
def participants_remove(user: Annotated[str, typer.Argument(help="Slack user id.")]) -> None:
    """Remove a participant (their portfolio stays theirs)."""
    svc = services()
    with friendly_errors():
        removed = svc.participants.remove(user)
    if not removed:
        fail(f"{user} is not a participant")
    console.print(f"removed {user}")


@portfolio_app.command("export")
def portfolio_export(user: Annotated[str, typer.Option(help="Slack user id.")]) -> None:
    """Print a participant's portfolio as Markdown."""
    svc = services()
    with friendly_errors():
        print(svc.portfolio.markdown(user), end="")


@app.command()
def forget(
    user: Annotated[str, typer.Option(help="Slack user id of the person to erase.")],
) -> None:
    """Erase everything of one person: questions, enrolment, prompts, portfolio."""
    svc = services()
    with friendly_errors():
        counts = svc.recorder.forget(user)
    console.print("erased: " + ", ".join(f"{key} {value}" for key, value in counts.items()))


@app.command()
def report(
    since: Annotated[
        str | None, typer.Option(help="Start date (YYYY-MM-DD); default 30 days ago.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="End date (YYYY-MM-DD), exclusive; default now.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What people ask: themes, routes, gaps, feedback (k-anonymous, never who asked)."""
    import datetime as dt

    from bot.monitor.report import build_report

    def day(value: str | None, default: dt.datetime) -> dt.datetime:
        if value is None:
            return default
        try:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
        except ValueError:
            fail(f"'{value}' is not a date like 2026-01-31")

    now = dt.datetime.now(dt.UTC)
    end = day(until, now)
    start = day(since, end - dt.timedelta(days=30))
    if start >= end:
        fail("--since must be before --until")
    svc = services()
    with friendly_errors():
        result = build_report(
            svc.db, svc.settings.monitor.k_anonymity, start, end, svc.role_names()
        )
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    console.print(
        f"[bold]{result.since} – {result.until}[/]: {result.questions} questions from {result.askers} people"
    )
    table = Table("theme", "questions", "askers", "trend", "👍", "👎", box=None)
    for theme in result.themes:
        table.add_row(
            theme.label,
            str(theme.count),
            str(theme.askers),
            f"{theme.trend:+d}",
            str(theme.up),
            str(theme.down),
        )
    console.print(table)
    console.print("routes: " + ", ".join(f"{role} {count}" for role, count in result.roles.items()))
    for gap in result.gaps:
        console.print(f"gap ({gap.reason}): {gap.theme} — {gap.count} questions", highlight=False)


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8080,
) -> None:
    """The HR dashboard (sign-in with LEERROUTE_MONITOR__DASHBOARD_PASSWORD)."""
    from bot.monitor.dashboard import serve_dashboard

    svc = services()
    if svc.settings.monitor.dashboard_password is None:
        fail(
            "set LEERROUTE_MONITOR__DASHBOARD_PASSWORD first: the dashboard shows nothing without sign-in"
        )
    with friendly_errors():
        serve_dashboard(svc, host, port)


@app.command()
def health() -> None:
    """Exit 0 when the database and the index are reachable (for container health checks)."""
    svc = services()
    ok, reason = svc.health()
    if not ok:
        fail(f"not healthy: {reason}")
    console.print("ok")


@app.command()
def purge() -> None:
    """Delete question texts older than the retention period (aggregates stay)."""
    svc = services()
    with friendly_errors():
        count = svc.recorder.purge(svc.settings.monitor.retention_days)
    console.print(
        f"deleted the text of {count} questions older than {svc.settings.monitor.retention_days} days"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
