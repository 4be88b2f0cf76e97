"""The database: a SQLite file in the data dir by default, any DATABASE_URL when set."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, event, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be reached or migrated; the message is one line."""


# Written in the data dir once a SQLite database was created there: when the file is gone
# later, an empty one must not silently take its place.
CREATED_MARKER = "database-created"


def sqlite_file(settings: Settings) -> Path | None:
    url = settings.db_url
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def refuse_a_silent_new_database(settings: Settings) -> None:
    """A SQLite file that existed once and is gone now is an accident, not a fresh start."""
    path = sqlite_file(settings)
    if path is not None and not path.exists() and (settings.data_dir / CREATED_MARKER).exists():
        raise DatabaseError(
            f"the database {path} is gone, though one was created here: restore it from a "
            "backup, or start an empty one with `leerroute db init --force`"
        )


def mark_created(settings: Settings) -> None:
    if sqlite_file(settings) is not None:
        (settings.data_dir / CREATED_MARKER).write_text(str(sqlite_file(settings)) + "\n")


def create_db_engine(settings: Settings) -> Engine:
    url = settings.db_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"DATABASE_URL needs the database driver '{exc.name}', which is not installed: "
            "pip install 'leerroute[postgres]' (or make setup)"
        ) from None


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together: one migrates, the others wait for it.
                connection.execute(text("SELECT pg_advisory_xact_lock(7201011)"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot migrate the database: {type(exc).__name__}: {exc.args[0] if exc.args else ''}"[
                :300
            ]
        ) from None


def _reason(exc: Exception) -> str:
    """The first line of a driver error, with no URL or password in it."""
    original = getattr(exc, "orig", None) or exc
    line = (
        str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    )
    return line[:200]


def check(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            # sqlite_master forces SQLite to read the file's first page: a file that is
            # not (or no longer) a database fails here, where SELECT 1 would not.
            query = (
                "SELECT count(*) FROM sqlite_master"
                if engine.dialect.name == "sqlite"
                else "SELECT 1"
            )
            connection.execute(text(query))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        reason = str(orig) if orig is not None else type(exc).__name__
        raise DatabaseError(f"cannot use the database: {reason.splitlines()[0][:120]}") from None


class Database:
    def __init__(self, engine: Engine, file: Path | None = None) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.file = file  # a SQLite database's file: deleted or replaced while we run?
        self._identity = _identity(file) if file is not None else None

    def check(self) -> None:
        """The database answers, and (SQLite) is still the file it was when opened: a
        deleted file keeps answering from the unlinked copy, and every write is lost."""
        if self.file is not None and _identity(self.file) != self._identity:
            raise DatabaseError(
                f"the database file {self.file} was deleted or replaced while running: "
                "restore it and restart"
            )
        check(self.engine)

    def claim_event(self, event_id: str, body: str | None = None) -> bool:
        """True for the first process to claim a Slack event id; False for every retry.

        With a `body` (a question), the event is kept until `finish_event`, so that
        `unfinished_events` can hand it to another run if this one dies mid-answer."""
        from bot.models import ProcessedEvent

        try:
            with self.session() as session:
                session.add(ProcessedEvent(event_id=event_id[:64], body=body))
            return True
        except IntegrityError:
            return False

    def finish_event(self, event_id: str) -> None:
        from bot.models import ProcessedEvent

        with self.session() as session:
            session.execute(
                update(ProcessedEvent)
                .where(ProcessedEvent.event_id == event_id[:64])
                .values(finished_at=dt.datetime.now(dt.UTC), body=None)
            )

    def forget_events(self, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
        """Slack stops retrying within minutes, redelivery within minutes: old claims can go."""
        from bot.models import ProcessedEvent

        cutoff = dt.datetime.now(dt.UTC) - older_than
        with self.session() as session:
            result = session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def unfinished_events(
        self, older_than: dt.timedelta = dt.timedelta(minutes=2), max_attempts: int = 3
    ) -> list[tuple[str, str]]:
        """Question events claimed but never answered (the process died): claim each for
        one more attempt (compare-and-set, so one replica takes it) and return them."""
        from bot.models import ProcessedEvent

        cutoff = dt.datetime.now(dt.UTC) - older_than
        with self.session() as session:
            stale = session.execute(
                select(ProcessedEvent.event_id, ProcessedEvent.attempts, ProcessedEvent.body).where(
                    ProcessedEvent.finished_at.is_(None),
                    ProcessedEvent.body.is_not(None),
                    ProcessedEvent.received_at < cutoff,
                    ProcessedEvent.attempts < max_attempts,
                )
            ).all()
        taken = []
        for event_id, attempts, body in stale:
            with self.session() as session:
                won = session.execute(
                    update(ProcessedEvent)
                    .where(ProcessedEvent.event_id == event_id, ProcessedEvent.attempts == attempts)
                    .values(attempts=attempts + 1, received_at=dt.datetime.now(dt.UTC))
                )
                if won.rowcount and body:  # type: ignore[attr-defined]
                    taken.append((event_id, body))
        return taken

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
