"""Slack payload builders, timestamps and request signing, shared by HTTP and Socket Mode tests.

Builders return exactly what Slack sends: Events API bodies (``event_callback``), slash command
form fields and interactive payloads. Re-exported by :mod:`tests.fakes.slack`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_RESPONSE_URL",
    "TEAM_ID",
    "app_home_opened",
    "app_mention",
    "assistant_thread_context_changed",
    "assistant_thread_started",
    "block_action",
    "channel_message",
    "dm_channel_id",
    "dm_message",
    "event_callback",
    "new_ts",
    "post_event",
    "post_form",
    "post_interactive",
    "rich_text",
    "sign",
    "slash_command",
    "view_submission",
]

TEAM_ID = "T0001"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/actions/T0001/1/fake"

_seq = itertools.count(1)
_ts_lock = threading.Lock()
_last_us = 0


def next_id() -> int:
    """A process-wide increasing counter for fake ids."""
    return next(_seq)


def new_ts() -> str:
    """A fresh, strictly increasing Slack timestamp based on the clock ("1712345678.123456")."""
    global _last_us
    with _ts_lock:
        _last_us = max(time.time_ns() // 1000, _last_us + 1)
        return f"{_last_us // 1_000_000}.{_last_us % 1_000_000:06d}"


def dm_channel_id(user_id: str) -> str:
    """The fake's IM channel id for a user: ``U123`` -> ``D123``, anything else -> ``DFAKE<id>``."""
    return "D" + user_id[1:] if user_id.startswith("U") else "DFAKE" + user_id


def rich_text(text: str) -> list[dict[str, Any]]:
    """The rich_text block Slack generates for a plain-text message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}]


# ------------------------------------------------------------------ payload builders


def _trigger_id() -> str:
    return f"{next_id()}.{int(time.time())}.{uuid.uuid4().hex}"


def event_callback(
    event: dict[str, Any],
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
) -> dict[str, Any]:
    """The Events API outer body (HTTP request body / ``events_api`` envelope payload)."""
    return {
        "token": "verification",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next_id():09d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event.get('type', 'event')}-{team_id}-{event.get('channel', '')}",
    }


def _message_event(
    kind: str,
    text: str,
    user: str,
    channel: str,
    ts: str | None,
    thread_ts: str | None,
    **extra: Any,
) -> dict[str, Any]:
    ts = ts or new_ts()
    event = {
        "type": kind,
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": TEAM_ID,
        "blocks": rich_text(text),
        "channel": channel,
        "event_ts": ts,
    } | extra
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_mention(
    text: str,
    user: str = "U123",
    channel: str = "C123",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An ``app_mention`` event; ``<@UBOT> `` is prepended unless the text already mentions the bot."""
    if f"<@{BOT_USER_ID}>" not in text:
        text = f"<@{BOT_USER_ID}> {text}"
    return _message_event("app_mention", text, user, channel, ts, thread_ts)


