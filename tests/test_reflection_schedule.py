"""When reflection questions are due, over the whole programme of November 2011 - June 2012.

After each werkatelier a looking-back question on the next working day; between two
ateliers a question that links the last theme to the participant's own practice; two
working days before the next atelier a preparation question. Only on Dutch working days,
at the send time in Amsterdam, never two on one day. The offsets come from the settings.
"""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise

import holidays
import pytest

from bot.knowledge import Programme, load_knowledge
from bot.reflection.schedule import PlannedPrompt, plan
from bot.settings import ReflectionSettings, load_settings
from tests.reflection_world import AMSTERDAM, run_cli

DUTCH_HOLIDAYS = holidays.country_holidays("NL", years=[2011, 2012])


def programme() -> Programme:
    return load_knowledge(load_settings().knowledge_dir).programme


def reflection_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> ReflectionSettings:
    """The reflection settings as an operator sets them: LEERROUTE_REFLECTION__<NAME>."""
    for name, value in env.items():
        monkeypatch.setenv(f"LEERROUTE_REFLECTION__{name.upper()}", value)
    return load_settings().reflection


def local_day(prompt: PlannedPrompt) -> dt.date:
    return prompt.due_at.astimezone(AMSTERDAM).date()


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in DUTCH_HOLIDAYS


def working_days_between(first: dt.date, last: dt.date) -> int:
    """Working days after `first` up to and including `last`."""
    days = (first + dt.timedelta(days=n) for n in range(1, (last - first).days + 1))
    return sum(1 for day in days if is_working_day(day))


