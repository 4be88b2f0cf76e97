"""The world the reflection tests run in: our fake Slack, Leerroute configured to talk to it,
and Leerroute's real Slack app served over HTTP the way Slack reaches it.

Only Slack is fake. Everything else is the real thing: the settings come from environment
variables, the database is a SQLite file in the test's data dir, the CLI is the real
`leerroute` command, and the app is `create_app` served by `serve_http`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.models import ReflectionSend
from bot.services import Services, build_services
from bot.settings import load_settings
from bot.slack.app import create_app, create_client
from bot.slack.server import serve_http
from tests.fakes.slack import (
    FakeSlack,
    app_home_opened,
    block_action,
    dm_channel_id,
    dm_message,
    event_callback,
    post_event,
    post_form,
    post_interactive,
    slash_command,
    view_submission,
)

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROMPT_METADATA = "leerroute_reflection"

ATELIER_1_THEME = "Anders denken, anders doen in lastige gesprekken"


def local(moment: str) -> dt.datetime:
    """'2011-12-21 09:30' as a moment in Amsterdam, where the participants live."""
    return dt.datetime.fromisoformat(moment).replace(tzinfo=AMSTERDAM)


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Wait for work the app does after it has acknowledged Slack (bolt acks first)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "the app did not get there in time"
            return result
        time.sleep(0.02)


# ----------------------------------------------------------------- Leerroute itself


@pytest.fixture
def slack(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    """The fake Slack, with Leerroute's Slack settings pointing at it."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    return fake_slack


def start_replica() -> Services:
    """One running Leerroute process: its own settings, services and database connections."""
    return build_services(load_settings())


@pytest.fixture
def leerroute(slack: FakeSlack) -> Iterator[Services]:
    services = start_replica()
    yield services
    if "db" in services.__dict__:
        services.db.engine.dispose()


@pytest.fixture
def client(slack: FakeSlack) -> Any:
    """The Web API client Leerroute builds for the scheduler (with its retry handlers)."""
    return create_client(load_settings())


def run_cli(*args: str, expect: int = 0) -> str:
    """Run the real `leerroute` command; returns what it printed."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == expect, result.output
    return result.output


def tick(now: str, expect: int = 0) -> str:
    """`leerroute reflect tick --now ...`: what cron or the scheduler does every minute."""
    return run_cli("reflect", "tick", "--now", now, expect=expect)


def export(user: str) -> str:
    """`leerroute portfolio export --user ...`."""
    return run_cli("portfolio", "export", "--user", user)


# ------------------------------------------------------------------- what Slack saw


def prompts_to(slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    """The reflection prompts in a participant's DM with the bot, oldest first."""
    return [
        message
        for message in slack.messages(dm_channel_id(user))
        if (message.get("metadata") or {}).get("event_type") == PROMPT_METADATA
        and not message.get("thread_ts")
    ]


def confirmations(
    slack: FakeSlack, user: str, thread_ts: str, count: int = 1
) -> list[dict[str, Any]]:
    """Wait for the bot's "saved in your portfolio" replies in a question's thread."""
    channel = dm_channel_id(user)
    slack.wait_for(
        "chat.postMessage",
        count=count,
        predicate=lambda c: (
            c.params["channel"] == channel and c.params.get("thread_ts") == thread_ts
        ),
    )
    return [
        m for m in slack.messages(channel) if m.get("thread_ts") == thread_ts and m.get("bot_id")
    ]


def prompt_text(message: dict[str, Any]) -> str:
    """Everything a participant reads in a prompt: its blocks' text."""
    return json.dumps(message.get("blocks"), ensure_ascii=False)


def button_value(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {message.get('blocks')}")


def sends(services: Services, user: str) -> dict[str, ReflectionSend]:
    """Leerroute's bookkeeping of prompts for one participant, by prompt key."""
    with services.db.session() as session:
        rows = session.scalars(select(ReflectionSend).where(ReflectionSend.user_id == user))
        return {row.prompt_key: row for row in rows}


def statuses(services: Services, user: str) -> dict[str, str]:
    return {key: row.status for key, row in sends(services, user).items()}


def rows_containing(services: Services, needle: str) -> dict[str, int]:
    """How many rows of each database table contain a piece of text, in any column."""
    found: dict[str, int] = {}
    with services.db.engine.connect() as connection:
        tables = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table'")
        ).scalars()
        for table in list(tables):
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            hits = sum(1 for row in rows if any(needle in str(value) for value in row))
            if hits:
                found[table] = hits
    return found


