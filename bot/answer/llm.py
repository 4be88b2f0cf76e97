"""Generated answers through an OpenAI or OpenAI-compatible endpoint (via langchain).

A timeout, an error or an empty answer returns None: the caller then serves the
embedded (composed) answer, so the user always gets a useful reply.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answer.units import Passage
from bot.monitor.scrub import scrub
from bot.settings import LlmProvider, Settings

log = logging.getLogger(__name__)


@dataclass
class Prompts:
    system: str
    user: str

    @classmethod
    def load(cls, directory: Path) -> Prompts:
        return cls(
            system=(directory / "answer_system.nl.md").read_text(encoding="utf-8"),
            user=(directory / "answer_user.md").read_text(encoding="utf-8"),
        )


class OpenAIGenerator:
    def __init__(self, settings: Settings) -> None:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:  # pragma: no cover - installed with the package
            raise RuntimeError("the openai provider needs: pip install langchain-openai") from exc
        self.prompts = Prompts.load(settings.prompts_dir)
        self.model = ChatOpenAI(
            model=settings.llm.model,
            api_key=settings.openai.api_key,
            base_url=settings.openai.base_url,
            temperature=settings.llm.temperature,
            timeout=settings.llm.timeout_s,
            max_retries=0,  # a retry would double the wait; the composed answer is the fallback
        )

    def messages(
        self,
        question: str,
        language: str,
        passages: Sequence[Passage],
        facts: str,
        route: str,
        history: Sequence[str],
    ) -> list[tuple[str, str]]:
        sources = "\n\n".join(
            f"[{i}] {p.title} — {p.section}\n{p.text}" for i, p in enumerate(passages, start=1)
        )
        system = self.prompts.system.format(
            language_name="Engels" if language == "en" else "Nederlands"
        )
        user = self.prompts.user.format(
            sources=sources or "(geen)",
            facts=facts or "(geen)",
            route=route or "(geen)",
            # Personal data never leaves for an external endpoint.
            history="\n".join(scrub(item) for item in history) or "(geen)",
            question=scrub(question),
        )
        return [("system", system), ("human", user)]

    def generate(self, **kwargs: Any) -> str | None:
        try:
            reply = self.model.invoke(self.messages(**kwargs))
        except Exception as exc:  # any endpoint failure falls back to the composed answer
            log.warning("LLM endpoint failed (%s); using the composed answer", type(exc).__name__)
            return None
        content = reply.content if isinstance(reply.content, str) else ""
        return content.strip() or None


def build_generator(settings: Settings) -> OpenAIGenerator | None:
    match settings.llm.provider:
        case LlmProvider.none:
            return None
        case LlmProvider.openai:
            return OpenAIGenerator(settings)
