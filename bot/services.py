"""The one place that wires things together from the settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from bot.answer.assistant import Assistant
from bot.answer.llm import build_generator
from bot.conversations import ConversationStore
from bot.db import (
    Database,
    create_db_engine,
    mark_created,
    refuse_a_silent_new_database,
    sqlite_file,
    upgrade,
)
from bot.embeddings import Embedder, build_embeddings
from bot.knowledge import Knowledge, KnowledgeError, load_knowledge
from bot.monitor.record import Recorder, pseudonym_keys
from bot.questions import QuestionService
from bot.ratelimit import RateLimit
from bot.reflection.participants import Participants
from bot.reflection.portfolio import Portfolio
from bot.reflection.scheduler import Reflection
from bot.settings import Settings
from bot.store import (
    CHUNKS,
    StoreError,
    all_records,
    chroma_client,
    close_client,
    incomplete_files,
    index_stamp,
    open_collection,
)

log = logging.getLogger(__name__)

RELOAD_SECONDS = 30.0


class NotIndexedError(StoreError):
    """The knowledge has not been ingested yet."""


@dataclass
class Services:
    """Everything the adapters need, built lazily so start-up stays fast."""

    settings: Settings
    overrides: dict[str, Any] = field(default_factory=dict)
    _assistant: Assistant | None = field(default=None, init=False, repr=False)
    _signature: str = field(default="", init=False, repr=False)
    _checked: float = field(default=0.0, init=False, repr=False)
    _stamp: str = field(default="", init=False, repr=False)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @cached_property
    def knowledge(self) -> Knowledge:
        """The knowledge base, with the demo cohort when `leerroute demo` added one."""
        from bot.demo import load_demo_cohort

        knowledge = load_knowledge(self.settings.knowledge_dir)
        demo = load_demo_cohort(self.settings.data_dir)
        if demo is None:
            return knowledge
        return dataclasses.replace(knowledge, cohorts={**knowledge.cohorts, demo.id: demo})

    @cached_property
    def embedder(self) -> Embedder:
        return build_embeddings(self.settings)

    @cached_property
    def chroma(self) -> Any:
        return chroma_client(self.settings)

    @cached_property
    def db(self) -> Database:
        refuse_a_silent_new_database(self.settings)
        engine = create_db_engine(self.settings)
        upgrade(engine)
        mark_created(self.settings)
        return Database(engine, sqlite_file(self.settings))

    @cached_property
    def recorder(self) -> Recorder:
        return Recorder(self.db, pseudonym_keys(self.settings, self.db))

    @cached_property
    def conversations(self) -> ConversationStore:
        return ConversationStore(self.db, self.settings.answer.conversation_minutes)

    @cached_property
    def rate_limit(self) -> RateLimit:
        """Questions per person per minute (per process: a replica counts its own)."""
        return RateLimit(self.settings.answer.questions_per_minute)

    @property
    def questions(self) -> QuestionService:
        """Built per use, so that it always asks the current engine (reloaded after ingest)."""
        return QuestionService(self.assistant, self.recorder, self.conversations)

    @cached_property
    def participants(self) -> Participants:
        return Participants(self.db)

    @cached_property
    def portfolio(self) -> Portfolio:
        return Portfolio(
            self.db, self.knowledge.programme, ZoneInfo(self.settings.reflection.timezone)
        )

    @cached_property
    def reflection(self) -> Reflection:
        return Reflection(self)

    def monitor_summary(self) -> list[str]:
        from bot.monitor.report import summary_lines

        return summary_lines(
            self.db, self.settings.monitor.k_anonymity, role_names=self.role_names()
        )

    def fallback_role(self) -> str:
        hulplijnen = self.knowledge.hulplijnen
        role = self.settings.answer.fallback_role or hulplijnen.default_role
        if role not in {r.id for r in hulplijnen.roles}:
            raise KnowledgeError(
                f"LEERROUTE_ANSWER__FALLBACK_ROLE: '{role}' is not a role in hulplijnen.yaml "
                f"(one of: {', '.join(r.id for r in hulplijnen.roles)})"
            )
        return role

    def role_names(self, language: str = "nl") -> dict[str, str]:
        return {role.id: role.name.get(language) for role in self.knowledge.hulplijnen.roles}

    def today(self) -> dt.date:
        """Today in the deployment's time zone (or the date a test fixed)."""
        fixed = self.overrides.get("today")
        if fixed is not None:
            return fixed  # type: ignore[no-any-return]
        return dt.datetime.now(ZoneInfo(self.settings.reflection.timezone)).date()

    def health(self) -> tuple[bool, str]:
        """A cheap readiness check without loading the model: database and index reachable."""
        try:
            self.db.check()
            chunks = open_collection(self.chroma, CHUNKS, self.embedder_id(), create=False)
            if chunks is None or chunks.count() == 0:
                return False, "the knowledge is not indexed yet: run `leerroute ingest` first"
            broken = incomplete_files(chunks)
            if broken:
                return False, (
                    f"the index is incomplete ({len(broken)} file(s) half indexed, e.g. "
                    f"{broken[0]}): run `leerroute ingest`"
                )
        except Exception as exc:  # reported as a reason, never raised
            return False, _describe(exc)
        return True, "ok"

    def embedder_id(self) -> str:
        from bot.embeddings import LOCAL_MODEL_ID
        from bot.settings import EmbeddingProvider

        if self.settings.embeddings.provider is EmbeddingProvider.local:
            return LOCAL_MODEL_ID
        return f"openai:{self.settings.embeddings.model}"

    def start_scheduler(self, messenger: Any, stop: Any, redeliver: Any = None) -> Any:
        """The background loop: redelivery and reflection ticks each minute, purge daily."""
        from bot.reflection.scheduler import start_scheduler

        return start_scheduler(self, messenger, stop, redeliver)

    def warm_up(self) -> list[str]:
        """Load the model, index and database now; the reasons for whatever is not ready."""
        problems = []
        for name in ("db", "assistant"):
            try:
                getattr(self, name)
            except Exception as exc:  # reported, not fatal: the service recovers on its own
                problems.append(f"{'database' if name == 'db' else 'index'}: {_describe(exc)}")
        return problems

    def check_health(self) -> tuple[bool, str]:
        """For a serving process (/healthz): the database and index answer, and the engine
        that answers from them is loaded; the reason when not."""
        ok, reason = self.health()
        if not ok:
            return ok, reason
        try:
            self.assistant  # noqa: B018 - the engine loads, or says why not
        except Exception as exc:  # health reports every failure as a reason, never raises
            return False, _describe(exc)
        return True, "ok"

    @property
    def assistant(self) -> Assistant:
        """The engine; rebuilt when `leerroute ingest` has changed the index or the YAML
        knowledge (checked at most every RELOAD_SECONDS), so a running bot picks up new
        documents without a restart. A rebuild that fails keeps the engine it had."""
        now = time.monotonic()
        if self._assistant is not None and now - self._checked < RELOAD_SECONDS:
            return self._assistant
        with self._reload_lock:
            if self._assistant is not None and now - self._checked < RELOAD_SECONDS:
                return self._assistant
            try:
                self._reopen_if_ingested_elsewhere()
                signature = self._index_signature()
                if self._assistant is None or signature != self._signature:
                    if self._assistant is not None:
                        log.info("the knowledge changed: reloading the index")
                        self.__dict__.pop("knowledge", None)
                    self._assistant, self._signature = self._build_assistant(), signature
            except Exception:
                if self._assistant is None:
                    raise
                log.warning(
                    "reloading the knowledge failed; answering from what was loaded", exc_info=True
                )
            self._checked = now
            return self._assistant

    def _reopen_if_ingested_elsewhere(self) -> None:
        """An ingest (in this process or another) stamps the data dir when it is done; a
        Chroma client on disk only sees another process's writes when opened anew."""
        stamp = index_stamp(self.settings)
        if stamp == self._stamp:
            return
        if self._stamp and not self.settings.chroma_url and "chroma" in self.__dict__:
            log.info("the index was changed by an ingest: reopening it")
            close_client(self.__dict__.pop("chroma"))
        self._stamp = stamp

    def _index_signature(self) -> str:
        """What identifies this version of the index, the corpus and the structured knowledge."""
        from bot.answer.engine_file import signature

        chunks = open_collection(self.chroma, CHUNKS, self.embedder_id(), create=False)
        if chunks is None:
            raise NotIndexedError("the knowledge is not indexed yet: run `leerroute ingest` first")
        records = all_records(chunks, ["metadatas"])
        return signature(records, self.settings.knowledge_dir, self.embedder_id())

    def _build_assistant(self) -> Assistant:
        from bot.answer.engine_file import build_engine

        model, _ = build_engine(
            self.settings, self.embedder, self.chroma, self.knowledge, self.shared_engines()
        )
        return self._assistant_with(model)

    def shared_engines(self) -> Any:
        """The database as the replicas' shared store of the fitted engine."""
        from bot.engine_store import DatabaseEngines

        return DatabaseEngines(self.db)

    def assistant_fitted_on(self, examples: list[Any]) -> Assistant:
        """An assistant whose engine is fitted on these examples only (cross-validation)."""
        from bot.answer.engine_file import ENGINE_FILE, stored_vectors
        from bot.answer.fit import EmbeddingCache, fit_engine

        loaded = self.assistant
        cache = EmbeddingCache(self.embedder, stored_vectors(self.settings.data_dir / ENGINE_FILE))
        model = fit_engine(examples, loaded.model.units, cache, self.knowledge)
        return self._assistant_with(model)

    def _assistant_with(self, model: Any) -> Assistant:
        return Assistant(
            knowledge=self.knowledge,
            embedder=self.embedder,
            model=model,
            generator=build_generator(self.settings),
            fallback_role=self.fallback_role(),
            max_question_chars=self.settings.answer.max_question_chars,
            today=self.overrides.get("today"),
        )


def build_services(settings: Settings, **overrides: Any) -> Services:
    return Services(settings=settings, overrides=overrides)


def _describe(exc: Exception) -> str:
    """One line about a failure, without URLs that could carry credentials."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = re.sub(r"\w+://[^\s]+", "<url>", text)
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
