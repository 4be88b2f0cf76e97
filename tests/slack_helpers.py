"""Leerroute's real Slack app, reached the way Slack reaches it, for the Slack end-to-end tests.

Only Slack is fake (:class:`tests.fakes.slack.FakeSlack` on 127.0.0.1). The settings come from
environment variables read by ``load_settings()``, the services are ``build_services``, the app is
``create_app`` and it is served by ``serve_http`` on a free port of 127.0.0.1. Every request to
it is signed with the signing secret, exactly as Slack signs it.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy import select

from bot.models import Question
from bot.services import Services, build_services
from bot.settings import load_settings
from bot.slack.app import create_app
from bot.slack.server import SlackHTTPServer, serve_http
from tests.fakes.slack import (
    BOT_ID,
    BOT_USER_ID,
    Call,
    FakeSlack,
    block_action,
    channel_message,
    dm_channel_id,
    dm_message,
    event_callback,
    new_ts,
    post_event,
    post_form,
    post_interactive,
    slash_command,
)

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "a-test-signing-secret-123"

#: The six support roles of the shipped knowledge, as App Home and `/leerroute hulplijnen` name them.
HULPLIJNEN = (
    "Groepsontwikkelaar",
    "Programmaregisseur",
    "Bestuursadviseur",
    "HR-adviseur",
    "Externe coach",
    "Programmamanager (leergang)",
)

#: Someone who asks one last question before a test checks that nothing else was posted.
SENTINEL = "U0SENTINEL"

#: Words that would mean a stack trace or an exception leaked into Slack.
LEAK_MARKERS = ("Traceback", "Error", "Exception", 'File "', "chromadb", "sqlalchemy")


# ------------------------------------------------------------------ reading what Slack saw


def in_thread(ts: str) -> Callable[[Call], bool]:
    """Matches Web API calls made in the thread of the message with timestamp ``ts``."""
    return lambda call: call.params.get("thread_ts") == ts


def in_channel(channel: str) -> Callable[[Call], bool]:
    """Matches Web API calls made in a channel (a DM is a channel too)."""
    return lambda call: call.params.get("channel") == channel


def everything_said(call: Call) -> str:
    """All text a person can read in a message: its fallback text and every block."""
    return (
        str(call.params.get("text") or "")
        + "\n"
        + json.dumps(call.params.get("blocks") or [], ensure_ascii=False)
    )


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons of a message, in the order a person sees them."""
    return [
        element
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("type") == "button"
    ]


def feedback_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The feedback_buttons elements of an answer's context_actions blocks."""
    return [
        element
        for block in blocks
        if block.get("type") == "context_actions"
        for element in block.get("elements", [])
        if element.get("type") == "feedback_buttons"
    ]


def the_button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The one button with this action id."""
    [found] = [b for b in buttons(blocks) if b["action_id"] == action_id]
    return found


def sent_to(response_url: str) -> Callable[[Call], bool]:
    """Matches the POSTs the app made to one response_url."""
    return lambda call: call.method == "response_url" and response_url.endswith(call.path)


def posted_message(slack: FakeSlack, call: Call) -> dict[str, Any]:
    """The message Slack stored for a chat.postMessage call (with its ts), as a client sees it."""
    channel = str(call.params["channel"])
    for message in reversed(slack.messages(channel)):
        if message.get("bot_id") and message.get("text") == call.params.get("text"):
            return message
    raise AssertionError(f"Slack did not store the message of {call.params!r:.300}")


def questions_of(services: Services, user: str) -> list[Question]:
    """The questions Leerroute recorded for a person (stored under a pseudonym, never the id)."""
    with services.db.session() as session:
        query = select(Question).where(Question.asker == services.recorder.asker(user))
        return list(session.scalars(query))


def _message(text: str, user: str, channel: str, thread_ts: str | None) -> dict[str, Any]:
    if channel.startswith("D"):
        return dm_message(text, user=user, channel=channel, thread_ts=thread_ts)
    return channel_message(text, user=user, channel=channel, thread_ts=thread_ts)


def other_bot_message(text: str, channel: str, thread_ts: str | None = None) -> dict[str, Any]:
    """A message event for a post by another Slack app (it has a bot_id)."""
    event = _message(text, "U0OTHERBOT", channel, thread_ts)
    return event | {"bot_id": "B0OTHERBOT", "app_id": "A0OTHER"}


def own_message(text: str, channel: str, thread_ts: str | None = None) -> dict[str, Any]:
    """The message event Slack sends for one of Leerroute's own posts."""
    return _message(text, BOT_USER_ID, channel, thread_ts) | {"bot_id": BOT_ID}


def edited(original: dict[str, Any], new_text: str) -> dict[str, Any]:
    """The ``message_changed`` event for an edit of ``original``."""
    after = {k: v for k, v in original.items() if k not in ("channel", "channel_type", "event_ts")}
    after = after | {"text": new_text, "edited": {"user": original["user"], "ts": original["ts"]}}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": original["channel"],
        "channel_type": original.get("channel_type", "channel"),
        "message": after,
        "previous_message": {k: v for k, v in original.items() if k != "channel"},
        "ts": (ts := new_ts()),
        "event_ts": ts,
    }


