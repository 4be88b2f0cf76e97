"""Score a question set (routing, knowledge, out-of-scope) against the assistant."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answer.assistant import Answer, Assistant


@dataclass
class Miss:
    group: str
    question: str
    expected: str
    got: str


@dataclass
class EvalReport:
    routing: tuple[int, int] = (0, 0)
    knowledge: tuple[int, int] = (0, 0)
    out_of_scope: tuple[int, int] = (0, 0)
    latencies: list[float] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    @staticmethod
    def rate(pair: tuple[int, int]) -> float:
        return pair[0] / pair[1] if pair[1] else 1.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def as_json(self) -> dict[str, Any]:
        return {
            "routing_accuracy": round(self.rate(self.routing), 4),
            "knowledge_hit_rate": round(self.rate(self.knowledge), 4),
            "out_of_scope_refusal_rate": round(self.rate(self.out_of_scope), 4),
            "counts": {
                "routing": self.routing,
                "knowledge": self.knowledge,
                "out_of_scope": self.out_of_scope,
            },
            "latency_ms": {
                "p50": round(self.percentile(0.5), 1),
                "p95": round(self.percentile(0.95), 1),
                "mean": round(statistics.fmean(self.latencies), 1) if self.latencies else 0.0,
            },
            "misses": [miss.__dict__ for miss in self.misses],
        }


class EvalSetError(Exception):
    pass


def load_set(path: Path) -> dict[str, list[dict[str, Any]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EvalSetError(f"{path}: cannot read the question set ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise EvalSetError(f"{path}: expected the groups routing, knowledge and out_of_scope")
    return {
        group: list(data.get(group) or []) for group in ("routing", "knowledge", "out_of_scope")
    }


def cites(answer: Answer, source: str) -> bool:
    """A cited source counts when its path, title or organisation names the document."""
    needle = str(source).lower()
    return any(needle in f"{s.path} {s.title} {s.section}".lower() for s in answer.sources)


def evaluate(assistant: Assistant, question_set: dict[str, list[dict[str, Any]]]) -> EvalReport:
    report = EvalReport()
    hits = total = 0
    for item in question_set["routing"]:
        answer = assistant.answer(item["q"])
        report.latencies.append(answer.latency_ms)
        expected = item["role"] if isinstance(item["role"], list) else [item["role"]]
        total += 1
        if answer.route.role in expected and not answer.route.clarify:
            hits += 1
        else:
            got = (
                f"{answer.route.role} (clarify)" if answer.route.clarify else str(answer.route.role)
            )
            report.misses.append(Miss("routing", item["q"], "/".join(expected), got))
    report.routing = (hits, total)
    hits = total = 0
    for item in question_set["knowledge"]:
        answer = assistant.answer(item["q"])
        report.latencies.append(answer.latency_ms)
        total += 1
        text_ok = re.search(item["expect"], answer.text, re.I) is not None
        source_ok = cites(answer, item.get("source", "")) if item.get("source") else True
        if text_ok and source_ok:
            hits += 1
        else:
            cited = ", ".join(s.path for s in answer.sources) or "none"
            report.misses.append(
                Miss(
                    "knowledge",
                    item["q"],
                    f"/{item['expect']}/ from {item.get('source')}",
                    f"{answer.text[:160]!r} [{cited}]",
                )
            )
    report.knowledge = (hits, total)
    hits = total = 0
    for item in question_set["out_of_scope"]:
        answer = assistant.answer(item["q"])
        report.latencies.append(answer.latency_ms)
        total += 1
        if not answer.grounded:
            hits += 1
        else:
            report.misses.append(
                Miss("out_of_scope", item["q"], "grounded: false", answer.text[:160])
            )
    report.out_of_scope = (hits, total)
    return report
