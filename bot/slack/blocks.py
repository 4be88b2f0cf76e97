"""Block Kit built by pure functions: data in, blocks out. No Slack calls here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.answer.assistant import Answer
from bot.answer.compose import apology_text
from bot.answer.facts import format_date
from bot.knowledge import Hulplijnen, Programme, Role
from bot.slack import ids
from bot.slack.mrkdwn import escape, split_text, to_mrkdwn

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_SOURCES = 5
MAX_INPUT = 3000  # Slack's limit for a plain_text_input


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def t(language: str, nl: str, en: str) -> str:
    return en if language == "en" else nl


def answer_blocks(
    answer: Answer, question_id: int | None, role_names: dict[str, str] | None = None
) -> list[Block]:
    """An answer: its text, the sources as context, and the buttons that fit it.

    `role_names` maps role ids to their names in the answer's language (for the buttons
    of a clarifying question)."""
    blocks: list[Block] = [section(piece) for piece in split_text(to_mrkdwn(answer.text))]
    if answer.sources:
        lines = []
        for number, source in enumerate(answer.sources[:MAX_SOURCES], start=1):
            where = f" — {escape(source.section)}" if source.section else ""
            cited = f"[{number}] " if answer.generated else ""
            lines.append(f"📄 {cited}{escape(source.title)}{where}")
        blocks.append(context(t(answer.language, "Bronnen: ", "Sources: ") + " · ".join(lines)))
    if answer.generated:
        blocks.append(
            context(
                t(
                    answer.language,
                    "Geschreven door een taalmodel uit deze bronnen, en gecontroleerd.",
                    "Written by a language model from these sources, and checked.",
                )
            )
        )
    buttons: list[Block] = []
    lang = answer.language
    if answer.route.routed and answer.route.clarify:
        for role_id, _ in answer.route.candidates[:3]:
            buttons.append(
                button(
                    (role_names or {}).get(role_id, role_id), ids.CHOOSE_ROLE, f"{role_id}|{lang}"
                )
            )
    elif answer.route.routed and answer.route.role:
        buttons.append(
            button(
                t(lang, "Breng me in contact", "Put me in touch"),
                ids.CONTACT_ROLE,
                f"{answer.route.role}|{lang}",
                "primary",
            )
        )
    if buttons:
        blocks.append({"type": "actions", "block_id": "answer_actions", "elements": buttons[:25]})
    if question_id is not None:
        blocks.append(feedback_block(question_id, lang))
    return blocks[:MAX_BLOCKS]


def feedback_block(question_id: int, language: str) -> Block:
    """Slack's own feedback buttons under an answer, with labels for screen readers."""
    return {
        "type": "context_actions",
        "block_id": "answer_feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ids.FEEDBACK,
                "positive_button": {
                    "text": {"type": "plain_text", "text": "👍"},
                    "value": f"up|{question_id}",
                    "accessibility_label": t(
                        language, "Dit antwoord hielp me", "This answer helped me"
                    ),
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "👎"},
                    "value": f"down|{question_id}",
                    "accessibility_label": t(
                        language, "Dit antwoord hielp me niet", "This answer did not help me"
                    ),
                },
            }
        ],
    }


# Why an answer missed, as HR counts it: (value, Dutch, English).
FEEDBACK_REASONS = (
    ("wrong_answer", "Het antwoord klopte niet", "The answer was wrong"),
    ("wrong_person", "De verkeerde persoon of hulplijn", "The wrong person or support line"),
    ("out_of_date", "Verouderd", "Out of date"),
    ("other", "Iets anders", "Something else"),
)


