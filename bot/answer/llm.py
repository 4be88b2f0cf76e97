"""Generated answers through an OpenAI or OpenAI-compatible endpoint.

Every request streams, carries `max_tokens`, and lives under one deadline for the whole
answer: connecting, waiting for the first token, streaming and at most one retry. When the
deadline passes the request is cancelled (its connection closed, so the server stops
generating) and the caller keeps the composed answer. Nothing here decides what is shown:
bot/answer/check.py judges the text against the evidence first.

The `openai` client is used directly rather than through langchain: cancelling a stream
from the waiting thread needs the stream's own handle.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import LlmProvider, Settings

log = logging.getLogger(__name__)

# A retry only starts with at least this share of the deadline left: a refused connection,
# a 5xx or a 429 comes back at once and leaves nearly all of it; after a slow failure a
# second try could not finish and would only load the server.
MIN_RETRY_SHARE = 0.5
# Library loggers that would otherwise log every request (with its URL) into the chat.
QUIET_LOGGERS = ("httpx", "httpx2", "httpcore", "openai", "openai._base_client", "urllib3")


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


@dataclass
class Generation:
    """The outcome of one generated answer: its text, or why there is none."""

    text: str | None
    failure: str | None = None  # deadline | error:<kind> | empty
    truncated: bool = False  # stopped by max_tokens
    streamed: bool = False  # some text reached the person already
    seconds: float = 0.0


TextSink = Callable[[str], None]


class OpenAIGenerator:
    def __init__(self, settings: Settings) -> None:
        try:
            import openai
        except ImportError as exc:  # pragma: no cover - installed with the package
            raise RuntimeError("the openai provider needs: pip install openai") from exc
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        self.prompts = Prompts.load(settings.prompts_dir)
        self.model = settings.llm.model
        self.max_tokens = settings.llm.max_tokens
        self.temperature = settings.llm.temperature
        self.deadline_s = settings.llm.deadline(settings.openai.base_url)
        key = settings.openai.api_key
        self.client = openai.OpenAI(
            api_key=key.get_secret_value() if key else "not-needed",
            base_url=settings.openai.base_url,
            max_retries=0,  # retries are ours, under the deadline
            timeout=self.deadline_s,
        )

    def messages(
        self,
        question: str,
        language: str,
        sources: str,
        facts: str,
        route: str,
        history: Sequence[str],
    ) -> list[dict[str, str]]:
        """The prompt. `question` and `history` must already be scrubbed of personal data."""
        system = self.prompts.system.format(
            language_name="Engels" if language == "en" else "Nederlands"
        )
        user = self.prompts.user.format(
            sources=sources or "(geen)",
            facts=facts or "(geen)",
            route=route or "(geen)",
            history="\n".join(history) or "(geen)",
            question=question,
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def generate(
        self, messages: list[dict[str, str]], on_text: TextSink | None = None
    ) -> Generation:
        """Stream an answer within the deadline; `on_text` receives each piece as it comes."""
        started = time.monotonic()
        deadline = started + self.deadline_s
        result = self._attempt(messages, deadline, on_text)
        retry = (
            result.text is None
            and not result.streamed
            and (result.failure or "").startswith("error:")
            and deadline - time.monotonic() >= MIN_RETRY_SHARE * self.deadline_s
        )
        if retry:
            log.warning("LLM endpoint failed (%s); retrying once", result.failure)
            result = self._attempt(messages, deadline, on_text)
        result.seconds = time.monotonic() - started
        return result

    def _attempt(
        self, messages: list[dict[str, str]], deadline: float, on_text: TextSink | None
    ) -> Generation:
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancelled = threading.Event()
        handle: dict[str, Any] = {}

        def work() -> None:
            try:
                stream: Any = self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    stream=True,
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    timeout=max(deadline - time.monotonic(), 0.1),
                )
                handle["stream"] = stream
                with stream:
                    for chunk in stream:
                        if cancelled.is_set():
                            return
                        for choice in chunk.choices:
                            if choice.delta and choice.delta.content:
                                pieces.put(("text", choice.delta.content))
                            if choice.finish_reason:
                                pieces.put(("finish", choice.finish_reason))
                pieces.put(("end", None))
            except Exception as exc:  # every endpoint failure ends in the composed answer
                pieces.put(("error", exc))

        threading.Thread(target=work, name="llm-stream", daemon=True).start()
        text: list[str] = []
        finish = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                cancelled.set()
                stream = handle.get("stream")
                if stream is not None:
                    stream.close()  # the server sees the connection go and stops
                return Generation(None, "deadline", streamed=bool(text))
            try:
                kind, value = pieces.get(timeout=remaining)
            except queue.Empty:
                continue
            if kind == "text":
                text.append(value)
                if on_text is not None:
                    on_text(value)
            elif kind == "finish":
                finish = value
            elif kind == "error":
                return Generation(None, f"error:{type(value).__name__}", streamed=bool(text))
            else:
                whole = "".join(text).strip()
                if not whole:
                    return Generation(None, "empty")
                return Generation(whole, truncated=finish == "length", streamed=True)


def build_generator(settings: Settings) -> OpenAIGenerator | None:
    match settings.llm.provider:
        case LlmProvider.none:
            return None
        case LlmProvider.openai:
            return OpenAIGenerator(settings)
