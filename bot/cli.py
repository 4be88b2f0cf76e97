"""The `leerroute` command line. Each command is a few lines over a service."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli_common import console, err, fail, friendly_errors, services, settings
from bot.cli_programme import participants_app, portfolio_app, reflect_app
from bot.settings import masked

app = typer.Typer(
    help="Leerroute: answers, support roles and reflection for learning routes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question; with --json and none, read stdin.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question.")] = False,
) -> None:
    """Answer one question; with --json and no question, one message per line of stdin: a
    plain line is a question on its own, {"question": "...", "conversation": "ID"} continues
    conversation ID (see the README)."""
    from bot.terminal import answer_lines, print_answer

    svc = services()
    with friendly_errors():
        assistant = svc.assistant
        if question is not None:
            answer = assistant.answer(question)
            if as_json:
                print(json.dumps(answer.as_json(), ensure_ascii=False), flush=True)
            else:
                print_answer(console, answer)
            return
        if not as_json:
            fail("give a question, or use --json to read questions from standard input", 2)
        for result in answer_lines(assistant, sys.stdin):
            print(json.dumps(result, ensure_ascii=False), flush=True)


@app.command()
def chat() -> None:
    """Chat in the terminal, with follow-up questions. Ctrl-D or 'stop' ends it."""
    from bot.terminal import prompt_reader, run_chat

    svc = services()
    with friendly_errors():
        run_chat(svc.assistant, console, prompt_reader(console))


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
    dialogues: Annotated[
        Path | None,
        typer.Option("--dialogues", help="Score this dialogue set instead (turns in order)."),
    ] = None,
) -> None:
    """Routing, knowledge, out-of-scope and small-talk scores: training (cross-validated),
    validation and dev sets, per language, with the role confusion and the misses; with
    --dialogues, the share of conversation turns and of whole dialogues that pass."""
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
            dialogues=dialogues,
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
            from bot.terminal import prompt_reader, run_chat

            run_chat(svc.assistant, console, prompt_reader(console))


db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
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
    """Delete question texts older than the retention period (aggregates stay), and the
    state of Slack conversations that went quiet."""
    svc = services()
    with friendly_errors():
        count = svc.recorder.purge(svc.settings.monitor.retention_days)
        quiet = svc.conversations.purge()
    console.print(
        f"deleted the text of {count} questions older than {svc.settings.monitor.retention_days} days"
        f" and {quiet} conversation states that went quiet"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
