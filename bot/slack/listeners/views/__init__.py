"""Modal submissions (the reflection answer modal is registered by the reflection issue)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    from bot.slack.listeners.views.reflection import register as register_reflection

    register_reflection(app, services)
