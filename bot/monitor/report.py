"""What HR sees: themes, routes, gaps, feedback and use, with k-anonymity on everything.

A theme, question text or breakdown backed by fewer than k distinct askers is never
shown; it is only counted under "overig". Reflections (the portfolio) are not here at
all: this module reads the questions table only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from bot.answer.text import content_terms
from bot.db import Database
from bot.models import Question, as_utc
from bot.monitor.scrub import PLACEHOLDER

OTHER = "overig"
CLUSTER_SIMILARITY = 0.88


@dataclass
class Theme:
    label: str
    count: int
    askers: int
    trend: int  # change in count against the previous period of the same length
    up: int = 0
    down: int = 0


@dataclass
class Gap:
    theme: str
    reason: str  # "onbeantwoord" (no grounded answer) or "negatief" (rated 👎)
    count: int
    askers: int
    examples: list[str] = field(default_factory=list)


@dataclass
class Report:
    since: str
    until: str
    questions: int
    askers: int
    themes: list[Theme]
    roles: dict[str, int]
    gaps: list[Gap]
    feedback: dict[str, Any]
    use: dict[str, dict[str, int]]
    k: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def themes_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["theme", "questions", "askers", "trend", "thumbs_up", "thumbs_down"])
        for theme in self.themes:
            writer.writerow(
                [_cell(theme.label), theme.count, theme.askers, theme.trend, theme.up, theme.down]
            )
        return out.getvalue()


def _cell(value: str) -> str:
    """A spreadsheet must not read a label as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def load_questions(db: Database, since: dt.datetime, until: dt.datetime) -> list[Question]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Question)
                .where(Question.asked_at >= since, Question.asked_at < until)
                .order_by(Question.asked_at)
            )
        )


def assign_themes(rows: list[Question], role_names: dict[str, str]) -> dict[int, str]:
    """A theme per question: its route or knowledge section, else a cluster of similar ones."""
    themes: dict[int, str] = {}
    clusters: list[tuple[np.ndarray, list[Question]]] = []
    for row in rows:
        if row.topic:
            role = row.topic.removeprefix("role:")
            themes[row.id] = (
                f"Hulplijn: {role_names.get(role, role)}"
                if row.topic.startswith("role:")
                else row.topic
            )
            continue
        if row.vector is None:
            themes[row.id] = "Onbeantwoord (tekst verlopen)"
            continue
        vector = np.frombuffer(row.vector, dtype=np.float16).astype(np.float32)
        for i, (centroid, members) in enumerate(clusters):
            if float(centroid @ vector) / (np.linalg.norm(centroid) or 1.0) >= CLUSTER_SIMILARITY:
                members.append(row)
                clusters[i] = (centroid + vector, members)
                break
        else:
            clusters.append((vector.copy(), [row]))
    background = Counter(
        term for row in rows for term in set(content_terms(PLACEHOLDER.sub(" ", row.text or "")))
    )
    for _, members in clusters:
        label = "Onbeantwoord: " + characteristic_words([m.text or "" for m in members], background)
        for member in members:
            themes[member.id] = label
    return themes


def characteristic_words(texts: list[str], background: Counter[str], n: int = 3) -> str:
    """The words that mark a group of questions (frequent here, rarer elsewhere)."""
    counts = Counter(
        term for text in texts for term in set(content_terms(PLACEHOLDER.sub(" ", text)))
    )
    scored = sorted(
        counts, key=lambda term: (-counts[term] / (background[term] or 1) * counts[term], term)
    )
    words = [term for term in scored if term.isalpha() and len(term) > 2][:n]
    return ", ".join(words) or "diversen"


def build_report(
    db: Database,
    k: int,
    since: dt.datetime,
    until: dt.datetime,
    role_names: dict[str, str] | None = None,
) -> Report:
    since, until = as_utc(since), as_utc(until)
    role_names = role_names or {}
    rows = load_questions(db, since, until)
    previous = load_questions(db, since - (until - since), since)
    themes_now = assign_themes(rows, role_names)
    themes_before = assign_themes(previous, role_names)
    previous_counts = Counter(themes_before.values())

    by_theme: dict[str, list[Question]] = defaultdict(list)
    for row in rows:
        by_theme[themes_now[row.id]].append(row)
    themes: list[Theme] = []
    other_rows: list[Question] = []
    for label, members in by_theme.items():
        askers = {m.asker for m in members}
        if len(askers) < k:
            other_rows.extend(members)
            continue
        themes.append(
            Theme(
                label=label,
                count=len(members),
                askers=len(askers),
                trend=len(members) - previous_counts.get(label, 0),
                up=sum(1 for m in members if m.feedback == 1),
                down=sum(1 for m in members if m.feedback == -1),
            )
        )
    themes.sort(key=lambda theme: (-theme.count, theme.label))
    if other_rows:
        themes.append(
            Theme(
                OTHER,
                len(other_rows),
                len({m.asker for m in other_rows}),
                0,
                sum(1 for m in other_rows if m.feedback == 1),
                sum(1 for m in other_rows if m.feedback == -1),
            )
        )

    return Report(
        since=since.date().isoformat(),
        until=until.date().isoformat(),
        questions=len(rows),
        askers=len({row.asker for row in rows}),
        themes=themes,
        roles=breakdown(rows, lambda row: row.role, k),
        gaps=gaps(rows, themes_now, k),
        feedback=feedback(rows),
        use={
            "per_week": breakdown(rows, lambda row: iso_week(row.asked_at), k),
            "per_surface": breakdown(rows, lambda row: row.surface, k),
            "per_language": breakdown(rows, lambda row: row.language, k),
        },
        k=k,
    )


