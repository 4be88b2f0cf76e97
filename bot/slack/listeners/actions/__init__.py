"""Buttons: feedback, contact, role choice, erasure, enrolment. Each acks first."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.answer import compose
from bot.services import Services
from bot.slack import blocks, ids
from bot.slack.home import publish_home


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


def _role_and_language(services: Services, value: str) -> tuple[Any, str] | None:
    role_id, _, language = value.partition("|")
    try:
        return services.knowledge.hulplijnen.role(role_id), language or "nl"
    except KeyError:
        return None


def register(app: App, services: Services) -> None:
    def on_feedback(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        direction, _, number = _value(body).partition("|")
        try:
            question_id = int(number)
        except ValueError:
            return
        value = 1 if direction == "up" else -1
        if not services.recorder.feedback(question_id, value, body["user"]["id"]):
            return  # someone else's answer: only the asker's rating counts
        language = services.recorder.language_of(question_id)
        if value < 0 and body.get("trigger_id"):
            client.views_open(
                trigger_id=body["trigger_id"], view=blocks.feedback_modal(question_id, language)
            )
            return
        respond(
            text=blocks.t(language, "Dank je voor je feedback!", "Thanks for your feedback!"),
            response_type="ephemeral",
            replace_original=False,
        )

    def on_contact(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        found = _role_and_language(services, _value(body))
        if found:
            role, language = found
            respond(
                blocks=blocks.contact_blocks(role, language),
                text=role.name.get(language),
                response_type="ephemeral",
                replace_original=False,
            )

    def on_choose_role(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        found = _role_and_language(services, _value(body))
        if found:
            role, language = found
            respond(
                text=compose.role_text(role, language),
                response_type="ephemeral",
                replace_original=False,
            )

    def on_forget(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        counts = services.recorder.forget(body["user"]["id"])
        total = sum(counts.values())
        respond(
            text=f"Klaar: al je gegevens zijn gewist ({total} items). Je kunt Leerroute gewoon blijven gebruiken.",
            replace_original=True,
        )

    def on_forget_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="Er is niets gewist.", replace_original=True)

    def on_enrol(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        if body["actions"][0]["action_id"] == ids.ENROL:
            services.participants.enrol(user)
        else:
            services.participants.unenrol(user)
        if body.get("view", {}).get("type") == "home":
            publish_home(services, client, user)
        else:
            client.chat_postEphemeral(
                channel=body["channel"]["id"] if body.get("channel") else user,
                user=user,
                text="Je bent afgemeld voor reflectievragen."
                if body["actions"][0]["action_id"] == ids.UNENROL
                else "Je bent aangemeld voor reflectievragen.",
            )

    app.action(ids.FEEDBACK)(on_feedback)
    app.action(ids.CONTACT_ROLE)(on_contact)
    app.action(ids.CHOOSE_ROLE)(on_choose_role)
    app.action(ids.FORGET_CONFIRM)(on_forget)
    app.action(ids.FORGET_CANCEL)(on_forget_cancel)
    app.action(ids.ENROL)(on_enrol)
    app.action(ids.UNENROL)(on_enrol)
