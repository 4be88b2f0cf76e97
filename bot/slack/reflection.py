"""Replies to reflection prompts become portfolio entries."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import saved_blocks


def store_thread_reply(services: Services, client: WebClient, event: dict[str, Any]) -> bool:
    """If the message answers a reflection prompt in its thread, store it; True when it did."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or event.get("channel_type") != "im":
        return False
    prompt = services.reflection.prompt_for_thread(event["channel"], thread_ts)
    if prompt is None or prompt.user_id != event.get("user"):
        return False
    text = (event.get("text") or "").strip()
    if not text:
        return True
    entry_id = services.portfolio.add(
        prompt.user_id, prompt.session_id, prompt.question, text, prompt.id
    )
    client.chat_postMessage(
        channel=event["channel"],
        thread_ts=thread_ts,
        text="Opgeslagen in je portfolio.",
        blocks=saved_blocks(entry_id),
    )
    return True
