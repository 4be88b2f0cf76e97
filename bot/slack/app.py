"""`create_app(settings, services)`: the bolt App with its client, middleware and listeners."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

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


def create_app(settings: Settings, services: Services) -> App:
    secret = (
        settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else None
    )
    if secret is None and settings.slack.app_token is None:
        raise SlackConfigError(
            "SLACK_SIGNING_SECRET is needed to serve HTTP (or set SLACK_APP_TOKEN for Socket Mode)"
        )
    app = App(
        client=create_client(settings),
        signing_secret=secret or "",
        request_verification_enabled=secret is not None,
        logger=logging.getLogger("leerroute.slack"),
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

    def middleware(body: dict[str, Any], request: BoltRequest, next: Callable[[], Any]) -> Any:
        event_id = body.get("event_id")
        if event_id and request.headers.get(REDELIVERY_HEADER):
            return next()  # our own redelivery of an event a crashed run never answered
        if event_id and not services.db.claim_event(str(event_id), question_body(body)):
            log.info("event %s was already handled; acknowledging the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return middleware


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
