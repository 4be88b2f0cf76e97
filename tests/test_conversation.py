"""Conversations: follow-ups from the state, clarifying as a dialogue, everyday messages,
pastes, the language per turn, and the state every surface keeps."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bot.answer.assistant import Assistant
from bot.answer.message import read_message
from bot.answer.reply import Conversation, Turn
from bot.cli import app
from bot.conversations import ConversationStore, conversation_key
from bot.models import ConversationState
from bot.terminal import mrkdwn_to_rich

runner = CliRunner()


def ask_in_turn(assistant: Assistant, *questions: str) -> list:  # type: ignore[type-arg]
    conversation = Conversation()
    return [assistant.answer(question, conversation) for question in questions]


def test_follow_ups_are_resolved_from_the_state_and_a_new_question_inherits_nothing(
    assistant: Assistant,
) -> None:
    date, other, following, shift = ask_in_turn(
        assistant,
        "wanneer is werkatelier 4?",
        "en werkatelier 5?",
        "en de volgende?",
        "mag ik op vrijdag thuiswerken?",
    )
    assert "19 en 20 maart 2012" in date.text
    assert "23 en 24 april 2012" in other.text
    assert "9 mei 2012" in following.text  # masterclass 2 comes after werkatelier 5
    assert not shift.grounded


def test_the_same_question_alone_and_after_a_topic_gets_the_same_answer(
    assistant: Assistant,
) -> None:
    alone = assistant.answer("mag ik op vrijdag thuiswerken?")
    _, after = ask_in_turn(assistant, "wat kost de leergang?", "mag ik op vrijdag thuiswerken?")
    assert (after.kind, after.grounded) == (alone.kind, alone.grounded)


def test_a_correction_and_an_ordinal_name_another_session(assistant: Assistant) -> None:
    _, corrected = ask_in_turn(
        assistant, "wanneer is werkatelier 4?", "nee, ik bedoel werkatelier 5"
    )
    assert "23 en 24 april 2012" in corrected.text
    _, third = ask_in_turn(assistant, "wanneer is werkatelier 1?", "en het derde?")
    assert "14 en 15 februari 2012" in third.text


def test_a_place_asked_after_a_session_is_the_sessions_place(assistant: Assistant) -> None:
    _, where = ask_in_turn(assistant, "wanneer is werkatelier 2?", "waar is dat?")
    assert "Doorn" in where.text


def test_who_is_that_after_a_route_gives_the_same_role_with_its_contacts(
    assistant: Assistant,
) -> None:
    first, again = ask_in_turn(
        assistant, "wie kan ik bellen over ruzie in mijn team?", "hoe bereik ik die?"
    )
    assert first.route.role == "groepsontwikkelaar"
    assert again.kind == "route" and again.route.role == "groepsontwikkelaar"
    assert "#hulplijn" in again.text


def test_a_clarifying_question_is_answered_with_a_number_or_a_name(assistant: Assistant) -> None:
    assistant.model.clarify_threshold = 1.01  # every route is now unsure
    conversation = Conversation()
    asked = assistant.answer("wie kan ik bellen over ruzie in mijn team?", conversation)
    assert asked.turn is not None and len(asked.turn.options) == 3
    by_number = assistant.answer("2", conversation)
    assert by_number.kind == "route" and by_number.route.role == asked.turn.options[1]
    conversation = Conversation()
    assistant.answer("wie kan ik bellen over ruzie in mijn team?", conversation)
    third = assistant.knowledge.hulplijnen.role(asked.turn.options[2]).name.nl
    by_name = assistant.answer(f"de {third.lower()}", conversation)
    assert by_name.route.role == asked.turn.options[2]


def test_thanks_after_an_answer_is_small_talk_not_a_follow_up(assistant: Assistant) -> None:
    _, thanks = ask_in_turn(assistant, "wanneer is werkatelier 4?", "dank je wel!")
    assert thanks.kind == "smalltalk" and thanks.text.startswith("Graag gedaan")
    assert "niet in mijn bronnen" not in thanks.text


def test_an_explicit_language_request_answers_the_last_question_again_and_sticks(
    assistant: Assistant,
) -> None:
    dutch, english, next_one = ask_in_turn(
        assistant, "wanneer is werkatelier 4?", "in English please", "en werkatelier 5?"
    )
    assert dutch.language == "nl" and "maart" in dutch.text
    assert english.language == "en" and "March" in english.text
    assert next_one.language == "en" and "April" in next_one.text


def test_each_message_is_answered_in_its_own_language(assistant: Assistant) -> None:
    dutch, english = ask_in_turn(assistant, "wanneer is werkatelier 4?", "and workshop 5?")
    assert dutch.language == "nl" and english.language == "en"
    assert "April" in english.text


def test_a_pasted_email_is_answered_by_its_question_not_its_signature_or_quote(
    assistant: Assistant,
) -> None:
    paste = (
        "Hoi,\n\nIk stuur je deze door. Wanneer is werkatelier 4 precies?\n\n"
        "Met vriendelijke groet,\nJan de Vries\nBeleidsadviseur | 06-12345678 | jan@gemeente.nl\n\n"
        "Van: Piet\nOnderwerp: kosten\n> Wat kost de leergang eigenlijk?"
    )
    answer = assistant.answer(paste)
    assert "19 en 20 maart 2012" in answer.text
    assert "6.500" not in answer.text  # the quoted mail does not steer the answer
    assert "06-12345678" not in answer.question and "jan@gemeente.nl" not in answer.question


def test_a_long_message_is_shortened_around_its_question_and_says_so(
    assistant: Assistant,
) -> None:
    story = "Ik werk al een tijd bij de gemeente en er speelt veel in ons team. " * 60
    answer = assistant.answer(story + "Wanneer is werkatelier 4?")
    assert answer.shortened and len(answer.question) <= 2000
    assert "19 en 20 maart 2012" in answer.text
    assert "ingekort" in answer.text or "weggelaten" in answer.text


def test_a_message_is_read_without_quotes_headers_and_signature() -> None:
    message = read_message(
        "Wanneer is de intake?\n-- \nKim\n06 1234 5678\n\nFrom: Bob\n> old text", 2000
    )
    assert message.text == "Wanneer is de intake?" and not message.shortened


def test_emoji_alone_is_an_invitation_to_ask(assistant: Assistant) -> None:
    answer = assistant.answer("👍")
    assert answer.as_json()["kind"] == "smalltalk" and "werkatelier 4" in answer.text


def test_the_state_survives_a_round_trip_without_user_data(assistant: Assistant) -> None:
    conversation = Conversation()
    assistant.answer("wanneer is werkatelier 4? bel me op 06-12345678", conversation)
    stored = json.dumps(conversation.as_dict())
    assert "06-12345678" not in stored
    again = Conversation.from_dict(json.loads(stored))
    assert "23 en 24 april 2012" in assistant.answer("en werkatelier 5?", again).text


def test_slack_conversations_are_kept_in_the_database_and_expire(services) -> None:  # type: ignore[no-untyped-def]
    store = ConversationStore(services.db, quiet_minutes=30)
    key = conversation_key("T1", "D1", "1700000000.000100")
    conversation = Conversation()
    services.assistant.answer("wanneer is werkatelier 4?", conversation)
    store.put(key, conversation)
    assert store.get(key) is not None and store.get(key).turns[-1].sessions  # type: ignore[union-attr]
    with services.db.session() as session:
        row = session.get(ConversationState, key)
        row.updated_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    assert store.get(key) is None
    assert store.purge() == 1


def test_two_answers_in_one_dm_at_once_both_store_their_state(services) -> None:  # type: ignore[no-untyped-def]
    """Two quick DMs are answered in parallel (threads here, replicas in production): both
    find no state and both store one; neither may fail on the other's row."""
    store = ConversationStore(services.db, quiet_minutes=30)
    key = conversation_key("T1", "D1", None)
    start, errors = threading.Barrier(6), []

    def put(n: int) -> None:
        conversation = Conversation()
        conversation.turns.append(Turn(question=f"vraag {n}"))
        start.wait()
        try:
            store.put(key, conversation)
        except Exception as exc:  # the failure is what the test reports
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = store.get(key)
    assert stored is not None and stored.turns[-1].question.startswith("vraag ")


