"""Answer units: the things an answer can be made of.

- a sentence, a table row or a list (with its lead-in) of an indexed document;
- a curated answer card from `answers.yaml`;
- a programme fact about one session (exact, in Dutch and English, from programme.yaml);
- a computed card (`compute:` in answers.yaml): its answer is worked out from the dates.

Each unit keeps the document and the section it comes from, so every answer cites them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.answer.corpus import Card
from bot.answer.facts import session_fact, session_theme, sessions_in
from bot.knowledge import Programme

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(•-])")
# "drs. A. Aalten" and "prof. dr. J.J. Boonstra" are one sentence, not four.
ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]|\b(?:drs|dr|prof|ir|mr|ing|dhr|mevr|mw|bijv|o\.a|e\.a|nr|ca))\.$"
)


@dataclass(frozen=True)
class Passage:
    """A section of a document, as evidence for an answer (what an LLM may say)."""

    path: str
    title: str
    section: str
    text: str


@dataclass
class Unit:
    id: str
    kind: str  # sentence | card | fact | compute
    text: str  # Dutch (the documents' language)
    path: str
    title: str
    section: str  # the heading path, "Het programma in kort bestek > Data"
    organisation: str = ""
    text_en: str | None = None
    sessions: tuple[str, ...] = ()
    compute: str | None = None
    examples: tuple[str, ...] = ()  # phrasings of the question it answers (cards)

    @property
    def heading(self) -> str:
        return self.section.split(" > ")[-1] if self.section else self.title

    @property
    def doc(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        return name[:3] if name[:3].isdigit() else name

    def embedding_text(self) -> str:
        return f"{self.title} — {self.section}: {self.text}"

    def searchable(self) -> str:
        return " ".join([self.title, self.section, self.text, self.text_en or "", *self.examples])


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in SENTENCE.split(text):
        if pieces and ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return [piece.strip() for piece in pieces if piece.strip()]


def blocks(text: str) -> list[str]:
    """A chunk as answerable pieces: prose sentences, table rows, a list with its lead-in."""
    out: list[str] = []
    lead: str | None = None
    items: list[str] = []

    def flush() -> None:
        nonlocal lead, items
        if items:
            out.append((lead + "\n" if lead else "") + "\n".join(f"• {item}" for item in items))
        elif lead:
            out.append(lead)
        lead, items = None, []

    for raw in text.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):
            continue
        item = re.match(r"^(?:[-*•]|\d+[.)])\s+(.*)", line)
        if item:
            items.append(item.group(1).strip())
            continue
        flush()
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if cells and cells[0].lower() not in {"onderdeel", "datum"}:
                out.append(": ".join(cell for cell in cells if cell) + ".")
            continue
        sentences = split_sentences(line)
        if sentences and sentences[-1].endswith(":"):
            lead = sentences.pop()
        out.extend(sentences)
    flush()
    return [piece for piece in out if len(piece) >= 12]


def document_units(records: dict[str, Any], programme: Programme) -> list[Unit]:
    """Units from the chunks in the index; overlapping chunks give each piece once."""
    seen: set[tuple[str, str, str]] = set()
    units: list[Unit] = []
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        for piece in blocks(text):
            key = (str(meta.get("path")), str(meta.get("section")), piece)
            if key in seen or any(piece in other for other in _same_section(units, key)):
                continue
            seen.add(key)
            section = str(meta.get("section", ""))
            named = sessions_in(f"{section.split(' > ')[-1]} {piece}", programme)
            units.append(
                Unit(
                    id=f"s{len(units)}",
                    kind="sentence",
                    text=piece,
                    path=key[0],
                    title=str(meta.get("title", "")),
                    section=section,
                    organisation=str(meta.get("organisation", "")),
                    sessions=tuple(s.id for s in named),
                )
            )
    return units


def _same_section(units: list[Unit], key: tuple[str, str, str]) -> list[str]:
    return [u.text for u in units[-40:] if (u.path, u.section) == key[:2]]


def card_units(cards: list[Card], documents: list[Unit], programme: Programme) -> list[Unit]:
    sections = {(u.path.rsplit("/", 1)[-1], u.heading): u for u in documents}
    units = []
    for card in cards:
        anchor = sections.get((card.document, card.section))
        answer_nl = card.answer.nl if card.answer else ""
        named = sessions_in(f"{card.section} {answer_nl}", programme)
        units.append(
            Unit(
                id=f"card:{card.id}",
                kind="compute" if card.compute else "card",
                text=answer_nl or card.examples[0],
                text_en=card.answer.en if card.answer else None,
                path=anchor.path if anchor else f"documents/{card.document}",
                title=anchor.title if anchor else card.document,
                section=anchor.section if anchor else card.section,
                organisation=anchor.organisation if anchor else "",
                sessions=() if card.compute else tuple(s.id for s in named),
                compute=card.compute,
                examples=tuple(card.examples),
            )
        )
    return units


def fact_units(programme: Programme, documents: list[Unit]) -> list[Unit]:
    """Exact facts per session: when and where (cited to the dates), and what it is about
    (cited to the brochure's section on it)."""
    path = f"documents/{programme.source.document}"
    in_doc = [u for u in documents if u.path == path]
    title = in_doc[0].title if in_doc else programme.title
    dates = next((u.section for u in in_doc if u.heading == "Data"), programme.source.section or "")
    units = []
    for session in programme.sessions:
        own = _own_section(session.id, in_doc, programme) or dates
        texts = [
            (
                "when",
                dates,
                session_fact(session, programme, "nl"),
                session_fact(session, programme, "en"),
            ),
            ("about", own, session_theme(session, "nl"), session_theme(session, "en")),
        ]
        for aspect, section, nl, en in texts:
            if nl:
                units.append(
                    Unit(
                        id=f"fact:{session.id}:{aspect}",
                        kind="fact",
                        text=nl,
                        text_en=en,
                        path=path,
                        title=title,
                        section=section,
                        organisation=programme.organisation,
                        sessions=(session.id,),
                    )
                )
    return units


def _own_section(session_id: str, units: list[Unit], programme: Programme) -> str | None:
    """The section whose heading names the session ("Werkatelier 3: …", "Intake")."""
    for unit in units:
        if session_id in {s.id for s in sessions_in(unit.heading, programme)}:
            return unit.section
    return None
