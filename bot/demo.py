"""`leerroute demo`: clearly labelled demo data, so a newcomer sees what the product does.

The shipped knowledge is the 2011-2012 brochure: out of the box every reflection prompt
lies in the past and HR's report is empty. The demo adds, to the data dir only:
- a cohort `demo` on the brochure's rhythm (its sessions moved by whole weeks so that the
  first is at least two weeks from today), with one participant, DEMO_PARTICIPANT;
- questions from DEMO_COLLEAGUES simulated colleagues over the past eight weeks, asked of
  the real engine (taken from the training corpus) and recorded as Slack questions are,
  on the surface `demo`, some with feedback.

`leerroute demo --remove` removes exactly that: the surface `demo`, the participant and
the cohort file. Nothing in knowledge/ changes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update

from bot.answer.corpus import training_examples
from bot.knowledge import Cohort, Programme

DEMO_COHORT = "demo"
DEMO_PARTICIPANT = "UDEMO00001"
DEMO_SURFACE = "demo"
DEMO_FILE = "demo-cohort.json"
DEMO_COLLEAGUES = 36
DEMO_QUESTIONS = 220
DEMO_WEEKS = 8
LEAD_DAYS = 14  # the demo cohort's first werkatelier is at least this far ahead


@dataclass
class Seeded:
    questions: int
    colleagues: int
    first_atelier: dt.date


def demo_cohort(programme: Programme, today: dt.date) -> Cohort:
    """The programme's sessions moved by whole weeks (weekdays and rhythm kept) so that
    the first werkatelier, the first with reflection prompts, is LEAD_DAYS away or more."""
    ateliers = [s for s in programme.sessions_of("werkatelier") if s.dates] or [
        s for s in programme.sessions if s.dates
    ]
    first = min(day for session in ateliers for day in session.dates)
    weeks = math.ceil(((today + dt.timedelta(days=LEAD_DAYS)) - first).days / 7)
    shift = dt.timedelta(weeks=max(weeks, 0))
    return Cohort(
        id=DEMO_COHORT,
        sessions={s.id: [day + shift for day in s.dates] for s in programme.sessions if s.dates},
    )


def load_demo_cohort(data_dir: Path) -> Cohort | None:
    path = data_dir / DEMO_FILE
    if not path.exists():
        return None
    return Cohort.model_validate(json.loads(path.read_text(encoding="utf-8")))


def seed(services: Any, today: dt.date | None = None) -> Seeded:
    """Add the demo data (replacing an earlier demo)."""
    remove(services)
    today = today or dt.date.today()
    cohort = demo_cohort(services.knowledge.programme, today)
    path = services.settings.data_dir / DEMO_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cohort.model_dump_json(indent=2), encoding="utf-8")
    services.__dict__.pop("knowledge", None)  # reload with the demo cohort
    services.participants.enrol(DEMO_PARTICIPANT, cohort=DEMO_COHORT)
    asked = _ask_as_colleagues(services, today)
    first = min(
        day
        for sid, days in cohort.sessions.items()
        if sid.startswith("werkatelier")
        for day in days
    )
    return Seeded(asked, DEMO_COLLEAGUES, first)


def _ask_as_colleagues(services: Any, today: dt.date) -> int:
    """Corpus questions asked of the engine by simulated colleagues over the past weeks;
    more of them lately, so the report has a trend. Seeded: the same demo every time."""
    from bot.models import Question

    rng = random.Random(2011)
    examples = [
        e
        for e in training_examples(services.settings.knowledge_dir, services.knowledge.hulplijnen)
        if e.intent != "smalltalk" and len(e.text) < 300
    ]
    picked = rng.sample(examples, min(DEMO_QUESTIONS, len(examples)))
    colleagues = [f"UDEMO{n:05d}" for n in range(2, DEMO_COLLEAGUES + 2)]
    end = dt.datetime.combine(today, dt.time(17, 0), tzinfo=dt.UTC)
    assistant = services.assistant
    for example in picked:
        answer = assistant.answer(example.text)
        question_id = services.recorder.record(answer, rng.choice(colleagues), DEMO_SURFACE)
        days_ago = DEMO_WEEKS * 7 * (1 - rng.random() ** 0.7)  # more recent ones weigh more
        asked_at = end - dt.timedelta(days=days_ago, minutes=rng.randrange(8 * 60))
        feedback = None
        if rng.random() < 0.25:
            feedback = 1 if answer.grounded and rng.random() < 0.8 else -1
        with services.db.session() as session:
            session.execute(
                update(Question)
                .where(Question.id == question_id)
                .values(asked_at=asked_at, feedback=feedback)
            )
    return len(picked)


def remove(services: Any) -> dict[str, int]:
    """Remove the demo data and nothing else."""
    from bot.models import Question

    with services.db.session() as session:
        questions = session.execute(
            select(func.count()).where(Question.surface == DEMO_SURFACE)
        ).scalar()
        session.execute(delete(Question).where(Question.surface == DEMO_SURFACE))
    erased = services.recorder.forget(DEMO_PARTICIPANT)
    path = services.settings.data_dir / DEMO_FILE
    cohort = int(path.exists())
    path.unlink(missing_ok=True)
    services.__dict__.pop("knowledge", None)
    return {
        "questions": int(questions or 0),
        "participant": erased["enrolment"],
        "prompts": erased["prompts"],
        "cohort": cohort,
    }
