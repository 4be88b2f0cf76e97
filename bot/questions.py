"""Asking a question on behalf of a person: answer, then record a scrubbed copy for HR."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.answer.assistant import Answer, Assistant, Turn
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
        """Turns rebuilt from a conversation's earlier questions (e.g. a Slack thread): each is
        read again in its own context, which gives the state it left (cheap: no LLM)."""
        turns: list[Turn] = []
        for question in earlier_questions[-5:]:
            turn = self.assistant.answer_offline(question, turns).turn
            turns.append(turn or Turn(question=question))
        return turns

    def ask(self, text: str, user_id: str, surface: str, earlier: list[str] | None = None) -> Asked:
        answer = self.assistant.answer(text, self.history(earlier or []))
        question_id = None
        if answer.kind != "empty":
            question_id = self.recorder.record(answer, user_id, surface)
        return Asked(answer, question_id)
