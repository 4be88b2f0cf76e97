"""The assistant on the shipped knowledge with the real local model."""

from __future__ import annotations

import re

import pytest

from bot.answer.assistant import Assistant


def test_a_date_question_is_answered_from_the_programme_with_the_brochure_as_source(
    assistant: Assistant,
) -> None:
    answer = assistant.answer("Wanneer is werkatelier 4?")
    assert "19 en 20 maart 2012" in answer.text
    assert "Inrichten van veranderprocessen" in answer.text
    assert answer.grounded and answer.route.role is None
    assert any("001-" in source.path for source in answer.sources)


@pytest.mark.parametrize(
    ("question", "role"),
    [
        ("who do I contact about team conflict?", "groepsontwikkelaar"),
        ("wie kan ik bellen over ruzie in mijn team?", "groepsontwikkelaar"),
        (
            "Ik wil een beleidsstuk voorleggen aan de wethouder, wie moet ik betrekken?",
            "bestuursadviseur",
        ),
        ("ik wil een cursus volgen, hoe regel ik dat", "hr-adviseur"),
        ("Met wie plan ik mijn tussengesprek?", "programmamanager"),
    ],
)
def test_questions_about_who_can_help_are_routed_to_the_right_role(
    assistant: Assistant, question: str, role: str
) -> None:
    answer = assistant.answer(question)
    assert answer.route.role == role
    assert answer.route.confidence > 0
    assert "@" in answer.text or "#" in answer.text  # how to reach the role


def test_a_routing_answer_names_the_role_and_how_to_reach_it_in_english(
    assistant: Assistant,
) -> None:
    answer = assistant.answer("who do I contact about team conflict?")
    assert answer.language == "en"
    assert "Group developer" in answer.text
    assert "#hulplijn-groepsontwikkeling" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Wat is de hoofdstad van Australië?",
        "Hoe laat gaat de kantine open?",
        "Write me a limerick about cats.",
    ],
)
def test_out_of_scope_questions_are_refused_honestly_and_point_to_a_person(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.answer(question)
    assert not answer.grounded
    assert answer.route.role is None
    assert re.search(r"niet in mijn bronnen|don't say", answer.text)
    assert "HR" in answer.text


def test_a_knowledge_question_cites_the_document_it_quotes(assistant: Assistant) -> None:
    answer = assistant.answer("Wie begeleidde de adviseurs van de gemeente Haarlem?")
    assert "Hiemstra" in answer.text
    assert [s.path for s in answer.sources] == [
        "documents/002-haarlem-leertraject-effectief-adviseren.md"
    ]


def test_a_follow_up_leans_on_the_previous_question(assistant: Assistant) -> None:
    first = assistant.answer("wanneer is werkatelier 4?")
    assert first.turn is not None
    follow_up = assistant.answer("en werkatelier 5?", [first.turn])
    assert "23 en 24 april 2012" in follow_up.text
    theme = assistant.answer("en wat is het thema?", [follow_up.turn])  # type: ignore[list-item]
    assert "Scenariodenken" in theme.text


def test_an_english_question_gets_an_english_answer(assistant: Assistant) -> None:
    answer = assistant.answer("When is workshop 2?")
    assert answer.language == "en"
    assert "16 and 17 January 2012" in answer.text


def test_a_question_without_words_gets_a_hint_not_an_answer(assistant: Assistant) -> None:
    answer = assistant.answer("   ?! ")
    assert answer.kind == "empty" and not answer.grounded


def test_a_huge_question_is_cut_to_a_bounded_size(assistant: Assistant) -> None:
    answer = assistant.answer("werkatelier " * 5000)
    assert len(answer.question) <= 2000


def test_slack_markup_is_not_part_of_the_question(assistant: Assistant) -> None:
    answer = assistant.answer("<@U123ABC> wanneer is <#C1|algemeen> masterclass 1?")
    assert "U123ABC" not in answer.question
    assert "7 maart 2012" in answer.text


def test_a_question_that_names_a_role_is_told_what_the_role_does(assistant: Assistant) -> None:
    answer = assistant.answer("Wat doet een programmaregisseur?")
    assert "P&C" in answer.text
    assert answer.sources[0].section == "Programmaregisseurs"


def test_not_sure_between_roles_asks_which_one(assistant: Assistant) -> None:
    # Force a clarifying question: with an impossible margin every route is unsure.
    assistant.router.min_margin = 1.0
    answer = assistant.answer("wie kan ik bellen over ruzie in mijn team?")
    assert answer.route.clarify
    assert answer.kind == "clarify"
    assert len(answer.route.candidates) >= 2
    assert "Welke past bij je vraag" in answer.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hoe lang duurt een werkatelier?", "twee dagen (vijf dagdelen)"),
        ("Welke werkateliers zijn er in maart?", "19 en 20 maart 2012"),
        ("Is there a workshop in april?", "23 and 24 April 2012"),
        ("Voor wie is de leergang bedoeld?", "P&O-medewerkers"),
        ("Is de leergang in Doorn?", "Kaap Doorn"),
        ("What does the programme cost?", "€ 6.500 per participant"),
        ("Hoeveel uur kost de leergang in totaal?", "360 uur"),
    ],
)
def test_programme_facts_answer_what_was_asked(
    assistant: Assistant, question: str, expected: str
) -> None:
    answer = assistant.answer(question)
    assert expected in answer.text
    assert answer.route.role is None


def test_a_session_named_in_another_question_is_not_answered_with_its_date(
    assistant: Assistant,
) -> None:
    answer = assistant.answer("Welk boek moet ik lezen voor werkatelier 2?")
    assert "16 en 17 januari" not in answer.text


def test_een_werkatelier_is_not_the_first_one(assistant: Assistant) -> None:
    assert "19 en 20 december" not in assistant.answer("Mag ik een werkatelier missen?").text


def test_a_role_the_asker_names_wins(assistant: Assistant) -> None:
    assert assistant.answer("wie is de programmamanager?").route.role == "programmamanager"


def test_a_question_about_another_municipality_is_answered_from_its_document(
    assistant: Assistant,
) -> None:
    answer = assistant.answer("Wie begeleidde het leertraject in Haarlem?")
    assert "Hiemstra" in answer.text and answer.route.role is None