def feedback_modal(question_id: int, language: str) -> dict[str, Any]:
    """After a 👎: what was wrong, and optionally in a few words (scrubbed before storing)."""
    options = [
        {"text": {"type": "plain_text", "text": t(language, nl, en)}, "value": value}
        for value, nl, en in FEEDBACK_REASONS
    ]
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_MODAL,
        "private_metadata": f"{question_id}|{language}",
        "title": {
            "type": "plain_text",
            "text": t(language, "Wat klopte er niet?", "What was wrong?"),
        },
        "submit": {"type": "plain_text", "text": t(language, "Versturen", "Send")},
        "close": {"type": "plain_text", "text": t(language, "Overslaan", "Skip")},
        "blocks": [
            {
                "type": "input",
                "block_id": ids.FEEDBACK_REASON_BLOCK,
                "label": {
                    "type": "plain_text",
                    "text": t(language, "Wat ging er mis?", "What went wrong?"),
                },
                "element": {
                    "type": "radio_buttons",
                    "action_id": ids.FEEDBACK_REASON,
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": ids.FEEDBACK_NOTE_BLOCK,
                "optional": True,
                "label": {
                    "type": "plain_text",
                    "text": t(language, "Toelichting", "In a few words"),
                },
                "hint": {
                    "type": "plain_text",
                    "text": t(
                        language,
                        "Geen namen of gegevens van anderen, graag. HR ziet alleen de reden.",
                        "No names or details of others, please. HR sees the reason only.",
                    ),
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.FEEDBACK_NOTE,
                    "multiline": True,
                    "max_length": 500,
                },
            },
        ],
    }


def contact_blocks(role: Role, language: str) -> list[Block]:
    lines = [f"*{escape(role.name.get(language))}*", escape(role.summary.get(language))]
    lines.extend(f"• {escape(line)}" for line in role.contact.lines(language))
    return [section("\n".join(lines))]


def hulplijnen_blocks(hulplijnen: Hulplijnen, language: str = "nl") -> list[Block]:
    blocks: list[Block] = [
        section(
            t(
                language,
                "*De hulplijnen en hoe je ze bereikt*",
                "*Support roles and how to reach them*",
            )
        )
    ]
    for role in hulplijnen.roles:
        contact = " · ".join(escape(line) for line in role.contact.lines(language)[:3])
        blocks.append(
            section(
                f"*{escape(role.name.get(language))}*\n{escape(role.summary.get(language))}\n{contact}"
            )
        )
    return blocks


def help_text(language: str = "nl") -> str:
    return t(
        language,
        "*Leerroute* beantwoordt vragen over de leergang en wijst je de weg naar de juiste hulplijn.\n"
        "• `/leerroute vraag <je vraag>`: stel een vraag\n"
        "• `/leerroute hulplijnen`: wie helpt waarmee, en hoe bereik je ze\n"
        "• `/leerroute aanmelden` / `afmelden`: reflectievragen tussen de werkateliers\n"
        "• `/leerroute portfolio`: je eigen portfolio als bestand\n"
        "• `/leerroute vergeet-mij`: wis al je gegevens\n"
        "• `/leerroute help`: deze uitleg\n"
        "Je kunt me ook een direct bericht sturen of me noemen in een kanaal.",
        "*Leerroute* answers questions about the programme and points you to the right support role.\n"
        "• `/leerroute vraag <question>`: ask a question\n"
        "• `/leerroute hulplijnen`: who helps with what, and how to reach them\n"
        "• `/leerroute aanmelden` / `afmelden`: reflection prompts between the workshops\n"
        "• `/leerroute portfolio`: your own portfolio as a file\n"
        "• `/leerroute vergeet-mij`: erase all your data\n"
        "• `/leerroute help`: this help\n"
        "You can also send me a direct message or mention me in a channel.",
    )


def forget_confirm_blocks() -> list[Block]:
    return [
        section(
            "Weet je het zeker? Hiermee wis ik al je vragen, je aanmelding voor reflectievragen en je portfolio. "
            "Dit kan niet ongedaan worden gemaakt."
        ),
        {
            "type": "actions",
            "block_id": "forget_actions",
            "elements": [
                button("Ja, wis mijn gegevens", ids.FORGET_CONFIRM, "yes", "danger"),
                button("Annuleren", ids.FORGET_CANCEL, "no"),
            ],
        },
    ]


