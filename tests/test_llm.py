"""The `openai` provider against a scripted OpenAI-compatible server on 127.0.0.1.

A generated answer is shown only when it holds against the evidence it was given; an
endpoint that invents, refuses, echoes, trickles or fails leaves the composed answer, and
never makes the person wait past the deadline.
"""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.answer.assistant import Assistant
from bot.services import build_services
from bot.settings import load_settings
from tests.fakes.openai_server import FakeOpenAI

DEADLINE_S = 2.0


@pytest.fixture
def llm_assistant(data_dir, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Assistant:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEERROUTE_LLM__PROVIDER", "openai")
    monkeypatch.setenv("LEERROUTE_LLM__DEADLINE_S", str(DEADLINE_S))
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    return build_services(load_settings()).assistant


def prompt_of(fake: FakeOpenAI) -> tuple[str, str]:
    request = fake.requests_to("chat/completions")[-1].json
    return request["messages"][0]["content"], request["messages"][1]["content"]


def test_a_faithful_paraphrase_is_shown_as_generated_with_its_cited_sources(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert answer.generated and answer.text == "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    assert len(answer.sources) == 1  # only what it cites
    system, user = prompt_of(fake_openai)
    assert "Verzin niets" in system and "Nederlands" in system
    assert "19 en 20 maart 2012" in user  # the structured fact travels with the prompt
    assert user.startswith("Bronnen:\n[1] ") and "Vraag: Wanneer is werkatelier 4?" in user
    request = fake_openai.requests_to("chat/completions")[-1].json
    assert request["stream"] is True and request["max_tokens"] == 350


def test_invented_facts_are_never_shown_and_the_log_says_which_kind_failed(
    llm_assistant: Assistant, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 3 april 2013 in Utrecht, kost 9.999 euro [1]."
    with caplog.at_level(logging.WARNING):
        answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert not answer.generated and answer.rejected == "date"
    assert "19 en 20 maart 2012" in answer.text and "9.999" not in answer.text
    assert any("rejected (date '3-4')" in r.getMessage() for r in caplog.records)


def test_a_routed_question_gets_the_role_and_its_contacts_from_the_product(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Bij spanning in een team helpt een groepsontwikkelaar [1]."
    answer = llm_assistant.answer("wie kan ik bellen over ruzie in mijn team?")
    assert answer.generated and answer.route.role == "groepsontwikkelaar"
    assert answer.text.startswith("Bij spanning in een team helpt een groepsontwikkelaar [1].")
    assert "groepsontwikkelaars@gemeente.example" in answer.text  # the card, added by us
    _, user = prompt_of(fake_openai)
    assert "[1] " in user and "Groepsontwikkelaar" in user  # the role's own passage was sent


def test_a_refusal_keeps_the_composed_route(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Dat staat niet in mijn bronnen."
    answer = llm_assistant.answer("wie kan ik bellen over ruzie in mijn team?")
    assert not answer.generated and answer.rejected == "refusal"
    assert answer.route.role == "groepsontwikkelaar"
    assert "groepsontwikkelaars@gemeente.example" in answer.text


def test_an_echo_of_the_prompt_is_not_shown(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Eerdere vragen in dit gesprek: (geen) Vraag: Wanneer is werkatelier 4?"
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert not answer.generated and answer.rejected == "echo"
    assert "Eerdere vragen" not in answer.text


def test_a_citation_to_nothing_goes_and_the_product_cites_what_supports_the_sentence(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [7]."
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert answer.generated and answer.text == "Werkatelier 4 is op 19 en 20 maart 2012 [1]."


def test_a_text_no_source_supports_is_not_shown(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Goede vraag! Daar denken we graag over mee."
    answer = llm_assistant.answer("wie kan ik bellen over ruzie in mijn team?")
    assert not answer.generated and answer.rejected == "uncited"
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")  # and it drops the date
    assert not answer.generated and answer.rejected == "dropped date"
    fake_openai.reply = "[1]"
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert not answer.generated and answer.rejected == "empty"


def test_a_clarifying_question_is_never_sent_to_the_model(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    answer = llm_assistant.answer("ik zit ergens mee")
    assert answer.kind == "clarify"
    assert fake_openai.requests_to("chat/completions") == []


def test_an_unanswerable_question_is_not_sent_to_the_model(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    answer = llm_assistant.answer("Wat is de hoofdstad van Australië?")
    assert not answer.grounded
    assert fake_openai.requests_to("chat/completions") == []


def test_a_trickling_server_is_cut_off_at_the_deadline_and_its_request_cancelled(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.mode, fake_openai.delay = "trickle", 0.5
    fake_openai.reply = " ".join(["Werkatelier 4 is op 19 en 20 maart 2012 [1]."] * 10)
    started = time.monotonic()
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    # Not a timing test: the whole trickle takes 90 pieces x 0.5 s; cut at the 2 s deadline
    # the answer comes far sooner, however slow the machine.
    assert time.monotonic() - started < 90 * 0.5 / 3
    assert not answer.generated and answer.rejected == "deadline"
    assert "19 en 20 maart 2012" in answer.text
    deadline = time.monotonic() + 5
    while fake_openai.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake_openai.disconnects == 1  # the server saw the request go


@pytest.mark.parametrize("mode", ["error500", "ratelimit429", "empty", "down", "slow"])
def test_any_endpoint_failure_falls_back_to_the_composed_answer_within_the_deadline(
    llm_assistant: Assistant, fake_openai: FakeOpenAI, mode: str
) -> None:
    fake_openai.mode = mode
    fake_openai.delay = 60.0
    started = time.monotonic()
    answer = llm_assistant.answer("Wanneer is werkatelier 4?")
    assert time.monotonic() - started < 60.0 / 3  # the 2 s deadline, not the 60 s delay
    assert not answer.generated and answer.rejected
    assert "19 en 20 maart 2012" in answer.text


def test_a_failed_request_is_retried_once_while_the_deadline_allows(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail_first = 1
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    assert llm_assistant.answer("Wanneer is werkatelier 4?").generated
    assert len(fake_openai.requests_to("chat/completions")) == 2
    fake_openai.fail_first = 5
    assert not llm_assistant.answer("Wanneer is werkatelier 4?").generated
    assert len(fake_openai.requests_to("chat/completions")) == 4  # once more, not again


def test_the_text_streams_to_the_caller_as_it_is_generated(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    pieces: list[str] = []
    answer = llm_assistant.answer("Wanneer is werkatelier 4?", on_text=pieces.append)
    assert len(pieces) > 3 and "".join(pieces).strip() == answer.text


def test_personal_data_is_removed_before_the_question_leaves(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    llm_assistant.answer(
        "wie helpt bij ruzie in ons team? mail me op jan.jansen@gemeente.nl of 06-12345678"
    )
    _, user = prompt_of(fake_openai)
    assert "jan.jansen" not in user and "12345678" not in user
    assert "Vraag: wie helpt bij ruzie in ons team?" in user


def test_the_client_library_does_not_log_requests_into_the_chat(
    llm_assistant: Assistant, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    with caplog.at_level(logging.INFO):
        llm_assistant.answer("Wanneer is werkatelier 4?")
    assert not [r for r in caplog.records if r.levelno < logging.WARNING]


def test_ask_json_says_whether_an_answer_was_generated(
    llm_assistant: Assistant, fake_openai: FakeOpenAI
) -> None:
    from bot.terminal import answer_lines

    fake_openai.reply = "Werkatelier 4 is op 19 en 20 maart 2012 [1]."
    lines = [json.dumps({"question": "Wanneer is werkatelier 4?"}), "hallo"]
    first, second = list(answer_lines(llm_assistant, lines))
    assert first["generated"] is True and second["generated"] is False


def test_the_default_deadline_follows_the_kind_of_endpoint() -> None:
    from bot.settings import LlmSettings

    llm = LlmSettings()
    assert llm.deadline(None) == 15.0
    assert llm.deadline("https://gemeente.openai.azure.com/openai/v1") == 15.0
    assert llm.deadline("http://127.0.0.1:11434/v1") == 45.0
    assert LlmSettings(deadline_s=3).deadline(None) == 3.0


def test_an_embeddings_endpoint_that_fails_costs_one_apology_not_the_batch(
    llm_assistant: Assistant, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.embeddings import EmbeddingError, OpenAIEmbeddingsAdapter
    from bot.terminal import answer_lines

    monkeypatch.setenv("LEERROUTE_EMBEDDINGS__TIMEOUT_S", "1")
    endpoint = OpenAIEmbeddingsAdapter(load_settings())
    fake_openai.mode = "down"
    with pytest.raises(EmbeddingError, match=r"^the embeddings endpoint failed \(\w+\)$"):
        endpoint.query("wanneer is werkatelier 4?")
    llm_assistant.embedder = endpoint  # the endpoint instead of the local model
    results = list(answer_lines(llm_assistant, ["Wanneer is werkatelier 4?", "Wat kost het?"]))
    assert len(results) == 2  # the second question was still asked
    assert all(r["error"].startswith("the embeddings endpoint failed") for r in results)
    assert all(r["answer"].startswith("Sorry") for r in results)
