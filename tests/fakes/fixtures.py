"""pytest fixtures for the fakes; import them into a conftest: ``from tests.fakes.fixtures import *``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .openai_server import FakeOpenAI
from .slack import FakeSlack

__all__ = ["fake_openai", "fake_slack"]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started :class:`FakeSlack`, stopped after the test."""
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started :class:`FakeOpenAI`, stopped after the test."""
    with FakeOpenAI() as fake:
        yield fake
