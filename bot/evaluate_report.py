"""`leerroute eval`: run the question sets and print what they score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.answer.corpus import load_question_set, training_examples
from bot.evaluate import GROUPS, Comparison, Report, compare, cross_validate, score

DEV_SET = Path("tests/data/dev.yaml")
VALIDATION_SET = Path("tests/data/validation.yaml")
LABELS = {
    "routing": "routing",
    "knowledge": "knowledge",
    "out_of_scope": "out of scope",
    "smalltalk": "small talk",
}


def run_eval(
    svc: Any,
    console: Console,
    question_set: Path | None,
    cv: bool,
    as_json: bool,
    all_misses: bool,
    dialogues: Path | None = None,
) -> None:
    if dialogues is not None:
        run_dialogues(svc, console, dialogues, as_json, all_misses)
        return
    reports: dict[str, Report] = {}
    if cv:
        examples = training_examples(svc.settings.knowledge_dir, svc.knowledge.hulplijnen)
        with console.status("cross-validating the training corpus (5 folds)…") as status:
            reports["training (5-fold cross-validation)"] = cross_validate(
                examples,
                svc.assistant_fitted_on,
                progress=lambda fold: status.update(f"cross-validating: fold {fold} of 5 done…"),
            )
    sets = [question_set] if question_set else [VALIDATION_SET, DEV_SET]
    for path in sets:
        if not path.exists() and question_set is None:
            continue  # an install without the tests folder
        reports[str(path)] = score(svc.assistant, load_question_set(path))
    if as_json:
        print(
            json.dumps(
                {name: r.as_json() for name, r in reports.items()}, ensure_ascii=False, indent=2
            )
        )
        return
    for name, report in reports.items():
        print_report(console, name, report, all_misses)


def print_report(console: Console, name: str, report: Report, all_misses: bool) -> None:
    table = Table("measure", "all", "nl", "en", title=name, title_justify="left", box=None)
    for group in GROUPS:
        if not report.pair(group)[1]:
            continue
        cells = []
        for language in ("all", "nl", "en"):
            hits, total = report.pair(group, language)
            cells.append(f"{hits / total:.1%} ({hits}/{total})" if total else "—")
        table.add_row(LABELS[group], *cells)
    table.add_row(
        "latency p50 / p95",
        f"{report.percentile(0.5):.0f} / {report.percentile(0.95):.0f} ms",
        "",
        "",
    )
    console.print(table)
    if report.confusion:
        console.print(confusion_table(report))
    misses = report.misses if all_misses else report.misses[:25]
    for miss in misses:
        console.print(
            f"[red]miss[/] [{miss.group}] {miss.question}\n  expected {miss.expected}\n  got      {miss.got}",
            highlight=False,
            markup=True,
        )
    if len(report.misses) > len(misses):
        console.print(
            f"… and {len(report.misses) - len(misses)} more misses (--all-misses lists them)"
        )
    console.print()


def confusion_table(report: Report) -> Table:
    expected = sorted({e for e, _ in report.confusion})
    got = sorted({g for _, g in report.confusion})
    table = Table(
        "expected ↓ / routed →", *got, title="role confusion", title_justify="left", box=None
    )
    for role in expected:
        table.add_row(role, *(str(report.confusion.get((role, g), "")) for g in got))
    return table


def run_dialogues(svc: Any, console: Console, path: Path, as_json: bool, all_misses: bool) -> None:
    from bot.evaluate_dialogues import load_dialogues, score_dialogues

    report = score_dialogues(svc.assistant, load_dialogues(path))
    if as_json:
        summary = {
            "turns": {"passed": report.turns[0], "total": report.turns[1]},
            "dialogues": {"passed": report.dialogues[0], "total": report.dialogues[1]},
            "misses": [vars(miss) for miss in report.misses],
        }
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    table = Table("measure", "passed", title=str(path), title_justify="left", box=None)
    table.add_row("turns", f"{report.turn_rate:.1%} ({report.turns[0]}/{report.turns[1]})")
    table.add_row(
        "whole dialogues",
        f"{report.dialogue_rate:.1%} ({report.dialogues[0]}/{report.dialogues[1]})",
    )
    console.print(table)
    for miss in report.misses if all_misses else report.misses[:20]:
        console.print(
            f"miss  {miss.dialogue} turn {miss.turn}: {miss.question}\n"
            f"  expected {miss.expected}\n  got      {miss.got}",
            highlight=False,
            markup=False,
        )


def sample(items: list[Any], limit: int | None) -> list[Any]:
    """At most `limit` items, spread evenly over the set (it is ordered by source file)."""
    if limit is None or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def run_comparison(
    svc: Any, console: Console, question_set: Path | None, limit: int | None, as_json: bool
) -> None:
    """Composed and generated answers side by side, with what became of the generated."""
    sets = [question_set] if question_set else [DEV_SET, VALIDATION_SET]
    results: dict[str, Comparison] = {}
    for path in sets:
        if not path.exists() and question_set is None:
            continue
        examples = sample(list(load_question_set(path)), limit)
        label = f"{path}: {{}} of {len(examples)} asked twice…"
        with console.status(label.format(0)) as status:

            def progress(done: int) -> None:
                status.update(label.format(done))  # noqa: B023 - used inside this iteration

            results[str(path)] = compare(svc.assistant, examples, progress)
    if as_json:
        print(json.dumps({k: v.as_json() for k, v in results.items()}, indent=2))
        return
    for name, result in results.items():
        print_comparison(console, name, result)


def print_comparison(console: Console, name: str, result: Comparison) -> None:
    table = Table("measure", "composed", "generated", title=name, title_justify="left", box=None)
    for group in GROUPS:
        if not result.composed.pair(group)[1]:
            continue
        cells = []
        for report in (result.composed, result.generated):
            hits, total = report.pair(group)
            cells.append(f"{hits / total:.1%} ({hits}/{total})")
        table.add_row(LABELS[group], *cells)
    console.print(table)
    summary = result.as_json()
    shown = f"{result.shown}/{result.sent}" if result.sent else "0/0"
    console.print(f"sent to the model: {result.sent}; shown as generated: {shown}")
    if result.rejected:
        reasons = ", ".join(f"{why} {n}" for why, n in result.rejected.most_common())
        console.print(f"rejected or failed: {reasons}")
    if summary["generation_s"]:
        timing = summary["generation_s"]
        console.print(f"generation time p50 / p95: {timing['p50']} / {timing['p95']} s")
    console.print()
