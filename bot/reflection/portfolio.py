"""The participant's own portfolio: their reflections, ordered by programme session."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import Database
from bot.knowledge import Programme
from bot.models import PortfolioEntry, as_utc, utcnow


class Portfolio:
    def __init__(self, db: Database, programme: Programme, tz: ZoneInfo | None = None) -> None:
        self.db = db
        self.programme = programme
        self.tz = tz or ZoneInfo("Europe/Amsterdam")

    def add(
        self, user_id: str, session_id: str, prompt: str, answer: str, send_id: int | None = None
    ) -> int:
        text = answer.strip()
        if not text:
            raise ValueError("an empty reflection is not stored")
        with self.db.session() as session:
            entry = PortfolioEntry(
                user_id=user_id,
                session_id=session_id,
                prompt=prompt,
                answer=text[:20000],
                send_id=send_id,
            )
            session.add(entry)
            session.flush()
            return entry.id

    def edit(self, user_id: str, entry_id: int, answer: str) -> bool:
        with self.db.session() as session:
            entry = session.get(PortfolioEntry, entry_id)
            if entry is None or entry.user_id != user_id or not answer.strip():
                return False
            entry.answer, entry.updated_at = answer.strip()[:20000], utcnow()
            return True

    def delete(self, user_id: str, entry_id: int) -> bool:
        with self.db.session() as session:
            entry = session.get(PortfolioEntry, entry_id)
            if entry is None or entry.user_id != user_id:
                return False
            session.delete(entry)
            return True

    def entries(self, user_id: str) -> list[PortfolioEntry]:
        order = {session.id: i for i, session in enumerate(self.programme.sessions)}
        with self.db.session() as session:
            rows = list(
                session.scalars(select(PortfolioEntry).where(PortfolioEntry.user_id == user_id))
            )
        return sorted(rows, key=lambda e: (order.get(e.session_id, len(order)), e.created_at))

    def markdown(self, user_id: str, today: dt.date | None = None) -> str:
        """The portfolio as Markdown, ready for the tussengesprek and the slotbijeenkomst."""
        entries = self.entries(user_id)
        lines = [
            f"# Mijn portfolio — {self.programme.title}",
            "",
            f"_Opgemaakt op {(today or dt.date.today()).isoformat()}. Alleen jij ziet dit portfolio._",
            "",
        ]
        if not entries:
            lines.append("Er staan nog geen reflecties in je portfolio.")
            return "\n".join(lines) + "\n"
        sessions = {session.id: session for session in self.programme.sessions}
        current = None
        for entry in entries:
            if entry.session_id != current:
                current = entry.session_id
                session = sessions.get(current)
                title = current
                if session is not None:
                    title = session.label + (f": {session.theme}" if session.theme else "")
                lines += [f"## {title}", ""]
            stamp = as_utc(entry.created_at).astimezone(self.tz).strftime("%Y-%m-%d")
            lines += [f"**{entry.prompt}**", "", entry.answer, "", f"_{stamp}_", ""]
        return "\n".join(lines)
