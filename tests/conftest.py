"""Shared fixtures: every test runs in its own environment and data directory.

The shipped knowledge is embedded once per test session (the real local model);
tests that need an index get their own copy of it, so nothing leaks between tests.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services import Services, build_services
from bot.settings import Settings, load_settings
from tests.fakes.fixtures import fake_openai, fake_slack

__all__ = ["fake_openai", "fake_slack"]

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
PROMPTS = ROOT / "prompts"
PREFIXES = ("LEERROUTE_", "SLACK_", "OPENAI_", "DATABASE_URL")


def base_env(data_dir: Path) -> dict[str, str]:
    return {
        "LEERROUTE_DATA_DIR": str(data_dir),
        "LEERROUTE_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "LEERROUTE_PROMPTS_DIR": str(PROMPTS),
        "LEERROUTE_LOG_LEVEL": "WARNING",
        # Tests ask many questions a minute as one fake person; the limit has its own test.
        "LEERROUTE_ANSWER__QUESTIONS_PER_MINUTE": "600",
    }


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No setting, .env file or data directory of the developer's leaks into a test."""
    for key in list(os.environ):
        if key.startswith(PREFIXES):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # so no .env is found
    for key, value in base_env(tmp_path / "data").items():
        monkeypatch.setenv(key, value)
    return tmp_path


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the shipped knowledge ingested once for the whole session."""
    from ingest.index import Indexer

    data_dir = tmp_path_factory.mktemp("index") / "data"
    settings = Settings(data_dir=data_dir, knowledge_dir=KNOWLEDGE, prompts_dir=PROMPTS)
    services = build_services(settings)
    Indexer(settings, services.embedder, services.chroma).run()
    return data_dir


@pytest.fixture
def data_dir(shipped_index: Path, isolated: Path) -> Path:
    """This test's own copy of the shipped index."""
    target = isolated / "data"
    shutil.copytree(shipped_index, target, dirs_exist_ok=True)
    return target


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return load_settings()


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = build_services(settings, today=dt.date(2011, 12, 1))
    yield svc
    if "db" in svc.__dict__:
        svc.db.engine.dispose()


@pytest.fixture
def assistant(services: Services):  # type: ignore[no-untyped-def]
    return services.assistant
