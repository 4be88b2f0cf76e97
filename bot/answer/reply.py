"""What the engine hands back, and what a conversation remembers between turns.

- `Answer`: one reply, with its kind (answer, route, clarify, smalltalk, decline, unknown),
  its language, the route and the sources; `as_json()` is the `ask --json` contract.
- `Turn`: what one answered question was about (its sessions, role, answering unit, the
  options of a clarifying question, its language).
- `Conversation`: the state every surface keeps per conversation (the terminal chat, each
  `ask --json` conversation id, each Slack thread in the database): the last turns and the
  language the person asked for. It holds no user id, and the questions in it are scrubbed
  of personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bot.answer.route import Route
from bot.answer.units import Passage

# A conversation remembers this many turns: a follow-up refers to the last one or two, and
# a clarifying question's options to the one before.
KEEP_TURNS = 5


@dataclass(frozen=True)
class Source:
    path: str
    title: str
    section: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "title": self.title, "section": self.section}


@dataclass
class Turn:
    """What the assistant remembers of one earlier question in a conversation."""

    question: str  # as the models read it: cleaned and scrubbed of personal data
    sessions: tuple[str, ...] = ()
    role: str | None = None
    unit: str | None = None  # the unit that answered it
    options: tuple[str, ...] = ()  # the roles offered, when it ended in a clarifying question
    language: str = "nl"
    intents: tuple[float, ...] = ()  # its intent probabilities (INTENTS order)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        return cls(
            question=str(data.get("question", "")),
            sessions=tuple(data.get("sessions") or ()),
            role=data.get("role"),
            unit=data.get("unit"),
            options=tuple(data.get("options") or ()),
            language=str(data.get("language") or "nl"),
            intents=tuple(float(p) for p in data.get("intents") or ()),
        )


@dataclass
class Conversation:
    """One conversation's state; `Assistant.answer` reads it and adds the turn it answers."""

    turns: list[Turn] = field(default_factory=list)
    language: str | None = None  # set by an explicit request ("in English please")

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def add(self, turn: Turn | None) -> None:
        if turn is not None:
            self.turns = [*self.turns, turn][-KEEP_TURNS:]

    def as_dict(self) -> dict[str, Any]:
        return {"turns": [t.as_dict() for t in self.turns], "language": self.language}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Conversation:
        data = data or {}
        turns = [Turn.from_dict(t) for t in data.get("turns") or [] if isinstance(t, dict)]
        language = data.get("language")
        return cls(turns[-KEEP_TURNS:], language if language in {"nl", "en"} else None)


@dataclass
class Answer:
    question: str
    text: str
    language: str
    grounded: bool
    route: Route
    role_name: str | None
    sources: list[Source]
    latency_ms: float = 0.0
    kind: str = "answer"  # answer | route | clarify | smalltalk | decline | unknown | empty
    turn: Turn | None = None
    generated: bool = False
    passages: list[Passage] = field(default_factory=list)
    vector: np.ndarray | None = None  # the question's embedding (for HR's themes)
    shortened: bool = False  # a long message was read around its questions only
    facts: str = ""  # the composed direct answer (what a generated one must keep to)
    rejected: str | None = None  # why a generated answer was not used (check or failure)
    generation_s: float = 0.0  # seconds spent on generating

    def as_json(self) -> dict[str, Any]:
        """The `ask --json` contract. An empty message (emoji, punctuation) counts as small
        talk: it gets the same invitation to ask."""
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "kind": "smalltalk" if self.kind == "empty" else self.kind,
            "grounded": self.grounded,
            "generated": self.generated,
            "route": {
                "role": self.route.role,
                "name": self.role_name,
                "confidence": round(self.route.confidence, 3) if self.route.role else 0.0,
                "clarify": self.route.clarify,
                "candidates": [role for role, _ in self.route.candidates]
                if self.route.clarify
                else [],
            },
            "sources": [source.as_dict() for source in self.sources],
            "shortened": self.shortened,
            "latency_ms": round(self.latency_ms, 1),
        }
