"""The embedded answer path: clean prose composed from facts, passages and role cards.

Nothing here generates text: every sentence about the world is a programme fact,
a sentence from a cited passage, or a role card, so it cannot invent anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.answer.retrieve import Passage
from bot.answer.route import Route
from bot.answer.text import content_terms
from bot.knowledge import Hulplijnen, Role

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(•-])|\n+")
# "drs. A. Aalten" and "prof. dr. J.J. Boonstra" are one sentence, not four.
ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]|\b(?:drs|dr|prof|ir|mr|ing|dhr|mevr|mw|bijv|o\.a|e\.a|nr|ca))\.$"
)
SLACK_MARKUP = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]+))?>|<(https?://[^>|]+)(?:\|([^>]+))?>")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_question(text: str, max_chars: int) -> str:
    """Slack markup to plain words, control characters out, whitespace folded, length bounded."""

    def plain(match: re.Match[str]) -> str:
        if match.group(4):  # a link: keep its label or the URL
            return match.group(5) or match.group(4)
        if match.group(1) == "#":
            return "#" + (match.group(3) or "kanaal")
        return ""  # user mentions and special mentions carry no question content

    text = SLACK_MARKUP.sub(plain, text or "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = CONTROL.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:max_chars].strip()


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in SENTENCE.split(text):
        if pieces and ABBREVIATION.search(pieces[-1]) and "\n" not in piece:
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def best_sentences(
    question: str,
    passages: Sequence[Passage],
    limit: int = 3,
    tokenize: Callable[[str], list[str]] = content_terms,
) -> list[tuple[Passage, str]]:
    """The sentences of the passages that share most content words with the question.

    Words the passage's title already carries ("Den Haag") count for little: the
    sentence that answers is the one that adds the rest of the question.
    """
    terms = set(tokenize(question))
    scored: list[tuple[float, int, Passage, str]] = []
    order = 0
    for rank, passage in enumerate(passages):
        context = set(tokenize(f"{passage.title} {passage.section}"))
        # A section named after what is asked ("Het resultaat", "Kosten") answers it.
        on_topic = len((terms & set(tokenize(passage.section))) - set(tokenize(passage.title)))
        for sentence in split_sentences(passage.text):
            sentence = sentence.strip(" -•*#|>")
            if len(sentence) < 25 or sentence.count("|") > 2 or re.match(r"^\d+[.)]\s", sentence):
                continue
            shared = terms & set(tokenize(sentence))
            overlap = sum(0.3 if term in context else 1.0 for term in shared) + on_topic
            # Only the title's words in common does not answer, unless the title's words
            # are all the question asks about ("Wat is de Routekaart HR2020?").
            if overlap < 1.0 and not (shared and terms <= context):
                continue
            score = overlap - 0.25 * rank + 0.1 * passage.dense
            scored.append((score, order, passage, sentence))
            order += 1
    scored.sort(key=lambda item: (-item[0], item[1]))
    # A sentence that shares nothing of its own with the question does not answer it:
    # then there is no answer here, which is better than an irrelevant quote.
    chosen = scored[:limit]
    chosen.sort(key=lambda item: item[1])  # keep the document's own order
    picked = []
    for _, _, passage, sentence in chosen:
        if sentence.endswith(":"):
            sentence += "\n" + "\n".join(
                f"• {item}" for item in _list_after(passage.text, sentence)
            )
        picked.append((passage, sentence))
    return picked


def _list_after(text: str, sentence: str, limit: int = 8) -> list[str]:
    """The list items that follow a sentence ending in ':' in the passage."""
    start = text.find(sentence.splitlines()[0])
    if start < 0:
        return []
    items = []
    for line in text[start + len(sentence) :].splitlines():
        line = line.strip()
        if not line:
            continue
        match = re.match(r"^(?:[-*•]|\d+[.)])\s+(.*)", line)
        if not match:
            break
        items.append(match.group(1).strip())
        if len(items) == limit:
            break
    return items


def passages_text(
    question: str,
    passages: Sequence[Passage],
    language: str,
    tokenize: Callable[[str], list[str]] = content_terms,
) -> str:
    picked = best_sentences(question, passages, tokenize=tokenize)
    if not picked:
        return ""
    text = " ".join(_finish(sentence) for _, sentence in picked)
    if language == "en" and picked[0][0].meta.get("language", "nl") == "nl":
        return f"The sources (in Dutch) say: {text}"
    return text


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence[-1:] in ".!?:" else sentence + "."


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
    en = language == "en"
    lines = [
        "I'm not sure who can help you best. Which of these fits your question?"
        if en
        else "Ik weet niet zeker wie je het beste kan helpen. Welke past bij je vraag?"
    ]
    for role_id, _ in route.candidates[:3]:
        role = hulplijnen.role(role_id)
        lines.append(f"• *{role.name.get(language)}*: {role.summary.get(language)}")
    return "\n".join(lines)


def unknown_text(fallback: Role, language: str) -> str:
    en = language == "en"
    first = (
        "My sources don't say anything about that, so I'd rather not guess."
        if en
        else "Dat staat niet in mijn bronnen, dus daar kan ik geen betrouwbaar antwoord op geven."
    )
    name = fallback.name.get(language)
    contact = " · ".join(fallback.contact.lines(language)[:2])
    second = (
        f"You could ask the *{name}*" if en else f"Je kunt je vraag stellen aan de *{name}*"
    ) + (f" ({contact})." if contact else ".")
    return f"{first}\n{second}"


def role_description(role: Role, language: str) -> str:
    """What a support role does, for questions that ask about the role by name."""
    en = language == "en"
    lines = [f"*{role.name.get(language)}*: {role.summary.get(language)}"]
    lines.extend(f"• {item}" for item in role.helps_with.get(language))
    contact = role.contact.lines(language)
    if contact:
        lines.append(("How to reach them: " if en else "Zo bereik je ze: ") + " · ".join(contact))
    return "\n".join(lines)
