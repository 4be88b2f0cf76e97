"""Precise answers about the programme from `knowledge/programme.yaml`.

Questions about sessions, dates, themes, location, costs, admission, group size,
study load and contacts are answered from the structured data, never from a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.answer.text import content_terms, fold
from bot.knowledge import Programme, Session

MONTHS_NL = (
    "januari februari maart april mei juni juli augustus september oktober november december"
)
MONTHS_EN = "January February March April May June July August September October November December"
ORDINALS = {
    "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
}  # fmt: skip
ORDINAL_WORDS = [word for word in ORDINALS if word.endswith(("de", "ste", "st", "nd", "rd", "th"))]
# After the kind any number word works ("werkatelier vier"); before it only digits and true
# ordinals: "een werkatelier" is any atelier, not the first.
NUMBER = r"(\d|" + "|".join(w for w in ORDINALS if w not in {"een", "one"}) + r")"
BEFORE = r"(\d|" + "|".join(ORDINAL_WORDS) + r")"

SESSION_PATTERNS: list[tuple[str, str]] = [
    ("werkatelier", rf"\b(?:werk)?ateliers?\s*(?:nummer\s*|nr\.?\s*)?{NUMBER}\b"),
    ("werkatelier", rf"\b{BEFORE}\s*(?:e|de|ste)?\s*(?:werk)?atelier\b"),
    ("werkatelier", rf"\bworkshops?\s*(?:number\s*|no\.?\s*)?{NUMBER}\b"),
    ("werkatelier", rf"\b{BEFORE}(?:st|nd|rd|th)?\s*workshop\b"),
    ("masterclass", rf"\bmaster\s?class(?:es)?\s*(?:nummer\s*|number\s*)?{NUMBER}\b"),
    ("masterclass", rf"\b{BEFORE}\s*(?:e|de|ste|st|nd|rd|th)?\s*master\s?class\b"),
]
NAMED_SESSIONS = [
    ("intake", r"\bintake"),
    ("start", r"\bstart\s?bijeenkomst|\bkick.?off|\bstart(?:ing)? meeting|\bopening"),
    ("tussengesprek", r"\btussen\s?gesprek|\bmid.?(?:way|term) (?:talk|review|meeting)"),
    ("slot", r"\bslot\s?bijeenkomst|\bafsluit|\bclosing (?:meeting|session)|\bfinal meeting"),
    ("consultatie", r"\bconsultatie\s?(?:bijeenkomst|bijeenkomsten)\b|\bconsultation meeting"),
]
NEXT = r"\bvolgende\b|\bnext\b|\beerstvolgende\b|\bupcoming\b"
LAST = r"\b(?:laatste|last|final|zesde|sixth) (?:werk)?atelier|\b(?:laatste|last|final) workshop|\blast (?:werk)?atelier"
# A kind named without a number ("de masterclasses", "alle werkateliers") means all of them.
ALL_OF_KIND = [
    (
        "werkatelier",
        r"\b(?:de|alle|all|the)\s+(?:werk)?ateliers\b|\b(?:de|alle|all|the)\s+workshops\b",
    ),
    ("masterclass", r"\bmaster\s?classes\b"),
]

ASPECTS: dict[str, str] = {
    "when": r"\bwanneer|\bdatum|\bdata\b|\bwelke dag|\bhoe laat|\bwhen\b|\bdate|\bschedule|\bplanning|\brooster",
    "theme": r"\bthema|\bonderwerp|\bwaarover|\bgaat .*\bover\b|\bgaan .*\bover\b|\binhoud|\babout\b|\btopic|\btheme|\bleer je|\bcentraal|\bwat doe (?:je|we|ik)|\bwat gebeurt|\bwhat happens|\bwhat do (?:we|you|i) do",
    "where": r"\bwaar\b|\blocatie|\bplaats\b|\bwhere\b|\blocation|\bvenue|\badres",
    "cost": r"\bkost|\bprijs|\beuro\b|\bbetal|\bcost|\bprice|\bfee\b|\bbijdrage",
    "admission": r"\btoelat|\bvooropleiding|\bvoorwaarden|\beisen\b|\bvereist|\brequirement|\badmission|\beligib|\bwerkervaring|\bmag ik meedoen",
    "group_size": r"\bdeelnemers|\bgroepsgrootte|\bgroepsomvang|\bparticipants|\bgroup size|\bhoe groot is de groep",
    "consult_size": r"\bconsultatiegroep|\bconsultation group",
    "study_load": r"\bstudiebelasting|\buren\b|\buur\b|\bdagdelen|\btijdsinvestering|\bhours\b|\bstudy load|\bworkload|\bhoeveel tijd",
    "duration": r"\bdoorlooptijd|\bhoe lang\b|\bduur\b|\bduurt|\bduration|\bhow long|\bwanneer begint|\bwanneer start|\bwhen does .* start",
    "audience": r"\bvoor wie\b|\bbestemd\b|\bdoelgroep|\bwho is (?:it|this|the \w+) for\b|\bintended for|\btarget group|\bwho can (?:join|take part)",
    "contact": r"\bcontact|\btelefoon|\bbellen|\be-?mail|\bphone|\bmailen|\bsecretariaat",
    "count_werkatelier": r"\b(?:hoeveel|how many)\s+(?:werk)?ateliers|\b(?:hoeveel|how many)\s+workshops",
    "count_masterclass": r"\b(?:hoeveel|how many)\s+master\s?classes",
    "count_consultatie": r"\b(?:hoeveel|how many)\s+consultati",
    "schedule": r"\bplanning|\brooster|\bschedule|\balle data|\ball dates|\bprogramma van de leergang",
}
# Aspects that only make sense about the programme: they need a word that says so,
# or a referenced session, or an earlier programme turn in the conversation.
NEEDS_CUE = {
    "cost",
    "where",
    "duration",
    "study_load",
    "contact",
    "admission",
    "schedule",
    "audience",
}
# "programme" alone is also a budget programme: contact details need the leergang itself.
LEERGANG_CUE = (
    r"\bleergang|\bsioo|\bpartner in business|\bwerkatelier|\bmasterclass|\bintake|\btussengesprek"
)
# "een werkatelier", "a workshop": any atelier, for what all of them share (their length).
GENERIC_ATELIER = (
    r"\b(?:een|elk|ieder|a|an|each|every)\s+(?:werk)?atelier\b|\b(?:een|a|each)\s+workshop\b"
)
MONTHS = {name: i + 1 for i, name in enumerate(MONTHS_NL.split())} | {
    name.lower(): i + 1 for i, name in enumerate(MONTHS_EN.split())
}
# Words that only ever mean the programme's admission or study load: no cue needed.
SPECIFIC = {
    "admission": r"\btoelatingsvoorwaarden|\btoelating|\bvooropleiding|\badmission requirement",
    "study_load": r"\bstudiebelasting|\bstudy load",
}
# Words that say what else a question is about, so that naming a session is not enough:
# "welk boek moet ik lezen voor werkatelier 2?" is not answered by its date.
SESSION_WORDS = r"werk|atelier|ateliers|werkatelier|werkateliers|workshop|workshops|master|class|classes|masterclass|masterclasses|nummer|number|thema|theme"
PROGRAMME_CUE = (
    r"\bleergang|\bprogramma\b|\bprogramme|\bprogram\b|\btraject|\bsioo|\bdeelname|\bdeelnemen"
    r"|\bmeedoen|\bwerkatelier|\bmasterclass|\bcourse\b|\bpartner in business|\bhrm-adviseur"
)


@dataclass
class FactQuery:
    sessions: list[Session] = field(default_factory=list)
    aspects: set[str] = field(default_factory=set)
    next_session: bool = False
    generic_atelier: bool = False

    @property
    def empty(self) -> bool:
        return not self.sessions and not self.aspects and not self.next_session


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return ORDINALS.get(token)


def parse(
    question: str,
    programme: Programme,
    today: dt.date,
    previous: FactQuery | None = None,
    other_subjects: tuple[str, ...] = (),
) -> FactQuery | None:
    """What a question asks of the programme, or None when it asks nothing of it.

    `other_subjects` are names of other organisations in the knowledge (Den Haag,
    Haarlem...): "hoe lang duurde het programma van Den Haag?" is not about this one.
    """
    text = fold(question)
    if any(re.search(rf"\b{re.escape(subject)}\b", text) for subject in other_subjects):
        return None
    query = FactQuery()
    for kind, pattern in SESSION_PATTERNS:
        for match in re.finditer(pattern, text):
            number = _number(match.group(1))
            session = programme.session(kind, number) if number else None
            if session and session not in query.sessions:
                query.sessions.append(session)
    for kind, pattern in NAMED_SESSIONS:
        if re.search(pattern, text):
            session = programme.session(kind)
            if session and session not in query.sessions:
                query.sessions.append(session)
    if re.search(LAST, text):
        last = programme.sessions_of("werkatelier")[-1:]
        query.sessions.extend(session for session in last if session not in query.sessions)
    if not query.sessions:
        for kind, pattern in ALL_OF_KIND:
            if re.search(pattern, text):
                query.sessions.extend(programme.sessions_of(kind))
    if re.search(NEXT, text) and re.search(
        r"atelier|workshop|bijeenkomst|meeting|session|masterclass", text
    ):
        query.next_session = True
    for aspect, pattern in ASPECTS.items():
        if re.search(pattern, text):
            query.aspects.add(aspect)
    month = next(
        (number for name, number in MONTHS.items() if re.search(rf"\b{name}\b", text)), None
    )
    if month and re.search(r"atelier|workshop|master\s?class|bijeenkomst|meeting|session", text):
        # "welke werkateliers zijn er in maart?": the dated sessions of that month
        kinds = {
            kind
            for kind, pattern in (
                ("werkatelier", r"atelier|workshop"),
                ("masterclass", r"master\s?class"),
            )
            if re.search(pattern, text)
        }
        query.sessions = [
            s
            for s in programme.sessions
            if any(d.month == month for d in s.dates) and (not kinds or s.kind in kinds)
        ]
        query.aspects.add("when")
    if re.search(GENERIC_ATELIER, text) and "duration" in query.aspects:
        query.generic_atelier = True
    city = fold(programme.location.city)
    if re.search(rf"\b{re.escape(city)}\b", text):
        query.aspects.add("where")
    cue = bool(re.search(PROGRAMME_CUE, text)) or bool(query.sessions) or query.next_session
    follow_up = previous is not None and not previous.empty and _looks_like_follow_up(text)
    if not cue and not follow_up:
        query.aspects -= NEEDS_CUE
    if "contact" in query.aspects and not re.search(LEERGANG_CUE, text):
        query.aspects.discard("contact")
    if re.search(r"\b(tijd|uur|uren|hours|time)\b", text):
        query.aspects.discard("cost")  # "hoeveel tijd kost het?" asks for time, not money
    for aspect, pattern in SPECIFIC.items():
        if re.search(pattern, text):
            query.aspects.add(aspect)
    if query.sessions and "where" in query.aspects:
        query.aspects.add("where")
    if "count_werkatelier" in query.aspects or "count_masterclass" in query.aspects:
        query.sessions = [
            s
            for s in query.sessions
            if s.number is not None and re.search(rf"\b{s.number}\b", text)
        ]
    if follow_up and previous is not None:
        # "en werkatelier 5?" keeps the question; "en het thema?" keeps the session.
        if query.sessions and not (query.aspects & {"when", "theme", "where"}):
            query.aspects |= previous.aspects & {"when", "theme", "where"}
        if not query.sessions and query.aspects & {"when", "theme", "where"}:
            query.sessions = list(previous.sessions)
    session_aspects = {"when", "theme", "where"}
    if not query.sessions and not query.next_session:
        query.aspects -= session_aspects - {
            "where"
        }  # "waar is de leergang?" is about the programme
    if query.sessions and not query.aspects and _asks_something_else(question):
        return None  # "welk boek moet ik lezen voor werkatelier 2?" is not answered by its date
    if query.empty:
        return None
    return query


def _asks_something_else(question: str) -> bool:
    """Whether a question names a session but asks about something besides the session."""
    named = rf"^(?:{SESSION_WORDS}|intake|tussengesprek|\w*bijeenkomst|\w*bijeenkomsten|volgend|laatst|next|last|over|vertel|wat)$"
    for term in content_terms(question):
        if term.isdigit() or term in ORDINALS or re.match(named, term):
            continue
        return True
    return False


def _looks_like_follow_up(text: str) -> bool:
    words = re.findall(r"\w+", text)
    return len(words) <= 7 or bool(
        re.match(r"\s*(en|and|what about|hoe zit het met|en wat)\b", text)
    )


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
    parts = [f"{d.day} {months[d.month - 1]} {d.year}" for d in session.dates]
    return joiner.join(parts)


def answer(query: FactQuery, programme: Programme, language: str, today: dt.date) -> str:
    """Sentences that answer the fact query, in the question's language."""
    en = language == "en"
    lines: list[str] = []
    sessions = list(query.sessions)
    if query.next_session and not sessions:
        upcoming = programme.next_session(today)
        if upcoming:
            sessions = [upcoming]
            lines.append(
                ("The next session is " if en else "De eerstvolgende bijeenkomst is ")
                + f"{upcoming.label}."
            )
        else:
            last = max((s for s in programme.sessions if s.dates), key=lambda s: s.dates[-1])
            lines.append(
                f"According to the brochure's schedule all sessions have taken place; the last was the {last.title} on {format_date(last, language)}."
                if en
                else f"Volgens de planning in de brochure zijn alle bijeenkomsten al geweest; de laatste was de {last.title.lower()} op {format_date(last, language)}."
            )
    aspects = query.aspects or set()
    for session in sessions:
        lines.append(_session_sentence(session, aspects, programme, language))
    if "count_werkatelier" in aspects:
        n = len(programme.sessions_of("werkatelier"))
        lines.append(
            f"The programme has {n} workshops (werkateliers) of two days each."
            if en
            else f"De leergang heeft {_nl_count(n)} ({n}) werkateliers van twee dagen."
        )
    if "count_masterclass" in aspects:
        n = len(programme.sessions_of("masterclass"))
        dates = "; ".join(
            f"{s.label}: {format_date(s, language)}" for s in programme.sessions_of("masterclass")
        )
        lines.append(
            f"There are {n} masterclasses ({dates})."
            if en
            else f"Er zijn {_nl_count(n)} ({n}) masterclasses ({dates})."
        )
    if "count_consultatie" in aspects or "consult_size" in aspects:
        size = programme.consultation_group_size
        lines.append(
            f"There are four consultation meetings; a consultation group has {size.min} to {size.max} people and meets under the guidance of a coach."
            if en
            else f"Er zijn vier consultatiebijeenkomsten; een consultatiegroep bestaat uit {size.min} tot {size.max} personen en komt bijeen onder begeleiding van een coach."
        )
    if "group_size" in aspects:
        size = programme.group_size
        lines.append(
            f"The group has at least {size.min} and at most {size.max} participants."
            if en
            else f"De groep bestaat uit minimaal {size.min} en maximaal {size.max} deelnemers."
        )
    if "cost" in aspects:
        lines.append(
            f"The cost for the municipality is € {_euros(programme.costs.amount_eur)} per participant, "
            f"after a contribution of € {_euros(programme.costs.subsidy_eur or 0)} per participant from the "
            f"A+O fonds. In the brochure's words: “{programme.costs.text}”"
            if en
            else programme.costs.text
        )
    if "where" in aspects and not sessions:
        lines.append(
            f"The programme takes place at {programme.location.name} in {programme.location.city}."
            if en
            else f"De leergang vindt plaats in {programme.location.name} te {programme.location.city}."
        )
    if "admission" in aspects:
        intro = "The admission requirements are:" if en else "De toelatingsvoorwaarden zijn:"
        lines.append(intro + "\n" + "\n".join(f"• {item}" for item in programme.admission))
    if "study_load" in aspects:
        load = programme.study_load
        lines.append(
            f"The programme has {load.contact_dagdelen} half-day sessions of contact time ({load.dagdelen_outside_working_hours} outside working hours) and about the same time again for self-study; {load.total_hours} hours in total."
            if en
            else load.text
        )
    if "duration" in aspects and query.generic_atelier:
        atelier = next((a for a in programme.sessions_of("werkatelier") if a.duration), None)
        if atelier is not None:
            lines.append(
                f"Each workshop (werkatelier) lasts {atelier.duration}."
                if en
                else f"Een werkatelier duurt {atelier.duration}."
            )
            aspects = aspects - {"duration"}
    if "audience" in aspects:
        lines.append(
            f"The brochure says the programme is meant for: “{programme.audience}”"
            if en
            else programme.audience
        )
    if "duration" in aspects:
        lines.append(
            f"The programme lasts ten months: {programme.period}."
            if en
            else f"De leergang heeft een doorlooptijd van {programme.duration}: {programme.period}."
        )
    if "contact" in aspects and not lines:
        lines.append(
            (
                "For more information contact: "
                if en
                else "Voor meer informatie kun je contact opnemen met: "
            )
            + "; ".join(
                f"{c.name} ({c.role}{', ' + c.email if c.email else ''}{', ' + c.phone if c.phone else ''})"
                for c in programme.contacts
            )
        )
    if "schedule" in aspects and not sessions:
        intro = "The schedule of the programme:" if en else "De planning van de leergang:"
        rows = [
            f"• {s.label}: {format_date(s, language)}" + (f" — {s.theme}" if s.theme else "")
            for s in programme.sessions
        ]
        lines.append(intro + "\n" + "\n".join(rows))
    return "\n".join(line for line in lines if line)


