"""Follow-ups resolved from the conversation's state, never by gluing earlier text on.

The state of a turn (`Turn`) is what it was about: the sessions, the role, the unit that
answered. A question that names no session may be about the previous one ("welk thema heeft
die?", "en de volgende?"); the engine reads it both ways and keeps the reading that answers
better. A question that names another session in a few words ("en werkatelier 5?") asks
the same as before about that session.
"""

from __future__ import annotations

import re

from bot.answer.text import fold
from bot.answer.units import Unit
from bot.knowledge import Programme

# References to the session after the one talked about: words, like ordinals, that point
# at a session rather than cue a kind of answer.
NEXT = re.compile(r"\b(?:volgende|daarna|erna|next|after that|afterwards|the one after)\b")
# At most this many words besides the session's name make "en werkatelier 5?" a question
# that repeats the previous one for another session (an editorial bound, not fitted).
ELLIPSIS_WORDS = 4


def inherited_sessions(
    question: str, own: list[str], previous: tuple[str, ...], programme: Programme
) -> list[str] | None:
    """The sessions a question without its own refers to: the previous ones, or the next."""
    if own or not previous:
        return None
    if NEXT.search(fold(question)):
        dated = [s.id for s in programme.sessions if s.dates]
        last = previous[-1]
        if last in dated and dated.index(last) + 1 < len(dated):
            return [dated[dated.index(last) + 1]]
        return None
    return list(previous)


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
    return None


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
