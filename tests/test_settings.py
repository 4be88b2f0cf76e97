"""Settings: conventional names, nested groups, one clear line for a bad value."""

from __future__ import annotations

import pytest

from bot.settings import LlmProvider, SettingsError, load_settings, masked


def test_defaults_work_offline_without_any_configuration() -> None:
    settings = load_settings()
    assert settings.llm.provider is LlmProvider.none
    assert settings.embeddings.provider.value == "local"
    assert settings.db_url.startswith("sqlite:///")
    assert settings.chroma_url is None
    assert settings.slack.api_url == "https://slack.com/api/"


def test_slack_and_openai_use_their_conventional_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234-real")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-1234")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("DATABASE_URL", "postgresql://leer:geheim@db/leerroute")
    monkeypatch.setenv("LEERROUTE_CHROMA_URL", "http://127.0.0.1:8001")
    monkeypatch.setenv("LEERROUTE_LLM__PROVIDER", "openai")
    settings = load_settings()
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == "xoxb-1234-real"
    assert settings.slack.api_url == "http://127.0.0.1:9999/api/"  # the trailing / slack_sdk needs
    assert settings.openai.base_url == "http://127.0.0.1:8000/v1"
    assert settings.db_url == "postgresql://leer:geheim@db/leerroute"
    assert settings.chroma_url == "http://127.0.0.1:8001"
    assert settings.llm.provider is LlmProvider.openai


def test_settings_are_read_from_a_dot_env_file(isolated, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (isolated / ".env").write_text(
        "LEERROUTE_ANSWER__MAX_QUESTION_CHARS=700\nSLACK_SIGNING_SECRET=s3cr3t-value\n"
    )
    settings = load_settings()
    assert settings.answer.max_question_chars == 700
    assert settings.slack.signing_secret is not None


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("LEERROUTE_LLM__PROVIDER", "gpt", "LEERROUTE_LLM__PROVIDER"),
        ("LEERROUTE_ANSWER__MAX_QUESTION_CHARS", "lots", "LEERROUTE_ANSWER__MAX_QUESTION_CHARS"),
        ("SLACK_BOT_TOKEN", "xoxb-your-token", "SLACK_BOT_TOKEN"),
        ("OPENAI_API_KEY", "changeme", "OPENAI_API_KEY"),
        ("LEERROUTE_REFLECTION__TIMEZONE", "Mars/Olympus", "LEERROUTE_REFLECTION__TIMEZONE"),
        ("LEERROUTE_CHROMA_URL", "localhost:8000", "LEERROUTE_CHROMA_URL"),
    ],
)
def test_an_invalid_value_gives_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert named in message
    assert "\n" not in message
    assert value not in message or name != "SLACK_BOT_TOKEN"


def test_printed_settings_mask_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://leer:geheim@db/leerroute")
    shown = masked(load_settings())
    text = repr(shown)
    assert "very-secret" not in text and "geheim" not in text
    assert shown["slack.bot_token"] == "********"
    assert shown["database_url"] == "postgresql://leer:********@db/leerroute"


def test_the_example_env_file_documents_every_setting() -> None:
    from pathlib import Path

    from pydantic import BaseModel

    from bot.settings import Settings

    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            prefix = {"slack": "SLACK_", "openai": "OPENAI_"}.get(
                name, f"LEERROUTE_{name.upper()}__"
            )
            for sub in annotation.model_fields:
                assert f"{prefix}{sub.upper()}=" in example, (
                    f"{prefix}{sub.upper()} is not documented"
                )
        else:
            env = "DATABASE_URL" if name == "database_url" else f"LEERROUTE_{name.upper()}"
            assert f"{env}=" in example, f"{env} is not documented"


def test_hr_admins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEERROUTE_MONITOR__HR_ADMINS", "U07HRADMN, U08HRADMN")
    assert load_settings().monitor.hr_admins == ["U07HRADMN", "U08HRADMN"]


@pytest.mark.parametrize(
    ("ids", "says"), [("U01ABCDEF,U02GHIJKL", "example"), ("jan@gemeente.nl", "not a Slack")]
)
def test_example_or_malformed_hr_admin_ids_are_refused(
    monkeypatch: pytest.MonkeyPatch, ids: str, says: str
) -> None:
    monkeypatch.setenv("LEERROUTE_MONITOR__HR_ADMINS", ids)
    with pytest.raises(SettingsError, match=f"LEERROUTE_MONITOR__HR_ADMINS: .*{says}"):
        load_settings()
