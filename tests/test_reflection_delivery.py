"""Delivering reflection questions: each one at most once per participant, whatever happens.

The scheduler ticks every minute (`Reflection.tick`, or `leerroute reflect tick`). A question
is claimed in the database before it is sent; quiet hours, the one-a-day rule, the catch-up
window after downtime, failed sends, crashes and several replicas ticking at once must never
lead to a participant getting the same question twice, or two questions on one day.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.models import ReflectionSend, utcnow
from bot.services import Services
from bot.settings import load_settings
from bot.slack.app import create_client
from bot.slack.reflection import SlackMessenger
from tests.fakes.slack import FakeSlack, dm_channel_id
from tests.reflection_world import (
    client,
    leerroute,
    local,
    prompts_to,
    run_cli,
    sends,
    slack,
    start_replica,
    statuses,
    tick,
)

__all__ = ["client", "leerroute", "slack"]

AN = "U0AN00001"


@pytest.fixture
def an(leerroute: Services) -> str:
    """An, enrolled for reflection questions."""
    leerroute.participants.enrol(AN)
    return AN


def configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Set LEERROUTE_REFLECTION__<NAME> settings for Leerroute started after this (and the CLI)."""
    for name, value in env.items():
        monkeypatch.setenv(f"LEERROUTE_REFLECTION__{name.upper()}", value)


def posts_to(slack: FakeSlack, user: str) -> int:
    """chat.postMessage calls to a participant's DM, successful or not."""
    return len(
        [
            c
            for c in slack.calls_to("chat.postMessage")
            if c.params["channel"] == dm_channel_id(user)
        ]
    )


def crash_after_claiming(services: Services, user: str, key: str, minutes_ago: float) -> int:
    """The row a process leaves when it dies right after claiming a question."""
    [prompt] = [p for p in services.reflection.plan() if p.key == key]
    with services.db.session() as session:
        row = ReflectionSend(
            user_id=user,
            prompt_key=key,
            session_id=prompt.session.id,
            question=services.reflection.bank.question(prompt, user, "nl"),
            due_at=prompt.due_at,
            status="claimed",
            claimed_at=utcnow() - dt.timedelta(minutes=minutes_ago),
        )
        session.add(row)
        session.flush()
        return row.id


def claimed_minutes_ago(services: Services, send_id: int, minutes: float) -> None:
    with services.db.session() as session:
        session.execute(
            update(ReflectionSend)
            .where(ReflectionSend.id == send_id)
            .values(claimed_at=utcnow() - dt.timedelta(minutes=minutes))
        )


# ------------------------------------------------------------------- quiet hours


def test_nothing_is_sent_in_quiet_hours_the_question_goes_out_the_next_morning(
    slack: FakeSlack, leerroute: Services, client: Any, an: str
) -> None:
    # Leerroute was down all day after werkatelier 1 and comes back at 22:00.
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 22:00")).sent == []
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-22 07:59")).sent == []
    assert prompts_to(slack, an) == []

    # Quiet hours end at 08:00.
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-22 08:00")).sent == [
        f"{an}:after:werkatelier-1"
    ]
    assert len(prompts_to(slack, an)) == 1


def test_send_time_and_quiet_hours_come_from_the_settings(
    slack: FakeSlack, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, send_time="07:00", quiet_start="21:00", quiet_end="07:45")
    leerroute = start_replica()
    leerroute.participants.enrol(AN)

    assert (
        leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 06:59")).sent == []
    )  # not due
    assert (
        leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 07:30")).sent == []
    )  # quiet
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 07:45")).sent == [
        f"{AN}:after:werkatelier-1"
    ]


def test_one_question_a_day_also_late_in_the_evening(
    slack: FakeSlack, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quiet only from 23:30, and a month's catch-up window: two questions are overdue at once.
    configure(monkeypatch, quiet_start="23:30", quiet_end="07:00", catch_up_hours="720")
    leerroute = start_replica()
    leerroute.participants.enrol(AN)

    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 23:10")).sent == [
        f"{AN}:before:werkatelier-1"
    ]
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 23:20")).sent == []
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-22 09:30")).sent == [
        f"{AN}:after:werkatelier-1"
    ]
    assert len(prompts_to(slack, AN)) == 2