def test_a_slack_thread_answers_a_follow_up_from_the_stored_state(services) -> None:  # type: ignore[no-untyped-def]
    key = conversation_key("T1", "C1", "1700000000.000200")
    services.questions.ask("wanneer is werkatelier 4?", "U1", "thread", key=key)
    follow_up = services.questions.ask("en werkatelier 5?", "U1", "thread", key=key)
    assert "23 en 24 april 2012" in follow_up.answer.text
    other_thread = services.questions.ask(
        "en werkatelier 5?", "U1", "thread", key=conversation_key("T1", "C1", "2")
    )
    assert other_thread.answer.turn is not None


def test_ask_json_continues_conversations_by_id(data_dir: Path) -> None:
    lines = [
        json.dumps({"question": "wanneer is werkatelier 4?", "conversation": "a"}),
        json.dumps({"question": "hoi!", "conversation": "b"}),
        json.dumps({"question": "en werkatelier 5?", "conversation": "a"}),
        "wanneer is werkatelier 2?",
        "{not json",
        json.dumps({"conversation": "a"}),
    ]
    result = runner.invoke(app, ["ask", "--json"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6
    first, greeting, follow_up, alone, broken, no_question = out
    assert first["conversation"] == "a" and first["kind"] == "answer"
    assert greeting["conversation"] == "b" and greeting["kind"] == "smalltalk"
    assert "23 en 24 april 2012" in follow_up["answer"] and follow_up["language"] == "nl"
    assert "conversation" not in alone and "16 en 17 januari 2012" in alone["answer"]
    assert "error" in broken and "error" in no_question


def test_eval_dialogues_reports_turns_and_whole_dialogues(data_dir: Path, tmp_path: Path) -> None:
    dialogues = tmp_path / "dialogues.yaml"
    dialogues.write_text(
        yaml.safe_dump(
            {
                "dialogues": [
                    {
                        "id": "d1",
                        "turns": [
                            {"q": "wanneer is werkatelier 4?", "kind": "answer", "expect": "maart"},
                            {"q": "en werkatelier 5?", "kind": "answer", "expect": "april"},
                        ],
                    }
                ],
                "singles": [{"q": "hoi!", "kind": "smalltalk"}],
            }
        )
    )
    result = runner.invoke(app, ["eval", "--dialogues", str(dialogues), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["turns"] == {"passed": 3, "total": 3}
    assert report["dialogues"] == {"passed": 2, "total": 2}


def test_eval_dialogues_says_what_is_wrong_with_a_bad_file(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("dialogues:\n  - id: x\n    turns:\n      - q: hoi\n        kind: maybe\n")
    result = runner.invoke(app, ["eval", "--dialogues", str(bad)])
    assert result.exit_code != 0
    assert "kind" in result.output and "Traceback" not in result.output


def test_the_terminal_shows_mrkdwn_as_styles() -> None:
    markup = mrkdwn_to_rich("*Werkatelier 4*: zie <https://sioo.nl|Sioo> en _meer_ [info]")
    assert "[bold]Werkatelier 4[/bold]" in markup
    assert "[link=https://sioo.nl]Sioo[/link]" in markup
    assert "[italic]meer[/italic]" in markup and "\\[info]" in markup


def test_the_chat_reads_a_clarifying_question_hint_and_labels_sources_in_english(
    data_dir: Path,
) -> None:
    result = runner.invoke(app, ["chat"], input="When is workshop 2?\nstop\n")
    assert result.exit_code == 0, result.output
    assert "source:" in result.output and "bron:" not in result.output
