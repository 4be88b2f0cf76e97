"""What HR sees: counts, roles, gaps and feedback, with k-anonymity on everything shown."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from bot.db import Database
from bot.models import Question


def questions_since(db: Database, since: dt.datetime) -> list[Question]:
    with db.session() as session:
        return list(session.scalars(select(Question).where(Question.asked_at >= since)))


def summary_lines(db: Database, k: int, days: int = 30) -> list[str]:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    rows = questions_since(db, since)
    askers = {row.asker for row in rows}
    lines = [f"{len(rows)} vragen van {len(askers)} mensen"]
    role_askers: dict[str, set[str]] = {}
    for row in rows:
        if row.role:
            role_askers.setdefault(row.role, set()).add(row.asker)
    roles = Counter(row.role for row in rows if row.role and len(role_askers[row.role]) >= k)
    if roles:
        lines.append(
            "Hulplijnen: " + ", ".join(f"{role} {count}" for role, count in roles.most_common())
        )
    ungrounded = sum(1 for row in rows if not row.grounded)
    lines.append(f"Zonder antwoord uit de bronnen: {ungrounded}")
    rated = [row.feedback for row in rows if row.feedback]
    if rated:
        lines.append(
            f"Feedback: {sum(1 for r in rated if r > 0)} 👍 / {sum(1 for r in rated if r < 0)} 👎"
        )
    return lines
