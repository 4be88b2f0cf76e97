"""The programme in `knowledge/programme.yaml`: which sessions a text names, exact sentences
about each session, and answers computed from the dates (the time between two sessions,
what comes next, how many are left, the full cost).

Which *kind* of fact a question asks for is not decided here: the learned ranker picks a
session's fact or a computed card by meaning. This module only reads the references
("werkatelier 4", "het derde atelier", "masterclass 2", "de intake"), which are entities,
not cues.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.answer.text import fold
from bot.knowledge import Programme, Session

MONTHS_NL = (
    "januari februari maart april mei juni juli augustus september oktober november december"
)
MONTHS_EN = "January February March April May June July August September October November December"
ORDINALS = {
    "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "1e": 1, "2e": 2, "3e": 3, "4e": 4, "5e": 5, "6e": 6,
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6,
    "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
}  # fmt: skip
# After the kind any number word works ("werkatelier vier"); before it only digits and true
# ordinals: "een werkatelier" is any atelier, not the first.
_AFTER = r"(\d|" + "|".join(ORDINALS) + r")"
_BEFORE = r"(\d|" + "|".join(w for w in ORDINALS if not w.isalpha() or w[-2:] in {"de", "te", "st", "nd", "rd", "th"}) + r")"  # fmt: skip
_ATELIER = r"(?:werk)?ateliers?|workshops?|w/?a|ws"
_MASTERCLASS = r"master\s?class(?:es)?|mc"
SESSION_PATTERNS: list[tuple[str, str]] = [
    ("werkatelier", rf"\b(?:{_ATELIER})\s*(?:nummer|number|nr\.?|no\.?)?\s*{_AFTER}\b"),
    ("werkatelier", rf"\b{_BEFORE}\s*(?:e|de|ste)?\s*(?:{_ATELIER})\b"),
    ("masterclass", rf"\b(?:{_MASTERCLASS})\s*(?:nummer|number|nr\.?|no\.?)?\s*{_AFTER}\b"),
    ("masterclass", rf"\b{_BEFORE}\s*(?:e|de|ste)?\s*(?:{_MASTERCLASS})\b"),
]
NAMED_SESSIONS = [
    ("intake", r"\bintake"),
    ("start", r"\bstart\s?bijeenkomst|\bkick.?off|\bstart(?:ing)? meeting"),
    ("tussengesprek", r"\btussen\s?gesprek|\bmid.?(?:way|term) (?:talk|review|meeting)"),
    ("slot", r"\bslot\s?bijeenkomst|\bclosing (?:meeting|session)|\bfinal meeting"),
    ("consultatie", r"\bconsultatie\s?bijeenkomst|\bconsultation meeting"),
]
LAST_ATELIER = r"\b(?:laatste|last|final)\s+(?:werk)?atelier|\b(?:laatste|last|final)\s+workshop"


def sessions_in(text: str, programme: Programme) -> list[Session]:
    """The sessions a text names, in the order it names them."""
    folded = fold(text)
    found: list[tuple[int, Session]] = []
    for kind, pattern in SESSION_PATTERNS:
        for match in re.finditer(pattern, folded):
            token = match.group(1)
            number = int(token) if token.isdigit() else ORDINALS.get(token)
            session = programme.session(kind, number) if number else None
            if session:
                found.append((match.start(), session))
    for kind, pattern in NAMED_SESSIONS:
        named = re.search(pattern, folded)
        session = programme.session(kind) if named else None
        if named and session:
            found.append((named.start(), session))
    last = re.search(LAST_ATELIER, folded)
    if last:
        found.append((last.start(), programme.sessions_of("werkatelier")[-1]))
    out: list[Session] = []
    for _, session in sorted(found, key=lambda item: item[0]):
        if session not in out:
            out.append(session)
    return out


def format_date(session: Session, language: str) -> str:
    if not session.dates:
        if language == "en":
            return "no date is given in the brochure" + (
                f" ({session.when})" if session.when else ""
            )
        return session.when or "geen datum genoemd in de brochure"
    months = (MONTHS_EN if language == "en" else MONTHS_NL).split()
    days = [d.day for d in session.dates]
    first, last = session.dates[0], session.dates[-1]
    joiner = " and " if language == "en" else " en "
    if first.month == last.month:
        day_text = (
            joiner.join(str(day) for day in days) if len(days) <= 2 else f"{days[0]}–{days[-1]}"
        )
        return f"{day_text} {months[first.month - 1]} {first.year}"
    return joiner.join(f"{d.day} {months[d.month - 1]} {d.year}" for d in session.dates)


def session_fact(session: Session, programme: Programme, language: str) -> str:
    """When and where a session is, named with its theme."""
    en = language == "en"
    name = session.label + (f", ‘{session.theme}’," if session.theme else "")
    if session.dates:
        place = f"{programme.location.name} ({programme.location.city})"
        when = ("is on " if en else "is op ") + format_date(session, language)
        sentence = f"{name} {when}" + (
            f" {'at' if en else 'in'} {place}." if session.kind != "intake" else "."
        )
    elif session.when:
        sentence = f"{name} {'is planned' if en else 'is gepland'}: {session.when}."
    else:
        sentence = f"{name}: " + (
            "no date is given in the brochure." if en else "de brochure noemt geen datum."
        )
    return sentence.replace(",,", ",")


def session_theme(session: Session, language: str) -> str | None:
    """What a session is about, from the brochure (its summary is in Dutch)."""
    if not session.theme and not session.summary:
        return None
    if language == "en":
        about = f"{session.label} is about ‘{session.theme}’." if session.theme else ""
        quote = f" The brochure (in Dutch): “{session.summary}”" if session.summary else ""
        return (about + quote).strip() or None
    about = f"{session.label} gaat over ‘{session.theme}’." if session.theme else ""
    return f"{about} {session.summary or ''}".strip()


def _days(a: dt.date, b: dt.date, language: str) -> str:
    days = (b - a).days
    weeks, rest = divmod(days, 7)
    if language == "en":
        return f"{days} days" + (f" (about {weeks} weeks)" if weeks and not rest else "")
    return f"{days} dagen" + (f" (precies {weeks} weken)" if weeks and not rest else "")


def computed(
    kind: str, sessions: list[Session], programme: Programme, language: str, today: dt.date
) -> str | None:
    """An answer computed from the programme data, or None when the data does not allow it."""
    en = language == "en"
    match kind:
        case "interval":
            dated = [s for s in sessions if s.dates]
            if len(dated) < 2:
                return None
            a, b = sorted(dated[:2], key=lambda s: s.dates[0])
            between = _days(a.dates[-1], b.dates[0], language)
            return (
                f"Between {a.label} (ends {format_date(a, language)}) and {b.label} (starts {format_date(b, language)}) there are {between}."
                if en
                else f"Tussen {a.label} (tot {format_date(a, language)}) en {b.label} (vanaf {format_date(b, language)}) zitten {between}."
            )
        case "next":
            return _next(sessions, programme, language, today)
        case "remaining":
            dated = [s for s in programme.sessions if s.dates]
            after = sessions[-1].dates[-1] if sessions and sessions[-1].dates else today
            left = [s for s in dated if s.dates[0] > after]
            if not left:
                last = dated[-1]
                return (
                    f"None: by the brochure's schedule (2011–2012) the last session was the {last.title} on {format_date(last, language)}."
                    if en
                    else f"Geen: volgens de planning in de brochure (2011–2012) was de laatste bijeenkomst de {last.title.lower()} op {format_date(last, language)}."
                )
            names = ", ".join(s.label for s in left)
            return (f"{len(left)} to go: " if en else f"Nog {len(left)}: ") + names + "."
        case "total_cost":
            costs = programme.costs
            total = costs.amount_eur + (costs.subsidy_eur or 0)
            return (
                f"€ {_euros(costs.amount_eur)} per participant for the municipality plus the A+O fonds contribution of € {_euros(costs.subsidy_eur or 0)}: € {_euros(total)} in total per participant, excluding accommodation."
                if en
                else f"€ {_euros(costs.amount_eur)} per deelnemer voor de gemeente plus de bijdrage van het A+O fonds van € {_euros(costs.subsidy_eur or 0)}: samen € {_euros(total)} per deelnemer, exclusief verblijfkosten."
            )
    return None


def _next(sessions: list[Session], programme: Programme, language: str, today: dt.date) -> str:
    en = language == "en"
    ordered = [s for s in programme.sessions if s.dates]
    if sessions and sessions[-1] in ordered:
        i = ordered.index(sessions[-1])
        if i + 1 < len(ordered):
            nxt = ordered[i + 1]
            return (
                f"After {sessions[-1].label} comes " if en else f"Na {sessions[-1].label} komt "
            ) + session_fact(nxt, programme, language)
    upcoming = programme.next_session(today)
    if upcoming is not None:
        return ("The next session: " if en else "De eerstvolgende bijeenkomst: ") + session_fact(
            upcoming, programme, language
        )
    last = ordered[-1]
    return (
        f"By the brochure's schedule (the 2011–2012 edition) all sessions have taken place; the last was the {last.title} on {format_date(last, language)}."
        if en
        else f"Volgens de planning in de brochure (editie 2011–2012) zijn alle bijeenkomsten al geweest; de laatste was de {last.title.lower()} op {format_date(last, language)}."
    )


def _euros(amount: int) -> str:
    """6500 → "6.500", as the brochure writes amounts."""
    return f"{amount:,}".replace(",", ".")
