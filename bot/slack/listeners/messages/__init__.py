"""Messages: direct messages, and follow-ups in threads the bot already answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.answering import answer_in_slack, earlier_questions, finish, thread_messages
from bot.slack.reflection import store_thread_reply


def register(app: App, services: Services) -> None:
    def on_message(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        handle(event, client, context)
        finish(services, body)  # not on failure: then the event is redelivered later

    def handle(event: dict[str, Any], client: WebClient, context: Any) -> None:
        # Bots (ourselves included), edits, deletions and joins are not questions.
        if event.get("bot_id") or event.get("subtype"):
            return
        text = event.get("text", "")
        bot_user = context.bot_user_id
        channel = event["channel"]
        thread_ts = event.get("thread_ts")
        if event.get("channel_type") == "im":
            if store_thread_reply(services, client, event):
                return
            earlier: list[str] = []
            if thread_ts:
                earlier = earlier_questions(
                    thread_messages(client, channel, thread_ts), bot_user, event["ts"]
                )
            else:
                recent = (
                    client.conversations_history(channel=channel, limit=6).get("messages") or []
                )
                earlier = earlier_questions(list(reversed(recent)), bot_user, event["ts"])[-2:]
            answer_in_slack(
                services,
                client,
                text=text,
                user=event.get("user", ""),
                channel=channel,
                surface="dm",
                thread_ts=thread_ts,
                team=context.team_id,
                event_id=context.get("event_id"),
                redelivered=bool(context.get("redelivery")),
                earlier=earlier,
            )
            return
        if not thread_ts or (bot_user and f"<@{bot_user}>" in text):
            return  # top-level channel chatter, or a mention (handled as app_mention)
        messages = thread_messages(client, channel, thread_ts)
        if not any(
            m.get("user") == bot_user or m.get("bot_id") == context.bot_id for m in messages
        ):
            return  # a thread we never answered: not ours to join
        answer_in_slack(
            services,
            client,
            text=text,
            user=event.get("user", ""),
            channel=channel,
            surface="thread",
            thread_ts=thread_ts,
            team=context.team_id,
            event_id=context.get("event_id"),
            redelivered=bool(context.get("redelivery")),
            earlier=earlier_questions(messages, bot_user, event["ts"]),
        )

    app.event("message")(on_message)