def _euros(amount: int) -> str:
    """6500 → "6.500", as the brochure writes amounts."""
    return f"{amount:,}".replace(",", ".")


def _nl_count(n: int) -> str:
    return {1: "één", 2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes"}.get(n, str(n))


def _session_sentence(
    session: Session, aspects: set[str], programme: Programme, language: str
) -> str:
    en = language == "en"
    show_when = "when" in aspects or not aspects & {"theme", "where"}
    show_theme = "theme" in aspects or not aspects & {"when", "where"}
    show_where = "where" in aspects or show_when
    name = session.label
    if session.theme:
        name += f", ‘{session.theme}’,"
    parts: list[str] = []
    if show_when:
        if session.dates:
            parts.append(("is on " if en else "is op ") + format_date(session, language))
        elif session.kind == "tussengesprek":
            parts.append(
                "takes place after werkatelier 3, with the programme manager (no date is given in the brochure)"
                if en
                else "vindt plaats na werkatelier 3, met de programmamanager (de brochure noemt geen datum)"
            )
        elif session.when:
            parts.append(("is planned " if en else "is gepland ") + session.when)
    if show_where and session.kind not in {"intake", "tussengesprek", "consultatie"}:
        parts.append(
            ("at " if en else "in ") + f"{programme.location.name} ({programme.location.city})"
        )
    sentence = f"{name} {' '.join(parts)}." if parts else ""
    if show_theme:
        detail = session.summary or ""
        if session.theme and not parts:
            sentence = (
                f"{session.label} is about ‘{session.theme}’."
                if en
                else f"{session.label} gaat over ‘{session.theme}’."
            )
        if detail:
            sentence = f"{sentence} {detail}".strip()
        if session.topics:
            sentence += (
                ("\nTopics: " if en else "\nOnderwerpen: ") + ", ".join(session.topics) + "."
            )
    return sentence.replace(",,", ",")