# ------------------------------------------------------------- after downtime


def test_after_downtime_recent_questions_are_sent_and_older_ones_skipped_and_logged(
    slack: FakeSlack, leerroute: Services, an: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Leerroute was down from early December until Tuesday 3 January 2012, 10:00. The
    # question between ateliers 1 and 2 was due yesterday at 09:30: within the 48 hours.
    with caplog.at_level(logging.INFO, logger="bot.reflection"):
        output = tick("2012-01-03T10:00")

    assert "sent 1, skipped 2, failed 0" in output
    assert statuses(leerroute, an) == {
        "before:werkatelier-1": "skipped",
        "after:werkatelier-1": "skipped",
        "between:werkatelier-1": "sent",
    }
    [prompt] = prompts_to(slack, an)
    assert "Werkatelier 1" in prompt["text"]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2 and "after:werkatelier-1" in skipped[1]

    # Skipped questions stay skipped.
    assert "sent 0, skipped 0" in tick("2012-01-04T10:00")


def test_the_catch_up_window_comes_from_the_settings(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, catch_up_hours="12")
    leerroute = start_replica()
    leerroute.participants.enrol(AN)

    assert "sent 0, skipped 3" in tick("2012-01-03T10:00")  # 24.5 hours late is too late now
    assert prompts_to(slack, AN) == []


# ----------------------------------------------------------------- failed sends


def test_a_failed_send_is_retried_on_a_later_tick_and_sent_once(
    slack: FakeSlack, leerroute: Services, an: str
) -> None:
    # Slack answers 500 to the first send and to both of the client's retries.
    slack.fail_next("chat.postMessage", status=500, times=3)
    assert "sent 0, skipped 1, failed 1" in tick("2011-12-21T09:30", expect=1)
    assert statuses(leerroute, an)["after:werkatelier-1"] == "failed"
    assert prompts_to(slack, an) == []

    assert "sent 1" in tick("2011-12-21T09:31")
    assert "sent 0" in tick("2011-12-21T09:32")
    assert "sent 0" in tick("2011-12-22T09:30")
    assert len(prompts_to(slack, an)) == 1
    assert posts_to(slack, an) == 3 + 1
    assert statuses(leerroute, an)["after:werkatelier-1"] == "sent"


def test_slack_down_for_a_while_delays_a_question_but_does_not_lose_it(
    slack: FakeSlack, leerroute: Services, client: Any, an: str
) -> None:
    slack.fail_next("chat.postMessage", status=502, times=15)  # 502: the client does not retry
    start = local("2011-12-21 09:30")
    for minute in range(15):
        result = leerroute.reflection.tick(
            SlackMessenger(client), start + dt.timedelta(minutes=minute)
        )
        assert result.failed == [f"{an}:after:werkatelier-1"]

    result = leerroute.reflection.tick(SlackMessenger(client), start + dt.timedelta(minutes=15))
    assert result.sent == [f"{an}:after:werkatelier-1"]
    assert len(prompts_to(slack, an)) == 1


def test_a_send_that_keeps_failing_past_the_catch_up_window_is_skipped_and_logged(
    slack: FakeSlack, leerroute: Services, client: Any, an: str, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail_next("chat.postMessage", status=502)
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:30")).failed
    # Leerroute was down after that, until 49 hours after the question was due.
    with caplog.at_level(logging.INFO, logger="bot.reflection"):
        result = leerroute.reflection.tick(SlackMessenger(client), local("2011-12-23 10:30"))

    assert result.skipped == [f"{an}:after:werkatelier-1"] and result.sent == []
    assert statuses(leerroute, an)["after:werkatelier-1"] == "skipped"
    assert "after:werkatelier-1" in caplog.text and "skipped" in caplog.text
    assert prompts_to(slack, an) == []


def test_a_send_whose_answer_from_slack_got_lost_is_not_sent_again(
    slack: FakeSlack, leerroute: Services, client: Any, an: str
) -> None:
    # Slack posted the question, but the client saw an error (say, the response timed out):
    # the fake answers 502 and we put the posted message in the DM ourselves.
    slack.fail_next("chat.postMessage", status=502)
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:30")).failed
    row = sends(leerroute, an)["after:werkatelier-1"]
    posted = slack.add_message(
        dm_channel_id(an),
        {
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": f"Werkatelier 1: {row.question}",
            "metadata": {
                "event_type": "leerroute_reflection",
                "event_payload": {"send_id": row.id, "key": "after:werkatelier-1"},
            },
        },
    )

    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:31")).sent
    assert posts_to(slack, an) == 1  # only the one that "failed"
    row = sends(leerroute, an)["after:werkatelier-1"]
    assert (row.status, row.ts) == ("sent", posted["ts"])


# ------------------------------------------------------------------------ crashes


def test_a_claim_left_by_a_crash_before_sending_is_sent_once_after_five_minutes(
    slack: FakeSlack, leerroute: Services, client: Any, an: str
) -> None:
    send_id = crash_after_claiming(leerroute, an, "after:werkatelier-1", minutes_ago=0)

    # Just claimed: another replica may be sending it right now, so nobody else does.
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:31")).sent == []
    assert prompts_to(slack, an) == []

    # Five minutes later the claim is stale: the DM is checked, then it is sent, once.
    claimed_minutes_ago(leerroute, send_id, 6)
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:37")).sent == [
        f"{an}:after:werkatelier-1"
    ]
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:38")).sent == []
    [prompt] = prompts_to(slack, an)
    assert prompt["metadata"]["event_payload"]["send_id"] == send_id
    assert slack.calls_to("conversations.history"), "the DM was checked before re-sending"


def test_a_crash_after_sending_but_before_bookkeeping_does_not_send_again(
    slack: FakeSlack, leerroute: Services, client: Any, an: str
) -> None:
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:30")).sent
    [prompt] = prompts_to(slack, an)
    # As if the process died right after Slack accepted the message: the row is still
    # only claimed, without the message's ts.
    send_id = sends(leerroute, an)["after:werkatelier-1"].id
    with leerroute.db.session() as session:
        session.execute(
            update(ReflectionSend)
            .where(ReflectionSend.id == send_id)
            .values(status="claimed", ts=None, channel=None, sent_at=None, attempts=0)
        )
    claimed_minutes_ago(leerroute, send_id, 10)

    # Restarted, it finds the question in the DM by its metadata and books it as sent.
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:45")).sent
    assert len(prompts_to(slack, an)) == 1
    assert posts_to(slack, an) == 1
    row = sends(leerroute, an)["after:werkatelier-1"]
    assert (row.status, row.channel, row.ts) == ("sent", dm_channel_id(an), prompt["ts"])
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 10:00")).sent == []


# ------------------------------------------------------------------------ replicas


def tick_together(replicas: list[Services], now: dt.datetime) -> None:
    """Every replica ticks at the same moment, each in its own thread with its own client."""
    barrier = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def run(replica: Services) -> None:
        replica_client = create_client(load_settings())
        barrier.wait()
        try:
            replica.reflection.tick(SlackMessenger(replica_client), now)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


COHORT = [f"U0COHORT{n:02d}" for n in range(10)]


def test_two_replicas_ticking_together_send_each_question_once(slack: FakeSlack) -> None:
    replicas = [start_replica(), start_replica()]  # separate processes, one database
    for user in COHORT:
        replicas[0].participants.enrol(user)

    tick_together(replicas, local("2011-12-21 09:30"))

    assert {user: len(prompts_to(slack, user)) for user in COHORT} == dict.fromkeys(COHORT, 1)


def test_two_replicas_catching_up_together_still_send_one_question_a_day(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, catch_up_hours="720")  # two questions overdue at once
    replicas = [start_replica(), start_replica()]
    for user in COHORT:
        replicas[0].participants.enrol(user)

    tick_together(replicas, local("2011-12-21 10:00"))

    assert {user: len(prompts_to(slack, user)) for user in COHORT} == dict.fromkeys(COHORT, 1)


def test_two_replicas_retrying_a_failed_send_together_send_it_once(slack: FakeSlack) -> None:
    replicas = [start_replica(), start_replica()]
    for user in COHORT:
        replicas[0].participants.enrol(user)
    slack.fail_next("chat.postMessage", status=502, times=len(COHORT))
    result = replicas[0].reflection.tick(
        SlackMessenger(create_client(load_settings())), local("2011-12-21 09:30")
    )
    assert len(result.failed) == len(COHORT)

    tick_together(replicas, local("2011-12-21 09:31"))

    assert {user: len(prompts_to(slack, user)) for user in COHORT} == dict.fromkeys(COHORT, 1)


# ------------------------------------------------------------- who gets questions


def listed(user: str) -> str:
    """The user's line in `leerroute participants list`."""
    [line] = [line for line in run_cli("participants", "list").splitlines() if user in line]
    return line


def test_enrolment_opting_out_and_removal(
    slack: FakeSlack, leerroute: Services, client: Any
) -> None:
    participants = leerroute.participants
    assert participants.enrol(AN, cohort="najaar-2011") is True
    assert participants.enrol(AN, cohort="najaar-2011") is False  # already enrolled
    assert participants.is_enrolled(AN)
    assert listed(AN).split()[:3] == [AN, "najaar-2011", "yes"]

    assert participants.unenrol(AN) is True
    assert participants.unenrol(AN) is False
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:30")).sent == []
    assert prompts_to(slack, AN) == []
    assert listed(AN).split()[:3] == [AN, "najaar-2011", "no"]

    # Enrolling again (as `/leerroute aanmelden` does) resumes the questions still to come,
    # and keeps the cohort.
    assert participants.enrol(AN) is True
    assert leerroute.reflection.tick(SlackMessenger(client), local("2011-12-21 09:31")).sent
    assert participants.enrol(AN) is False
    assert [(p.user_id, p.cohort) for p in participants.all()] == [(AN, "najaar-2011")]

    assert f"removed {AN}" in run_cli("participants", "remove", AN)
    assert not participants.is_enrolled(AN)
    assert "is not a participant" in run_cli("participants", "remove", AN, expect=1)


def test_a_cohort_is_imported_from_a_csv_of_slack_ids_and_email_addresses(
    slack: FakeSlack, leerroute: Services, tmp_path: Path
) -> None:
    slack.add_user(AN, "an@gemeente-utrecht.nl", "An Jansen")
    slack.add_user("U0BAS0002", "bas@gemeente-utrecht.nl", "Bas de Vries")
    slack.add_user("U0CEM0003", "Cem@Gemeente-Zeist.nl", "Cem Yilmaz")
    csv = tmp_path / "cohort.csv"
    # An is listed with her Slack id and her address; "UWV" is Cem's employer, not a Slack id.
    csv.write_text(
        "NAAM;ORGANISATIE;SLACK;EMAIL\n"
        f"An;Gemeente Utrecht;{AN};an@gemeente-utrecht.nl\n"
        "Bas;Gemeente Utrecht;;bas@gemeente-utrecht.nl\n"
        "Cem;UWV;;cem@gemeente-zeist.nl\n"
        "Dirk;Gemeente Zeist;;dirk@onbekend.nl\n",
        encoding="utf-8",
    )

    output = run_cli("participants", "import", str(csv))

    assert "enrolled 3; not found: 1; lines skipped: 0" in output
    assert "dirk@onbekend.nl" in output
    assert [(p.user_id, p.cohort) for p in leerroute.participants.active()] == [
        (AN, "default"),
        ("U0BAS0002", "default"),
        ("U0CEM0003", "default"),
    ]
    assert {c.params["email"] for c in slack.calls_to("users.lookupByEmail")} == {
        "an@gemeente-utrecht.nl",
        "bas@gemeente-utrecht.nl",
        "cem@gemeente-zeist.nl",
        "dirk@onbekend.nl",
    }


def test_a_csv_without_ids_or_addresses_is_refused_in_one_line(tmp_path: Path) -> None:
    csv = tmp_path / "cohort.csv"
    csv.write_text("naam,gemeente\nAn,Utrecht\n", encoding="utf-8")

    output = run_cli("participants", "import", str(csv), expect=1)

    assert "no Slack user ids or e-mail addresses found" in output
