"""Follow-ups resolved from the conversation's state, never by gluing earlier text on.

The state of a turn (`Turn`) is what it was about: the sessions, the role, the unit that
answered. A question that names no session may be about the previous one ("welk thema heeft
die?", "en de volgende?"); the engine reads it both ways and keeps the reading that answers
better. A question that names another session in a few words ("en werkatelier 5?") asks
the same as before about that session.
"""

from __future__ import annotations

import re

from bot.answer.facts import ORDINALS
from bot.answer.text import fold
from bot.answer.units import Unit
from bot.knowledge import Hulplijnen, Programme

# References to the session after the one talked about: words, like ordinals, that point
# at a session rather than cue a kind of answer.
NEXT = re.compile(r"\b(?:volgende|daarna|erna|next|after that|afterwards|the one after)\b")
# At most this many words besides the session's name make "en werkatelier 5?" a question
# that repeats the previous one for another session (an editorial bound, not fitted).
ELLIPSIS_WORDS = 4
SHORT_WORDS = 3  # "where?", "email address?", "en in 2027?": nothing but a follow-up
CONTINUES = re.compile(r"^\s*(?:en|and|what about|how about|ok,? en|ok,? and|maar|but)\b")


def inherited_sessions(
    question: str, own: list[str], previous: tuple[str, ...], programme: Programme
) -> list[str] | None:
    """The sessions a question without its own refers to: the previous ones, the next one,
    or the one of the same kind with the number it gives ("en het derde?", "the third one")."""
    if own or not previous:
        return None
    text = fold(question)
    if NEXT.search(text):
        dated = [s.id for s in programme.sessions if s.dates]
        last = previous[-1]
        if last in dated and dated.index(last) + 1 < len(dated):
            return [dated[dated.index(last) + 1]]
        return None
    ordinal = next((ORDINALS[w] for w in re.findall(r"\w+", text) if w in ORDINALS), None)
    before = programme.session_by_id(previous[-1])
    if ordinal is not None and before is not None and elliptical(question):
        same_kind = programme.session(before.kind, ordinal)
        if same_kind is not None:
            return [same_kind.id]
    return list(previous)


def elliptical(question: str) -> bool:
    """A message that leans on the previous turn: a few words ("where?", "email address?"),
    or a short one that points back ("waar is dat?") or continues ("en de volgende?")."""
    text = fold(question)
    words = re.findall(r"\w+", text)
    if len(words) <= SHORT_WORDS:
        return True
    return len(words) <= ELLIPSIS_WORDS + 2 and bool(POINTER.search(text) or CONTINUES.match(text))


def analogous_unit(
    units: list[Unit], question: str, own: list[str], previous_unit: str | None
) -> int | None:
    """For "en werkatelier 5?" after the date of werkatelier 4: the date of werkatelier 5,
    that is the unit of the same kind and section as the previous answer, for the session
    the question names now."""
    if not previous_unit or not own or len(re.findall(r"\w+", question)) > ELLIPSIS_WORDS + 2:
        return None
    before = next((u for u in units if u.id == previous_unit), None)
    if before is None or not before.sessions or own[0] in before.sessions:
        return None
    for i, unit in enumerate(units):
        same_place = (unit.kind, unit.path, unit.section) == (
            before.kind,
            before.path,
            before.section,
        )
        if same_place and unit.sessions == (own[0],):
            return i
    # A sentence or card of the session's own section answered what it is about: the
    # other session's "about" fact answers the same; a fact of one aspect, the same aspect.
    aspect = before.id.split(":")[2] if before.kind == "fact" else "about"
    return next((i for i, u in enumerate(units) if u.id == f"fact:{own[0]}:{aspect}"), None)


def chosen_option(
    question: str, options: tuple[str, ...], names: dict[str, list[str]]
) -> str | None:
    """The role a reply to a clarifying question picks: its number ("2", "de tweede") or
    a name of one of the roles ("de HR-adviseur", "coach"); None for anything else."""
    text = fold(question).strip(" .!?")
    number = re.fullmatch(r"(?:nummer |optie |option |nr\.? )?(\d)", text)
    ordinals = {"eerste": 1, "tweede": 2, "derde": 3, "first": 1, "second": 2, "third": 3}
    word = re.fullmatch(
        r"(?:de |het |the )?(eerste|tweede|derde|first|second|third)(?: \w+)?", text
    )
    index = int(number.group(1)) if number else ordinals[word.group(1)] if word else None
    if index is not None:
        return options[index - 1] if 1 <= index <= len(options) else None
    if len(text.split()) > 6:
        return None
    named = [role for role in options if any(n in text for n in names.get(role, []))]
    return named[0] if len(named) == 1 else None


# An explicit request for a language: "in English please", "can you answer in English",
# "in het Nederlands graag", "kan dat in het Engels?". Only a message that asks for this
# and little else re-answers the previous question; a longer one is answered in it.
LANGUAGE_REQUESTS = {
    "en": re.compile(
        r"\b(?:in english|english please|in het engels|engels graag|answer in english)\b"
    ),
    "nl": re.compile(
        r"\b(?:in dutch|dutch please|in het nederlands|nederlands graag|in het nl|in nl)\b"
    ),
}
REQUEST_WORDS = 7
# Words that point back at a person (the role of the previous answer) and ask how to reach
# them: "wie is dat?", "hoe bereik ik die?", "how do I reach them?", "wat is hun mail?".
POINTER = re.compile(
    r"\b(?:die|dat|deze|daar|diegene|hem|haar|hen|hun|ze|zij|ie|hij|it|this|that|there|those"
    r"|they|them|their|him|her|that person)\b"
)
PERSON_ASK = re.compile(
    r"\b(?:wie|who|bereik\w*|reach|contact\w*|bel\w*|call|mail\w*|e-?mail|telefoon\w*|phone"
    r"|nummer|number|slack|kanaal|channel|adres|address|spreken|speak|talk|vind|find)\b"
)
REFERENCE_WORDS = 7


def requested_language(question: str) -> tuple[str | None, bool]:
    """The language a message asks for, and whether it asks nothing else."""
    text = fold(question)
    for language, pattern in LANGUAGE_REQUESTS.items():
        if pattern.search(text):
            return language, len(re.findall(r"\w+", text)) <= REQUEST_WORDS
    return None, False


def refers_to_person(question: str) -> bool:
    """A short question about how to reach the person named before ("wie is dat?", "which
    channel?", "hoe bereik ik die?")."""
    text = fold(question)
    short = len(re.findall(r"\w+", text)) <= REFERENCE_WORDS
    points = bool(POINTER.search(text)) or elliptical(question)
    return short and points and bool(PERSON_ASK.search(text))


def role_names(hulplijnen: Hulplijnen) -> dict[str, list[str]]:
    """The names a person may answer a clarifying question with, per role."""
    names: dict[str, list[str]] = {}
    for role in hulplijnen.roles:
        words = {fold(role.id), fold(role.name.nl), fold(role.name.en)}
        words |= {fold(name.split(" (")[0]) for name in (role.name.nl, role.name.en)}
        names[role.id] = sorted(words)
    return names
