"""Slack's AI assistant surface (bolt's `Assistant`): suggested prompts and a thinking status."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Assistant, Say, SetSuggestedPrompts, SetTitle
from slack_sdk import WebClient

from bot.answer.compose import clean_question
from bot.monitor.scrub import without_personal_data
from bot.services import Services
from bot.slack.answering import answer_in_slack, earlier_questions, finish, thread_messages
from bot.slack.reflection import store_thread_reply

SUGGESTED_PROMPTS = [
    {"title": "Teamconflict", "message": "Wie kan ik benaderen bij een teamconflict?"},
    {"title": "Volgende werkatelier", "message": "Wanneer is het volgende werkatelier?"},
    {"title": "Hulplijnen", "message": "Welke hulplijnen zijn er en wat doen ze?"},
    {"title": "Kosten leergang", "message": "Wat kost de leergang?"},
]


TITLE_CHARS = 60


def thread_title(question: str) -> str:
    """The first question, without personal data, cut at a word within TITLE_CHARS."""
    text = " ".join(clean_question(without_personal_data(question), 500).split())
    if len(text) <= TITLE_CHARS:
        return text or "Vraag"
    return text[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


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
        set_title: SetTitle,
        client: WebClient,
        context: Any,
    ) -> None:
        answer_in_thread(payload, set_title, client, context)
        finish(services, body)  # not on failure: then the event is redelivered later

    def answer_in_thread(
        payload: dict[str, Any], set_title: SetTitle, client: WebClient, context: Any
    ) -> None:
        if payload.get("subtype"):
            return
        if store_thread_reply(services, client, {**payload, "channel_type": "im"}):
            return  # a reply to a reflection prompt: it went into the portfolio
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        messages = thread_messages(client, channel, thread_ts)
        earlier = earlier_questions(messages, context.bot_user_id, payload["ts"])
        if not earlier:  # the thread's first question names it in the history
            set_title(thread_title(payload.get("text", "")))
        answer_in_slack(
            services,
            client,
            text=payload.get("text", ""),
            user=payload.get("user", ""),
            channel=channel,
            surface="assistant",
            thread_ts=thread_ts,
            team=context.team_id,
            event_id=context.get("event_id"),
            redelivered=bool(context.get("redelivery")),
            earlier=earlier,
        )

    app.use(assistant)
