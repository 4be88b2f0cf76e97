"""What every command shares: the consoles, one-line errors, settings and services."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

from bot.db import DatabaseError
from bot.embeddings import EmbeddingError
from bot.knowledge import KnowledgeError
from bot.settings import Settings, SettingsError, load_settings
from bot.store import StoreError

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known failures become one clear line and a non-zero exit, never a traceback."""
    try:
        yield
    except (SettingsError, KnowledgeError, StoreError, DatabaseError, EmbeddingError) as exc:
        fail(str(exc).replace("[", "\\["))
    except KeyboardInterrupt:
        fail("interrupted", 130)


def settings() -> Settings:
    with friendly_errors():
        loaded = load_settings()
    logging.basicConfig(
        level=loaded.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in (
        "httpx",
        "httpcore",
        "openai",
        "chromadb",
        "urllib3",
        "alembic",
        "slack_bolt.App",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return loaded


def services(**overrides: Any) -> Any:
    from bot.services import build_services

    return build_services(settings(), **overrides)
