"""`create_app(settings, services)`: the bolt App with its client, middleware and listeners."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.exc import SQLAlchemyError

from bot.answer.compose import apology_text
from bot.answer.language import detect_language
from bot.db import DatabaseError
from bot.services import Services
from bot.settings import Settings
from bot.slack import listeners

log = logging.getLogger(__name__)

# Marks our own redelivery. Only reachable in-process: an HTTP request carrying it still
# has to pass Slack's signature check first, which no forged request does.
REDELIVERY_HEADER = "x-leerroute-redelivery"


class SlackConfigError(Exception):
    pass


def create_client(settings: Settings) -> WebClient:
    if settings.slack.bot_token is None:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set")
    return WebClient(
        token=settings.slack.bot_token.get_secret_value(),
        base_url=settings.slack.api_url,
        timeout=15,
        # slack_sdk does not retry rate limits or server errors by default.
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def email_lookup(settings: Settings) -> Callable[[str], str]:
    """Resolve an e-mail address to a Slack user id (users.lookupByEmail)."""
    client = create_client(settings)
    return lambda email: str(client.users_lookupByEmail(email=email)["user"]["id"])


class SlackLogFilter(logging.Filter):
    """What bolt logs, made fit for our log:
    - a request that fails the signature check is logged by bolt at INFO with its whole
      body (personal data, Slack ids, and a newline in it forges a log line): only the
      reason and the length are kept;
    - newlines in any message are neutralised;
    - bolt reads SLACK_BOT_TOKEN from the environment as well and warns at every start that
      the client's token wins; it is the same token, so that warning is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("As you gave `client` as well"):
            return False
        if message.startswith("Invalid request signature detected"):
            body = message.partition("body: ")[2]
            message = f"refused a request that failed Slack's signature check ({len(body)} bytes)"
        record.msg, record.args = message.replace("\r", "\\r").replace("\n", "\\n"), ()
        return True


SLACK_LOG_FILTER = SlackLogFilter()


def create_app(settings: Settings, services: Services) -> App:
    secret = (
        settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else None
    )
    if secret is None and settings.slack.app_token is None:
        raise SlackConfigError(
            "SLACK_SIGNING_SECRET is needed to serve HTTP (or set SLACK_APP_TOKEN for Socket Mode)"
        )
    slack_log = logging.getLogger("leerroute.slack")
    slack_log.addFilter(SLACK_LOG_FILTER)  # once: the same filter object is added once
    app = App(
        client=create_client(settings),
        signing_secret=secret or "",
        request_verification_enabled=secret is not None,
        logger=slack_log,
    )
    app.use(answer_each_event_once(services))
    listeners.register(app, services)
    app.error(log_error)
    return app


def answer_each_event_once(services: Services) -> Callable[..., Any]:
    """Slack re-sends events it thinks were missed; bolt does not de-duplicate them.

    The first process to claim an event id in the database handles it; every retry,
    in this process or another replica, is acknowledged and dropped.
    """

    def middleware(
        body: dict[str, Any],
        request: BoltRequest,
        client: WebClient,
        context: Any,
        next: Callable[[], Any],
    ) -> Any:
        event_id = body.get("event_id")
        context["event_id"] = str(event_id) if event_id else None  # goes into the answer
        if event_id and request.headers.get(REDELIVERY_HEADER):
            context["redelivery"] = True  # the listener checks the thread before posting
            return next()  # our own redelivery of an event a crashed run never answered
        key = str(event_id) if event_id else replay_key(body, request)
        try:
            claimed = not key or services.db.claim_event(
                key, question_body(body) if event_id else None
            )
        except (SQLAlchemyError, DatabaseError) as exc:
            # Without the database nothing can be answered or kept: the person hears so,
            # and Slack gets its 200 (a retry would meet the same broken database).
            log.error(
                "the database failed (%s); apologising for event %s", type(exc).__name__, event_id
            )
            apologise(client, body)
            return BoltResponse(status=200, body="")
        if not claimed:
            log.info("%s was already handled; acknowledging the retry", event_id or "a command")
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def replay_key(body: dict[str, Any], request: BoltRequest) -> str | None:
    """A slash command has no event id: a signed request replayed within Slack's five
    minutes carries the same signature and timestamp, so those identify it (the claims
    are forgotten after two days, long after a replay would fail its timestamp check)."""
    if "command" not in body:
        return None
    signature = request.headers.get("x-slack-signature", [""])[0]
    timestamp = request.headers.get("x-slack-request-timestamp", [""])[0]
    if not signature:
        return None  # Socket Mode: Slack delivers each command once per envelope
    digest = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()[:40]
    return f"command:{digest}"


def apologise(client: WebClient, body: dict[str, Any]) -> None:
    """A short apology where a question was asked (nothing for other events)."""
    event = body.get("event") or {}
    if question_body(body) is None or not event.get("channel"):
        return
    thread = event.get("thread_ts") or (event["ts"] if event.get("type") == "app_mention" else None)
    try:
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=thread,
            text=apology_text(detect_language(str(event.get("text") or ""))),
        )
    except SlackApiError as exc:
        log.warning("could not apologise in Slack (%s)", exc.response.get("error"))


def question_body(body: dict[str, Any]) -> str | None:
    """The request body to keep until answered, for events that carry a person's question."""
    event = body.get("event") or {}
    if event.get("bot_id") or event.get("subtype"):
        return None
    # Mentions, DMs and thread replies may be questions; top-level channel chatter is not
    # ours to keep.
    if event.get("type") == "app_mention" or (
        event.get("type") == "message"
        and (event.get("channel_type") == "im" or event.get("thread_ts"))
    ):
        return json.dumps(body)
    return None


def redeliver_unfinished(app: App, services: Services) -> int:
    """Answer the questions a killed process claimed but never answered (bounded retries)."""
    events = services.db.unfinished_events()
    for event_id, body in events:
        log.warning("event %s was claimed but never answered; answering it now", event_id)
        app.dispatch(
            BoltRequest(body=json.loads(body), mode="socket_mode", headers={REDELIVERY_HEADER: "1"})
        )
    return len(events)


def log_error(error: Exception, body: dict[str, Any]) -> None:
    log.error(
        "unhandled error in a Slack listener (%s): %s",
        body.get("type"),
        type(error).__name__,
        exc_info=error,
    )
