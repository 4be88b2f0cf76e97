"""Test fakes for the network boundary: Slack (Web API + Socket Mode) and an OpenAI-compatible API."""

from .openai_server import FakeOpenAI
from .slack import Call, FakeSlack

__all__ = ["Call", "FakeOpenAI", "FakeSlack"]
