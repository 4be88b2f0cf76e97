"""Shortcuts: the message action "Vraag Leerroute hierover" answers about that message,
only for the person who chose it (ephemeral: the message's author and channel see nothing)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services import Services
from bot.slack import ids
from bot.slack.answering import render_answer


def register(app: App, services: Services) -> None:
    def on_ask_about_message(ack: Ack, shortcut: dict[str, Any], respond: Respond) -> None:
        ack()
        text = str((shortcut.get("message") or {}).get("text") or "")
        if not text.strip():
            respond(
                text="Dit bericht heeft geen tekst om over te vragen.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        reply, reply_blocks = render_answer(
            services, text=text, user=shortcut["user"]["id"], surface="shortcut"
        )
        respond(text=reply, blocks=reply_blocks, response_type="ephemeral", replace_original=False)

    app.shortcut(ids.ASK_ABOUT_MESSAGE)(on_ask_about_message)
