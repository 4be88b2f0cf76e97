"""One package per Slack surface, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners import actions, assistant, commands, events, messages, shortcuts, views


def register(app: App, services: Services) -> None:
    assistant.register(app, services)  # before `messages`: it claims assistant threads
    events.register(app, services)
    messages.register(app, services)
    commands.register(app, services)
    shortcuts.register(app, services)
    actions.register(app, services)
    views.register(app, services)
