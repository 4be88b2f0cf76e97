"""`leerroute demo` gives a newcomer something to see, and `--remove` takes only that away."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from bot import demo
from bot.cli import app
from bot.services import Services


def test_the_demo_has_a_prompt_due_soon_and_themes_for_hr_and_is_removed_cleanly(
    services: Services,
) -> None:
    services.questions.ask("wanneer is werkatelier 4?", "U0REAL001", "dm")  # a real one
    today = dt.date.today()
    seeded = demo.seed(services, today)
    assert seeded.questions >= 150 and seeded.colleagues >= 30
    assert dt.timedelta(days=14) <= seeded.first_atelier - today < dt.timedelta(days=21)

    runner = CliRunner()
    plan = json.loads(
        runner.invoke(app, ["reflect", "plan", "--user", demo.DEMO_PARTICIPANT, "--json"]).stdout
    )
    first_due = dt.date.fromisoformat(plan[0]["due_at"][:10])
    assert plan[0]["cohort"] == "demo" and today <= first_due <= today + dt.timedelta(days=30)
    report = json.loads(runner.invoke(app, ["report", "--json"]).stdout)
    assert len([t for t in report["themes"] if t["label"] != "overig"]) >= 3
    assert report["askers"] >= 30 and report["feedback"]["up"] > 0

    result = runner.invoke(app, ["demo", "--remove"])
    assert result.exit_code == 0, result.output
    assert "participant 1" in result.output and "cohort 1" in result.output
    assert services.recorder.question_count() == 1  # the real question stays
    assert not services.participants.is_enrolled(demo.DEMO_PARTICIPANT)
    assert not (services.settings.data_dir / demo.DEMO_FILE).exists()