def deleted(original: dict[str, Any]) -> dict[str, Any]:
    """The ``message_deleted`` event for ``original``."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": original["channel"],
        "channel_type": original.get("channel_type", "channel"),
        "deleted_ts": original["ts"],
        "previous_message": {k: v for k, v in original.items() if k != "channel"},
        "ts": (ts := new_ts()),
        "event_ts": ts,
    }


# ---------------------------------------------------------------- Leerroute served over HTTP


@dataclass
class HttpLeerroute:
    """One running replica of Leerroute's Slack app behind ``serve_http``.

    Each method is something Slack does to the app: deliver an event, a slash command, a click.
    """

    slack: FakeSlack
    services: Services
    app: App
    server: SlackHTTPServer
    secret: str = SIGNING_SECRET

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def events_url(self) -> str:
        return self.base_url + "/slack/events"

    def deliver(self, body: dict[str, Any], retry_num: int | None = None, **kwargs: Any) -> int:
        """POST a signed Events API body; returns the HTTP status the app answered with."""
        event = body.get("event") or {}
        if event.get("type") in ("message", "app_mention") and not event.get("subtype"):
            # Slack stores a person's message before it tells the app about it.
            self.slack.add_message(str(event["channel"]), event | {"type": "message"})
        status, _ = post_event(self.events_url, self.secret, body, retry_num=retry_num, **kwargs)
        return status

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Deliver one event and check the app acknowledged it; returns the event."""
        assert self.deliver(event_callback(event)) == 200
        return event

    def command(self, text: str, user: str = "U123", channel: str = "C123") -> Command:
        """Type ``/leerroute <text>``: returns the immediate reply (the ack) and its response_url."""
        response_url = self.slack.response_url("command")
        form = slash_command(text, user_id=user, channel_id=channel, response_url=response_url)
        status, body = post_form(self.events_url, self.secret, form)
        return Command(status, body, response_url)

    def click(
        self,
        action_id: str,
        value: str,
        user: str = "U123",
        channel: str = "C123",
        message: dict[str, Any] | None = None,
        ephemeral: bool = False,
    ) -> str:
        """Press a button on a bot ``message`` (or on an ephemeral reply only the user saw);
        returns the response_url Slack gave the click."""
        response_url = self.slack.response_url("action")
        payload = block_action(
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            message_ts=message["ts"] if message else None,
            response_url=response_url,
            message=message,
        )
        if ephemeral:  # Slack sends no copy of an ephemeral message, only its container
            payload["container"]["is_ephemeral"] = True
            del payload["message"]
        status, body = post_interactive(self.events_url, self.secret, payload)
        assert status == 200, body
        return response_url

    def healthz(self) -> tuple[int, dict[str, Any]]:
        return get_json(self.base_url + "/healthz")

    def settle(self) -> None:
        """Wait until the app has answered a question delivered after everything so far."""
        settle(self.slack, self.event)

    def close(self) -> None:
        """Stop serving and release the database, in the background.

        ``shutdown()`` waits for the server's 0.5 s poll; nothing of a test waits on it.
        """

        def stop() -> None:
            self.server.shutdown()
            self.server.server_close()
            if "db" in self.services.__dict__:
                self.services.db.engine.dispose()

        threading.Thread(target=stop, name="stop-replica", daemon=True).start()


@dataclass
class Command:
    status: int
    body: str
    response_url: str

    def blocks(self) -> list[dict[str, Any]]:
        """The blocks of an immediate (ack) reply."""
        return list(json.loads(self.body)["blocks"])


def settle(slack: FakeSlack, deliver: Callable[[dict[str, Any]], object]) -> None:
    """Ask one more question and wait for its answer, so the app has done all earlier work.

    Bolt acknowledges Slack first and does the work in worker threads, taking work in the order
    it came in. Once a question delivered after everything else is answered, the earlier events
    have been handled too. Tests settle before asserting that something was *not* posted.
    """
    channel = dm_channel_id(SENTINEL)
    before = len([c for c in slack.calls_to("chat.postMessage") if in_channel(channel)(c)])
    deliver(dm_message("Wanneer is werkatelier 1?", user=SENTINEL, channel=channel))
    slack.wait_for("chat.postMessage", count=before + 1, predicate=in_channel(channel))


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    """GET a URL; returns the status and the JSON body (error statuses included)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def point_leerroute_at(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, *, socket_mode: bool = False
) -> None:
    """Configure Leerroute (environment variables) to talk to the fake Slack."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    if socket_mode:
        monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    else:
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)


def start_replica(slack: FakeSlack) -> HttpLeerroute:
    """Start one Leerroute process's worth of Slack app: settings, services, app, HTTP server.

    Replicas started in one test share the data dir, so they share the database and the index.
    """
    services = build_services(load_settings())
    app = create_app(services.settings, services)
    server = serve_http(app, "127.0.0.1", 0, services.check_health)
    return HttpLeerroute(slack, services, app, server)


@contextmanager
def running_replica(slack: FakeSlack) -> Iterator[HttpLeerroute]:
    """A replica for the length of a ``with`` block (started with the current settings)."""
    replica = start_replica(slack)
    try:
        yield replica
    finally:
        replica.close()


@pytest.fixture
def slack(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    """The fake Slack, with Leerroute's settings pointing at it (HTTP mode)."""
    point_leerroute_at(fake_slack, monkeypatch)
    return fake_slack


@pytest.fixture
def leerroute(slack: FakeSlack, data_dir: Any) -> Iterator[HttpLeerroute]:
    """Leerroute serving Slack over HTTP, with (a copy of) the ingested shipped knowledge."""
    with running_replica(slack) as replica:
        yield replica
