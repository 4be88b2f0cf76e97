"""Database tables (SQLAlchemy 2). The schema is managed by Alembic (bot/migrations)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An aware time in UTC; a naive one is UTC already (SQLite drops the zone it was stored with)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class ProcessedEvent(Base):
    """A Slack event claimed by one process: Slack retries must be answered once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A question event is kept until it is answered, so a process killed mid-answer does
    # not lose it: another run picks it up. Deleted (body first) once answered.
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class AppSecret(Base):
    """Secrets the app generates itself (the pseudonym key), shared by every replica."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Question(Base):
    """One question as HR may see it: pseudonymous asker, scrubbed text, no Slack ids."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    surface: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    asker: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    grounded: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="[]")
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The theme by route or knowledge section ("groepsontwikkelaar", "Title — Section"); None
    # when nothing answered. The vector (float16) clusters the unanswered ones. Both stay
    # pseudonymous; the vector is deleted with the text when retention runs out.
    topic: Mapped[str | None] = mapped_column(String(200), nullable=True)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Why a 👎 (the modal's choice) and the asker's few words, scrubbed of personal data.
    feedback_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    feedback_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The Slack event the question came with: a redelivered event is recorded once.
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, index=True)


class Participant(Base):
    """A participant enrolled for reflection prompts."""

    __tablename__ = "participants"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cohort: Mapped[str] = mapped_column(String(64), default="default")
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    personalise: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="nl")


class ReflectionSend(Base):
    """A reflection prompt claimed for one participant: the unique key makes it send-once."""

    __tablename__ = "reflection_sends"
    __table_args__ = (UniqueConstraint("user_id", "prompt_key", name="uq_send_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    prompt_key: Mapped[str] = mapped_column(String(80))
    session_id: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ts: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(
        String(16), default="claimed"
    )  # claimed|sent|failed|skipped


class PortfolioEntry(Base):
    """A participant's own reflection. Private: never in monitoring, never shown to others."""

    __tablename__ = "portfolio_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    send_id: Mapped[int | None] = mapped_column(ForeignKey("reflection_sends.id"), nullable=True)
    session_id: Mapped[str] = mapped_column(String(40))
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EngineModel(Base):
    """The fitted answering engine, shared by replicas that each have their own data dir."""

    __tablename__ = "engine_models"

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ConversationState(Base):
    """What a Slack conversation (a thread, or a DM) is about, for its follow-ups: shared by
    replicas, dropped after a quiet period. No user id; the questions in it are scrubbed."""

    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # team:channel:thread
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    state: Mapped[str] = mapped_column(Text)  # Conversation.as_dict() as JSON
