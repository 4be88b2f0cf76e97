"""Asking a question on behalf of a person: answer, then record a scrubbed copy for HR."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.answer.assistant import Answer, Assistant
from bot.answer.llm import TextSink
from bot.answer.reply import KEEP_TURNS, Conversation
from bot.conversations import ConversationStore
from bot.monitor.record import Recorder

log = logging.getLogger(__name__)


@dataclass
class Asked:
    answer: Answer
    question_id: int | None


class QuestionService:
    def __init__(
        self, assistant: Assistant, recorder: Recorder, conversations: ConversationStore
    ) -> None:
        self.assistant = assistant
        self.recorder = recorder
        self.conversations = conversations

    def history(self, earlier_questions: list[str]) -> Conversation:
        """A conversation rebuilt from its earlier questions (e.g. a Slack thread whose stored
        state expired): each is read again in its context (cheap: no LLM)."""
        conversation = Conversation()
        for question in earlier_questions[-KEEP_TURNS:]:
            self.assistant.answer_offline(question, conversation)
        return conversation

    def ask(
        self,
        text: str,
        user_id: str,
        surface: str,
        earlier: list[str] | None = None,
        key: str | None = None,
        on_text: TextSink | None = None,
        event_id: str | None = None,
    ) -> Asked:
        """Answer in the conversation `key` names: its stored state, else the one rebuilt from
        `earlier`; the state is stored again afterwards. Then record a scrubbed copy.
        A generated answer streams to `on_text` while it is written."""
        stored = self.conversations.get(key) if key else None
        conversation = stored if stored is not None else self.history(earlier or [])
        answer = self.assistant.answer(text, conversation, on_text)
        if key:
            self.conversations.put(key, conversation)
        question_id = None
        if answer.kind != "empty":
            question_id = self.recorder.record(answer, user_id, surface, event_id)
        return Asked(answer, question_id)