# -------------------------------------------------------------- Slack talking to us


@dataclass
class SlackApp:
    """Leerroute's Slack app served over HTTP; each method is something a person does."""

    url: str
    slack: FakeSlack

    def command(self, user: str, text: str) -> str:
        """Type `/leerroute <text>`; returns the immediate reply, waits for the follow-up."""
        response_url = self.slack.response_url("command")
        status, body = post_form(
            self.url,
            SIGNING_SECRET,
            slash_command(
                text, user_id=user, channel_id=dm_channel_id(user), response_url=response_url
            ),
        )
        assert status == 200, body
        return body

    def command_reply(self, user: str, text: str) -> str:
        """Type a command whose answer arrives via its response_url; returns that answer."""
        before = len(self.slack.calls_to("response_url"))
        self.command(user, text)
        calls = self.slack.wait_for("response_url", count=before + 1)
        return str(calls[before].params.get("text"))

    def reply_in_thread(self, user: str, thread_ts: str, text: str) -> None:
        """Write a message in the thread of a DM from the bot."""
        event = dm_message(text, user=user, channel=dm_channel_id(user), thread_ts=thread_ts)
        self.slack.add_message(dm_channel_id(user), event)
        status, body = post_event(self.url, SIGNING_SECRET, event_callback(event))
        assert status == 200, body

    def click(self, user: str, message: dict[str, Any], action_id: str, **extra: Any) -> str:
        """Click a button on a bot message in the user's DM; returns the response_url used."""
        response_url = self.slack.response_url("action")
        payload = block_action(
            action_id,
            button_value(message, action_id),
            user_id=user,
            channel_id=dm_channel_id(user),
            message_ts=message["ts"],
            response_url=response_url,
            message=message,
        )
        status, body = post_interactive(self.url, SIGNING_SECRET, payload | extra)
        assert status == 200, body
        return response_url

    def open_home(self, user: str) -> dict[str, Any]:
        """Open the app's Home tab; returns the view the app publishes."""
        before = len(self.slack.calls_to("views.publish"))
        status, body = post_event(self.url, SIGNING_SECRET, event_callback(app_home_opened(user)))
        assert status == 200, body
        return self.slack.wait_for("views.publish", count=before + 1)[before].params["view"]

    def click_home(self, user: str, home: dict[str, Any], action_id: str) -> dict[str, Any]:
        """Click a button in the Home tab; returns the Home view the app publishes next."""
        before = len(self.slack.calls_to("views.publish"))
        payload = block_action(action_id, button_value(home, action_id), user_id=user)
        for key in ("channel", "message"):  # a click in a view, not on a message
            del payload[key]
        payload |= {"container": {"type": "view", "view_id": "VHOME"}, "view": home}
        status, body = post_interactive(self.url, SIGNING_SECRET, payload)
        assert status == 200, body
        return self.slack.wait_for("views.publish", count=before + 1)[before].params["view"]

    def submit(self, user: str, modal: dict[str, Any], answer: str) -> tuple[int, str]:
        """Type an answer into a modal the bot opened and press its submit button."""
        payload = view_submission(
            modal["callback_id"],
            {"reflection_block": {"reflection_input": answer}},
            private_metadata=modal["private_metadata"],
            user_id=user,
        )
        return post_interactive(self.url, SIGNING_SECRET, payload)


@pytest.fixture
def slack_app(slack: FakeSlack, leerroute: Services) -> Iterator[SlackApp]:
    bolt = create_app(leerroute.settings, leerroute)
    server = serve_http(bolt, "127.0.0.1", 0, lambda: (True, "ok"))
    try:
        yield SlackApp(f"http://127.0.0.1:{server.server_address[1]}/slack/events", slack)
    finally:
        server.shutdown()
        server.server_close()
