"""Scoring question sets against the assistant: routing, knowledge, out of scope, small talk.

- `score(assistant, examples)` scores one set (the dev set, the validation set, any file in
  the corpus or the dev.yaml format).
- `cross_validate(...)` scores the training corpus by 5-fold cross-validation: the engine is
  refitted without each fold and asked that fold's questions.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.answer.assistant import Answer, Assistant
from bot.answer.corpus import Example
from bot.answer.fit import VAGUE_ROLES

GROUPS = ("routing", "knowledge", "out_of_scope", "smalltalk")


@dataclass
class Miss:
    group: str
    question: str
    expected: str
    got: str


@dataclass
class Report:
    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (group, lang)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    def add(self, group: str, language: str, hit: bool) -> None:
        for key in ((group, language), (group, "all")):
            pair = self.counts.setdefault(key, [0, 0])
            pair[0] += int(hit)
            pair[1] += 1

    def pair(self, group: str, language: str = "all") -> tuple[int, int]:
        hits, total = self.counts.get((group, language), [0, 0])
        return hits, total

    def rate(self, group: str, language: str = "all") -> float:
        hits, total = self.pair(group, language)
        return hits / total if total else 1.0

    def merge(self, other: Report) -> None:
        for key, (hits, total) in other.counts.items():
            pair = self.counts.setdefault(key, [0, 0])
            pair[0] += hits
            pair[1] += total
        self.confusion.update(other.confusion)
        self.latencies.extend(other.latencies)
        self.misses.extend(other.misses)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def as_json(self) -> dict[str, Any]:
        return {
            "rates": {
                group: {
                    language: round(self.rate(group, language), 4)
                    for language in ("all", "nl", "en")
                    if self.pair(group, language)[1]
                }
                for group in GROUPS
                if self.pair(group)[1]
            },
            "counts": {group: self.pair(group) for group in GROUPS if self.pair(group)[1]},
            "role_confusion": {
                f"{expected} → {got}": n for (expected, got), n in sorted(self.confusion.items())
            },
            "latency_ms": {
                "p50": round(self.percentile(0.5), 1),
                "p95": round(self.percentile(0.95), 1),
                "mean": round(statistics.fmean(self.latencies), 1) if self.latencies else 0.0,
            },
            "misses": [miss.__dict__ for miss in self.misses],
        }


def cites(answer: Answer, document: str) -> bool:
    """A cited source counts when its path, title or section names the document."""
    needle = str(document).lower()
    return any(needle in f"{s.path} {s.title} {s.section}".lower() for s in answer.sources)


def _routed_to(answer: Answer) -> str:
    if answer.route.clarify:
        return "(clarify)"
    return answer.route.role or "(none)"


def routed_right(roles: tuple[str, ...], got: str) -> bool:
    """A vague question that three or more roles fit wants a clarifying question; with two
    roles, either (or asking which) is right; else the one role."""
    if len(roles) >= VAGUE_ROLES:
        return got == "(clarify)"
    if len(roles) == 2:
        return got in {*roles, "(clarify)"}
    return got in roles


def score_one(report: Report, example: Example, answer: Answer) -> None:
    language = example.lang
    report.latencies.append(answer.latency_ms)
    if example.wants_person:
        got = _routed_to(answer)
        hit = routed_right(example.roles, got)
        report.add("routing", language, hit)
        vague = len(example.roles) >= VAGUE_ROLES
        report.confusion[("(vague)" if vague else example.roles[0], got)] += 1
        if not hit:
            report.misses.append(Miss("routing", example.text, "/".join(example.roles), got))
    if example.wants_info:
        text_ok = example.expect is None or re.search(example.expect, answer.text, re.I)
        source_ok = cites(answer, example.doc) if example.doc else True
        report.add("knowledge", language, bool(text_ok and source_ok))
        if not (text_ok and source_ok):
            cited = ", ".join(s.path.rsplit("/", 1)[-1][:3] for s in answer.sources) or "none"
            report.misses.append(
                Miss(
                    "knowledge",
                    example.text,
                    f"/{example.expect}/ from {example.doc}",
                    f"[{answer.kind}; cites {cited}] {answer.text[:150]!r}",
                )
            )
    if example.intent == "oos":
        report.add("out_of_scope", language, not answer.grounded)
        if answer.grounded:
            report.misses.append(
                Miss("out_of_scope", example.text, "not grounded", answer.text[:150])
            )
    if example.intent == "smalltalk":
        hit = answer.kind in {"smalltalk", "empty"}
        report.add("smalltalk", language, hit)
        if not hit:
            report.misses.append(Miss("smalltalk", example.text, "smalltalk", answer.kind))


def score(assistant: Assistant, examples: Iterable[Example]) -> Report:
    report = Report()
    for example in examples:
        score_one(report, example, assistant.answer(example.text))
    return report


def cross_validate(
    examples: list[Example],
    make_assistant: Callable[[list[Example]], Assistant],
    folds: int = 5,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Each fold's questions asked of an engine fitted on the other folds."""
    report = Report()
    for fold in range(folds):
        held_out = [e for i, e in enumerate(examples) if i % folds == fold]
        training = [e for i, e in enumerate(examples) if i % folds != fold]
        assistant = make_assistant(training)
        report.merge(score(assistant, (e for e in held_out if "card" not in e.tags)))
        if progress:
            progress(fold + 1)
    return report


@dataclass
class Comparison:
    """The same questions answered composed (no model) and with the model: what people
    would see either way, and what happened to the generated answers."""

    composed: Report = field(default_factory=Report)
    generated: Report = field(default_factory=Report)
    sent: int = 0  # questions whose answer went to the model
    shown: int = 0  # generated answers that passed their check
    rejected: Counter[str] = field(default_factory=Counter)  # why the others did not
    seconds: list[float] = field(default_factory=list)  # generation time of each sent one

    def as_json(self) -> dict[str, Any]:
        ordered = sorted(self.seconds)

        def at(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)

        return {
            "composed": self.composed.as_json()["rates"],
            "generated": self.generated.as_json()["rates"],
            "sent_to_model": self.sent,
            "shown_generated": self.shown,
            "rejected": dict(self.rejected.most_common()),
            "generation_s": {"p50": at(0.5), "p95": at(0.95)} if ordered else {},
        }


def compare(
    assistant: Assistant, examples: Iterable[Example], progress: Callable[[int], None] | None = None
) -> Comparison:
    """Each question asked twice: composed, then with the configured model."""
    from bot.answer.reply import Conversation

    result = Comparison()
    for done, example in enumerate(examples, start=1):
        score_one(result.composed, example, assistant.answer_offline(example.text, Conversation()))
        answer = assistant.answer(example.text)
        score_one(result.generated, example, answer)
        if answer.generated or answer.rejected:
            result.sent += 1
            result.seconds.append(answer.generation_s)
            result.shown += int(answer.generated)
            if answer.rejected:
                result.rejected[answer.rejected] += 1
        if progress:
            progress(done)
    return result
