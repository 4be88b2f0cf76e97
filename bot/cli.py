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
from bot.settings import LlmProvider, masked

app = typer.Typer(
    help="Leerroute: answers, support roles and reflection for learning routes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    loaded = settings()
    shown = masked(loaded)
    # What a default of None means, so nothing shows blank.
    shown["database_url"] = shown["database_url"] or f"{loaded.db_url} (default)"
    shown["chroma_url"] = shown["chroma_url"] or f"on disk in {loaded.chroma_path} (default)"
    if shown["answer.fallback_role"] is None:
        with friendly_errors():
            from bot.knowledge import load_knowledge

            default = load_knowledge(loaded.knowledge_dir).hulplijnen.default_role
        shown["answer.fallback_role"] = f"{default} (default_role in hulplijnen.yaml)"
    if shown["llm.deadline_s"] is None:
        shown["llm.deadline_s"] = f"{loaded.llm.deadline(loaded.openai.base_url)} (by endpoint)"
    table = Table("setting", "value", box=None)
    for key, value in shown.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


def run_indexer(svc: Any, paths: list[Path] | None, rebuild: bool) -> Any:
    """Ingest with progress shown: the files' chunks as they are embedded, then the
    fitting of the answering engine (the two things that take long on a first run)."""
    from ingest.index import Indexer

    indexer = Indexer(svc.settings, svc.embedder, svc.chroma, svc.shared_engines())
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("reading the knowledge", total=None)

        def progress(event: str, amount: int) -> None:
            if event == "total":
                bar.update(task, description=f"embedding {amount} chunks", total=amount)
            elif event == "fit":
                bar.update(task, visible=False)
                bar.add_task("fitting the answering engine (minutes the first time)", total=None)
            else:
                bar.advance(task, amount)

        return indexer.run(paths, rebuild=rebuild, progress=progress)


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
    svc = services()
    for path in paths or []:
        if not path.exists():
            fail(f"{path}: no such file or folder")
    with friendly_errors():
        summary = run_indexer(svc, paths or None, rebuild)
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
    from bot.terminal import answer_lines, print_answer, streamed_answer

    svc = services()
    with friendly_errors():
        assistant = svc.assistant
        if question is not None:
            answer = (
                assistant.answer(question)
                if as_json
                else streamed_answer(console, assistant, question, None)
            )
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
        run_chat(lambda: svc.assistant, console, prompt_reader(console))


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
    provider: Annotated[
        LlmProvider | None,
        typer.Option(
            "--provider",
            help="With 'openai': score composed and generated answers side by side "
            "(the endpoint from the usual settings).",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="With --provider: at most this many per set."),
    ] = None,
) -> None:
    """Routing, knowledge, out-of-scope and small-talk scores: training (cross-validated),
    validation and dev sets, per language, with the role confusion and the misses; with
    --dialogues, the share of conversation turns and of whole dialogues that pass; with
    --provider openai, composed and generated answers side by side."""
    from bot.evaluate_report import run_comparison, run_eval

    if provider is LlmProvider.openai:
        loaded = settings()
        loaded = loaded.model_copy(
            update={"llm": loaded.llm.model_copy(update={"provider": provider})}
        )
        from bot.services import build_services

        with friendly_errors():
            svc = build_services(loaded)
            run_comparison(svc, console, question_set, limit, as_json)
        return
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
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind (HTTP mode).")] = 3000,
) -> None:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, or --http."""
    svc = services()
    with friendly_errors():
        run_slack(svc, http=http, host=host, port=port)


def run_slack(svc: Any, http: bool, host: str, port: int) -> None:
    import signal
    import threading

    from bot import heartbeat
    from bot.slack.app import SlackConfigError, create_app, redeliver_unfinished
    from bot.slack.reflection import SlackMessenger

    slack = svc.settings.slack
    needed = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        **(
            {"SLACK_SIGNING_SECRET": slack.signing_secret}
            if http
            else {"SLACK_APP_TOKEN": slack.app_token}
        ),
    }
    missing = [name for name, value in needed.items() if value is None]
    if missing:
        mode = "HTTP mode (--http)" if http else "Socket Mode (or use --http)"
        fail(f"{mode} needs {' and '.join(missing)}: set {'them' if len(missing) > 1 else 'it'}")
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
    heartbeat.start(svc.settings.data_dir, svc.check_health, stop)
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

    svc = build_services(loaded)
    with friendly_errors():
        summary = run_indexer(svc, None, rebuild=False)
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
        elif slack.bot_token:
            fail(
                "SLACK_BOT_TOKEN is set, but SLACK_APP_TOKEN (Socket Mode) or "
                "SLACK_SIGNING_SECRET (HTTP) is missing: set one, or unset SLACK_BOT_TOKEN "
                "for the terminal chat"
            )
        elif slack.app_token or slack.signing_secret:
            given = "SLACK_APP_TOKEN" if slack.app_token else "SLACK_SIGNING_SECRET"
            fail(
                f"{given} is set, but SLACK_BOT_TOKEN is missing: set it, or unset {given} "
                "for the terminal chat"
            )
        else:
            console.print("[dim]No Slack tokens configured: starting the terminal chat.[/]")
            from bot.terminal import prompt_reader, run_chat

            run_chat(lambda: svc.assistant, console, prompt_reader(console))


@app.command()
def demo(
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the demo data again (and nothing else).")
    ] = False,
) -> None:
    """Add labelled demo data to the data dir: a cohort `demo` starting in two weeks with
    one participant, and questions of 36 simulated colleagues over eight weeks for HR."""
    from bot import demo as demo_data

    svc = services()
    with friendly_errors():
        if remove:
            counts = demo_data.remove(svc)
            console.print("demo removed: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            return
        with console.status("asking the demo questions (about a minute)…"):
            seeded = demo_data.seed(svc)
    console.print(
        f"Demo data added: cohort '{demo_data.DEMO_COHORT}' (werkatelier 1 on "
        f"{seeded.first_atelier:%d-%m-%Y}) with participant {demo_data.DEMO_PARTICIPANT}, "
        f"and {seeded.questions} questions of {seeded.colleagues} simulated colleagues.\n"
        f"Try: leerroute reflect plan --user {demo_data.DEMO_PARTICIPANT} · leerroute report · "
        "leerroute dashboard. Remove it with: leerroute demo --remove"
    )


db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(reflect_app, name="reflect")
app.add_typer(participants_app, name="participants")
app.add_typer(portfolio_app, name="portfolio")


@db_app.command("init")
def db_init(
    force: Annotated[
        bool, typer.Option("--force", help="Also when a database existed here and is gone.")
    ] = False,
) -> None:
    """Create the database (an empty one where an earlier one is gone needs --force)."""
    from bot.db import DatabaseError, create_db_engine, mark_created, refuse_a_silent_new_database
    from bot.db import upgrade as migrate

    loaded = settings()
    try:
        if not force:
            refuse_a_silent_new_database(loaded)
        migrate(create_db_engine(loaded))
        mark_created(loaded)
    except DatabaseError as exc:
        fail(str(exc))
    console.print("The database is ready.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from bot.db import (
        DatabaseError,
        create_db_engine,
        mark_created,
        refuse_a_silent_new_database,
        upgrade,
    )

    loaded = settings()
    try:
        refuse_a_silent_new_database(loaded)
        upgrade(create_db_engine(loaded))
        mark_created(loaded)
    except DatabaseError as exc:
        fail(str(exc))
    console.print("Database schema is up to date.")


@app.command()
def forget(
    user: Annotated[str, typer.Option(help="Slack user id of the person to erase.")],
) -> None:
    """Erase everything of one person: questions, enrolment, prompts, portfolio."""
    from bot.settings import SLACK_USER_ID

    if not SLACK_USER_ID.fullmatch(user):
        fail(f"--user: '{user}' is not a Slack user id (like U0123ABCD)", 2)
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
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind.")] = 8080,
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
