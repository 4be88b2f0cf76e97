"""Leerroute in Slack over HTTP: mentions, DMs, thread follow-ups, the slash command, buttons,
App Home, the assistant panel, retries, forged requests, rate limits, failures and /healthz.

The app is the real one (``create_app`` served by ``serve_http``, or the ``leerroute serve``
command); every request is signed exactly as Slack signs it. Only Slack is fake.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from bot.slack import ids
from bot.store import CHUNKS
from tests.fakes.slack import (
    BOT_ID,
    BOT_USER_ID,
    FakeSlack,
    app_home_opened,
    app_mention,
    assistant_thread_started,
    channel_message,
    dm_channel_id,
    dm_message,
    event_callback,
    post_event,
    post_form,
    slash_command,
)
from tests.serving import free_port, start_serving
from tests.slack_helpers import (
    BOT_TOKEN,
    HULPLIJNEN,
    LEAK_MARKERS,
    SIGNING_SECRET,
    HttpLeerroute,
    buttons,
    deleted,
    edited,
    everything_said,
    feedback_buttons,
    get_json,
    in_channel,
    in_thread,
    leerroute,
    other_bot_message,
    own_message,
    posted_message,
    questions_of,
    running_replica,
    sent_to,
    slack,
    the_button,
)

__all__ = ["leerroute", "slack"]

AN, BAS = "U0AN00001", "U0BAS0002"


# --------------------------------------------------------------------------- answering


def test_a_mention_is_answered_in_its_thread_naming_the_group_developer_with_sources_and_buttons(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    mention = leerroute.event(app_mention("who do I contact about team conflict?"))

    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    assert reply.params["channel"] == "C123"
    assert reply.token == BOT_TOKEN
    assert "the best person to contact is the *Group developer*" in reply.params["text"]
    blocks = reply.params["blocks"]
    [sources] = [block for block in blocks if block["type"] == "context"]
    assert sources["elements"][0]["text"].startswith("Sources: 📄 Hulplijnen voor autonome teams")
    contact = the_button(blocks, ids.CONTACT_ROLE)
    assert contact["text"]["text"] == "Put me in touch"
    assert contact["value"] == "groepsontwikkelaar|en"
    assert [b["text"]["text"] for b in buttons(blocks)] == ["Put me in touch"]
    [feedback] = feedback_buttons(blocks)
    assert feedback["positive_button"]["accessibility_label"] == "This answer helped me"


def test_a_direct_message_is_answered_in_the_dm(slack: FakeSlack, leerroute: HttpLeerroute) -> None:
    leerroute.event(dm_message("Wanneer is werkatelier 4?", user="U123", channel="D123"))

    [reply] = slack.wait_for("chat.postMessage", predicate=in_channel("D123"))
    assert "19 en 20 maart 2012" in reply.params["text"]
    assert "thread_ts" not in reply.params  # a DM is answered in the conversation itself


def test_a_follow_up_in_a_thread_the_bot_answered_needs_no_mention(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    mention = leerroute.event(app_mention("wanneer is werkatelier 4?"))
    slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))

    leerroute.event(channel_message("en werkatelier 5?", thread_ts=mention["ts"]))

    first, follow_up = slack.wait_for(
        "chat.postMessage", count=2, predicate=in_thread(mention["ts"])
    )
    assert "19 en 20 maart 2012" in first.params["text"]
    assert "23 en 24 april 2012" in follow_up.params["text"]


def test_a_follow_up_reads_the_thread_as_slack_stores_it(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    # A thread from before this replica started: the question and the bot's answer are in Slack.
    parent = "1700000000.000100"
    slack.add_thread_message("C123", parent, "U123", "<@UBOT> wanneer is werkatelier 4?", ts=parent)
    slack.add_thread_message(
        "C123", parent, BOT_USER_ID, "Werkatelier 4 is op 19 en 20 maart 2012.", bot_id=BOT_ID
    )

    leerroute.event(channel_message("en werkatelier 5?", thread_ts=parent))

    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(parent))
    assert "23 en 24 april 2012" in reply.params["text"]


def test_a_thread_the_bot_never_answered_and_channel_chatter_get_no_reply(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    parent = "1700000000.000200"
    slack.add_thread_message("C123", parent, "U456", "Wanneer is werkatelier 4?", ts=parent)
    slack.add_thread_message("C123", parent, "U789", "Geen idee, vraag het Hennie.")

    leerroute.event(channel_message("en werkatelier 5?", thread_ts=parent))
    leerroute.event(channel_message("Wanneer is werkatelier 5?"))  # top level, no mention

    # The app looked at the thread, saw it never answered there, and stayed out of it.
    slack.wait_for("conversations.replies", predicate=lambda call: call.params["ts"] == parent)
    leerroute.settle()
    assert not [c for c in slack.calls_to("chat.postMessage") if in_channel("C123")(c)]


def test_a_mention_in_an_answered_thread_is_answered_once_though_slack_sends_it_twice(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    mention = leerroute.event(app_mention("wanneer is werkatelier 4?"))
    slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))

    # In a channel the bot is in, Slack sends a mention as `app_mention` and as `message`.
    again = app_mention("en werkatelier 5?", thread_ts=mention["ts"])
    leerroute.event(again)
    leerroute.event(again | {"type": "message", "channel_type": "channel"})

    slack.wait_for("chat.postMessage", count=2, predicate=in_thread(mention["ts"]))
    leerroute.settle()  # anything still on its way has arrived by now
    answers = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    assert len(answers) == 2  # the first question, and this one once
    assert "23 en 24 april 2012" in answers[1].params["text"]


def test_the_bots_own_messages_other_bots_edits_and_deletions_get_no_reply(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    question = leerroute.event(dm_message("Wanneer is werkatelier 4?", channel="D123"))
    mention = leerroute.event(app_mention("wanneer is werkatelier 4?"))
    slack.wait_for("chat.postMessage", predicate=in_channel("D123"))
    slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    thread = mention["ts"]

    for event in (
        own_message("Werkatelier 4 is op 19 en 20 maart 2012.", "D123"),
        own_message("Werkatelier 4 is op 19 en 20 maart 2012.", "C123", thread_ts=thread),
        other_bot_message("Wanneer is werkatelier 5?", "D123"),
        other_bot_message("Wanneer is werkatelier 5?", "C123", thread_ts=thread),
        other_bot_message("Wanneer is werkatelier 5?", "D123", thread_ts="1700000000.000300"),
        edited(question, "Wanneer is werkatelier 5?"),
        deleted(question),
        edited(channel_message("en werkatelier 5?", thread_ts=thread), "en masterclass 1?"),
    ):
        leerroute.event(event)

    leerroute.settle()
    assert len(slack.wait_for("chat.postMessage", predicate=in_channel("D123"))) == 1
    assert len(slack.wait_for("chat.postMessage", predicate=in_channel("C123"))) == 1


# ------------------------------------------------------------------ Slack's delivery rules


def test_a_retried_event_is_answered_once(slack: FakeSlack, leerroute: HttpLeerroute) -> None:
    body = event_callback(app_mention("wanneer is werkatelier 4?"))
    ts = body["event"]["ts"]

    assert leerroute.deliver(body) == 200
    assert leerroute.deliver(body, retry_num=1, retry_reason="http_timeout") == 200
    assert leerroute.deliver(body, retry_num=2, retry_reason="http_error") == 200

    leerroute.settle()
    assert len(slack.wait_for("chat.postMessage", predicate=in_thread(ts))) == 1


def test_a_retry_that_reaches_another_replica_is_not_answered_again(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    # Two processes behind one load balancer, sharing the data dir (database and index).
    with running_replica(slack) as other:
        body = event_callback(app_mention("wanneer is werkatelier 4?"))
        ts = body["event"]["ts"]

        assert leerroute.deliver(body) == 200
        assert other.deliver(body, retry_num=1) == 200

        leerroute.settle()
        other.settle()
    assert len(slack.wait_for("chat.postMessage", predicate=in_thread(ts))) == 1


def test_requests_not_signed_by_slack_are_refused_and_not_answered(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    body = event_callback(app_mention("wanneer is werkatelier 4?"))
    ts = body["event"]["ts"]
    url = leerroute.events_url
    response_url = slack.response_url("forged")

    assert post_event(url, "not-the-signing-secret", body)[0] == 401
    six_minutes_ago = int(time.time()) - 6 * 60
    assert post_event(url, SIGNING_SECRET, body, timestamp=six_minutes_ago)[0] == 401  # replayed
    forged = slash_command("vraag wanneer is werkatelier 4?", response_url=response_url)
    assert post_form(url, "not-the-signing-secret", forged)[0] == 401

    leerroute.settle()
    assert not slack.calls_to("response_url")
    assert not [c for c in slack.calls_to("chat.postMessage") if in_thread(ts)(c)]
    # The refused copies did not use up the event: Slack's genuine delivery is answered.
    assert leerroute.deliver(body) == 200
    slack.wait_for("chat.postMessage", predicate=in_thread(ts))


def test_a_rate_limited_answer_is_sent_again_after_retry_after(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    slack.respond(
        "chat.postMessage",
        {"ok": False, "error": "ratelimited"},
        status=429,
        headers={"Retry-After": "1"},
    )
    mention = leerroute.event(app_mention("wanneer is werkatelier 4?"))

    refused, accepted = slack.wait_for(
        "chat.postMessage", count=2, predicate=in_thread(mention["ts"])
    )
    assert accepted.params == refused.params
    [answer] = [m for m in slack.messages("C123") if m.get("bot_id")]
    assert "19 en 20 maart 2012" in answer["text"]
    assert answer["thread_ts"] == mention["ts"]


def test_slacks_url_verification_challenge_is_answered(leerroute: HttpLeerroute) -> None:
    challenge = {
        "token": "verification",
        "challenge": "3eZbrw1aBm2rZgRNFd",
        "type": "url_verification",
    }

    status, body = post_event(leerroute.events_url, SIGNING_SECRET, challenge)

    assert status == 200
    assert challenge["challenge"] in body


def test_a_refused_request_does_not_confuse_the_next_one_on_the_same_connection(
    leerroute: HttpLeerroute,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", leerroute.server.server_address[1])
    try:
        # Refused unread, this body must not be taken for the next request on the connection.
        connection.request("POST", "/not-slack", body="GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = connection.getresponse()
        assert (refused.status, refused.read()) == (404, b"not found")

        connection.request("GET", "/healthz")
        health = connection.getresponse()
        assert health.status == 200
        assert json.loads(health.read())["status"] == "ok"
    finally:
        connection.close()


# ------------------------------------------------------------------------ slash command


def test_slash_vraag_is_acknowledged_at_once_and_answered_via_the_response_url(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    started = time.monotonic()
    command = leerroute.command("vraag wanneer is masterclass 1?")
    assert (command.status, command.body) == (200, "")
    assert time.monotonic() - started < 3  # Slack gives up on a command after 3 seconds

    [answer] = slack.wait_for("response_url", predicate=sent_to(command.response_url))
    assert "7 maart 2012" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    assert feedback_buttons(answer.params["blocks"])


def test_slash_hulplijnen_lists_the_six_roles_in_the_immediate_reply(
    leerroute: HttpLeerroute,
) -> None:
    command = leerroute.command("hulplijnen")

    assert command.status == 200
    reply = json.loads(command.body)
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    shown = json.dumps(command.blocks(), ensure_ascii=False)
    for role in HULPLIJNEN:
        assert f"*{role}*" in shown
    assert "groepsontwikkelaars@gemeente.example" in shown


def test_slash_help_and_an_unknown_subcommand_show_the_help_only_to_the_user(
    leerroute: HttpLeerroute,
) -> None:
    help_reply = leerroute.command("help")
    unknown = leerroute.command("onzin")
    bare = leerroute.command("")

    assert help_reply.status == unknown.status == bare.status == 200
    assert "`/leerroute vraag <je vraag>`" in help_reply.body
    assert "`/leerroute vergeet-mij`" in help_reply.body
    assert unknown.body.startswith("Dat commando ken ik niet.")
    assert help_reply.body in unknown.body
    assert bare.body == help_reply.body
    # A plain-text reply to a slash command is shown to the user only (ephemeral).
    assert not help_reply.body.startswith("{")


def test_slash_vergeet_mij_asks_first_then_erases_only_that_persons_questions(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    an_command = leerroute.command("vraag wanneer is masterclass 1?", user=AN)
    slack.wait_for("response_url", predicate=sent_to(an_command.response_url))
    leerroute.event(dm_message("Wanneer is werkatelier 4?", user=AN, channel=dm_channel_id(AN)))
    slack.wait_for("chat.postMessage", predicate=in_channel(dm_channel_id(AN)))
    bas_command = leerroute.command("vraag wanneer is masterclass 1?", user=BAS)
    slack.wait_for("response_url", predicate=sent_to(bas_command.response_url))
    services = leerroute.services
    assert len(questions_of(services, AN)) == 2

    confirm = leerroute.command("vergeet-mij", user=AN)
    assert confirm.status == 200
    assert len(questions_of(services, AN)) == 2  # nothing is erased before An confirms
    yes = the_button(confirm.blocks(), ids.FORGET_CONFIRM)
    assert yes["text"]["text"] == "Ja, wis mijn gegevens"
    assert the_button(confirm.blocks(), ids.FORGET_CANCEL)["text"]["text"] == "Annuleren"

    response_url = leerroute.click(ids.FORGET_CONFIRM, yes["value"], user=AN, ephemeral=True)

    [done] = slack.wait_for("response_url", predicate=sent_to(response_url))
    assert done.params["text"].startswith("Klaar: al je gegevens zijn gewist (2 items).")
    assert done.params["replace_original"] is True
    assert questions_of(services, AN) == []
    assert len(questions_of(services, BAS)) == 1


# ---------------------------------------------------------------------------- App Home


def home_of(slack: FakeSlack, user: str) -> str:
    [publish] = slack.wait_for("views.publish", predicate=lambda c: c.params["user_id"] == user)
    assert publish.params["view"]["type"] == "home"
    return json.dumps(publish.params["view"]["blocks"], ensure_ascii=False)


def test_app_home_shows_what_to_ask_the_hulplijnen_and_the_next_session(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    leerroute.event(app_home_opened(user="U123", tab="messages"))  # the Messages tab: nothing
    leerroute.event(app_home_opened(user="U123"))

    home = home_of(slack, "U123")
    assert "Wie kan ik benaderen bij een teamconflict?" in home
    for role in HULPLIJNEN:
        assert f"*{role}*" in home
    assert "*Volgende bijeenkomst*" in home
    assert ids.ENROL in home
    assert "Monitoring" not in home
    leerroute.settle()
    assert len(slack.calls_to("views.publish")) == 1


def test_app_home_shows_the_monitoring_summary_only_to_hr_admins(
    slack: FakeSlack, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEERROUTE_MONITOR__HR_ADMINS", "U0HR00001, U0HR00002")
    with running_replica(slack) as leerroute:
        leerroute.event(app_home_opened(user="U0HR00001"))
        leerroute.event(app_home_opened(user="U123"))

        admin_home, participant_home = home_of(slack, "U0HR00001"), home_of(slack, "U123")
    assert "*Monitoring (laatste 30 dagen)*" in admin_home
    assert "vragen van" in admin_home and "Kennislacunes" in admin_home
    assert "Monitoring" not in participant_home
    for home in (admin_home, participant_home):
        assert "*Volgende bijeenkomst*" in home and "*Groepsontwikkelaar*" in home


# ----------------------------------------------------------------------------- buttons


def test_thumbs_up_is_stored_as_feedback_on_that_question_and_thanked_privately(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    mention = leerroute.event(app_mention("wanneer is werkatelier 4?", user="U123"))
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    [feedback] = feedback_buttons(reply.params["blocks"])
    up = feedback["positive_button"]

    response_url = leerroute.click(
        ids.FEEDBACK, up["value"], user="U123", message=posted_message(slack, reply)
    )

    [thanks] = slack.wait_for("response_url", predicate=sent_to(response_url))
    assert thanks.params == {
        "text": "Dank je voor je feedback!",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    [question] = questions_of(leerroute.services, "U123")
    assert (f"up|{question.id}", question.feedback) == (up["value"], 1)


def test_thumbs_down_asks_what_was_wrong_and_hr_counts_the_reason_never_the_words(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    import datetime as dt

    from bot.monitor.report import build_report
    from tests.fakes.slack_payloads import post_interactive, view_submission

    mention = leerroute.event(app_mention("wanneer is werkatelier 4?", user="U123"))
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    [feedback] = feedback_buttons(reply.params["blocks"])
    down = feedback["negative_button"]
    leerroute.click(ids.FEEDBACK, down["value"], user="U123", message=posted_message(slack, reply))

    [opened] = slack.wait_for("views.open")
    view = opened.params["view"]
    assert (
        view["callback_id"] == ids.FEEDBACK_MODAL and view["title"]["text"] == "Wat klopte er niet?"
    )
    choices = view["blocks"][0]["element"]["options"]
    assert [c["value"] for c in choices] == ["wrong_answer", "wrong_person", "out_of_date", "other"]
    submission = view_submission(
        ids.FEEDBACK_MODAL,
        {
            ids.FEEDBACK_REASON_BLOCK: {
                ids.FEEDBACK_REASON: {"type": "radio_buttons", "selected_option": choices[2]}
            },
            ids.FEEDBACK_NOTE_BLOCK: {ids.FEEDBACK_NOTE: "bel me op 06-12345678, dit is oud"},
        },
        private_metadata=view["private_metadata"],
        user_id="U123",
    )
    assert post_interactive(leerroute.events_url, SIGNING_SECRET, submission)[0] == 200
    leerroute.settle()
    [question] = questions_of(leerroute.services, "U123")
    assert (question.feedback, question.feedback_reason) == (-1, "out_of_date")
    assert "12345678" not in (question.feedback_note or "") and "oud" in question.feedback_note
    now = dt.datetime.now(dt.UTC)
    report = build_report(leerroute.services.db, 1, now - dt.timedelta(days=1), now)
    assert report.feedback["down_reasons"] == {"out_of_date": 1}
    assert "dit is oud" not in json.dumps(report.as_json())


def test_put_me_in_touch_shows_how_to_reach_the_role(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    mention = leerroute.event(app_mention("who do I contact about team conflict?"))
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    contact = the_button(reply.params["blocks"], ids.CONTACT_ROLE)

    response_url = leerroute.click(
        ids.CONTACT_ROLE, contact["value"], message=posted_message(slack, reply)
    )

    [card] = slack.wait_for("response_url", predicate=sent_to(response_url))
    assert card.params["text"] == "Group developer"
    assert card.params["response_type"] == "ephemeral"
    assert card.params["replace_original"] is False
    shown = everything_said(card)
    assert "*Group developer*" in shown
    assert "groepsontwikkelaars@gemeente.example" in shown
    assert "#hulplijn-groepsontwikkeling" in shown


def test_when_unsure_between_roles_the_answer_offers_each_and_a_choice_tells_about_that_role(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    leerroute.services.assistant.model.clarify_threshold = 1.01  # every route is now unsure
    mention = leerroute.event(
        app_mention("wie kan ik benaderen over knelpunten in de samenwerking?")
    )
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    assert "Welke past bij je vraag?" in reply.params["text"]
    choices = {
        b["text"]["text"]: b["value"]
        for b in buttons(reply.params["blocks"])
        if b["action_id"] == ids.CHOOSE_ROLE
    }
    assert len(choices) == 3 and all(value.endswith("|nl") for value in choices.values())
    name, value = sorted(choices.items())[1]

    response_url = leerroute.click(ids.CHOOSE_ROLE, value, message=posted_message(slack, reply))

    [role] = slack.wait_for("response_url", predicate=sent_to(response_url))
    assert role.params["text"].startswith(f"Hiervoor kun je het beste terecht bij de *{name}*.")
    assert "@gemeente.example" in role.params["text"] or "Slack: #" in role.params["text"]
    assert role.params["response_type"] == "ephemeral"


# ---------------------------------------------------------------------- assistant panel


def test_the_assistant_panel_greets_suggests_prompts_and_shows_a_status_while_answering(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    started = assistant_thread_started(user="U123", channel="D123")
    thread_ts = started["assistant_thread"]["thread_ts"]

    leerroute.event(started)

    [greeting] = slack.wait_for("chat.postMessage", predicate=in_thread(thread_ts))
    assert greeting.params["text"].startswith("Hoi!")
    [prompts] = slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert (prompts.params["channel_id"], prompts.params["thread_ts"]) == ("D123", thread_ts)
    suggested = [prompt["message"] for prompt in prompts.params["prompts"]]
    assert "Wie kan ik benaderen bij een teamconflict?" in suggested

    leerroute.event(dm_message("Wanneer is werkatelier 4?", channel="D123", thread_ts=thread_ts))

    status = slack.wait_for("assistant.threads.setStatus")[0]
    assert (status.params["channel_id"], status.params["thread_ts"]) == ("D123", thread_ts)
    assert status.params["status"] == "denkt na…" and status.params["loading_messages"]
    [title] = slack.wait_for("assistant.threads.setTitle")
    assert title.params["title"] == "Wanneer is werkatelier 4?"
    _, answer = slack.wait_for("chat.postMessage", count=2, predicate=in_thread(thread_ts))
    assert "19 en 20 maart 2012" in answer.params["text"]
    _, cleared = slack.wait_for("assistant.threads.setStatus", count=2)
    assert slack.calls.index(status) < slack.calls.index(answer) < slack.calls.index(cleared)
    assert cleared.params["status"] == ""


# ------------------------------------------------------------------ failures and health


def test_when_the_index_disappears_answers_go_on_from_the_loaded_engine_and_health_says_so(
    slack: FakeSlack, leerroute: HttpLeerroute, data_dir: Path
) -> None:
    _ = leerroute.services.assistant  # the engine is loaded, as `leerroute serve` does at start
    store = chromadb.PersistentClient(
        path=str(data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store.delete_collection(CHUNKS)  # someone deletes the index under the running app

    mention = leerroute.event(app_mention("Wanneer is werkatelier 4?"))

    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    assert "19 en 20 maart 2012" in reply.params["text"]
    status, health = leerroute.healthz()
    assert status == 503 and health["status"] == "unavailable"


def test_when_answering_fails_the_person_gets_a_short_apology_in_their_language(
    slack: FakeSlack, leerroute: HttpLeerroute, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _ = leerroute.services.assistant, leerroute.services.db  # loaded, as at `serve` start
    # The database breaks under the running app: the question cannot be recorded.
    database = leerroute.services.settings.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        db.execute("DROP TABLE questions")

    mention = leerroute.event(app_mention("who do I contact about team conflict?"))
    leerroute.event(dm_message("Wanneer is werkatelier 4?", channel="D123"))

    [english] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    [dutch] = slack.wait_for("chat.postMessage", predicate=in_channel("D123"))
    assert english.params["text"] == (
        "Sorry, something went wrong while answering your question. Please try again in a moment."
    )
    assert dutch.params["text"] == (
        "Sorry, er ging iets mis bij het beantwoorden van je vraag. Probeer het zo nog eens."
    )
    for call in (english, dutch):
        assert not any(marker in everything_said(call) for marker in LEAK_MARKERS)
    assert "answering a mention question failed" in caplog.text  # the details go to the log


def test_healthz_is_ok_when_the_index_and_the_database_answer(leerroute: HttpLeerroute) -> None:
    status, body = leerroute.healthz()

    assert status == 200
    assert body["status"] == "ok"


def test_healthz_is_503_with_a_reason_when_nothing_was_ingested(slack: FakeSlack) -> None:
    with running_replica(slack) as leerroute:  # an empty data dir: `leerroute ingest` never ran
        status, body = leerroute.healthz()
        mention = leerroute.event(app_mention("wanneer is werkatelier 4?"))
        [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))

    assert status == 503
    assert body["status"] == "unavailable"
    assert "not indexed" in body["reason"]
    assert reply.params["text"].startswith("Sorry, er ging iets mis")  # not silence


# -------------------------------------------------------------- `leerroute serve --http`


def test_leerroute_serve_http_answers_a_signed_mention_and_stops_cleanly_on_sigterm(
    slack: FakeSlack, data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_serving(
        port,
        dict(os.environ),  # the settings (SLACK_*, LEERROUTE_*) point at the fake and data_dir
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if get_json(base + "/healthz") == (200, {"status": "ok", "reason": "ok"}):
                    break
            except OSError:
                pass  # not listening yet
            assert time.monotonic() < deadline, "leerroute serve did not become healthy"
            time.sleep(0.1)

        mention = app_mention("who do I contact about team conflict?")
        status, _ = post_event(base + "/slack/events", SIGNING_SECRET, event_callback(mention))
        assert status == 200
        [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
        assert "*Group developer*" in reply.params["text"]

        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"Leerroute serves Slack on {base}/slack/events" in out
    assert "Traceback" not in err


def test_a_question_claimed_by_a_process_that_died_mid_answer_is_answered_later_once(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    import datetime as dt
    import json

    from sqlalchemy import update

    from bot.models import ProcessedEvent
    from bot.slack.app import redeliver_unfinished

    # Another process acknowledged and claimed this mention, then was killed before answering.
    body = event_callback(app_mention("wanneer is werkatelier 4?"))
    assert leerroute.services.db.claim_event(body["event_id"], json.dumps(body))
    with leerroute.services.db.session() as session:
        session.execute(
            update(ProcessedEvent).values(
                received_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)
            )
        )
    # Slack will not send it again (it was acknowledged); the scheduler's redelivery does.
    assert redeliver_unfinished(leerroute.app, leerroute.services) == 1
    [answer] = slack.wait_for("chat.postMessage", predicate=in_thread(body["event"]["ts"]))
    assert "19 en 20 maart 2012" in everything_said(answer)
    leerroute.settle()
    assert redeliver_unfinished(leerroute.app, leerroute.services) == 0


def test_an_answered_question_is_never_redelivered(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    import datetime as dt

    from sqlalchemy import update

    from bot.models import ProcessedEvent
    from bot.slack.app import redeliver_unfinished

    body = event_callback(app_mention("wanneer is werkatelier 4?"))
    assert leerroute.deliver(body) == 200
    slack.wait_for("chat.postMessage", predicate=in_thread(body["event"]["ts"]))
    deadline = time.monotonic() + 10  # the listener books the event right after posting
    while time.monotonic() < deadline:
        with leerroute.services.db.session() as session:
            if session.get(ProcessedEvent, body["event_id"]).finished_at:  # type: ignore[union-attr]
                break
        time.sleep(0.05)
    with leerroute.services.db.session() as session:
        session.execute(
            update(ProcessedEvent).values(
                received_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)
            )
        )
    assert redeliver_unfinished(leerroute.app, leerroute.services) == 0


def test_a_process_killed_after_posting_but_before_marking_done_does_not_answer_twice(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    import datetime as dt

    from sqlalchemy import func, select, update

    from bot.models import ProcessedEvent, Question
    from bot.slack.app import redeliver_unfinished

    body = event_callback(app_mention("wanneer is werkatelier 4?"))
    assert leerroute.deliver(body) == 200
    [answer] = slack.wait_for("chat.postMessage", predicate=in_thread(body["event"]["ts"]))
    assert answer.params["metadata"]["event_payload"]["event_id"] == body["event_id"]
    leerroute.settle()
    # As if the process died right after Slack stored the answer: the claim is unfinished.
    with leerroute.services.db.session() as session:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id == body["event_id"])
            .values(
                finished_at=None,
                body=json.dumps(body),
                received_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3),
            )
        )
    assert redeliver_unfinished(leerroute.app, leerroute.services) == 1
    leerroute.settle()
    answers = slack.calls_to("chat.postMessage")
    assert len([a for a in answers if in_thread(body["event"]["ts"])(a)]) == 1
    with leerroute.services.db.session() as session:
        recorded = session.execute(
            select(func.count()).where(Question.event_id == body["event_id"])
        ).scalar()
    assert recorded == 1


def test_a_question_redelivered_after_slack_gave_up_is_recorded_once(
    leerroute: HttpLeerroute,
) -> None:
    from bot.answer.assistant import Answer

    answer = leerroute.services.assistant.answer("wanneer is werkatelier 4?")
    assert isinstance(answer, Answer)
    first = leerroute.services.recorder.record(answer, "U0AN00001", "mention", "Ev0REDELIVER")
    again = leerroute.services.recorder.record(answer, "U0AN00001", "mention", "Ev0REDELIVER")
    assert first == again and leerroute.services.recorder.question_count() == 1


def test_a_refused_request_leaves_only_its_reason_and_length_in_the_log(
    slack: FakeSlack, leerroute: HttpLeerroute, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    body = event_callback(
        app_mention("mijn BSN is 111222333\nINFO forged line: admin logged in", user="U0SECRET1")
    )
    with caplog.at_level(logging.DEBUG):
        assert post_event(leerroute.events_url, "not-the-signing-secret", body)[0] == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "failed Slack's signature check" in logged
    assert "111222333" not in logged and "U0SECRET1" not in logged
    ours = [r for r in caplog.records if r.name.startswith(("leerroute", "bot"))]
    assert ours and all("\n" not in record.getMessage() for record in ours)


def test_a_replayed_signed_slash_command_is_processed_once(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    response_url = slack.response_url("replayed")
    form = slash_command("vraag wanneer is masterclass 1?", response_url=response_url)
    now = int(time.time())
    assert post_form(leerroute.events_url, SIGNING_SECRET, form, timestamp=now)[0] == 200
    assert post_form(leerroute.events_url, SIGNING_SECRET, form, timestamp=now)[0] == 200
    slack.wait_for("response_url", predicate=sent_to(response_url))
    leerroute.settle()
    assert len([c for c in slack.calls_to("response_url") if sent_to(response_url)(c)]) == 1
    # The same command typed again a second later is a new request, and answered.
    assert post_form(leerroute.events_url, SIGNING_SECRET, form, timestamp=now + 1)[0] == 200
    slack.wait_for("response_url", count=2, predicate=sent_to(response_url))


def test_a_mention_shows_a_status_in_the_askers_language_until_it_is_answered(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    mention = leerroute.event(app_mention("who do I contact about team conflict?"))
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    shown, cleared = slack.wait_for("assistant.threads.setStatus", count=2)
    assert (shown.params["channel_id"], shown.params["thread_ts"]) == ("C123", mention["ts"])
    assert shown.params["status"] == "is thinking…"
    assert "Looking it up in the sources…" in shown.params["loading_messages"]
    assert slack.calls.index(shown) < slack.calls.index(reply) < slack.calls.index(cleared)
    assert cleared.params["status"] == ""


def test_the_message_shortcut_answers_about_that_message_only_for_the_one_who_asked(
    slack: FakeSlack, leerroute: HttpLeerroute
) -> None:
    from tests.fakes.slack_payloads import APP_ID, TEAM_ID, post_interactive

    response_url = slack.response_url("shortcut")
    message = channel_message("Weet iemand wanneer werkatelier 4 is?", user="U0COLLEAGU")
    payload = {
        "type": "message_action",
        "callback_id": ids.ASK_ABOUT_MESSAGE,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": response_url,
        "team": {"id": TEAM_ID, "domain": "fake"},
        "channel": {"id": "C123", "name": "general"},
        "user": {"id": "U123", "name": "an"},
        "message_ts": message["ts"],
        "message": {k: v for k, v in message.items() if k != "channel"},
        "token": "verification",
        "api_app_id": APP_ID,
    }
    assert post_interactive(leerroute.events_url, SIGNING_SECRET, payload)[0] == 200
    [answer] = slack.wait_for("response_url", predicate=sent_to(response_url))
    assert "19 en 20 maart 2012" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    assert not slack.calls_to("chat.postMessage")  # nothing in the channel


def test_one_person_asking_too_fast_is_asked_to_slow_down_while_others_are_answered(
    slack: FakeSlack, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEERROUTE_ANSWER__QUESTIONS_PER_MINUTE", "2")
    with running_replica(slack) as replica:
        for _ in range(3):
            replica.event(
                dm_message("Wanneer is werkatelier 4?", user="U0FLOOD01", channel="D0FLOOD")
            )
        replies = slack.wait_for("chat.postMessage", count=3, predicate=in_channel("D0FLOOD"))
        texts = sorted(reply.params["text"] for reply in replies)
        assert sum("19 en 20 maart 2012" in text for text in texts) == 2
        assert sum(text.startswith("Even rustig aan") for text in texts) == 1
        replica.event(dm_message("Wanneer is werkatelier 4?", user="U0OTHER01", channel="D0OTHER"))
        [other] = slack.wait_for("chat.postMessage", predicate=in_channel("D0OTHER"))
        assert "19 en 20 maart 2012" in other.params["text"]
