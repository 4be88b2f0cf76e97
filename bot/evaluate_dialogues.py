"""Scoring conversations: each dialogue's turns asked in order in one `Conversation`.

The file (tests/data/dialogues.yaml) holds `dialogues` (an id and 2–5 turns) and
`singles` (everyday messages asked on their own). Each turn states the reply's `kind`
(answer, route, clarify, smalltalk, decline, unknown, as in the `ask --json` contract) and
optionally `expect` (a regular expression the reply contains) and `role` (the role it routes
to). A turn passes when all of these hold; a dialogue passes when all its turns do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.answer.assistant import Answer, Assistant
from bot.answer.reply import Conversation
from bot.knowledge import KnowledgeError

Kind = Literal["answer", "route", "clarify", "smalltalk", "decline", "unknown"]


class TurnItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=1)
    kind: Kind
    expect: str | None = None
    role: str | list[str] | None = None
    lang: Literal["nl", "en"] = "nl"

    @property
    def roles(self) -> list[str]:
        return [self.role] if isinstance(self.role, str) else list(self.role or [])


class DialogueItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    turns: list[TurnItem] = Field(min_length=1)


class DialogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dialogues: list[DialogueItem] = Field(default_factory=list)
    singles: list[TurnItem] = Field(default_factory=list)

    def all(self) -> list[DialogueItem]:
        ones = [DialogueItem(id=f"single-{i + 1}", turns=[t]) for i, t in enumerate(self.singles)]
        return [*self.dialogues, *ones]


def load_dialogues(path: Path) -> list[DialogueItem]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return DialogueFile.model_validate(data).all()
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot be read: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise KnowledgeError(f"{path}: {where}: {first['msg']}") from None


@dataclass
class TurnMiss:
    dialogue: str
    turn: int
    question: str
    expected: str
    got: str


@dataclass
class DialogueReport:
    turns: list[int] = field(default_factory=lambda: [0, 0])  # passed, total
    dialogues: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[TurnMiss] = field(default_factory=list)

    @property
    def turn_rate(self) -> float:
        return self.turns[0] / self.turns[1] if self.turns[1] else 1.0

    @property
    def dialogue_rate(self) -> float:
        return self.dialogues[0] / self.dialogues[1] if self.dialogues[1] else 1.0


def turn_passes(turn: TurnItem, answer: Answer) -> bool:
    reply = answer.as_json()
    if reply["kind"] != turn.kind:
        return False
    if turn.roles and answer.route.role not in turn.roles:
        return False
    return turn.expect is None or re.search(turn.expect, answer.text, re.I) is not None


def score_dialogues(assistant: Assistant, dialogues: list[DialogueItem]) -> DialogueReport:
    report = DialogueReport()
    for dialogue in dialogues:
        conversation = Conversation()
        all_passed = True
        for number, turn in enumerate(dialogue.turns, start=1):
            answer = assistant.answer(turn.q, conversation)
            passed = turn_passes(turn, answer)
            report.turns[0] += int(passed)
            report.turns[1] += 1
            if not passed:
                all_passed = False
                wanted = turn.kind + (f" → {'/'.join(turn.roles)}" if turn.roles else "")
                wanted += f" /{turn.expect}/" if turn.expect else ""
                got = answer.as_json()["kind"] + (
                    f" → {answer.route.role}" if answer.route.role else ""
                )
                report.misses.append(
                    TurnMiss(dialogue.id, number, turn.q, wanted, f"{got}: {answer.text[:140]!r}")
                )
        report.dialogues[0] += int(all_passed)
        report.dialogues[1] += 1
    return report
