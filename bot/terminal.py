"""The terminal surfaces: the chat (`leerroute chat`) and the line protocol (`ask --json`).

Both keep a `Conversation` per conversation, as Slack does per thread:
- the chat is one conversation; it has line editing and history (prompt_toolkit), reads a
  multi-line paste as one message, and shows Slack mrkdwn as terminal styles (Rich);
- `ask --json` reads one message per line: plain text is a question on its own, a JSON
  object `{"question": "...", "conversation": "ID"}` continues conversation ID.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from bot.answer.assistant import Answer, Assistant
from bot.answer.compose import apology_text
from bot.answer.language import detect_language
from bot.answer.reply import Conversation
from bot.embeddings import EmbeddingError

log = logging.getLogger(__name__)

STOP_WORDS = {"stop", "exit", "quit", ":q"}
# Slack mrkdwn: *bold*, _italic_, `code`, <url|label> and <url>.
MRKDWN = re.compile(
    r"<(?P<url>https?://[^>|]+)(?:\|(?P<label>[^>]+))?>"
    r"|(?<!\w)\*(?P<bold>[^*\n]+)\*(?!\w)"
    r"|(?<!\w)_(?P<italic>[^_\n]+)_(?!\w)"
    r"|`(?P<code>[^`\n]+)`"
)
LABELS = {
    "nl": {
        "source": "bron",
        "clarify": "Antwoord met het nummer of de naam van een rol.",
        "generated": "geschreven door een taalmodel uit de bronnen hieronder, en gecontroleerd",
    },
    "en": {
        "source": "source",
        "clarify": "Reply with the number or the name of a role.",
        "generated": "written by a language model from the sources below, and checked",
    },
}


def mrkdwn_to_rich(text: str) -> str:
    """Slack mrkdwn as Rich markup: bold, italics and links shown, not asterisks."""
    text = text.replace("\\*", "*").replace("\\_", "_").replace("\\.", ".")
    out, last = [], 0
    for match in MRKDWN.finditer(text):
        out.append(escape(text[last : match.start()]))
        if match.group("url"):
            url, label = match.group("url"), match.group("label")
            shown = escape(label or url)
            out.append(f"[link={url}]{shown}[/link]" + (f" ({escape(url)})" if label else ""))
        elif match.group("bold"):
            out.append(f"[bold]{escape(match.group('bold'))}[/bold]")
        elif match.group("italic"):
            out.append(f"[italic]{escape(match.group('italic'))}[/italic]")
        else:
            out.append(f"[cyan]{escape(match.group('code'))}[/cyan]")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def print_answer(console: Console, answer: Answer) -> None:
    labels = LABELS.get(answer.language, LABELS["nl"])
    console.print(mrkdwn_to_rich(answer.text), highlight=False)
    if answer.route.clarify:
        console.print(f"[dim]{labels['clarify']}[/]", highlight=False)
    if answer.generated:
        console.print(f"[dim]({labels['generated']})[/]", highlight=False)
    for number, source in enumerate(answer.sources, start=1):
        section = f" — {source.section}" if source.section else ""
        cited = f"[{number}] " if answer.generated else ""
        line = f"{labels['source']}: {cited}{source.title}{section}"
        console.print(f"[dim]{escape(line)}[/]", highlight=False)


def streamed_answer(
    console: Console, assistant: Assistant, message: str, conversation: Conversation | None
) -> Answer:
    """The answer, with a generated text shown as it is written (in a terminal); the
    answer that stands is printed after it by the caller."""
    if assistant.generator is None or not console.is_terminal:
        return assistant.answer(message, conversation)
    pieces: list[str] = []
    with Live(Text(""), console=console, transient=True, refresh_per_second=8) as live:

        def show(piece: str) -> None:
            pieces.append(piece)
            live.update(Text("".join(pieces), style="dim"))

        return assistant.answer(message, conversation, on_text=show)


def prompt_reader(console: Console) -> Callable[[], str]:
    """Line editing and history when the terminal is interactive; plain lines otherwise."""
    if not console.is_terminal:
        return lambda: input()
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import HTML
    from prompt_toolkit.history import InMemoryHistory

    # In memory only: the questions are not written to a history file.
    session: PromptSession[str] = PromptSession(history=InMemoryHistory())
    return lambda: session.prompt(HTML("<b><ansicyan>jij&gt;</ansicyan></b> "))


def run_chat(current: Callable[[], Assistant], console: Console, read: Callable[[], str]) -> None:
    """One conversation in the terminal, until Ctrl-D or 'stop'. `current` gives the
    engine for each message: the one reloaded after an ingest, also from another process."""
    console.print("[bold]Leerroute[/] — stel je vraag (Ctrl-D of 'stop' om te stoppen).")
    conversation = Conversation()
    while True:
        try:
            message = read()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if message.strip().lower() in STOP_WORDS:
            return
        if not message.strip():
            continue
        print_answer(console, streamed_answer(console, current(), message, conversation))
        console.print()


def answer_lines(assistant: Assistant, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The `ask --json` protocol: one JSON object out for every message in."""
    conversations: dict[str, Conversation] = {}
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        question, conversation_id = text, None
        if text.lstrip().startswith("{"):
            try:
                message = json.loads(text)
            except json.JSONDecodeError as exc:
                yield {"error": f"not a JSON object: {exc.msg} (column {exc.colno})"}
                continue
            if not isinstance(message, dict) or not isinstance(message.get("question"), str):
                yield {"error": 'expected {"question": "...", "conversation": "ID"}'}
                continue
            question = message["question"]
            if message.get("conversation") is not None:
                conversation_id = str(message["conversation"])
        conversation = (
            conversations.setdefault(conversation_id, Conversation())
            if conversation_id is not None
            else None
        )
        try:
            result = assistant.answer(question, conversation).as_json()
        except EmbeddingError as exc:  # this question fails; the rest of the batch goes on
            log.warning("a question could not be answered: %s", exc)
            result = {
                "question": question,
                "answer": apology_text(detect_language(question)),
                "error": str(exc),
            }
        yield {**result, "conversation": conversation_id} if conversation_id else result
