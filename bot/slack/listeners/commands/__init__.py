"""The slash command `/leerroute <subcommand>`: ack first, then do the work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import Services
from bot.slack import blocks, ids
from bot.slack.answering import render_answer

log = logging.getLogger(__name__)

ALIASES = {
    "vraag": "vraag", "ask": "vraag", "q": "vraag",
    "hulplijnen": "hulplijnen", "hulplijn": "hulplijnen", "roles": "hulplijnen",
    "aanmelden": "aanmelden", "afmelden": "afmelden", "portfolio": "portfolio",
    "vergeet-mij": "vergeet-mij", "vergeetmij": "vergeet-mij", "forget-me": "vergeet-mij",
    "help": "help", "hulp": "help",
}  # fmt: skip


def parse(text: str) -> tuple[str, str]:
    """('vraag', 'wanneer is werkatelier 4?') from 'vraag wanneer is werkatelier 4?'."""
    head, _, rest = (text or "").strip().partition(" ")
    return ALIASES.get(head.lower(), "unknown" if head else "help"), rest.strip()


def register(app: App, services: Services) -> None:
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        sub, rest = parse(command.get("text", ""))
        user = command["user_id"]
        match sub:
            case "vraag":
                if not rest:
                    ack(
                        text="Wat wil je vragen? Bijvoorbeeld: `/leerroute vraag wanneer is werkatelier 4?`"
                    )
                    return
                ack()
                reply, reply_blocks = render_answer(services, text=rest, user=user, surface="slash")
                respond(text=reply, blocks=reply_blocks, response_type="ephemeral")
            case "hulplijnen":
                ack(
                    blocks=blocks.hulplijnen_blocks(services.knowledge.hulplijnen),
                    text="De hulplijnen",
                )
            case "aanmelden":
                ack()
                new = services.participants.enrol(user)
                respond(
                    "Je bent aangemeld voor reflectievragen tussen de werkateliers. Afmelden kan altijd met `/leerroute afmelden`."
                    if new
                    else "Je was al aangemeld voor reflectievragen."
                )
            case "afmelden":
                ack()
                stopped = services.participants.unenrol(user)
                respond(
                    "Je bent afgemeld: je krijgt geen reflectievragen meer. Je portfolio blijft van jou."
                    if stopped
                    else "Je was niet aangemeld voor reflectievragen."
                )
            case "portfolio":
                ack("Je portfolio komt eraan in een direct bericht.")
                send_portfolio(services, client, user)
            case "vergeet-mij":
                ack(
                    blocks=blocks.forget_confirm_blocks(),
                    text="Weet je zeker dat je al je gegevens wilt wissen?",
                )
            case "help":
                ack(text=blocks.help_text())
            case _:
                ack(text="Dat commando ken ik niet.\n" + blocks.help_text())

    app.command(ids.COMMAND)(on_command)


def send_portfolio(services: Services, client: WebClient, user: str) -> None:
    markdown = services.portfolio.markdown(user)
    channel = client.conversations_open(users=user)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        content=markdown,
        filename="mijn-portfolio.md",
        title="Mijn portfolio",
        initial_comment="Hier is je portfolio, gesorteerd per bijeenkomst. Alleen jij ziet dit.",
    )