def test_the_default_plan_for_the_programme() -> None:
    prompts = plan(programme(), ReflectionSettings())

    assert [(p.key, local_day(p).isoformat()) for p in prompts] == [
        ("before:werkatelier-1", "2011-12-15"),
        ("after:werkatelier-1", "2011-12-21"),  # werkatelier 1 is 19 and 20 December
        ("between:werkatelier-1", "2012-01-02"),  # not on New Year's Day, a Sunday
        ("before:werkatelier-2", "2012-01-12"),
        ("after:werkatelier-2", "2012-01-18"),
        ("between:werkatelier-2", "2012-01-30"),
        ("before:werkatelier-3", "2012-02-10"),
        ("after:werkatelier-3", "2012-02-16"),
        ("between:werkatelier-3", "2012-03-01"),
        ("before:werkatelier-4", "2012-03-15"),
        ("after:werkatelier-4", "2012-03-21"),
        ("between:werkatelier-4", "2012-04-04"),
        ("before:werkatelier-5", "2012-04-19"),
        ("after:werkatelier-5", "2012-04-25"),
        ("between:werkatelier-5", "2012-05-07"),
        ("before:werkatelier-6", "2012-05-16"),  # Ascension Day (17 May) is no working day
        ("after:werkatelier-6", "2012-05-23"),
    ]
    # Nothing after the last atelier: no "between" question leads to a werkatelier 7.
    assert {p.session.id for p in prompts if p.moment == "between"} == {
        f"werkatelier-{n}" for n in range(1, 6)
    }


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"after_days": "4"},  # over Christmas 2011 and Koninginnedag 2012
        {"before_days": "10"},  # back over Easter 2012
        {"before_days": "5", "after_days": "3", "send_time": "08:45"},
        {"before_days": "1", "after_days": "2"},
        {"before_days": "8", "after_days": "10"},  # two questions would share a day
    ],
    ids=[
        "defaults",
        "after-4",
        "before-10",
        "before-5-after-3-at-08.45",
        "before-1-after-2",
        "crowded",
    ],
)
def test_every_question_falls_on_a_working_day_at_send_time_at_most_one_a_day(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    settings = reflection_settings(monkeypatch, **env)
    prompts = plan(programme(), settings)
    days = [local_day(p) for p in prompts]

    every_atelier = {
        f"{moment}:werkatelier-{n}" for moment in ("before", "after") for n in range(1, 7)
    }
    assert every_atelier <= {p.key for p in prompts}  # "between" only where there is room
    assert all(is_working_day(day) for day in days), days
    assert days == sorted(set(days)), "at most one question a day, in time order"
    for prompt in prompts:
        local = prompt.due_at.astimezone(AMSTERDAM)
        assert local.time() == settings.send_time  # in winter (CET) and summer (CEST) alike
        assert prompt.due_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "env",
    [{}, {"after_days": "4"}, {"before_days": "10"}, {"before_days": "5", "after_days": "3"}],
    ids=["defaults", "after-4", "before-10", "before-5-after-3"],
)
def test_the_offsets_from_the_settings_are_counted_in_working_days(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    settings = reflection_settings(monkeypatch, **env)
    prompts = {p.key: p for p in plan(programme(), settings)}
    ateliers = [s for s in programme().sessions if s.kind == "werkatelier"]

    for atelier in ateliers:
        first, last = atelier.dates[0], atelier.dates[-1]
        before = local_day(prompts[f"before:{atelier.id}"])
        after = local_day(prompts[f"after:{atelier.id}"])
        assert working_days_between(before, first) == settings.before_days, atelier.id
        assert working_days_between(last, after) == settings.after_days, atelier.id
    for atelier, following in pairwise(ateliers):
        between = local_day(prompts[f"between:{atelier.id}"])
        after = local_day(prompts[f"after:{atelier.id}"])
        before_next = local_day(prompts[f"before:{following.id}"])
        assert after < between < before_next, atelier.id


def test_holidays_around_christmas_koninginnedag_and_easter_are_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    four_after = {
        p.key: local_day(p)
        for p in plan(programme(), reflection_settings(monkeypatch, after_days="4"))
    }
    # Werkatelier 1 ends Tuesday 20 December 2011: Wed, Thu, Fri, (weekend, Second Christmas
    # Day), Tuesday 27 December.
    assert four_after["after:werkatelier-1"] == dt.date(2011, 12, 27)
    # Werkatelier 5 ends Tuesday 24 April 2012: Wed, Thu, Fri, (weekend, Koninginnedag on
    # Monday 30 April), Tuesday 1 May.
    assert four_after["after:werkatelier-5"] == dt.date(2012, 5, 1)

    ten_before = {
        p.key: local_day(p)
        for p in plan(
            programme(), reflection_settings(monkeypatch, after_days="1", before_days="10")
        )
    }
    # Werkatelier 5 starts Monday 23 April 2012; ten working days back skips Easter Monday
    # (9 April) and Good Friday (6 April).
    assert ten_before["before:werkatelier-5"] == dt.date(2012, 4, 5)


def test_when_two_questions_would_share_a_day_the_later_one_moves_to_the_next_working_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = reflection_settings(monkeypatch, before_days="8", after_days="10")
    prompts = [(p.key, local_day(p)) for p in plan(programme(), settings)]

    # Ten working days after werkatelier 1 and eight before werkatelier 2 are both Wednesday
    # 4 January 2012: the preparation keeps its day, looking back moves to Thursday.
    assert prompts[1:3] == [
        ("before:werkatelier-2", dt.date(2012, 1, 4)),
        ("after:werkatelier-1", dt.date(2012, 1, 5)),
    ]


def test_reflect_plan_shows_a_participants_questions() -> None:
    from bot.services import build_services
    from bot.settings import load_settings

    build_services(load_settings()).participants.enrol("U0AN00001")
    output = run_cli("reflect", "plan", "--user", "U0AN00001", "--json")

    rows = json.loads(output)
    assert len(rows) == 17
    run_cli("reflect", "plan", "--user", "U99NOBODY", expect=1)  # nobody: said, not planned
    assert rows[1] == {
        "user": "U0AN00001",
        "cohort": "default",
        "key": "after:werkatelier-1",
        "moment": "after",
        "session": "werkatelier-1",
        "label": "Werkatelier 1",
        "due_at": "2011-12-21T09:30:00+01:00",
    }
    assert rows[-1]["due_at"] == "2012-05-23T09:30:00+02:00"  # summer time
