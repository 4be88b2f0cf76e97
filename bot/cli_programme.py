"""The commands for the programme's participants: reflection prompts, enrolment, portfolios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli_common import console, err, fail, friendly_errors, services, settings

reflect_app = typer.Typer(help="Reflection prompts between ateliers.", no_args_is_help=True)
participants_app = typer.Typer(
    help="Participants who receive reflection prompts.", no_args_is_help=True
)
portfolio_app = typer.Typer(help="Participants' own portfolios.", no_args_is_help=True)


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
        if user is not None and user not in cohorts:
            fail(f"--user: {user} is not a participant (see `leerroute participants list`)")
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
            known = ", ".join(["default", *svc.knowledge.cohorts])
            fail(
                f"--cohort: '{cohort}' is not in knowledge/cohorts.yaml (known: {known}); "
                "add it there with its dates first"
            )
        try:
            result = import_csv(file, svc.participants, lambda: email_lookup(svc.settings), cohort)
        except (CsvImportError, SlackConfigError) as exc:
            fail(str(exc))
    console.print(
        f"enrolled {len(result.enrolled)}; not found: {len(result.not_found)}; "
        f"lines skipped: {len(result.skipped_lines)}"
    )
    for line in result.not_found:
        err.print(f"[yellow]not found:[/] {line}", highlight=False)
    if result.skipped_lines:
        numbers = ", ".join(str(n) for n in result.skipped_lines)
        err.print(
            f"[yellow]skipped:[/] line(s) {numbers} hold no Slack user id or e-mail address",
            highlight=False,
        )


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
        known = user in {p.user_id for p in svc.participants.all()}
        if not known and not svc.portfolio.entries(user):  # a removed one keeps their portfolio
            fail(f"--user: {user} is not a participant and has no portfolio")
        print(svc.portfolio.markdown(user), end="")
