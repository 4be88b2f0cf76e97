"""Checks a generated answer against the evidence it was given, and renumbers its citations.

A model may paraphrase, never add: every number, date, amount, e-mail address, phone
number, URL and name in its text must stand in the evidence sent (the numbered passages,
the composed facts and the route card). A contact detail must also stand there with the
role or person the text gives it for. A refusal or an echo of the prompt is a failure
too: the composed answer is better than either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "augustus": 8,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10,
    "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# "19 en 20 maart 2012", "19 and 20 March", "March 19, 2012": every day with its month.
DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?((?:\s*(?:,|en|and|t/m|tot|-|–)\s*\d{{1,2}})*)"
    rf"\s+({MONTH})\b\.?",
    re.I,
)
MONTH_DAY = re.compile(rf"\b({MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:uur|:))", re.I)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})\b")
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]+", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+31|0031|0)(?:[\s\-./()]*\d){8,10}\b")
NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

REFUSAL = re.compile(
    r"staat niet in (?:mijn|de) bronnen|niet in mijn bronnen|weet ik niet|"
    r"kan ik (?:je |u )?(?:daar )?(?:niet|geen) (?:antwoord|vertellen|beantwoorden|helpen)|"
    r"(?:heb|vind) ik geen informatie|geen informatie (?:over|beschikbaar)|"
    r"not in my sources|(?:do not|don't) (?:know|have (?:any )?information)|"
    r"(?:can't|cannot) (?:answer|help with)|no information (?:about|on|available)",
    re.I,
)
# The prompt's own labels (prompts/answer_user.md) and template fields: a model that
# repeats them shows the person our instructions instead of an answer.
ECHO = re.compile(
    r"^\s*(?:Bronnen|Vraag|Feiten uit het programma|Gekozen hulplijn|Eerdere vragen|Regels|"
    r"Sources|Question|Rules)\s*:|Eerdere vragen in dit gesprek|\{[a-z_]+\}|"
    r"Je bent Leerroute|Verzin niets",
    re.I | re.M,
)
# Capitalised words that are not names: the product, the languages, and words a model
# capitalises in English text.
NOT_NAMES = {"leerroute", "slack", "i", "the", "english", "dutch", "nederlands", "engels", "ok"}
# English names of Dutch places the documents name in Dutch.
EXONYMS = {"hague": "haag"}


@dataclass(frozen=True)
class Claim:
    kind: str  # number | date | amount | email | phone | url | name | refusal | echo
    value: str

    @property
    def personal(self) -> bool:
        """Whether the value may identify a person or repeat the person's words (then only
        its kind is logged): all but numbers, dates, amounts and URLs."""
        return self.kind.removeprefix("dropped ") not in {"number", "date", "amount", "url"}

    def describe(self) -> str:
        return self.kind if self.personal else f"{self.kind} '{self.value}'"


@dataclass(frozen=True)
class Evidence:
    """What the model was given: numbered passages, the composed facts and the route card."""

    passages: Sequence[str]
    facts: str = ""
    card: str = ""  # the role card, one block about one role
    question: str = ""
    names: frozenset[str] = frozenset()  # role names (lower case), both languages
    headers: tuple[str, ...] = ()  # the passages' "title — section" lines in the prompt

    @property
    def text(self) -> str:
        return "\n".join([*self.passages, self.facts, self.card])

    def blocks(self) -> list[str]:
        """Where an entity and its contact detail must stand together: a sentence or line of
        a passage or of the facts; the role card as a whole."""
        out = [self.card] if self.card else []
        for text in [*self.passages, self.facts]:
            out += [part for part in SENTENCE_END.split(text) if part.strip()]
        return out


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def phone_digits(value: str) -> str:
    number = digits(value)
    if value.lstrip().startswith("+31"):
        number = "0" + number[2:]
    elif number.startswith("0031"):
        number = "0" + number[4:]
    return number


def dates_in(text: str) -> set[tuple[int, int]]:
    """(day, month) of every date written out in the text."""
    found: set[tuple[int, int]] = set()
    for match in DAY_MONTH.finditer(text):
        month = MONTHS[match.group(3).lower()]
        for day in [match.group(1), *re.findall(r"\d{1,2}", match.group(2) or "")]:
            found.add((int(day), month))
    for match in MONTH_DAY.finditer(text):
        found.add((int(match.group(2)), MONTHS[match.group(1).lower()]))
    for match in NUMERIC_DATE.finditer(text):
        found.add((int(match.group(1)), int(match.group(2))))
    return found


def numbers_in(text: str) -> set[str]:
    """Every number as its digits ("9.999" and "9999" alike; "9.30" and "9:30" alike)."""
    return {digits(n) for n in NUMBER.findall(text)} | {
        n.lstrip("0") or "0" for n in (digits(m) for m in NUMBER.findall(text))
    }


def claims(text: str) -> list[Claim]:
    """The checkable claims of a generated text (its citations left out)."""
    body = CITATION.sub(" ", text)
    found: list[Claim] = []
    for pattern, kind in ((URL, "url"), (EMAIL, "email"), (PHONE, "phone")):
        for match in pattern.finditer(body):
            found.append(Claim(kind, match.group(0).rstrip(".,;:!?)")))
        body = pattern.sub(" ", body)
    for day, month in sorted(dates_in(body)):
        found.append(Claim("date", f"{day}-{month}"))
    for match in NUMBER.finditer(body):
        around = body[max(0, match.start() - 2) : match.end() + 7].lower()
        money = "€" in around or re.search(r"\d\s*(euro|eur)\b", around)
        found.append(Claim("amount" if money else "number", match.group(0)))
    for sentence in SENTENCE_END.split(body):
        words = WORD.findall(sentence)
        for word in words[1:]:  # the first word of a sentence is capitalised anyway
            if word[0].isupper() and word.lower() not in NOT_NAMES and word.lower() not in MONTHS:
                found.append(Claim("name", word))
    return found


# A sentence that stops on one of these words before its citation was cut short
# ("De coach voor een persoonlijk ontwikkelvraagstuk is [1].").
DANGLING = re.compile(
    r"\b(?:is|zijn|de|het|een|van|bij|met|voor|naar|en|of|the|a|an|of|to|with|for|and|are)"
    r"\s*(?:\[[\d,\s]+\]\s*)*[.!?]?\s*$",
    re.I,
)
# Share of a text's words that come from the question, above which the text repeats the
# question rather than answering it (a seen failure: the question returned with a [1]).
# An editorial choice, not fitted, like MIN_SUPPORT.
ECHOED_QUESTION = 0.8


def failed_form(text: str, evidence: Evidence) -> Claim | None:
    """An answer that is no answer: the prompt, a source header or the question repeated,
    or a sentence cut short."""
    if echo := ECHO.search(text):
        return Claim("echo", echo.group(0).strip())
    plain = CITATION.sub(" ", text).strip().lower()
    for header in evidence.headers:
        if header.lower() in plain:
            return Claim("echo", header)
    words = [w.lower() for w in WORD.findall(plain)]
    asked = {w.lower() for w in WORD.findall(evidence.question)}
    if words and sum(w in asked for w in words) / len(words) >= ECHOED_QUESTION:
        return Claim("echo", "the question")
    for sentence in SENTENCE_END.split(text):
        if sentence.strip() and DANGLING.search(sentence):
            return Claim("incomplete", sentence.strip()[-30:])
    return None


def dropped_fact(text: str, facts: str) -> Claim | None:
    """A claim of the composed answer (a number, date, amount, contact, URL or name) that
    the generated text leaves out: then it answers less than the composed one did."""
    if not facts:
        return None
    said = {(c.kind if c.kind != "amount" else "number", _normal(c)) for c in claims(text)}
    for claim in claims(facts):
        kind = claim.kind if claim.kind != "amount" else "number"
        if (kind, _normal(claim)) not in said:
            return Claim("dropped " + claim.kind, claim.value)
    return None


def _normal(claim: Claim) -> str:
    match claim.kind:
        case "number" | "amount":
            return digits(claim.value).lstrip("0") or "0"
        case "phone" | "email" | "url":
            return _normal_contact(claim.kind, claim.value)
        case _:
            return claim.value.lower()


def failed_claim(text: str, evidence: Evidence) -> Claim | None:
    """The first claim of `text` the evidence does not carry; None when all hold."""
    form = failed_form(text, evidence)
    if form is not None:
        return form
    if refusal := REFUSAL.search(text):
        return Claim("refusal", refusal.group(0))
    source = evidence.text
    lowered = source.lower()
    numbers = numbers_in(source)
    dates = dates_in(source)
    emails = {e.lower() for e in EMAIL.findall(source)}
    phones = {phone_digits(p) for p in PHONE.findall(source)}
    urls = {_url(u) for u in URL.findall(source)}
    known = lowered + "\n" + evidence.question.lower() + "\n" + " ".join(evidence.names)
    for claim in claims(text):
        value = claim.value
        match claim.kind:
            case "url":
                held = _url(value) in urls
            case "email":
                held = value.lower() in emails
            case "phone":
                held = phone_digits(value) in phones
            case "date":
                day, month = (int(part) for part in value.split("-"))
                held = (day, month) in dates
            case "number" | "amount":
                held = digits(value) in numbers or (digits(value).lstrip("0") or "0") in numbers
            case _:
                word = value.lower().strip("'’-")
                held = EXONYMS.get(word, word) in known
        if not held:
            return claim
        if claim.kind in {"email", "phone", "url"} and not _with_its_entity(claim, text, evidence):
            return Claim(claim.kind + " of another", value)
    return dropped_fact(text, evidence.facts)  # invented first: it is the worse failure


def _url(value: str) -> str:
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", value.lower()).rstrip("/.,;:")


def _normal_contact(kind: str, value: str) -> str:
    if kind == "phone":
        return phone_digits(value)
    return _url(value) if kind == "url" else value.lower()


def _with_its_entity(claim: Claim, text: str, evidence: Evidence) -> bool:
    """A contact detail given in a sentence that names a role or a person must stand in the
    evidence with that role or person (not be another organisation's number)."""
    sentence = next((s for s in SENTENCE_END.split(text) if claim.value in s), "")
    entities = _entities(sentence, evidence.names)
    if not entities:
        return True
    wanted = _normal_contact(claim.kind, claim.value)
    pattern = {"phone": PHONE, "email": EMAIL, "url": URL}[claim.kind]
    for block in evidence.blocks():
        contacts = {_normal_contact(claim.kind, found) for found in pattern.findall(block)}
        if wanted in contacts and any(entity in block.lower() for entity in entities):
            return True
    return False


def _entities(sentence: str, names: Iterable[str]) -> set[str]:
    lowered = sentence.lower()
    found = {name for name in names if name and name in lowered}
    words = WORD.findall(sentence)
    found |= {w.lower() for w in words[1:] if w[0].isupper() and w.lower() not in NOT_NAMES}
    return found


def renumber(text: str, count: int) -> tuple[str, list[int]]:
    """Citations numbered in the order the text first cites them; a [n] that points at no
    passage is removed. Returns the text and the cited passages (0-based), in that order."""
    order: list[int] = []

    def replace(match: re.Match[str]) -> str:
        kept = []
        for part in match.group(1).split(","):
            index = int(part) - 1
            if 0 <= index < count:
                if index not in order:
                    order.append(index)
                kept.append(str(order.index(index) + 1))
        return f"[{', '.join(dict.fromkeys(kept))}]" if kept else ""

    renumbered = CITATION.sub(replace, text)
    renumbered = re.sub(r"[ \t]+([.,;:!?])", r"\1", renumbered)
    return re.sub(r"[ \t]{2,}", " ", renumbered).strip(), order


def whole_sentences(text: str) -> str:
    """A text cut off by the token limit, up to its last complete sentence."""
    stripped = text.rstrip()
    if re.search(r"[.!?)\]]$", stripped):
        return stripped
    cut = max(stripped.rfind(". "), stripped.rfind("! "), stripped.rfind("? "), -1)
    newline = stripped.rfind("\n")
    end = max(cut + 1, newline)
    return stripped[:end].rstrip() if end > 0 else ""


def _support_words(text: str) -> set[str]:
    words = {w.lower() for w in WORD.findall(text) if len(w) >= 4}
    return words | {digits(n) for n in NUMBER.findall(text)}


# A sentence is attributed to a passage when they share at least this many content words
# or numbers (words of four letters or more): one shared word is chance ("leergang" is in
# every passage), two name the same thing. An editorial choice, not fitted: too few
# generated answers exist to fit it on; its effect shows as the "uncited" count of
# benchmarks/llm.py.
MIN_SUPPORT = 2


def cite_uncited(text: str, passages: Sequence[str]) -> str:
    """Sentences the model left uncited get the passage that supports them best, when one
    does: the product, not the model, owns the sources."""
    if not passages:
        return text
    supports = [_support_words(p) for p in passages]
    out = []
    for sentence in re.split(r"(?<=[.!?])(\s+)", text):
        cites = [int(n) for c in CITATION.findall(sentence) for n in c.split(",")]
        if not WORD.search(sentence) or any(1 <= n <= len(passages) for n in cites):
            out.append(sentence)
            continue
        words = _support_words(sentence)
        shared = [len(words & support) for support in supports]
        best = max(range(len(passages)), key=lambda i: shared[i])
        if shared[best] < MIN_SUPPORT:
            out.append(sentence)
            continue
        body = CITATION.sub("", sentence).rstrip()  # a citation to nothing goes
        end = len(body.rstrip(".!?").rstrip())
        trailing = sentence[len(sentence.rstrip()) :]
        out.append(f"{body[:end]} [{best + 1}]{body[end:].strip()}{trailing}")
    return "".join(out)


def words_outside_citations(text: str) -> int:
    return len(WORD.findall(CITATION.sub(" ", text)))
