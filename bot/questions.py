"""Asking a question on behalf of a person: answer, then record a scrubbed copy for HR."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.answer.assistant import Answer, Assistant, Turn
from bot.answer.facts import parse as parse_facts
from bot.monitor.record import Recorder

log = logging.getLogger(__name__)


@dataclass
class Asked:
    answer: Answer
    question_id: int | None


class QuestionService:
    def __init__(self, assistant: Assistant, recorder: Recorder) -> None:
        self.assistant = assistant
        self.recorder = recorder

    def history(self, earlier_questions: list[str]) -> list[Turn]:
        """Turns rebuilt from a conversation's earlier questions (e.g. a Slack thread)."""
        turns: list[Turn] = []
        programme = self.assistant.knowledge.programme
        today = self.assistant.today or dt.date.today()
        for question in earlier_questions[-5:]:
            previous = turns[-1].facts if turns else None
            turns.append(
                Turn(question=question, facts=parse_facts(question, programme, today, previous))
            )
        return turns

    def ask(self, text: str, user_id: str, surface: str, earlier: list[str] | None = None) -> Asked:
        answer = self.assistant.answer(text, self.history(earlier or []))
        question_id = None
        if answer.kind != "empty":
            question_id = self.recorder.record(answer, user_id, surface)
        return Asked(answer, question_id)
