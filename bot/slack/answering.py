"""Answer a question in Slack: gather the thread, ask the service, post the blocks.

This is the one place where a failure while answering becomes a short apology in
the asker's language (and a logged error), never a stack trace and never silence.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.answer.compose import clean_question
from bot.answer.language import detect_language
from bot.conversations import conversation_key
from bot.services import Services
from bot.slack import blocks

log = logging.getLogger(__name__)


def earlier_questions(
    messages: list[dict[str, Any]], bot_user_id: str | None, before_ts: str
) -> list[str]:
    """The people's questions earlier in a thread, oldest first (the bot's replies left out)."""
    questions = []
    for message in messages:
        if message.get("bot_id") or message.get("user") == bot_user_id or message.get("subtype"):
            continue
        if float(message.get("ts", "0")) >= float(before_ts):
            continue
        text = clean_question(message.get("text", ""), 500)
        if text:
            questions.append(text)
    return questions


def thread_messages(client: WebClient, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    response = client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
    return list(response.get("messages") or [])


def render_answer(
    services: Services,
    *,
    text: str,
    user: str,
    surface: str,
    earlier: list[str] | None = None,
    key: str | None = None,
) -> tuple[str, list[dict[str, Any]] | None]:
    """The reply to a question as (fallback text, blocks); an apology if answering failed.
    `key` names the conversation (bot.conversations) whose state follow-ups read."""
    try:
        asked = services.questions.ask(text, user, surface, earlier, key)
    except Exception:  # the boundary: the user hears about it, the log gets the details
        log.exception("answering a %s question failed", surface)
        return blocks.apology(detect_language(text)), None
    names = services.role_names(asked.answer.language)
    return asked.answer.text[:3000], blocks.answer_blocks(asked.answer, asked.question_id, names)


def answer_in_slack(
    services: Services,
    client: WebClient,
    *,
    text: str,
    user: str,
    channel: str,
    surface: str,
    thread_ts: str | None,
    earlier: list[str] | None = None,
    team: str | None = None,
) -> None:
    """Answer in the channel (in the thread when given); an apology when answering fails.
    The conversation is the thread (or the DM): its state is kept in the database."""
    key = conversation_key(team, channel, thread_ts)
    reply, reply_blocks = render_answer(
        services, text=text, user=user, surface=surface, earlier=earlier, key=key
    )
    client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=reply, blocks=reply_blocks, unfurl_links=False
    )


def finish(services: Services, body: dict[str, Any]) -> None:
    """The event is handled (answered or deliberately ignored): nothing to redeliver."""
    event_id = body.get("event_id")
    if event_id:
        services.db.finish_event(str(event_id))
