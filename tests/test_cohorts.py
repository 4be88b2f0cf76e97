"""Cohorts: a deployment runs the leergang on its own dates; reflection prompts follow them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from slack_sdk import WebClient
from typer.testing import CliRunner

from bot.cli import app
from bot.knowledge import KnowledgeError, load_knowledge
from bot.services import build_services
from bot.settings import load_settings
from bot.slack.reflection import SlackMessenger
from tests.conftest import KNOWLEDGE
from tests.fakes.slack import FakeSlack

COHORTS = """
cohorts:
  - id: najaar-2027
    sessions:
      werkatelier-1: [2027-12-13, 2027-12-14]
"""


@pytest.fixture
def knowledge(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = isolated / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    (target / "cohorts.yaml").write_text(COHORTS)
    monkeypatch.setenv("LEERROUTE_KNOWLEDGE_DIR", str(target))
    return target


def test_a_cohort_has_its_own_dates_and_keeps_the_others(knowledge: Path) -> None:
    loaded = load_knowledge(knowledge)
    own = loaded.programme_for("najaar-2027")
    first = own.session("werkatelier", 1)
    second = own.session("werkatelier", 2)
    assert first is not None and first.dates == [dt.date(2027, 12, 13), dt.date(2027, 12, 14)]
    assert second is not None and second.dates == [dt.date(2012, 1, 16), dt.date(2012, 1, 17)]
    assert loaded.programme_for("default") is loaded.programme


def test_an_unknown_session_in_a_cohort_is_named_in_one_line(knowledge: Path) -> None:
    (knowledge / "cohorts.yaml").write_text(
        "cohorts:\n  - id: x\n    sessions:\n      werkatelier-9: [2027-01-01]\n"
    )
    with pytest.raises(KnowledgeError, match=r"cohorts\[x\].*werkatelier-9"):
        load_knowledge(knowledge)


def test_a_participant_in_a_cohort_gets_prompts_on_the_cohorts_dates(knowledge: Path) -> None:
    services = build_services(load_settings())
    services.participants.enrol("U0COHORT27", cohort="najaar-2027")
    services.participants.enrol("U0BROCHURE", cohort="default")
    with FakeSlack() as slack:
        messenger = SlackMessenger(WebClient(token="xoxb-test-token", base_url=slack.api_url))
        # The day after the cohort's werkatelier 1 (Tuesday 14 December 2027).
        result = services.reflection.tick(
            messenger, dt.datetime(2027, 12, 15, 9, 30, tzinfo=dt.UTC)
        )
    assert result.sent == ["U0COHORT27:after:werkatelier-1"]


def test_importing_into_an_unknown_cohort_is_refused_and_names_the_known_ones(
    knowledge: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "deelnemers.csv"
    csv.write_text("U0ABCDEFGH\n")
    result = CliRunner().invoke(app, ["participants", "import", str(csv), "--cohort", "voorjaar"])
    assert result.exit_code == 1
    assert "'voorjaar' is not in knowledge/cohorts.yaml (known: default" in result.output


def test_lines_without_an_id_or_address_are_counted_not_silently_dropped(
    knowledge: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "deelnemers.csv"
    csv.write_text("slack_id,naam\nU0ABCDEFGH,An\nonbekend,Bas\nU0BCDEFGHI,Cas\n")
    result = CliRunner().invoke(app, ["participants", "import", str(csv)])
    assert result.exit_code == 0
    assert "enrolled 2" in result.output and "lines skipped: 1" in result.output
    assert "line(s) 3 hold no Slack user id" in result.output and "Bas" not in result.output
