"""Generated answers in Slack: streamed into the thread while written, then replaced by the
answer that stands; nothing a model writes can mention people or channels.

The Slack app and the model endpoint are both fakes on 127.0.0.1; the rest is real.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack import FakeSlack, app_mention, dm_message
from tests.slack_helpers import HttpLeerroute, in_thread, running_replica, slack

__all__ = ["slack"]


@pytest.fixture
def leerroute(
    slack: FakeSlack, fake_openai: FakeOpenAI, data_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HttpLeerroute]:
    monkeypatch.setenv("LEERROUTE_LLM__PROVIDER", "openai")
    monkeypatch.setenv("LEERROUTE_LLM__DEADLINE_S", "5")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    with running_replica(slack) as replica:
        yield replica


def streamed(slack: FakeSlack, thread_ts: str) -> str:
    [start] = slack.wait_for("chat.startStream", predicate=in_thread(thread_ts))
    slack.wait_for("chat.stopStream")
    pieces = [start, *slack.calls_to("chat.appendStream"), *slack.calls_to("chat.stopStream")]
    texts = []
    for call in pieces:
        texts.append(str(call.params.get("markdown_text") or ""))
        texts += [str(chunk.get("text") or "") for chunk in call.params.get("chunks") or []]
    return "".join(texts)


def test_a_generated_answer_streams_into_the_thread_then_shows_with_numbered_sources(
    slack: FakeSlack, leerroute: HttpLeerroute, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    mention = leerroute.event(app_mention("Wanneer is werkatelier 4?", user="U0AN00001"))

    assert "19 en 20 maart 2012" in streamed(slack, mention["ts"])
    [start] = slack.calls_to("chat.startStream")
    assert start.params["recipient_user_id"] == "U0AN00001"
    [final] = slack.wait_for("chat.update")
    assert final.params["text"] == "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    context = " ".join(
        element["text"]
        for block in final.params["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    )
    assert "📄 [1] " in context and "taalmodel" in context
    assert not slack.calls_to("chat.postMessage")  # one message: the streamed one


def test_a_streamed_answer_that_fails_its_check_is_replaced_by_the_composed_one(
    slack: FakeSlack, leerroute: HttpLeerroute, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "<!channel> Werkatelier 4 is op 3 april 2013, kost 9.999 euro [1]."
    mention = leerroute.event(app_mention("Wanneer is werkatelier 4?"))

    text = streamed(slack, mention["ts"])
    assert "3 april" in text and "<!channel>" not in text  # it never pinged anyone
    [final] = slack.wait_for("chat.update")
    assert "19 en 20 maart 2012" in final.params["text"]
    assert "3 april" not in str(final.params)


def test_the_fallback_text_is_escaped_like_the_blocks(
    slack: FakeSlack, leerroute: HttpLeerroute, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 <!here> [1]."
    leerroute.event(dm_message("Wanneer is werkatelier 4?", user="U123", channel="D123"))

    [reply] = slack.wait_for("chat.postMessage")  # a DM without a thread is not streamed
    assert "<!here>" not in reply.params["text"] and "&lt;!here&gt;" in reply.params["text"]
    assert "<!here>" not in str(reply.params["blocks"])
