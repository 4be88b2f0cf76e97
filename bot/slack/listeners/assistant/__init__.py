"""Slack's AI assistant surface (bolt's `Assistant`): suggested prompts and a thinking status."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Assistant, Say, SetStatus, SetSuggestedPrompts
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.answering import answer_in_slack, earlier_questions, finish, thread_messages
from bot.slack.reflection import store_thread_reply

SUGGESTED_PROMPTS = [
    {"title": "Teamconflict", "message": "Wie kan ik benaderen bij een teamconflict?"},
    {"title": "Volgende werkatelier", "message": "Wanneer is het volgende werkatelier?"},
    {"title": "Hulplijnen", "message": "Welke hulplijnen zijn er en wat doen ze?"},
    {"title": "Kosten leergang", "message": "Wat kost de leergang?"},
]


def register(app: App, services: Services) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def start(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say(
            "Hoi! Ik beantwoord vragen over de leergang en wijs je de weg naar de juiste hulplijn. Waar kan ik je mee helpen?"
        )
        set_suggested_prompts(prompts=SUGGESTED_PROMPTS)

    @assistant.user_message
    def respond(
        payload: dict[str, Any],
        body: dict[str, Any],
        set_status: SetStatus,
        client: WebClient,
        context: Any,
    ) -> None:
        answer_in_thread(payload, set_status, client, context)
        finish(services, body)  # not on failure: then the event is redelivered later

    def answer_in_thread(
        payload: dict[str, Any], set_status: SetStatus, client: WebClient, context: Any
    ) -> None:
        if payload.get("subtype"):
            return
        if store_thread_reply(services, client, {**payload, "channel_type": "im"}):
            return  # a reply to a reflection prompt: it went into the portfolio
        set_status("denkt na…")
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        messages = thread_messages(client, channel, thread_ts)
        answer_in_slack(
            services,
            client,
            text=payload.get("text", ""),
            user=payload.get("user", ""),
            channel=channel,
            surface="assistant",
            thread_ts=thread_ts,
            team=context.team_id,
            earlier=earlier_questions(messages, context.bot_user_id, payload["ts"]),
        )

    app.use(assistant)
