"""The engine behind every adapter: `Assistant.answer(question, conversation)`."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.answer import compose, facts
from bot.answer.language import detect_language
from bot.answer.llm import OpenAIGenerator
from bot.answer.retrieve import Passage, Retriever
from bot.answer.route import FACT_CUES, Route, Router
from bot.answer.text import content_terms, fold
from bot.embeddings import Embedder
from bot.knowledge import Knowledge, Role
from bot.monitor.scrub import without_personal_data

log = logging.getLogger(__name__)

# Requests for creative or unrelated work: not what an assistant for learning routes does.
TASK_REQUEST = re.compile(
    r"\b(write|schrijf|dicht|compose|maak|make|generate|genereer)\b.*\b(poem|gedicht|limerick|song|lied|liedje"
    r"|verhaal|story|grap|mop|joke|essay|script|code|programma in|haiku|rap)\b"
    r"|\b(vertel|tell)\b.*\b(mop|grap|joke)\b"
)
ROLE_QUESTION = re.compile(r"\b(doet|doen|does|do|taak|taken|rol|role|tasks?)\b")


@dataclass(frozen=True)
class Source:
    path: str
    title: str
    section: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "title": self.title, "section": self.section}


@dataclass
class Turn:
    """What the assistant remembers of one earlier question in a conversation."""

    question: str
    facts: facts.FactQuery | None = None
    role: str | None = None


@dataclass
class Answer:
    question: str
    text: str
    language: str
    grounded: bool
    route: Route
    role_name: str | None
    sources: list[Source]
    latency_ms: float = 0.0
    kind: str = "passages"  # facts | route | clarify | role | passages | unknown | empty
    turn: Turn | None = None
    generated: bool = False
    passages: list[Passage] = field(default_factory=list)
    vector: np.ndarray | None = None  # the question's embedding (for HR's themes)

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "grounded": self.grounded,
            "route": {
                "role": self.route.role,
                "name": self.role_name,
                "confidence": round(self.route.confidence, 3) if self.route.role else 0.0,
                "clarify": self.route.clarify,
                "candidates": [role for role, _ in self.route.candidates]
                if self.route.clarify
                else [],
            },
            "sources": [source.as_dict() for source in self.sources],
            "latency_ms": round(self.latency_ms, 1),
        }


class Assistant:
    """Retrieve · route · programme facts → compose (or generate) → Answer."""

    # A passage counts as evidence when it is close to the question in meaning *and*
    # shares a content word with it; calibrated on the dev set's out-of-scope questions.
    min_passage_similarity = 0.82
    min_passage_similarity_no_overlap = 0.88
    min_coverage = 0.5  # share of the question's (idf-weighted) words the passages contain

    def __init__(
        self,
        knowledge: Knowledge,
        embedder: Embedder,
        retriever: Retriever,
        router: Router,
        fallback_role: str,
        generator: OpenAIGenerator | None = None,
        max_question_chars: int = 2000,
        top_k: int = 4,
        today: dt.date | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.embedder = embedder
        self.retriever = retriever
        self.router = router
        self.generator = generator
        self.fallback_role = fallback_role
        self.max_question_chars = max_question_chars
        self.top_k = top_k
        self.today = today
        self.titles = retriever.titles()
        self.other_subjects = _other_subjects(retriever.metas, knowledge.programme.source.document)

    def answer(self, question: str, history: list[Turn] | None = None) -> Answer:
        started = time.perf_counter()
        result = self._answer(question, history or [])
        # The asker's own words (cleaned of markup) travel on; whoever stores or forwards
        # them scrubs them first (the recorder, the LLM prompt).
        result.question = compose.clean_question(question, self.max_question_chars)
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def _answer(self, raw_question: str, history: list[Turn]) -> Answer:
        question = compose.clean_question(raw_question, self.max_question_chars)
        language = detect_language(question)
        # Personal data (a phone number, an e-mail address) says nothing about the answer
        # and must not steer the search: everything below sees the question without it.
        question = without_personal_data(question)
        if not re.search(r"\w", question):
            return self._empty(question, language)
        today = self.today or dt.date.today()
        previous = history[-1] if history else None
        if TASK_REQUEST.search(question.lower()):
            return self._unknown(question, language)
        fact_query = facts.parse(
            question,
            self.knowledge.programme,
            today,
            previous.facts if previous else None,
            self.other_subjects,
        )
        search_text = question
        if previous and _leans_on(question):
            search_text = f"{previous.question} {question}"
        vector = self.embedder.query(search_text)
        route = self.router.route(question, vector)
        passages = self.retriever.search(search_text, vector, k=max(self.top_k, 6))
        evidence = self._evidence(search_text, passages)

        parts: list[str] = []
        sources: list[Source] = []
        kind = "passages"
        if fact_query:
            fact_text = facts.answer(fact_query, self.knowledge.programme, language, today)
            if fact_text:
                parts.append(fact_text)
                sources.append(self._programme_source(fact_query))
                kind = "facts"
                if not route.help_cue:
                    # "wat kost de leergang?" wants the fact, not a person.
                    route = Route(None, route.confidence, route.margin, route.candidates)
        if route.routed and evidence and self._mentions_other_subject(question):
            # "wie begeleidde het leertraject in Haarlem?" asks about a document, not for help.
            route = Route(None, route.confidence, route.margin, route.candidates)
        named = self._named_role(question)
        if named is not None and route.help_cue and route.role != named.id:
            # "wie is de programmamanager?": a role the asker names beats a lookalike.
            route = Route(named.id, 1.0, 1.0, [(named.id, 1.0)], wants_person=True, help_cue=True)
        role_name = None
        if route.routed and route.role:
            role = self.knowledge.hulplijnen.role(route.role)
            if route.clarify:
                parts.append(compose.clarify_text(route, self.knowledge.hulplijnen, language))
                kind = "clarify" if kind != "facts" else kind
            else:
                parts.append(compose.role_text(role, language))
                role_name = role.name.get(language)
                kind = "route" if kind != "facts" else kind
            sources.append(self._role_source(route.role))
        described = None if route.routed or parts else self._described_role(question)
        if described is not None:
            parts.append(compose.role_description(described, language))
            sources.append(self._role_source(described.id))
            kind = "role"
        informational = bool(FACT_CUES.search(fold(question)) or WH_QUESTION.search(fold(question)))
        if evidence and (not parts or (kind == "route" and informational and not route.help_cue)):
            # "Hoe heet het Ambitieakkoord van de bestuursadviseurs?" wants the passage
            # first, and the role second.
            tokenize = self.retriever.tokenizer
            quoted = compose.passages_text(search_text, evidence, language, tokenize)
            if quoted:
                parts.insert(0, quoted)
                sources.extend(
                    self._passage_sources(
                        compose.best_sentences(search_text, evidence, tokenize=tokenize)
                    )
                )
        grounded = bool(parts)
        if not grounded:
            return self._unknown(question, language, fact_query, vector)

        text = "\n\n".join(parts)
        generated = False
        if grounded and self.generator is not None:
            generated_text = self.generator.generate(
                question=question,
                language=language,
                passages=evidence[: self.top_k],
                facts=parts[0] if kind == "facts" else "",
                route=compose.role_text(self.knowledge.hulplijnen.role(route.role), language)
                if route.role and not route.clarify
                else "",
                history=[turn.question for turn in history[-3:]],
            )
            if generated_text:
                text, generated = generated_text, True
                sources = _unique(
                    sources + self._passage_sources([(p, "") for p in evidence[: self.top_k]])
                )
        turn = Turn(question=question, facts=fact_query, role=route.role)
        return Answer(
            question=question,
            text=text,
            language=language,
            grounded=grounded,
            route=route,
            role_name=role_name,
            sources=_unique(sources),
            kind=kind,
            turn=turn,
            generated=generated,
            passages=evidence,
            vector=vector,
        )

    def _evidence(self, question: str, passages: list[Passage]) -> list[Passage]:
        terms = set(content_terms(question))
        tokenizer = self.retriever.tokenizer
        query_tokens = set(tokenizer(question))
        good: list[Passage] = []
        if query_tokens and detect_language(question) == "nl":
            # The passages must cover what the question is about: a Dutch question whose
            # rare words ("salarisschaal", "kantine") appear nowhere is not answered by them.
            found: set[str] = set()
            for passage in passages[:3]:
                found |= set(tokenizer(f"{passage.title} {passage.section} {passage.text}"))
            unknown_topic = any(
                len(token) >= 9 and not self.retriever.document_frequency.get(token)
                for token in query_tokens
            )
            if unknown_topic or self.retriever.coverage(query_tokens, found) < self.min_coverage:
                return []
        for passage in passages:
            searchable = f"{passage.title} {passage.section} {passage.text}"
            overlap = query_tokens & set(tokenizer(searchable))
            if passage.dense >= self.min_passage_similarity_no_overlap or (
                overlap and passage.dense >= self.min_passage_similarity and terms
            ):
                good.append(passage)
        return good[: self.top_k]

    def _unknown(
        self,
        question: str,
        language: str,
        fact_query: facts.FactQuery | None = None,
        vector: np.ndarray | None = None,
    ) -> Answer:
        """Honest: the sources do not say; point to a person instead of guessing."""
        fallback = self.knowledge.hulplijnen.role(self.fallback_role)
        return Answer(
            question=question,
            text=compose.unknown_text(fallback, language),
            language=language,
            grounded=False,
            route=Route(None, 0.0, 0.0),
            role_name=None,
            sources=[],
            kind="unknown",
            turn=Turn(question=question, facts=fact_query),
            vector=vector,
        )

    def _empty(self, question: str, language: str) -> Answer:
        text = (
            "Ask me a question, for example: “Who can I contact about a conflict in my team?” or “When is werkatelier 4?”"
            if language == "en"
            else "Stel gerust een vraag, bijvoorbeeld: “Wie kan ik benaderen bij een teamconflict?” of “Wanneer is werkatelier 4?”"
        )
        return Answer(
            question, text, language, False, Route(None, 0.0, 0.0), None, [], kind="empty"
        )

    def _programme_source(self, query: facts.FactQuery) -> Source:
        """The brochure, at the section of the session asked about when there is one."""
        ref = self.knowledge.programme.source
        path = f"documents/{ref.document}"
        section = ref.section or ""
        if len(query.sessions) == 1 and query.aspects & {"theme"}:
            label = query.sessions[0].label.lower()
            for meta in self.retriever.metas:
                if meta.get("path") == path and label in str(meta.get("section", "")).lower():
                    section = str(meta["section"])
                    break
        return Source(
            path=path, title=self.titles.get(path, self.knowledge.programme.title), section=section
        )

    def _described_role(self, question: str) -> Role | None:
        """A role the question asks about by name ("wat doet een programmaregisseur?")."""
        if not FACT_CUES.search(fold(question)) and not ROLE_QUESTION.search(fold(question)):
            return None
        return self._named_role(question)

    def _mentions_other_subject(self, question: str) -> bool:
        text = fold(question)
        return any(re.search(rf"\b{re.escape(subject)}\b", text) for subject in self.other_subjects)

    def _named_role(self, question: str) -> Role | None:
        """The support role the question names ("programmaregisseurs", "HR adviser")."""
        terms = set(content_terms(question))
        for role in self.knowledge.hulplijnen.roles:
            for name in (role.name.nl, role.name.en.split("(")[0], role.id):
                needed = set(content_terms(name))
                if needed and needed <= terms:
                    return role
        return None

    def _role_source(self, role_id: str) -> Source:
        ref = self.knowledge.hulplijnen.role(role_id).source
        path = f"documents/{ref.document}"
        return Source(
            path=path, title=self.titles.get(path, ref.document), section=ref.section or ""
        )

    def _passage_sources(self, picked: list[tuple[Passage, str]]) -> list[Source]:
        return [Source(p.path, p.title, p.section) for p, _ in picked]


def _leans_on(question: str) -> bool:
    """A short or 'en ...?' question leans on the previous turn."""
    lowered = question.lower().strip()
    return len(content_terms(question)) <= 2 or lowered.startswith(
        ("en ", "and ", "what about", "hoe zit het")
    )


def _unique(sources: list[Source]) -> list[Source]:
    seen: set[Source] = set()
    out = []
    for source in sources:
        if source not in seen:
            seen.add(source)
            out.append(source)
    return out


WH_QUESTION = re.compile(
    r"^\s*(hoe heet|hoe|wat|welk|welke|waarom|waarmee|waarover|what|how|which|why)\b"
    # yes/no questions: "krijg ik een certificaat?", "is there a workshop in april?"
    r"|^\s*(krijg|moet|mag|kan|kun|is|zijn|heb|heeft|wordt|do|does|did|is|are|can|must|should|will)\b.*\?\s*$"
)


def _other_subjects(metas: list[dict[str, Any]], programme_document: str) -> tuple[str, ...]:
    """Place names of the other documents' organisations ("den haag", "haarlem")."""
    subjects = set()
    for meta in metas:
        if str(meta.get("path", "")).endswith(programme_document):
            continue
        organisation = fold(str(meta.get("organisation", "")))
        name = re.sub(r"\b(gemeente|municipality of)\b", "", organisation).strip()
        if name and meta.get("kind") != "programme" and len(name) >= 4 and " en " not in name:
            subjects.add(name)
    return tuple(sorted(subjects))
