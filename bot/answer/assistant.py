"""The engine behind every adapter: `Assistant.answer(question, history)`.

The pipeline, each step a learned model fitted at ingest (bot/answer/fit.py):
1. intent: help, info, both, small talk or out of scope;
2. rank every answer unit (cards, programme facts, document sentences) for the question;
3. decide whether the best unit answers it (a calibrated decision, not a cue word);
4. route to a support role when the person needs one, or ask which one;
5. compose one reply: the direct answer, then the role with its contacts, then the sources.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.answer import compose, facts, generated
from bot.answer.corpus import INTENTS
from bot.answer.followup import (
    analogous_unit,
    chosen_option,
    elliptical,
    inherited_sessions,
    refers_to_person,
    requested_language,
    role_names,
)
from bot.answer.language import detect_language
from bot.answer.llm import OpenAIGenerator, TextSink
from bot.answer.message import questions_in, read_message
from bot.answer.model import EngineModel, intents_as_clauses
from bot.answer.reply import Answer, Conversation, Source, Turn
from bot.answer.route import NO_ROUTE, Route, route
from bot.answer.units import Passage, Unit
from bot.embeddings import Embedder
from bot.knowledge import Knowledge
from bot.monitor.scrub import without_personal_data

__all__ = ["Answer", "Assistant", "Conversation", "Source", "Turn"]

log = logging.getLogger(__name__)

# Up to two more sentences of the same section join the answer when the ranker gives them at
# least this share of the best one's probability (an editorial choice: enough to complete a
# thought, not so much that unrelated sentences come along).
SECOND_SENTENCE_SHARE = 0.35


@dataclass
class Reading:
    """What the models made of one question."""

    x: Any  # the classifiers' features of the question
    intents: dict[str, float]
    scores: np.ndarray
    best: int | None  # the unit that answers, when the decider says one does
    wants_person: bool
    out_of_scope: str | None  # a municipality or edition the documents do not cover
    sessions: list[str]
    p_answer: float = 0.0
    roles: list[tuple[str, float]] = field(default_factory=list)  # likeliest first
    clause: np.ndarray | None = None  # the intents of its clauses (model.clause_row)

    @property
    def top_intent(self) -> str:
        return max(self.intents, key=lambda k: self.intents[k])


class Assistant:
    """Read the question with the models, then compose (or generate) the reply."""

    def __init__(
        self,
        knowledge: Knowledge,
        embedder: Embedder,
        model: EngineModel,
        fallback_role: str,
        generator: OpenAIGenerator | None = None,
        max_question_chars: int = 2000,
        today: dt.date | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.embedder = embedder
        self.model = model
        self.generator = generator
        self.fallback_role = fallback_role
        self.max_question_chars = max_question_chars
        self.today = today

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        on_text: TextSink | None = None,
    ) -> Answer:
        """The reply to one message. `conversation`, when given, is the state of the
        conversation the message belongs to: it is read, and this turn is added to it.
        `on_text` receives a generated answer's text as it streams in; the returned answer
        is what stands (the composed one when the generated text failed its check)."""
        started = time.perf_counter()
        result = self._answer(question, conversation or Conversation(), sink=on_text)
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def answer_offline(self, question: str, conversation: Conversation) -> Answer:
        """The composed answer without an LLM: to rebuild a conversation's state."""
        return self._answer(question, conversation, generate=False)

    def read(
        self,
        question: str,
        vector: np.ndarray,
        sessions: list[str] | None = None,
        clause: np.ndarray | None = None,
        intents: dict[str, float] | None = None,
    ) -> Reading:
        """The models' reading of a question; `sessions` stand in for the ones it names,
        `clause` is its clauses' reading when an earlier call made it, and `intents` the
        conversation's when the question is a follow-up that leans on the previous turn."""
        model = self.model
        x = model.features_of(question, vector)
        if intents is not None:
            clause = intents_as_clauses(intents)
        else:
            intents = model.intents(x)
        if clause is None:
            clause = model.clause_intents(question)
        query = model.query(question, vector, self.knowledge.programme, x)
        if sessions is not None:
            query.sessions = sessions
        scores, rows = model.rank(query)
        focus = questions_in(question)
        if focus != question:  # also read for its questions alone; the better reading wins
            asked = self._focus_query(focus, query)
            focus_scores, focus_rows = model.rank(asked)
            if focus_scores.max() > scores.max():
                scores, rows = focus_scores, focus_rows
        p_answer = model.answerable(intents, clause, scores, rows)
        roles = model.role_probabilities(x)
        return Reading(
            x=x,
            intents=intents,
            scores=scores,
            best=int(np.argmax(scores)) if p_answer >= model.answer_threshold else None,
            p_answer=p_answer,
            wants_person=model.wants_person(intents, clause, roles[0][1], p_answer),
            roles=roles,
            out_of_scope=None if query.organisations else model.scope.unknown(question),
            sessions=query.sessions,
            clause=clause,
        )

    def _answer(
        self,
        raw: str,
        conversation: Conversation,
        generate: bool = True,
        sink: TextSink | None = None,
    ) -> Answer:
        message = read_message(raw, self.max_question_chars)
        asked_for, only_that = requested_language(message.text)
        conversation.language = asked_for or conversation.language
        language = conversation.language or detect_language(message.text)
        previous = conversation.last
        if only_that and previous is not None:  # "in English please": the last one again
            again = Conversation(conversation.turns[:-1], conversation.language)
            result = self._answer(previous.question, again, generate, sink)
        else:
            result = self._reply_to(message.text, language, previous, generate)
            if generate and result.kind in {"answer", "route"} and self.generator is not None:
                self._generate(result, previous, sink)
        if message.shortened:
            result.shortened = True
            result.text = f"{result.text}\n\n{compose.shortened_note(language)}"
        conversation.add(result.turn)
        return result

    def _focus_query(self, focus: str, whole: Any) -> Any:
        """The ranker's query for a message's questions alone, with every session and
        organisation the whole message names."""
        vector = self.embedder.query(focus)
        model = self.model
        asked = model.query(
            focus, vector, self.knowledge.programme, model.features_of(focus, vector)
        )
        asked.sessions = list(dict.fromkeys([*asked.sessions, *whole.sessions]))
        asked.organisations |= whole.organisations
        return asked

    def _reply_to(self, text: str, language: str, previous: Turn | None, generate: bool) -> Answer:
        # Personal data (a phone number, an e-mail address) says nothing about the answer
        # and must not steer the models: everything below sees the question without it.
        question = without_personal_data(text)
        if not re.search(r"\w", question):
            return self._reply(
                question, language, compose.smalltalk_text(language, question), "empty"
            )
        vector = self.embedder.query(question)
        if previous is not None and previous.options:
            names = role_names(self.knowledge.hulplijnen)
            choice = chosen_option(question, previous.options, names)
            if choice is not None:
                return self._routed_to(question, language, choice, vector)
        if previous and previous.role and not previous.unit and refers_to_person(question):
            return self._routed_to(question, language, previous.role, vector)  # "wie is dat?"
        reading = self._read_in_context(question, vector, previous)
        direct = None if reading.out_of_scope else self._direct(reading, language)
        the_route = route(self.model, reading.roles) if reading.wants_person else NO_ROUTE
        if direct and self._describes_role(reading, direct[1], the_route):
            direct = None  # the role card says it, with how to reach the role
        if direct is None and not the_route.routed:
            return self._not_answered(question, language, reading, vector)
        answer = self._compose(question, language, reading, direct, the_route, vector)
        answer.facts = direct[0] if direct else ""
        return answer

    def _read_in_context(self, question: str, vector: np.ndarray, previous: Turn | None) -> Reading:
        """The question on its own, or as a follow-up of the previous turn when it leans on
        it and that reading answers better: "en werkatelier 5?" or "en de volgende?" ask the
        previous question of another session; "waar is dat?" or "where?" carry the previous
        turn's sessions and intents (never its text)."""
        alone = self.read(question, vector)
        if previous is None:
            return alone
        inherited = inherited_sessions(
            question, alone.sessions, previous.sessions, self.knowledge.programme
        )
        sessions = alone.sessions or inherited or []
        same = analogous_unit(self.model.units, question, sessions, previous.unit)
        if same is not None:
            reading = self.read(question, vector, sessions, alone.clause) if inherited else alone
            reading.best = same
            reading.scores = reading.scores.copy()
            reading.scores[same] = reading.scores.max() + 1.0
            return reading
        if not elliptical(question) or compose.is_everyday(question):
            return alone  # a complete question is a new topic; "thx!" is small talk
        carried = dict(zip(INTENTS, previous.intents, strict=True)) if previous.intents else None
        follow_up = self.read(question, vector, inherited, intents=carried)
        best = int(np.argmax(follow_up.scores))
        top = self.model.units[best]
        about_it = set(top.sessions) & set(inherited or [])
        programme_card = top.kind == "card" and not top.sessions and bool(inherited)
        if follow_up.best is None and (about_it or programme_card):
            # The conversation is on a session: its best unit, or a curated card on the
            # programme as a whole ("waar is dat?": the location), answers the follow-up.
            follow_up.best = best
        if follow_up.best is not None and (
            alone.best is None or follow_up.p_answer > alone.p_answer
        ):
            return follow_up
        return alone

    def _direct(self, reading: Reading, language: str) -> tuple[str, Unit] | None:
        """The direct answer and the unit it comes from, when the decider says there is one."""
        if reading.best is None:
            return None
        order = np.argsort(-reading.scores)
        for i in order[:5]:
            unit = self.model.units[int(i)]
            if unit.compute is None:
                extra = self._companions(unit, reading.scores, int(i))
                return compose.unit_text(unit, language, extra), unit
            sessions = [self.knowledge.programme.session_by_id(s) for s in reading.sessions]
            text = facts.computed(
                unit.compute, [s for s in sessions if s], self.knowledge.programme, language,
                self.today or dt.date.today(),
            )  # fmt: skip
            if text:
                return text, unit
        return None

    def _companions(self, unit: Unit, scores: np.ndarray, index: int) -> list[Unit]:
        """Other sentences of the same section that the ranker rates almost as high."""
        if unit.kind != "sentence":
            return []
        units = self.model.units
        picked = [
            int(j)
            for j in np.argsort(-scores)[1:6]
            if units[int(j)].kind == "sentence"
            and (units[int(j)].path, units[int(j)].section) == (unit.path, unit.section)
            and scores[j] >= SECOND_SENTENCE_SHARE * scores[index]
        ][:2]
        return [units[j] for j in sorted(picked)]

    def _compose(
        self,
        question: str,
        language: str,
        reading: Reading,
        direct: tuple[str, Unit] | None,
        the_route: Route,
        vector: np.ndarray,
    ) -> Answer:
        parts: list[str] = []
        sources: list[Source] = []
        hulplijnen = self.knowledge.hulplijnen
        if direct is not None:
            parts.append(direct[0])
            sources.append(Source(direct[1].path, direct[1].title, direct[1].section))
        role_name = None
        if the_route.clarify:
            parts.append(compose.clarify_text(the_route, hulplijnen, language))
        elif the_route.role:
            role = hulplijnen.role(the_route.role)
            parts.append(compose.role_text(role, language, reason=direct is None))
            role_name = role.name.get(language)
            sources.append(self._role_source(the_route.role))
        kind = "answer" if direct else ("clarify" if the_route.clarify else "route")
        passages = self._evidence(direct[1] if direct else None, the_route)
        answer = Answer(
            question=question,
            text="\n\n".join(parts),
            language=language,
            grounded=True,
            route=the_route,
            role_name=role_name,
            sources=list(dict.fromkeys(sources)),
            kind=kind,
            turn=Turn(
                question,
                tuple(reading.sessions or (direct[1].sessions if direct else ())),
                the_route.role,
                direct[1].id if direct else None,
                tuple(role for role, _ in the_route.candidates[:3]) if the_route.clarify else (),
                language,
                tuple(reading.intents.get(intent, 0.0) for intent in INTENTS),
            ),
            passages=passages,
            vector=vector,
        )
        return answer

    def _evidence(self, unit: Unit | None, the_route: Route) -> list[Passage]:
        """The sections behind the answer and the route: what an LLM may say."""
        passages = []
        if unit is not None:
            passages.append(Passage(unit.path, unit.title, unit.section, self._section(unit)))
        if the_route.role and not the_route.clarify:
            source = self._role_source(the_route.role)
            role = self.knowledge.hulplijnen.role(the_route.role)
            passages.append(Passage(source.path, source.title, source.section, role.summary.nl))
        return passages

    def _section(self, unit: Unit) -> str:
        units = self.model.units
        text = "\n".join(
            u.text
            for u in units
            if u.kind == "sentence" and (u.path, u.section) == (unit.path, unit.section)
        )
        return text or unit.text

    def _generate(self, answer: Answer, previous: Turn | None, sink: TextSink | None) -> None:
        assert self.generator is not None
        role_source = self._role_source(answer.route.role) if answer.route.role else None
        generated.replace_if_grounded(
            answer, self.generator, self.knowledge.hulplijnen, previous, sink, role_source
        )

    def _not_answered(
        self, question: str, language: str, reading: Reading, vector: np.ndarray
    ) -> Answer:
        """Small talk gets a friendly reply; the rest an honest 'not in my sources'."""
        fallback = self.knowledge.hulplijnen.role(self.fallback_role)
        top_intent = reading.top_intent
        if top_intent == "smalltalk" and not reading.out_of_scope:
            text = compose.smalltalk_text(language, question)
            return self._reply(question, language, text, "smalltalk")
        if reading.out_of_scope or top_intent == "oos":
            # An edition or a municipality we have no documents on is in the domain, but
            # unknown; anything else out of scope is declined. Both say what we do cover.
            covered = self.model.scope.covered
            text = compose.decline_text(fallback, language, covered, reading.out_of_scope)
            kind = "unknown" if reading.out_of_scope else "decline"
            return self._reply(question, language, text, kind, vector)
        return self._reply(
            question, language, compose.unknown_text(fallback, language), "unknown", vector
        )

    def _reply(
        self, question: str, language: str, text: str, kind: str, vector: np.ndarray | None = None
    ) -> Answer:
        return Answer(
            question, text, language, False, NO_ROUTE, None, [], kind=kind,
            turn=Turn(question, language=language), vector=vector,
        )  # fmt: skip

    def _routed_to(self, question: str, language: str, role_id: str, vector: np.ndarray) -> Answer:
        """The reply to a clarifying question: the role chosen, with how to reach it."""
        role = self.knowledge.hulplijnen.role(role_id)
        return Answer(
            question=question,
            text=compose.role_text(role, language),
            language=language,
            grounded=True,
            route=Route(role_id, 1.0, 1.0, [(role_id, 1.0)]),
            role_name=role.name.get(language),
            sources=[self._role_source(role_id)],
            kind="route",
            turn=Turn(question, role=role_id, language=language),
            vector=vector,
        )

    def _describes_role(self, reading: Reading, unit: Unit, the_route: Route) -> bool:
        """For a question that asks for a person (not a fact), a passage from the section
        that describes the role it is routed to adds nothing to the role card."""
        if not the_route.role or the_route.clarify:
            return False
        if reading.top_intent != "help":
            return False
        source = self._role_source(the_route.role)
        return (unit.path, unit.heading) == (source.path, source.section)

    def _role_source(self, role_id: str) -> Source:
        ref = self.knowledge.hulplijnen.role(role_id).source
        path = f"documents/{ref.document}"
        title = next((u.title for u in self.model.units if u.path == path), ref.document)
        return Source(path=path, title=title, section=ref.section or "")