def dm_message(
    text: str,
    user: str = "U123",
    channel: str = "D123",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A ``message`` event in the app's DM (``channel_type: im``), optionally in a thread."""
    return _message_event("message", text, user, channel, ts, thread_ts, channel_type="im")


def channel_message(
    text: str,
    user: str = "U123",
    channel: str = "C123",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A ``message`` event in a public channel (e.g. a thread reply without a mention)."""
    return _message_event("message", text, user, channel, ts, thread_ts, channel_type="channel")


def app_home_opened(
    user: str = "U123", channel: str | None = None, tab: str = "home"
) -> dict[str, Any]:
    """An ``app_home_opened`` event."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or dm_channel_id(user),
        "tab": tab,
        "event_ts": new_ts(),
    }


def assistant_thread_started(
    user: str = "U123",
    channel: str = "D123",
    thread_ts: str | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``assistant_thread_started`` event (Bolt's ``Assistant`` middleware reads
    ``assistant_thread.channel_id``/``thread_ts``; ``context`` is ``{}`` or has ``channel_id``)."""
    ts = thread_ts or new_ts()
    thread = {"user_id": user, "context": context or {}, "channel_id": channel, "thread_ts": ts}
    return {"type": "assistant_thread_started", "assistant_thread": thread, "event_ts": new_ts()}


def assistant_thread_context_changed(
    user: str = "U123",
    channel: str = "D123",
    thread_ts: str = "",
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``assistant_thread_context_changed`` event."""
    event = assistant_thread_started(user, channel, thread_ts or None, context)
    return event | {"type": "assistant_thread_context_changed"}


def slash_command(
    text: str,
    user_id: str = "U123",
    command: str = "/leerroute",
    channel_id: str = "C123",
    response_url: str = DEFAULT_RESPONSE_URL,
    team_id: str = TEAM_ID,
    user_name: str = "testuser",
) -> dict[str, str]:
    """Slash command form fields (HTTP: urlencoded body; Socket Mode: the envelope payload)."""
    return {
        "token": "verification",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id[:1] == "D" else "general",
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": _trigger_id(),
    }


def _user_ref(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": "testuser", "name": "testuser", "team_id": TEAM_ID}


def block_action(
    action_id: str,
    value: str,
    user_id: str = "U123",
    channel_id: str = "C123",
    message_ts: str | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
    container: dict[str, Any] | None = None,
    block_id: str = "actions",
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button click on a message (HTTP: form field ``payload``)."""
    message_ts = message_ts or new_ts()
    action = {
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "type": "button",
        "text": {"type": "plain_text", "text": value, "emoji": True},
        "action_ts": new_ts(),
    }
    return {
        "type": "block_actions",
        "user": _user_ref(user_id),
        "api_app_id": APP_ID,
        "token": "verification",
        "trigger_id": _trigger_id(),
        "container": container
        or {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "team": {"id": TEAM_ID, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": message
        or {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": "",
            "ts": message_ts,
            "blocks": [],
        },
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    private_metadata: str = "",
    user_id: str = "U123",
    view_id: str | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload. ``values`` is ``{block_id: {action_id: state}}``; a plain
    string state is wrapped as ``{"type": "plain_text_input", "value": s}``."""
    state = {
        block: {
            action: v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
            for action, v in actions.items()
        }
        for block, actions in values.items()
    }
    view_id = view_id or f"V{next_id():010d}"
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": "modal",
        "blocks": [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": state},
        "hash": f"{int(time.time())}.h",
        "title": {"type": "plain_text", "text": "Leerroute"},
        "root_view_id": view_id,
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "external_id": "",
        "previous_view_id": None,
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": _user_ref(user_id),
        "api_app_id": APP_ID,
        "token": "verification",
        "trigger_id": _trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


# ------------------------------------------------------------------- signed HTTP


def sign(signing_secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers: ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    digest = hmac.new(signing_secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    headers = {"User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"} | headers
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode("utf-8")


def post_event(
    url: str,
    signing_secret: str,
    body: dict[str, Any],
    retry_num: int | None = None,
    timestamp: int | None = None,
    retry_reason: str = "http_timeout",
    timeout: float = 10.0,
) -> tuple[int, str]:
    """POST a signed Events API JSON body as Slack does; returns ``(status, response text)``."""
    raw = json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"} | sign(signing_secret, raw, timestamp)
    if retry_num is not None:
        headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    return _post(url, raw, headers, timeout)


def post_form(
    url: str,
    signing_secret: str,
    form: Mapping[str, str],
    timestamp: int | None = None,
    timeout: float = 10.0,
) -> tuple[int, str]:
    """POST a signed urlencoded form (slash commands); returns ``(status, response text)``."""
    raw = urlencode(form).encode("utf-8")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _post(url, raw, headers | sign(signing_secret, raw, timestamp), timeout)


def post_interactive(
    url: str,
    signing_secret: str,
    payload: dict[str, Any],
    timestamp: int | None = None,
    timeout: float = 10.0,
) -> tuple[int, str]:
    """POST an interactive payload the way Slack does: form field ``payload=<json>``."""
    return post_form(url, signing_secret, {"payload": json.dumps(payload)}, timestamp, timeout)
