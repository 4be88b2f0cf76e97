"""When reflection prompts are due: working days, Dutch holidays, send time, one a day.

Pure functions of the programme and the settings, so a plan can be shown
(`leerroute reflect plan`) and tested over the whole programme.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

from bot.knowledge import Programme, Session
from bot.settings import ReflectionSettings

MOMENTS = ("before", "after", "between")


@dataclass(frozen=True)
class PlannedPrompt:
    key: str  # unique per participant: "after:werkatelier-1"
    moment: str  # before | after | between
    session: Session
    due_at: dt.datetime  # aware, in UTC

    def as_json(self, tz: ZoneInfo) -> dict[str, str]:
        return {
            "key": self.key,
            "moment": self.moment,
            "session": self.session.id,
            "label": self.session.label,
            "due_at": self.due_at.astimezone(tz).isoformat(),
        }


@lru_cache(maxsize=8)
def _dutch_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=[year - 1, year, year + 1])


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """`count` working days after (positive) or before (negative) `day`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def plan(programme: Programme, settings: ReflectionSettings) -> list[PlannedPrompt]:
    """Every prompt of the programme, at most one per working day, in time order."""
    tz = ZoneInfo(settings.timezone)
    ateliers = [s for s in programme.sessions_of("werkatelier") if s.dates]
    wanted: list[tuple[dt.date, str, Session]] = []
    for i, atelier in enumerate(ateliers):
        wanted.append(
            (add_working_days(atelier.dates[0], -settings.before_days), "before", atelier)
        )
        after = add_working_days(atelier.dates[-1], settings.after_days)
        wanted.append((after, "after", atelier))
        if i + 1 < len(ateliers):
            before_next = add_working_days(ateliers[i + 1].dates[0], -settings.before_days)
            middle = after + (before_next - after) / 2
            if (before_next - after).days >= 6:  # room for a question in between
                wanted.append((next_working_day(middle), "between", atelier))
    prompts: list[PlannedPrompt] = []
    taken: set[dt.date] = set()
    for day, moment, session in sorted(wanted, key=lambda item: (item[0], MOMENTS.index(item[1]))):
        day = next_working_day(day)
        while day in taken:  # at most one prompt a day per participant
            day = add_working_days(day, 1)
        taken.add(day)
        local = dt.datetime.combine(day, settings.send_time, tzinfo=tz)
        prompts.append(
            PlannedPrompt(f"{moment}:{session.id}", moment, session, local.astimezone(dt.UTC))
        )
    return prompts


def in_quiet_hours(moment: dt.datetime, settings: ReflectionSettings) -> bool:
    local = moment.astimezone(ZoneInfo(settings.timezone)).time()
    start, end = settings.quiet_start, settings.quiet_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end


class QuestionBank:
    """Reflection questions from `prompts/reflection.yaml`, per moment and atelier."""

    def __init__(self, data: dict) -> None:  # type: ignore[type-arg]
        self.generic = data.get("generic") or {}
        self.sessions = data.get("sessions") or {}

    @classmethod
    def load(cls, path: Path) -> QuestionBank:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def question(self, prompt: PlannedPrompt, user_id: str, language: str) -> str:
        """A question for this prompt, varied per participant but stable across ticks."""
        session_specific = (
            (self.sessions.get(prompt.session.id) or {}).get(prompt.moment) or {}
        ).get(language) or []
        generic = (self.generic.get(prompt.moment) or {}).get(language) or []
        options = list(session_specific) + list(generic)
        if not options:
            options = (self.generic.get(prompt.moment) or {}).get("nl") or [
                "Wat neem je mee uit {label}?"
            ]
        digest = int(hashlib.sha256(f"{user_id}:{prompt.key}".encode()).hexdigest(), 16)
        # Session-specific questions first when there are any: they are closest to the theme.
        pick = (
            session_specific[digest % len(session_specific)]
            if session_specific
            else options[digest % len(options)]
        )
        return pick.format(
            label=prompt.session.label, theme=prompt.session.theme or prompt.session.title
        )
