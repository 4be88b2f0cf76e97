"""Events: mentions in channels and App Home."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.answering import answer_in_slack, earlier_questions, finish, thread_messages
from bot.slack.home import publish_home

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def on_mention(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        answer_mention(event, client, context)
        finish(services, body)  # not on failure: then the event is redelivered later

    def answer_mention(event: dict[str, Any], client: WebClient, context: Any) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return
        thread_ts = event.get("thread_ts") or event["ts"]
        earlier: list[str] = []
        if event.get("thread_ts"):
            messages = thread_messages(client, event["channel"], event["thread_ts"])
            earlier = earlier_questions(messages, context.bot_user_id, event["ts"])
        answer_in_slack(
            services,
            client,
            text=event.get("text", ""),
            user=event.get("user", ""),
            channel=event["channel"],
            surface="mention",
            thread_ts=thread_ts,
            team=context.team_id,
            event_id=context.get("event_id"),
            redelivered=bool(context.get("redelivery")),
            earlier=earlier,
        )

    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        publish_home(services, client, event["user"])

    app.event("app_mention")(on_mention)
    app.event("app_home_opened")(on_home_opened)
