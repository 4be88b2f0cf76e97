"""Modal submissions: the 👎 reason, and the reflection answer and edit modals."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import Services
from bot.slack import ids


def register(app: App, services: Services) -> None:
    from bot.slack.listeners.views.reflection import register as register_reflection

    register_reflection(app, services)

    def on_feedback_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        number, _, _ = str(view.get("private_metadata", "")).partition("|")
        values = view.get("state", {}).get("values", {})
        choice = values.get(ids.FEEDBACK_REASON_BLOCK, {}).get(ids.FEEDBACK_REASON, {})
        note = values.get(ids.FEEDBACK_NOTE_BLOCK, {}).get(ids.FEEDBACK_NOTE, {})
        try:
            question_id = int(number)
        except ValueError:
            return
        reason = str((choice.get("selected_option") or {}).get("value") or "other")
        services.recorder.feedback_reason(
            question_id, reason, str(note.get("value") or ""), body["user"]["id"]
        )

    app.view(ids.FEEDBACK_MODAL)(on_feedback_reason)
