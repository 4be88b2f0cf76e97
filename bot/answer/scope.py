"""Whose knowledge a question is about: an organisation, a municipality, an edition (year).

The documents say which organisation they describe (front matter `organisation`, and
optionally `aliases`). A question that names one of them is answered from that one's
documents; a question that names a municipality or a year we have nothing on is told
plainly what the documents do cover, instead of being answered from someone else's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.answer.text import fold
from bot.answer.units import Unit

# Dutch municipalities besides the documents' own, for questions that name one without the
# word "gemeente" ("bij ons in Zwolle"). The largest ones by population (CBS); "gemeente X"
# and "municipality of X" catch any other.
MUNICIPALITIES = [
    "amsterdam",
    "rotterdam",
    "utrecht",
    "eindhoven",
    "groningen",
    "tilburg",
    "almere",
    "breda",
    "nijmegen",
    "apeldoorn",
    "arnhem",
    "enschede",
    "amersfoort",
    "zaanstad",
    "haarlemmermeer",
    "zwolle",
    "zoetermeer",
    "leiden",
    "maastricht",
    "dordrecht",
    "alphen",
    "westland",
    "alkmaar",
    "emmen",
    "delft",
    "venlo",
    "deventer",
    "sittard",
    "helmond",
    "oss",
    "amstelveen",
    "hilversum",
    "heerlen",
    "nissewaard",
    "hengelo",
    "purmerend",
    "schiedam",
    "lelystad",
    "leeuwarden",
    "roermond",
    "almelo",
    "gouda",
    "vlaardingen",
    "assen",
    "zeist",
    "katwijk",
    "veenendaal",
    "capelle",
    "hoorn",
    "den",
    "bosch",
    "'s-hertogenbosch",
    "middelburg",
    "vlissingen",
    "terneuzen",
    "zutphen",
    "doetinchem",
    "harderwijk",
    "heerenveen",
    "sneek",
    "drachten",
    "hoogeveen",
    "meppel",
    "kampen",
    "wageningen",
    "tiel",
    "culemborg",
]
_NAMED = re.compile(
    r"\b(?:gemeente|municipality of|city of|stad)\s+((?:'s-)?[A-Z][\w'-]+(?:\s[A-Z][\w-]+)?)"
)
_YEAR = re.compile(r"(?<![\w-])((?:19|20)\d\d)(?![\w-])")


@dataclass
class Scope:
    """What the documents cover: organisations (by the names people use) and years."""

    organisations: dict[str, set[str]] = field(default_factory=dict)  # alias → organisations
    years: set[str] = field(default_factory=set)
    covered: list[str] = field(default_factory=list)  # "Gemeente Den Haag", ...

    @classmethod
    def from_units(cls, units: list[Unit]) -> Scope:
        scope = cls()
        for unit in units:
            organisation = unit.organisation
            if organisation and organisation not in scope.covered:
                scope.covered.append(organisation)
            for alias in _aliases(organisation):
                scope.organisations.setdefault(alias, set()).add(organisation)
            scope.years.update(_YEAR.findall(unit.text))
        return scope

    def named(self, question: str) -> set[str]:
        """The covered organisations a question names."""
        text = fold(question)
        named: set[str] = set()
        for alias, organisations in self.organisations.items():
            if re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text):
                named |= organisations
        return named

    def unknown(self, question: str) -> str | None:
        """A municipality or an edition the documents do not cover, named in the question."""
        text = fold(question)
        known = set(self.organisations)
        for match in _NAMED.finditer(question):
            name = fold(match.group(1))
            if not any(name.startswith(alias) or alias.startswith(name) for alias in known):
                return match.group(1)
        for name in MUNICIPALITIES:
            if name not in known and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                return name.title()
        for year in _YEAR.findall(question):
            if year not in self.years:
                return year
        return None


def _aliases(organisation: str) -> list[str]:
    """ "Gemeente Den Haag" → den haag, haagse; "Sioo en A+O fonds Gemeenten" → sioo, a+o fonds."""
    text = fold(organisation)
    out = []
    place = re.match(r"gemeente\s+(.+)", text)
    if place:
        name = place.group(1).strip()
        out.append(name)
        out.append(name.split()[-1] + "se")  # Haarlemse, Roosendaalse
        if name == "den haag":
            out.extend(["haagse", "the hague"])
    for part in re.split(r"\s+en\s+", text):
        part = re.sub(r"\s+gemeenten$", "", part).strip()
        if part and not part.startswith("gemeente"):
            out.append(part)
    if "a+o" in text:
        out.extend(["a&o", "ao fonds", "a+o-fonds"])
    return [alias for alias in out if len(alias) >= 3]
