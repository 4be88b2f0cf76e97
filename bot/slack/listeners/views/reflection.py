"""The reflection modal ("Beantwoorden") and editing or deleting portfolio entries."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import Services
from bot.slack import blocks, ids


def _answer(view: dict[str, Any]) -> str:
    state = view["state"]["values"][ids.REFLECT_BLOCK][ids.REFLECT_INPUT]
    return str(state.get("value") or "").strip()


def register(app: App, services: Services) -> None:
    def open_answer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        prompt = services.reflection.prompt_by_id(int(body["actions"][0]["value"]))
        if prompt is None or prompt.user_id != body["user"]["id"]:
            return
        client.views_open(
            trigger_id=body["trigger_id"], view=blocks.reflection_modal(prompt.question, prompt.id)
        )

    def submit_answer(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        text = _answer(view)
        if not text:
            ack(response_action="errors", errors={ids.REFLECT_BLOCK: "Schrijf eerst een antwoord."})
            return
        ack()
        user = body["user"]["id"]
        prompt = services.reflection.prompt_by_id(int(view["private_metadata"]))
        if prompt is None or prompt.user_id != user:
            return
        entry_id = services.portfolio.add(user, prompt.session_id, prompt.question, text, prompt.id)
        if prompt.channel and prompt.ts:
            client.chat_postMessage(
                channel=prompt.channel,
                thread_ts=prompt.ts,
                text="Opgeslagen in je portfolio.",
                blocks=blocks.saved_blocks(entry_id),
            )

    def open_edit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        entry_id = int(body["actions"][0]["value"])
        entry = next((e for e in services.portfolio.entries(user) if e.id == entry_id), None)
        if entry is None:
            return
        if len(entry.answer) > blocks.MAX_INPUT:
            # Slack's text input holds 3000 characters: editing would cut the answer short.
            respond(
                text="Dit antwoord is te lang om in Slack te bewerken. Verwijder het en schrijf het opnieuw, "
                "of bewerk het in je geëxporteerde portfolio.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        client.views_open(
            trigger_id=body["trigger_id"],
            view=blocks.reflection_modal(
                entry.prompt, entry.send_id or 0, initial=entry.answer, entry_id=entry.id
            ),
        )

    def submit_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = _answer(view)
        if not text:
            ack(
                response_action="errors",
                errors={ids.REFLECT_BLOCK: "Een leeg antwoord kan niet; verwijder het anders."},
            )
            return
        ack()
        services.portfolio.edit(body["user"]["id"], int(view["private_metadata"]), text)

    def delete_entry(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        if services.portfolio.delete(body["user"]["id"], int(body["actions"][0]["value"])):
            respond(text="Verwijderd uit je portfolio.", replace_original=True)

    app.action(ids.REFLECT_ANSWER)(open_answer)
    app.view(ids.REFLECT_MODAL)(submit_answer)
    app.action(ids.PORTFOLIO_EDIT)(open_edit)
    app.view(ids.PORTFOLIO_EDIT_MODAL)(submit_edit)
    app.action(ids.PORTFOLIO_DELETE)(delete_entry)