def iso_week(moment: dt.datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def breakdown(rows: Iterable[Question], key: Any, k: int) -> dict[str, int]:
    """Counts per key; a key with fewer than k distinct askers is folded into 'overig'."""
    askers: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for row in rows:
        value = key(row)
        if value is None:
            continue
        askers[value].add(row.asker)
        counts[value] += 1
    shown = {value: counts[value] for value in sorted(counts) if len(askers[value]) >= k}
    other = sum(count for value, count in counts.items() if value not in shown)
    return shown | ({OTHER: other} if other else {})


def gaps(rows: list[Question], themes: dict[int, str], k: int) -> list[Gap]:
    """Where the knowledge falls short: unanswered questions and answers rated 👎."""
    groups: dict[tuple[str, str], list[Question]] = defaultdict(list)
    for row in rows:
        if not row.grounded:
            groups[(themes[row.id], "onbeantwoord")].append(row)
        elif row.feedback == -1:
            groups[(themes[row.id], "negatief")].append(row)
    found: list[Gap] = []
    hidden: list[Question] = []
    for (theme, reason), members in groups.items():
        askers = {m.asker for m in members}
        if len(askers) < k:
            hidden.extend(members)
            continue
        # A question text is shown only when k different people asked it (in the same words).
        by_text: dict[str, set[str]] = defaultdict(set)
        for member in members:
            if member.text:
                by_text[" ".join(member.text.lower().split())].add(member.asker)
        examples = [text for text, people in by_text.items() if len(people) >= k][:3]
        found.append(Gap(theme, reason, len(members), len(askers), examples))
    found.sort(key=lambda gap: (-gap.count, gap.theme))
    if hidden:
        found.append(
            Gap(OTHER, "onbeantwoord of negatief", len(hidden), len({m.asker for m in hidden}))
        )
    return found


def feedback(rows: list[Question]) -> dict[str, Any]:
    """👍 and 👎, and why the 👎 (the reason chosen in the modal; its free text is never
    shown: it is one person's words)."""
    up = sum(1 for row in rows if row.feedback == 1)
    down = sum(1 for row in rows if row.feedback == -1)
    reasons: dict[str, int] = {}
    for row in rows:
        if row.feedback == -1 and row.feedback_reason:
            reasons[row.feedback_reason] = reasons.get(row.feedback_reason, 0) + 1
    return {
        "up": up,
        "down": down,
        "ratio": round(up / (up + down), 3) if up + down else None,
        "down_reasons": dict(sorted(reasons.items(), key=lambda item: -item[1])),
    }


def summary_lines(
    db: Database, k: int, days: int = 30, role_names: dict[str, str] | None = None
) -> list[str]:
    """The App Home summary for HR admins: the last `days` days in a few lines."""
    until = dt.datetime.now(dt.UTC)
    report = build_report(db, k, until - dt.timedelta(days=days), until, role_names)
    lines = [f"{report.questions} vragen van {report.askers} mensen"]
    top = [theme for theme in report.themes if theme.label != OTHER][:3]
    if top:
        lines.append("Meest gevraagd: " + "; ".join(f"{t.label} ({t.count})" for t in top))
    roles = {role: count for role, count in report.roles.items() if role != OTHER}
    if roles:
        lines.append("Hulplijnen: " + ", ".join(f"{role} {count}" for role, count in roles.items()))
    unanswered = sum(1 for _ in report.gaps)
    lines.append(f"Kennislacunes: {unanswered} groepen")
    if report.feedback["up"] or report.feedback["down"]:
        lines.append(f"Feedback: {report.feedback['up']} 👍 / {report.feedback['down']} 👎")
    return lines
