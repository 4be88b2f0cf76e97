"""The reflection tick: send what is due, once, even across restarts and replicas.

Each prompt is claimed in the database (a unique row per participant and prompt)
before it is sent. A failed send stays claimed as `failed` and is retried on a later
tick, until the catch-up window has passed; a claim left behind by a crash, or a send
that failed, is only re-sent after checking the DM for the message (it carries the send id
in its metadata), so nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.models import ReflectionSend, as_utc, utcnow
from bot.reflection.schedule import PlannedPrompt, QuestionBank, in_quiet_hours, plan

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


class Messenger(Protocol):
    """Delivers prompts to participants (in Slack: `bot.slack.reflection.SlackMessenger`)."""

    def send_prompt(
        self, user_id: str, prompt: PlannedPrompt, question: str, send_id: int, language: str
    ) -> tuple[str, str]:
        """Send; returns (channel, message id)."""
        ...

    def find_prompt(self, user_id: str, send_id: int) -> tuple[str, str] | None:
        """(channel, message id) of a prompt that was sent already, if it was."""
        ...


STALE_CLAIM = dt.timedelta(minutes=5)


@dataclass
class TickResult:
    sent: list[str] = field(default_factory=list)  # "user:key"
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Reflection:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings.reflection
        self.tz = ZoneInfo(self.settings.timezone)
        self.bank = QuestionBank.load(services.settings.prompts_dir / "reflection.yaml")

    def plan(self, cohort: str | None = None) -> list[PlannedPrompt]:
        """When the prompts go out for a cohort (its own dates, else the programme's)."""
        return plan(self.services.knowledge.programme_for(cohort), self.settings)

    def tick(self, messenger: Messenger, now: dt.datetime | None = None) -> TickResult:
        # In UTC: SQLite keeps a timestamp's wall-clock time but not its zone, so a local
        # `sent_at` would be read back hours off and break the one-a-day rule.
        now = as_utc(now or utcnow())
        result = TickResult()
        plans: dict[str, list[PlannedPrompt]] = {}
        quiet = in_quiet_hours(now, self.settings)
        window = dt.timedelta(hours=self.settings.catch_up_hours)
        for participant in self.services.participants.active():
            if participant.cohort not in plans:
                plans[participant.cohort] = self.plan(participant.cohort)
            prompts = plans[participant.cohort]
            rows = self._rows(participant.user_id)
            sent_today = any(
                row.sent_at
                and as_utc(row.sent_at).astimezone(self.tz).date() == now.astimezone(self.tz).date()
                for row in rows.values()
            )
            for prompt in prompts:
                if prompt.due_at > now:
                    break
                row = rows.get(prompt.key)
                if row is not None and row.status in {"sent", "skipped"}:
                    continue
                if (row is None or row.status == "failed") and now - prompt.due_at > window:
                    self._skip(participant.user_id, prompt, row)
                    result.skipped.append(f"{participant.user_id}:{prompt.key}")
                    continue
                if quiet or sent_today:
                    break
                outcome = self._deliver(
                    messenger, participant.user_id, participant.language, prompt, row, now
                )
                if outcome == "sent":
                    result.sent.append(f"{participant.user_id}:{prompt.key}")
                elif outcome == "failed":
                    result.failed.append(f"{participant.user_id}:{prompt.key}")
                # One attempt per participant per tick. "busy" means another process is sending
                # them a question right now: sending the next one as well would make two today.
                break
        return result

    def _rows(self, user_id: str) -> dict[str, ReflectionSend]:
        with self.services.db.session() as session:
            rows = session.scalars(select(ReflectionSend).where(ReflectionSend.user_id == user_id))
            return {row.prompt_key: row for row in rows}

    def _skip(self, user_id: str, prompt: PlannedPrompt, row: ReflectionSend | None) -> None:
        log.info(
            "reflection prompt %s for a participant was missed by more than the catch-up window; skipped",
            prompt.key,
        )
        try:
            with self.services.db.session() as session:
                if row is not None:  # a send that kept failing until the window passed
                    session.execute(
                        update(ReflectionSend)
                        .where(ReflectionSend.id == row.id, ReflectionSend.status == "failed")
                        .values(status="skipped")
                    )
                    return
                session.add(
                    ReflectionSend(
                        user_id=user_id,
                        prompt_key=prompt.key,
                        session_id=prompt.session.id,
                        question="",
                        due_at=prompt.due_at,
                        status="skipped",
                    )
                )
        except IntegrityError:
            pass  # another replica recorded it first

    def _deliver(
        self,
        messenger: Messenger,
        user_id: str,
        language: str,
        prompt: PlannedPrompt,
        row: ReflectionSend | None,
        now: dt.datetime,
    ) -> str:
        """Claim (or re-claim) and send; returns 'sent', 'failed' or 'busy'."""
        question = self.bank.question(prompt, user_id, language)
        if row is None:
            try:
                with self.services.db.session() as session:
                    claimed = ReflectionSend(
                        user_id=user_id,
                        prompt_key=prompt.key,
                        session_id=prompt.session.id,
                        question=question,
                        due_at=prompt.due_at,
                        status="claimed",
                        claimed_at=utcnow(),
                    )
                    session.add(claimed)
                    session.flush()
                    send_id = claimed.id
            except IntegrityError:
                return "busy"  # another process claimed it a moment ago
        else:
            stale = utcnow() - as_utc(row.claimed_at) > STALE_CLAIM
            if row.status == "claimed" and not stale:
                return "busy"  # possibly being sent right now by another process
            if not self._take_over(row):
                return "busy"
            send_id, question = row.id, row.question or question
            if self._already_sent(messenger, row, now):  # a crash, or a reply that got lost
                return "sent"
        return self._send(messenger, send_id, user_id, language, prompt, question, now)

    def _take_over(self, row: ReflectionSend) -> bool:
        """Re-claim a failed or stale row; only one process wins (compare-and-set).

        One conditional UPDATE: a read followed by a write lets two processes both "win"
        on SQLite, which ignores FOR UPDATE.
        """
        with self.services.db.session() as session:
            taken = session.execute(
                update(ReflectionSend)
                .where(
                    ReflectionSend.id == row.id,
                    ReflectionSend.claimed_at == row.claimed_at,
                    ReflectionSend.status.in_(("claimed", "failed")),
                )
                .values(claimed_at=utcnow(), status="claimed")
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def _already_sent(self, messenger: Messenger, row: ReflectionSend, now: dt.datetime) -> bool:
        """After a crash, or a send whose reply got lost: is the message in the DM already?"""
        try:
            found = messenger.find_prompt(row.user_id, row.id)
        except Exception:  # cannot look: treat as not sent; the claim still prevents doubles
            return False
        if found is None:
            return False
        self._mark(row.id, "sent", found[0], found[1], now)
        return True

    def _send(
        self,
        messenger: Messenger,
        send_id: int,
        user_id: str,
        language: str,
        prompt: PlannedPrompt,
        question: str,
        now: dt.datetime,
    ) -> str:
        try:
            channel, ts = messenger.send_prompt(user_id, prompt, question, send_id, language)
        except Exception as exc:  # Slack down or rate-limited beyond the retries: try a later tick
            log.warning(
                "sending reflection prompt %s failed (%s); retrying on a later tick",
                prompt.key,
                type(exc).__name__,
            )
            self._mark(send_id, "failed", None, None, now)
            return "failed"
        self._mark(send_id, "sent", channel, ts, now)
        return "sent"

    def _mark(
        self, send_id: int, status: str, channel: str | None, ts: str | None, now: dt.datetime
    ) -> None:
        """Book the outcome; `sent_at` is the tick's clock, which the one-a-day rule reads."""
        with self.services.db.session() as session:
            row = session.get(ReflectionSend, send_id)
            if row is None:
                return
            row.status = status
            row.attempts += 1
            if status == "sent":
                row.channel, row.ts, row.sent_at = channel, ts, now

    def prompt_for_thread(self, channel: str, thread_ts: str) -> ReflectionSend | None:
        with self.services.db.session() as session:
            return session.scalars(
                select(ReflectionSend).where(
                    ReflectionSend.ts == thread_ts, ReflectionSend.channel == channel
                )
            ).first()

    def prompt_by_id(self, send_id: int) -> ReflectionSend | None:
        with self.services.db.session() as session:
            return session.get(ReflectionSend, send_id)


def run_safely(name: str, work: Callable[[], object]) -> bool:
    """Run one kind of scheduled work; its failure is logged and never stops the others."""
    try:
        work()
    except Exception:  # each kind fails on its own; the loop goes on
        log.exception("%s failed; trying again in a minute", name)
        return False
    return True


def start_scheduler(
    services: Services,
    messenger: Messenger,
    stop: threading.Event,
    redeliver: Callable[[], int] | None = None,
) -> threading.Thread:
    """One background loop. Each minute: redeliver questions a crashed run left unanswered,
    and a reflection tick. Once a day: the retention purge and old event claims."""
    reflection = services.reflection if services.settings.reflection.enabled else None
    last_purge: dt.date | None = None

    def purge() -> None:
        services.recorder.purge(services.settings.monitor.retention_days)
        services.db.forget_events()

    def loop() -> None:
        nonlocal last_purge
        while not stop.is_set():
            if redeliver is not None:
                run_safely("redelivery", redeliver)
            if reflection is not None:
                run_safely("reflection tick", lambda: reflection.tick(messenger))
            if last_purge != dt.date.today() and run_safely("retention purge", purge):
                last_purge = dt.date.today()
            stop.wait(60)

    thread = threading.Thread(target=loop, name="leerroute-scheduler", daemon=True)
    thread.start()
    return thread
