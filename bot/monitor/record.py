"""Record questions for HR without identifying anyone, and erase a person on request."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.answer.assistant import Answer
from bot.db import Database
from bot.models import (
    AppSecret,
    Participant,
    PortfolioEntry,
    ProcessedEvent,
    Question,
    ReflectionSend,
)
from bot.monitor.scrub import scrub
from bot.settings import Settings

# What a 👎 can say was wrong (the modal's choices, bot/slack/blocks.py FEEDBACK_REASONS).
FEEDBACK_REASONS = ("wrong_answer", "wrong_person", "out_of_date", "other")


def pseudonym_keys(settings: Settings, db: Database) -> list[bytes]:
    """The keys of the asker hash, the one in use first: the settings' key when set, else
    the one generated once in the database (so every replica hashes a person alike). The
    generated key stays known after a key is set, so that erasing a person also finds what
    was recorded before the change."""
    generated = _generated_key(db)
    if settings.monitor.pseudonym_key is None:
        return [generated]
    configured = settings.monitor.pseudonym_key.get_secret_value().encode()
    return [configured] if configured == generated else [configured, generated]


def _generated_key(db: Database) -> bytes:
    with db.session() as session:
        stored = session.get(AppSecret, "pseudonym_key")
        if stored is not None:
            return stored.value.encode()
    try:
        with db.session() as session:
            session.add(AppSecret(name="pseudonym_key", value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another replica generated it first: use theirs
    with db.session() as session:
        return session.get_one(AppSecret, "pseudonym_key").value.encode()


def topic_of(answer: Answer) -> str | None:
    """The theme a question belongs to: its route, else the knowledge section that answered."""
    if answer.route.routed and not answer.route.clarify:
        return f"role:{answer.route.role}"
    if answer.grounded and answer.sources:
        source = answer.sources[0]
        return f"{source.title} — {source.section}" if source.section else source.title
    return None


class Recorder:
    def __init__(self, db: Database, keys: list[bytes]) -> None:
        self.db = db
        self.key = keys[0]  # what new records are hashed with
        self.keys = keys  # every key a record may be hashed with (for erasure)

    def asker(self, user_id: str, key: bytes | None = None) -> str:
        return hmac.new(key or self.key, user_id.encode(), hashlib.sha256).hexdigest()[:32]

    def askers(self, user_id: str) -> list[str]:
        """The person's pseudonym under every known key."""
        return [self.asker(user_id, key) for key in self.keys]

    def record(
        self, answer: Answer, user_id: str, surface: str, event_id: str | None = None
    ) -> int:
        """Store a scrubbed copy of the question and what was answered; returns its id.
        A question that came with a Slack event already recorded is not stored again."""
        if event_id:
            with self.db.session() as session:
                known = session.execute(
                    select(Question.id).where(Question.event_id == event_id[:64])
                ).scalar()
            if known is not None:
                return int(known)
        with self.db.session() as session:
            row = Question(
                event_id=event_id[:64] if event_id else None,
                surface=surface,
                language=answer.language,
                asker=self.asker(user_id),
                text=scrub(answer.question)[:2000],
                role=answer.route.role
                if answer.route.routed and not answer.route.clarify
                else None,
                confidence=answer.route.confidence if answer.route.routed else 0.0,
                grounded=answer.grounded,
                sources=json.dumps([s.as_dict() for s in answer.sources], ensure_ascii=False),
                latency_ms=answer.latency_ms,
                topic=topic_of(answer),
                vector=answer.vector.astype(np.float16).tobytes()
                if answer.vector is not None
                else None,
            )
            session.add(row)
            session.flush()
            return row.id

    def feedback(self, question_id: int, value: int, user_id: str) -> bool:
        """A 👍 (1) or 👎 (-1) on an answer; only the asker's own rating counts."""
        with self.db.session() as session:
            result = session.execute(
                update(Question)
                .where(Question.id == question_id, Question.asker == self.asker(user_id))
                .values(feedback=1 if value > 0 else -1)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def language_of(self, question_id: int) -> str:
        with self.db.session() as session:
            language = session.execute(
                select(Question.language).where(Question.id == question_id)
            ).scalar()
        return str(language or "nl")

    def feedback_reason(self, question_id: int, reason: str, note: str, user_id: str) -> bool:
        """Why the asker gave a 👎: one of FEEDBACK_REASONS, and a note scrubbed of
        personal data before it is stored."""
        if reason not in FEEDBACK_REASONS:
            reason = "other"
        with self.db.session() as session:
            result = session.execute(
                update(Question)
                .where(
                    Question.id == question_id,
                    Question.asker == self.asker(user_id),
                    Question.feedback == -1,
                )
                .values(feedback_reason=reason, feedback_note=scrub(note)[:500] or None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def forget(self, user_id: str) -> dict[str, int]:
        """Erase everything of one person: questions, enrolment, prompts, portfolio."""
        with self.db.session() as session:
            counts = {
                "questions": session.execute(
                    delete(Question).where(Question.asker.in_(self.askers(user_id)))
                ).rowcount,  # type: ignore[attr-defined]
                "portfolio": session.execute(
                    delete(PortfolioEntry).where(PortfolioEntry.user_id == user_id)
                ).rowcount,  # type: ignore[attr-defined]
                "prompts": session.execute(
                    delete(ReflectionSend).where(ReflectionSend.user_id == user_id)
                ).rowcount,  # type: ignore[attr-defined]
                "enrolment": session.execute(
                    delete(Participant).where(Participant.user_id == user_id)
                ).rowcount,  # type: ignore[attr-defined]
                # Questions still waiting to be answered keep their Slack event, user id included.
                "pending": session.execute(
                    delete(ProcessedEvent).where(
                        ProcessedEvent.body.contains(f'"user": "{user_id}"', autoescape=True)
                    )
                ).rowcount,  # type: ignore[attr-defined]
            }
        return counts

    def purge(self, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete question texts (and their vectors) older than the retention; counts stay."""
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=retention_days)
        with self.db.session() as session:
            result = session.execute(
                update(Question)
                .where(Question.asked_at < cutoff, Question.text.is_not(None))
                .values(text=None, vector=None, feedback_note=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def question_count(self) -> int:
        with self.db.session() as session:
            return len(session.execute(select(Question.id)).all())
