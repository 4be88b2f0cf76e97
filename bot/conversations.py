"""Conversation state in the database, keyed by workspace, channel and thread, so that every
replica answers a follow-up in the same thread from the same state; a conversation that has
been quiet for `conversation_minutes` starts afresh (and its row is deleted)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from bot.answer.reply import Conversation
from bot.db import Database
from bot.models import ConversationState, as_utc, utcnow

log = logging.getLogger(__name__)


def conversation_key(team: str | None, channel: str, thread: str | None) -> str:
    """A thread is one conversation; a DM without threads is one too."""
    return f"{team or '-'}:{channel}:{thread or 'dm'}"


class ConversationStore:
    def __init__(self, db: Database, quiet_minutes: int) -> None:
        self.db = db
        self.quiet = dt.timedelta(minutes=quiet_minutes)

    def get(self, key: str) -> Conversation | None:
        """The conversation's state; None when there is none or it went quiet too long."""
        with self.db.session() as session:
            row = session.get(ConversationState, key)
            if row is None or as_utc(row.updated_at) < utcnow() - self.quiet:
                return None
            try:
                return Conversation.from_dict(json.loads(row.state))
            except (ValueError, TypeError):
                log.warning("a conversation's stored state could not be read; starting afresh")
                return None

    def put(self, key: str, conversation: Conversation) -> None:
        """Store the state in one statement (an upsert): two answers in the same DM or
        thread at once, in one process or two replicas, both succeed; the later one wins."""
        state = json.dumps(conversation.as_dict(), ensure_ascii=False)
        with self.db.session() as session:
            now = utcnow()
            insert: Any = (
                postgresql.insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert
            )
            session.execute(
                insert(ConversationState)
                .values(key=key, state=state, updated_at=now)
                .on_conflict_do_update(
                    index_elements=["key"], set_={"state": state, "updated_at": now}
                )
            )

    def purge(self) -> int:
        """Delete the conversations that went quiet; how many."""
        with self.db.session() as session:
            result = session.execute(
                delete(ConversationState).where(
                    ConversationState.updated_at < utcnow() - self.quiet
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)
