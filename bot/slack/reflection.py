"""Replies to reflection prompts become portfolio entries."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.reflection.schedule import PlannedPrompt
from bot.services import Services
from bot.slack.blocks import reflection_prompt_blocks, saved_blocks

METADATA_TYPE = "leerroute_reflection"


class SlackMessenger:
    """Delivers reflection prompts as DMs; each carries its send id in message metadata,
    so a prompt whose delivery was not booked (a crash) can be found instead of re-sent."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def send_prompt(
        self, user_id: str, prompt: PlannedPrompt, question: str, send_id: int, language: str
    ) -> tuple[str, str]:
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        response = self.client.chat_postMessage(
            channel=channel,
            text=f"{prompt.session.label}: {question}",
            blocks=reflection_prompt_blocks(prompt.session, question, send_id, language),
            metadata={
                "event_type": METADATA_TYPE,
                "event_payload": {"send_id": send_id, "key": prompt.key},
            },
        )
        return channel, str(response["ts"])

    def find_prompt(self, user_id: str, send_id: int) -> tuple[str, str] | None:
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        history = self.client.conversations_history(
            channel=channel, limit=50, include_all_metadata=True
        )
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_TYPE and payload.get("send_id") == send_id:
                return channel, str(message.get("ts"))
        return None


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
