"""The command line as people and scripts use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def test_ask_prints_a_readable_answer_with_sources_and_route(data_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "who do I contact about team conflict?"])
    assert result.exit_code == 0, result.output
    assert "Group developer" in result.output
    assert "*" not in result.output  # mrkdwn is shown as terminal styles
    assert "confidence" not in result.output  # no debug lines
    assert "source:" in result.output  # in the answer's language


def test_ask_json_reads_stdin_and_keeps_the_contract(data_dir: Path) -> None:
    questions = "Wanneer is werkatelier 4?\n\nwho do I contact about team conflict?\nWat is de hoofdstad van Australië?\n"
    result = runner.invoke(app, ["ask", "--json"], input=questions)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "Wanneer is werkatelier 4?",
        "who do I contact about team conflict?",
        "Wat is de hoofdstad van Australië?",
    ]
    for line in lines:
        assert set(line) >= {"question", "answer", "grounded", "route", "sources", "latency_ms"}
        assert set(line["route"]) >= {"role", "name", "confidence"}
        assert all(set(source) >= {"path", "title", "section"} for source in line["sources"])
        assert isinstance(line["latency_ms"], float)
    date, route, unknown = lines
    assert "19 en 20 maart 2012" in date["answer"] and date["route"]["role"] is None
    assert (
        route["route"]["role"] == "groepsontwikkelaar"
        and route["route"]["name"] == "Group developer"
    )
    assert unknown["grounded"] is False and unknown["sources"] == []


def test_ask_json_with_one_question_prints_one_object(data_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "--json", "Wanneer is masterclass 1?"])
    answer = json.loads(result.stdout)
    assert "7 maart 2012" in answer["answer"]
    assert answer["kind"] == "answer" and answer["language"] == "nl"
    assert answer["generated"] is False


def test_chat_keeps_the_conversation_for_follow_ups(data_dir: Path) -> None:
    result = runner.invoke(
        app, ["chat"], input="wanneer is werkatelier 4?\nen werkatelier 5?\nstop\n"
    )
    assert result.exit_code == 0, result.output
    assert "19 en 20 maart 2012" in result.output
    assert "23 en 24 april 2012" in result.output


def test_eval_scores_a_question_set(data_dir: Path, tmp_path: Path) -> None:
    question_set = tmp_path / "set.yaml"
    question_set.write_text(
        yaml.safe_dump(
            {
                "routing": [
                    {"q": "wie helpt bij ruzie in ons team?", "role": "groepsontwikkelaar"}
                ],
                "knowledge": [
                    {
                        "q": "Wanneer is werkatelier 1?",
                        "expect": "19 en 20 december",
                        "source": "001",
                    }
                ],
                "out_of_scope": [{"q": "Wat is de hoofdstad van Australië?"}],
            }
        )
    )
    result = runner.invoke(app, ["eval", "--set", str(question_set), "--json"])
    report = json.loads(result.stdout)[str(question_set)]
    assert report["rates"]["routing"]["all"] == 1.0
    assert report["rates"]["knowledge"]["all"] == 1.0
    assert report["rates"]["out_of_scope"]["all"] == 1.0
    assert report["role_confusion"] == {"groepsontwikkelaar → groepsontwikkelaar": 1}
    assert report["misses"] == []


def test_asking_before_anything_is_indexed_says_what_to_do(isolated: Path) -> None:
    result = runner.invoke(app, ["ask", "hallo"])
    assert result.exit_code == 1
    assert "leerroute ingest" in result.output
    assert "Traceback" not in result.output


def test_a_bad_setting_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEERROUTE_LLM__PROVIDER", "gpt")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 1
    assert "LEERROUTE_LLM__PROVIDER" in result.output and "Traceback" not in result.output


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-super-secret")
    result = runner.invoke(app, ["config"])
    assert "super-secret" not in result.output and "********" in result.output


def test_ingest_reports_nothing_changed_on_a_second_run(data_dir: Path) -> None:
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "Nothing changed" in result.output


def test_ingest_of_a_missing_path_is_a_clear_error(data_dir: Path) -> None:
    result = runner.invoke(app, ["ingest", "bestaat-niet"])
    assert result.exit_code == 1 and "no such file" in result.output


def test_health_passes_with_an_index_and_fails_with_a_reason_without(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["health"]).exit_code == 0
    monkeypatch.setenv("LEERROUTE_DATA_DIR", str(tmp_path / "empty"))
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 1 and "leerroute ingest" in result.output


def test_an_unknown_fallback_role_is_one_clear_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEERROUTE_ANSWER__FALLBACK_ROLE", "hr")
    result = runner.invoke(app, ["ask", "Wat is de hoofdstad van Australië?"])
    assert result.exit_code == 1
    assert "LEERROUTE_ANSWER__FALLBACK_ROLE" in result.output and "Traceback" not in result.output
