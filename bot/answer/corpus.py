"""The question corpus and the curated answer cards: data HR edits, loaded and validated here.

- `knowledge/examples.yaml`: labelled training questions (intent, role, document and section).
- `knowledge/answers.yaml`: answer cards, the standard answers a helpdesk keeps.
- The role examples in `hulplijnen.yaml` count as training questions too.
- Question sets for evaluation (`tests/data/*.yaml`) come in the corpus format or in the
  `dev.yaml` format (routing / knowledge / out_of_scope); both load into `Example`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.answer.language import detect_language
from bot.knowledge import ROLE_IDS, Hulplijnen, KnowledgeError, Localized

Intent = Literal["help", "info", "both", "smalltalk", "oos"]
INTENTS: tuple[str, ...] = ("help", "info", "both", "smalltalk", "oos")


@dataclass(frozen=True)
class Example:
    """One labelled question."""

    text: str
    intent: str
    roles: tuple[str, ...] = ()
    doc: str | None = None  # the document's number ("001")
    section: str | None = None
    expect: str | None = None  # a regular expression a correct answer contains
    lang: str = "nl"
    tags: tuple[str, ...] = ()
    compute: str | None = None  # the example phrasing of a computed card
    card: str | None = None  # the card it is an example phrasing of

    @property
    def role(self) -> str | None:
        return self.roles[0] if self.roles else None

    @property
    def wants_person(self) -> bool:
        return self.intent in {"help", "both"}

    @property
    def wants_info(self) -> bool:
        return self.intent in {"info", "both"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExampleItem(_Strict):
    q: str = Field(min_length=1)
    intent: Intent
    role: str | list[str] | None = None
    doc: str | None = None
    section: str | None = None
    expect: str | None = None
    lang: Literal["nl", "en"] = "nl"
    tags: list[str] = Field(default_factory=list)

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | list[str] | None) -> str | list[str] | None:
        for role in [value] if isinstance(value, str) else value or []:
            if role not in ROLE_IDS:
                raise ValueError(f"unknown role '{role}' (one of: {', '.join(ROLE_IDS)})")
        return value

    @field_validator("expect")
    @classmethod
    def _valid_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    def example(self) -> Example:
        roles = [self.role] if isinstance(self.role, str) else list(self.role or [])
        return Example(
            text=self.q,
            intent=self.intent,
            roles=tuple(roles),
            doc=str(self.doc).zfill(3) if self.doc is not None else None,
            section=self.section,
            expect=self.expect,
            lang=self.lang,
            tags=tuple(self.tags),
        )


class Card(_Strict):
    """A curated answer: short, bilingual, tied to the section it comes from."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    document: str
    section: str
    answer: Localized | None = None
    compute: Literal["interval", "next", "remaining", "total_cost"] | None = None
    examples: list[str] = Field(min_length=1)

    @property
    def doc(self) -> str:
        return self.document[:3]


class Cards(_Strict):
    cards: list[Card]


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise KnowledgeError(f"{path}: not valid YAML{where}") from None


def _error(path: Path, entry: int, exc: ValidationError) -> KnowledgeError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "entry"
    return KnowledgeError(f"{path}: entry {entry + 1}, {field}: {first['msg']}")


def load_examples(path: Path) -> list[Example]:
    """A corpus file: a list of items, or {examples: [...]}."""
    if not path.exists():
        return []
    data = _read(path)
    items = data.get("examples") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise KnowledgeError(f"{path}: expected a list of examples")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(ExampleItem.model_validate(item).example())
        except ValidationError as exc:
            raise _error(path, i, exc) from None
    return out


def load_cards(path: Path, documents: Path) -> list[Card]:
    """`answers.yaml`; every card must cite a document and a heading that exist."""
    if not path.exists():
        return []
    data = _read(path)
    try:
        cards = Cards.model_validate(data).cards
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        entry = int(loc[1]) if len(loc) > 1 and isinstance(loc[1], int) else 0
        raise _error(path, entry, exc) from None
    seen: set[str] = set()
    for i, card in enumerate(cards):
        if card.id in seen:
            raise KnowledgeError(f"{path}: entry {i + 1}: the id '{card.id}' is used twice")
        seen.add(card.id)
        if card.answer is None and card.compute is None:
            raise KnowledgeError(f"{path}: entry {i + 1} ({card.id}): give an answer or compute")
        document = documents / card.document
        if not document.exists():
            raise KnowledgeError(f"{path}: entry {i + 1} ({card.id}): no document {card.document}")
        if card.section not in headings(document.read_text(encoding="utf-8")):
            raise KnowledgeError(
                f"{path}: entry {i + 1} ({card.id}): {card.document} has no section "
                f"'{card.section}'"
            )
    return cards


def headings(markdown: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+)$", markdown, re.M)]


def role_examples(hulplijnen: Hulplijnen) -> list[Example]:
    """The example questions of each role in hulplijnen.yaml, as help questions."""
    return [
        Example(text=text, intent="help", roles=(role.id,), lang=language)
        for role in hulplijnen.roles
        for language in ("nl", "en")
        for text in role.examples.get(language)
    ]


def card_examples(cards: list[Card]) -> list[Example]:
    """A card's example phrasings are information questions about its section."""
    return [
        Example(
            text=text,
            intent="info",
            doc=card.doc,
            section=card.section,
            tags=("card",),
            compute=card.compute,
            card=card.id,
        )
        for card in cards
        for text in card.examples
    ]


def training_examples(knowledge_dir: Path, hulplijnen: Hulplijnen) -> list[Example]:
    """Everything the engine is fitted on; the validation set in tests/ is never among it."""
    cards = load_cards(knowledge_dir / "answers.yaml", knowledge_dir / "documents")
    return [
        *load_examples(knowledge_dir / "examples.yaml"),
        *role_examples(hulplijnen),
        *card_examples(cards),
    ]


def load_question_set(path: Path) -> list[Example]:
    """An evaluation set, in the corpus format or the dev.yaml format."""
    data = _read(path)
    if isinstance(data, dict) and {"routing", "knowledge", "out_of_scope"} & set(data):
        items: list[dict[str, object]] = []
        for item in data.get("routing") or []:
            items.append({"q": item["q"], "intent": "help", "role": item["role"]})
        for item in data.get("knowledge") or []:
            items.append(
                {
                    "q": item["q"],
                    "intent": "info",
                    "expect": item["expect"],
                    "doc": item.get("source"),
                }
            )
        for item in data.get("out_of_scope") or []:
            items.append({"q": item["q"], "intent": "oos"})
        data = items
    if not isinstance(data, list) and not (isinstance(data, dict) and "examples" in data):
        raise KnowledgeError(f"{path}: expected a question set")
    tmp = data.get("examples") if isinstance(data, dict) else data
    out = []
    for i, item in enumerate(tmp or []):
        if isinstance(item, dict) and "lang" not in item:
            item = {**item, "lang": detect_language(str(item.get("q", "")))}
        try:
            out.append(ExampleItem.model_validate(item).example())
        except ValidationError as exc:
            raise _error(path, i, exc) from None
    return out
