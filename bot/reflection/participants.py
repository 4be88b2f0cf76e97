"""Who receives reflection prompts: opt-in, opt-out, cohorts."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.models import Participant, utcnow


class Participants:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enrol(self, user_id: str, cohort: str | None = None, language: str = "nl") -> bool:
        """Enrol (or re-enrol) a participant; True when they were not active before.

        Without a cohort (the slash command, the Home tab) a known participant keeps theirs.
        """
        with self.db.session() as session:
            row = session.get(Participant, user_id)
            if row is None:
                session.add(
                    Participant(user_id=user_id, cohort=cohort or "default", language=language)
                )
                return True
            was_active = row.active
            row.active = True
            if cohort is not None:
                row.cohort = cohort
            if not was_active:
                row.enrolled_at = utcnow()
            return not was_active

    def unenrol(self, user_id: str) -> bool:
        """Stop all prompts for a participant; their portfolio stays theirs."""
        with self.db.session() as session:
            row = session.get(Participant, user_id)
            if row is None or not row.active:
                return False
            row.active = False
            return True

    def remove(self, user_id: str) -> bool:
        with self.db.session() as session:
            row = session.get(Participant, user_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def is_enrolled(self, user_id: str) -> bool:
        with self.db.session() as session:
            row = session.get(Participant, user_id)
            return bool(row and row.active)

    def active(self) -> list[Participant]:
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Participant)
                    .where(Participant.active.is_(True))
                    .order_by(Participant.user_id)
                )
            )

    def all(self) -> list[Participant]:
        with self.db.session() as session:
            return list(session.scalars(select(Participant).order_by(Participant.user_id)))
