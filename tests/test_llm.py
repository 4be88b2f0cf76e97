"""The `openai` provider against an OpenAI-compatible server on 127.0.0.1, and its fallback."""

from __future__ import annotations

import time

import pytest

from bot.services import build_services
from bot.settings import load_settings
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def llm_assistant(data_dir, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEERROUTE_LLM__PROVIDER", "openai")
    monkeypatch.setenv("LEERROUTE_LLM__TIMEOUT_S", "1.5")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    return build_services(load_settings()).assistant


def test_the_generated_answer_is_used_and_grounded_in_the_sent_sources(
    llm_assistant, fake_openai: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert answer.generated and answer.text == "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    request = fake_openai.requests_to("chat/completions")[-1].json
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "Verzin niets" in system and "Nederlands" in system
    assert "19 en 20 maart 2012" in user  # the structured fact travels with the prompt
    assert "Vraag: Wanneer is werkatelier 4?" in user


def test_the_route_chosen_by_the_router_is_given_to_the_model(
    llm_assistant, fake_openai: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    llm_assistant.answer("who do I contact about team conflict?")
    user = fake_openai.requests_to("chat/completions")[-1].json["messages"][1]["content"]
    assert (
        "Group developer" in user
        and "Engels"
        in fake_openai.requests_to("chat/completions")[-1].json["messages"][0]["content"]
    )


@pytest.mark.parametrize("mode", ["error500", "ratelimit429", "empty", "down", "slow"])
def test_any_endpoint_failure_falls_back_to_the_composed_answer_in_bounded_time(
    llm_assistant, fake_openai: FakeOpenAI, mode: str
) -> None:  # type: ignore[no-untyped-def]
    fake_openai.mode = mode
    fake_openai.delay = 5.0
    started = time.monotonic()
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert time.monotonic() - started < 4.5  # the 1.5 s timeout, not the 5 s delay
    assert not answer.generated
    assert "19 en 20 maart 2012" in answer.text


def test_an_unanswerable_question_is_not_sent_to_the_model(
    llm_assistant, fake_openai: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    answer = llm_assistant.answer("Wat is de hoofdstad van Australië?")
    assert not answer.grounded
    assert fake_openai.requests_to("chat/completions") == []


def test_personal_data_is_removed_before_the_question_leaves(
    llm_assistant, fake_openai: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    llm_assistant.answer(
        "wie helpt bij ruzie in ons team? mail me op jan.jansen@gemeente.nl of 06-12345678"
    )
    user = fake_openai.requests_to("chat/completions")[-1].json["messages"][1]["content"]
    assert "jan.jansen" not in user and "12345678" not in user
    assert "Vraag: wie helpt bij ruzie in ons team?" in user
