"""The embedded answer path: a reply composed from an answer unit, a role and its contacts.

Nothing here generates text: every sentence about the world is a curated card, a
programme fact, a sentence of a cited document, or a role card, so it cannot invent.
"""

from __future__ import annotations

import re

from bot.answer.message import read_message
from bot.answer.route import Route
from bot.answer.text import fold
from bot.answer.units import Unit
from bot.knowledge import Hulplijnen, Role

# A thank-you or a goodbye gets its own first words; what the message is (small talk) is
# the intent model's call, these only choose the phrasing of the reply.
THANKS = re.compile(r"\b(?:dank\w*|bedankt|thanks?|thx|thnx|tnx|ty|merci)\b")
GOODBYE = re.compile(r"\b(?:doei\w*|tot ziens|tot later|bye|goodbye|see you|cheers)\b")
GREETING = re.compile(r"^\W*(?:hoi|hallo|hey|hi|hello|hiya|goedemorgen|goedemiddag|morning)\b")


def is_everyday(message: str) -> bool:
    """Thanks, a goodbye or a greeting: never a follow-up of the previous question."""
    folded = fold(message)
    return bool(THANKS.search(folded) or GOODBYE.search(folded) or GREETING.search(folded))


def clean_question(text: str, max_chars: int) -> str:
    """A message's own words, one line: Slack markup, quotes, mail headers and signature out."""
    return read_message(text, max_chars).text


def role_text(role: Role, language: str, reason: bool = True) -> str:
    en = language == "en"
    name = role.name.get(language)
    lines = [
        (
            f"For this, the best person to contact is the *{name}*."
            if en
            else f"Hiervoor kun je het beste terecht bij de *{name}*."
        )
    ]
    if reason:
        lines.append(role.summary.get(language))
    contact = role.contact.lines(language)
    if contact:
        lines.append(("How to reach them: " if en else "Zo bereik je ze: ") + " · ".join(contact))
    return "\n".join(lines)


def clarify_text(route: Route, hulplijnen: Hulplijnen, language: str) -> str:
    """Which role? Each option with how to reach it; answer with a number or a name."""
    en = language == "en"
    lines = [
        "I'm not sure who can help you best. Which of these fits your question?"
        if en
        else "Ik weet niet zeker wie je het beste kan helpen. Welke past bij je vraag?"
    ]
    for i, (role_id, _) in enumerate(route.candidates[:3], start=1):
        role = hulplijnen.role(role_id)
        contact = " · ".join(role.contact.lines(language)[:2])
        lines.append(
            f"{i}. *{role.name.get(language)}*: {role.summary.get(language)}"
            + (f" ({contact})" if contact else "")
        )
    lines.append(
        "Reply with a number or a name, or describe your question a little more."
        if en
        else "Antwoord met een nummer of een naam, of beschrijf je vraag wat meer."
    )
    return "\n".join(lines)


def unit_text(unit: Unit, language: str, extra: list[Unit] | None = None) -> str:
    """The direct answer: a card or fact in the asker's language, or the document's words
    led by the heading that carries what they are about, marked as Dutch for English."""
    en = language == "en"
    if unit.kind in {"card", "fact"}:
        return (unit.text_en if en and unit.text_en else unit.text).strip()
    body = " ".join(_finish(u.text) for u in sorted([unit, *(extra or [])], key=_order))
    heading = unit.heading
    lead = f"*{heading}*" if heading and heading != unit.title else f"*{unit.title}*"
    if en:
        return f"{lead} (the source, in Dutch, says): {body}"
    return f"{lead}: {body}"


def _order(unit: Unit) -> int:
    return int(unit.id[1:]) if unit.id[1:].isdigit() else 0


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence[-1:] in ".!?:" else sentence + "."


def decline_text(fallback: Role, language: str, covered: list[str], named: str | None) -> str:
    """Out of scope, or about an organisation or edition we have nothing on."""
    en = language == "en"
    if named:
        first = (
            f"I have no documents about {named}. What I know comes from: {', '.join(covered)}"
            " (the leergang in its 2011–2012 edition)."
            if en
            else f"Over {named} heb ik geen documenten. Wat ik weet komt van: {', '.join(covered)}"
            " (de leergang in de editie 2011–2012)."
        )
    else:
        first = (
            "That is not something I can help with: I answer questions about the learning routes and who to turn to."
            if en
            else "Daar kan ik je niet mee helpen: ik beantwoord vragen over de leerroutes en over wie je verder kan helpen."
        )
    return f"{first}\n{_ask(fallback, language)}"


def _ask(fallback: Role, language: str) -> str:
    name = fallback.name.get(language)
    contact = " · ".join(fallback.contact.lines(language)[:2])
    start = (
        f"You could ask the *{name}*"
        if language == "en"
        else f"Je kunt je vraag stellen aan de *{name}*"
    )
    return start + (f" ({contact})." if contact else ".")


def smalltalk_text(language: str, message: str = "") -> str:
    """A friendly reply to a greeting, thanks, a goodbye or "wat kun je?", with examples."""
    en = language == "en"
    folded = fold(message)
    if THANKS.search(folded):
        first = "You're welcome!" if en else "Graag gedaan!"
    elif GOODBYE.search(folded):
        first = "Bye, and good luck!" if en else "Tot ziens, en succes!"
    else:
        first = "Hi!" if en else "Hoi!"
    if en:
        return (
            f"{first} I'm Leerroute: I answer questions about the learning routes and tell you "
            "who can help you. Try for example:\n"
            "• When is werkatelier 4?\n• Who can I talk to about a conflict in my team?\n"
            "• What does the leergang cost?"
        )
    return (
        f"{first} Ik ben Leerroute: ik beantwoord vragen over de leerroutes en vertel je wie je "
        "verder kan helpen. Vraag bijvoorbeeld:\n"
        "• Wanneer is werkatelier 4?\n• Bij wie kan ik terecht met een conflict in mijn team?\n"
        "• Wat kost de leergang?"
    )


def shortened_note(language: str) -> str:
    if language == "en":
        return "_Your message was long: I answered the questions in it and left the rest out._"
    return "_Je bericht was lang: ik heb de vragen erin beantwoord en de rest weggelaten._"


def unknown_text(fallback: Role, language: str) -> str:
    en = language == "en"
    first = (
        "My sources don't say anything about that, so I'd rather not guess."
        if en
        else "Dat staat niet in mijn bronnen, dus daar kan ik geen betrouwbaar antwoord op geven."
    )
    return f"{first}\n{_ask(fallback, language)}"


def apology_text(language: str) -> str:
    """When answering failed: short, in the person's language, nothing technical."""
    if language == "en":
        return "Sorry, something went wrong while answering your question. Please try again in a moment."
    return "Sorry, er ging iets mis bij het beantwoorden van je vraag. Probeer het zo nog eens."