def home_view(
    hulplijnen: Hulplijnen,
    programme: Programme,
    today: dt.date,
    enrolled: bool,
    monitor_summary: list[str] | None = None,
    dashboard_url: str | None = None,
) -> dict[str, Any]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Leerroute"}},
        section(
            "Stel me je vraag over de leergang of over wie je kan helpen, in een direct bericht of met `/leerroute vraag`. "
            "Bijvoorbeeld:\n• _Wie kan ik benaderen bij een teamconflict?_\n• _Wanneer is werkatelier 4?_\n"
            "• _Wat kost de leergang?_"
        ),
    ]
    upcoming = programme.next_session(today)
    if upcoming:
        theme = f": ‘{escape(upcoming.theme)}’" if upcoming.theme else ""
        blocks.append(
            section(
                f"*Volgende bijeenkomst*\n{escape(upcoming.label)}{theme}, {format_date(upcoming, 'nl')}"
            )
        )
    else:
        blocks.append(
            section(
                "*Volgende bijeenkomst*\nIn de planning van de leergang staan geen bijeenkomsten meer."
            )
        )
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_reflection",
            "elements": [
                button("Afmelden voor reflectievragen", ids.UNENROL, "home")
                if enrolled
                else button("Aanmelden voor reflectievragen", ids.ENROL, "home", "primary")
            ],
        }
    )
    blocks.append({"type": "divider"})
    blocks.extend(hulplijnen_blocks(hulplijnen))
    if monitor_summary is not None:
        blocks.append({"type": "divider"})
        lines = [escape(line) for line in monitor_summary]
        if dashboard_url:
            lines.append(f"<{dashboard_url}|Open het dashboard>")
        blocks.append(section("*Monitoring (laatste 30 dagen)*\n" + "\n".join(lines)))
    return {"type": "home", "blocks": blocks[:100]}


def slow_down(language: str) -> str:
    return t(
        language,
        "Even rustig aan: je stelde net veel vragen achter elkaar. Probeer het over een minuutje "
        "opnieuw.",
        "Easy does it: you asked a lot of questions in a row. Please try again in a minute.",
    )


def streamed_text(piece: str) -> str:
    """A piece of generated text as it streams: nothing in it can mention or link."""
    return piece.replace("<", "‹").replace(">", "›").replace("@", "@\u2060")


def apology(language: str) -> str:
    return apology_text(language)


def reflection_prompt_blocks(
    session: Any, question: str, send_id: int, language: str
) -> list[Block]:
    """A reflection prompt in the DM: which atelier, the question, answer or opt out."""
    title = session.label + (f": ‘{escape(session.theme)}’" if session.theme else "")
    return [
        context(
            t(language, f"🪞 Reflectievraag bij *{title}*", f"🪞 Reflection question on *{title}*")
        ),
        section(escape(question)),
        context(
            t(
                language,
                "Antwoord in deze thread of met de knop; je antwoord komt in je eigen portfolio. Alleen jij ziet het.",
                "Reply in this thread or with the button; your answer goes into your own portfolio. Only you can see it.",
            )
        ),
        {
            "type": "actions",
            "block_id": "reflection_actions",
            "elements": [
                button(
                    t(language, "Beantwoorden", "Answer"),
                    ids.REFLECT_ANSWER,
                    str(send_id),
                    "primary",
                ),
                button(t(language, "Afmelden", "Stop these questions"), ids.UNENROL, "prompt"),
            ],
        },
    ]


def reflection_modal(
    question: str, send_id: int, initial: str = "", entry_id: int | None = None
) -> dict[str, Any]:
    element: Block = {
        "type": "plain_text_input",
        "action_id": ids.REFLECT_INPUT,
        "multiline": True,
        "max_length": MAX_INPUT,
    }
    if initial:
        element["initial_value"] = initial
    return {
        "type": "modal",
        "callback_id": ids.PORTFOLIO_EDIT_MODAL if entry_id else ids.REFLECT_MODAL,
        "private_metadata": str(entry_id if entry_id else send_id),
        "title": {"type": "plain_text", "text": "Reflectie"},
        "submit": {"type": "plain_text", "text": "Opslaan"},
        "close": {"type": "plain_text", "text": "Annuleren"},
        "blocks": [
            section(escape(question)),
            {
                "type": "input",
                "block_id": ids.REFLECT_BLOCK,
                "label": {"type": "plain_text", "text": "Jouw antwoord"},
                "element": element,
            },
        ],
    }


def saved_blocks(entry_id: int) -> list[Block]:
    return [
        section("Opgeslagen in je portfolio ✅"),
        {
            "type": "actions",
            "block_id": "portfolio_entry",
            "elements": [
                button("Bewerken", ids.PORTFOLIO_EDIT, str(entry_id)),
                button("Verwijderen", ids.PORTFOLIO_DELETE, str(entry_id), "danger"),
            ],
        },
    ]
