"""Make the fake fixtures available to the tests in this directory."""

from .fixtures import fake_openai, fake_slack

__all__ = ["fake_openai", "fake_slack"]
