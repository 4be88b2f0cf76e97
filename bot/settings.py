"""All configuration in one place: environment variables and `.env`.

Slack and OpenAI keep their conventional variable names (`SLACK_BOT_TOKEN`,
`OPENAI_API_KEY`, ...); everything else is `LEERROUTE_*`, nested groups with `__`
(`LEERROUTE_LLM__PROVIDER=openai`). Nothing is read at import time: call
`load_settings()`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

PLACEHOLDER_MARKERS = ("changeme", "change-me", "your-", "xxx", "placeholder", "<", "...")
EXAMPLE_USER_IDS = {"U01ABCDEF", "U02GHIJKL"}  # the ids .env.example shows
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")  # what a Slack user (or org user) id looks like


def reject_placeholder(value: SecretStr | None, name: str) -> SecretStr | None:
    """Refuse secrets that were copied from `.env.example` without being filled in."""
    if value is None:
        return None
    secret = value.get_secret_value().strip()
    if not secret:
        return None
    lowered = secret.lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        raise ValueError(f"{name} still holds a placeholder; set the real value or leave it empty")
    return SecretStr(secret)


class LlmProvider(StrEnum):
    none = "none"
    openai = "openai"


class EmbeddingProvider(StrEnum):
    local = "local"
    openai = "openai"


class SlackSettings(BaseSettings):
    """Slack credentials and endpoint (conventional `SLACK_*` names)."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...).")
    app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-...); when set, `serve` uses Socket Mode."
    )
    signing_secret: SecretStr | None = Field(
        None, description="Signing secret that verifies HTTP requests from Slack."
    )
    api_url: str = Field(
        "https://slack.com/api/",
        description="Web API base URL (GovSlack or a test server); must end with '/'.",
    )

    @field_validator("bot_token", "app_token", "signing_secret")
    @classmethod
    def _no_placeholders(cls, value: SecretStr | None, info: Any) -> SecretStr | None:
        return reject_placeholder(value, f"SLACK_{info.field_name.upper()}")

    @field_validator("api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("SLACK_API_URL must start with http:// or https://")
        return value if value.endswith("/") else value + "/"


class OpenAISettings(BaseSettings):
    """An OpenAI or OpenAI-compatible endpoint (conventional `OPENAI_*` names)."""

    model_config = SettingsConfigDict(env_prefix="OPENAI_", env_file=".env", extra="ignore")

    api_key: SecretStr | None = Field(None, description="API key for the endpoint.")
    base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible endpoint (Ollama, vLLM, Azure...)."
    )

    @field_validator("api_key")
    @classmethod
    def _no_placeholders(cls, value: SecretStr | None) -> SecretStr | None:
        return reject_placeholder(value, "OPENAI_API_KEY")


# A generated answer's total deadline when none is set, by the kind of endpoint: a hosted
# API (OpenAI, Azure OpenAI) streams a short answer in a few seconds; a self-hosted model
# (Ollama, vLLM, llama.cpp) may run on CPUs: llama.cpp with Qwen2.5-Coder-1.5B on 2 cores
# took p50 3.9 s / p95 7.7 s on the dev set on a quiet machine, and p50 20 s / p95 over
# 45 s while the machine also ran the test suite (benchmarks/llm.py). 45 s covers the busy
# case while the person watches the text stream in.
HOSTED_DEADLINE_S = 15.0
SELF_HOSTED_DEADLINE_S = 45.0
HOSTED_HOSTS = ("api.openai.com", ".openai.azure.com", ".azure-api.net")


class LlmSettings(BaseModel):
    provider: LlmProvider = Field(
        LlmProvider.none,
        description="'none' composes answers from the sources (offline); 'openai' generates them.",
    )
    model: str = Field("gpt-4o-mini", description="Chat model name at the endpoint.")
    deadline_s: float | None = Field(
        None,
        gt=0,
        le=300,
        description="Seconds a generated answer may take in all (connecting, waiting, "
        "streaming, one retry); then the composed answer is used. Default: 15 for a hosted "
        "API, 45 for a self-hosted endpoint.",
    )
    max_tokens: int = Field(
        350, ge=32, le=4000, description="Longest generated answer, in tokens (sent each time)."
    )
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")

    def deadline(self, base_url: str | None) -> float:
        """The deadline set, or the default for the endpoint's kind."""
        if self.deadline_s is not None:
            return self.deadline_s
        host = (base_url or "https://api.openai.com").split("://", 1)[-1].split("/", 1)[0]
        host = host.split(":", 1)[0].lower()
        hosted = any(host == h or host.endswith(h) for h in HOSTED_HOSTS)
        return HOSTED_DEADLINE_S if hosted else SELF_HOSTED_DEADLINE_S


class EmbeddingSettings(BaseModel):
    provider: EmbeddingProvider = Field(
        EmbeddingProvider.local,
        description="'local' is the bundled multilingual-e5-small; 'openai' uses the endpoint.",
    )
    model: str = Field(
        "text-embedding-3-small", description="Embedding model name for the 'openai' provider."
    )
    timeout_s: float = Field(
        10.0, gt=0, le=120, description="Seconds an embeddings request to the endpoint may take."
    )


class AnswerSettings(BaseModel):
    fallback_role: str | None = Field(
        None,
        description="Support role to point to when the sources do not answer "
        "(default: default_role in hulplijnen.yaml).",
    )
    max_question_chars: int = Field(
        2000,
        ge=50,
        le=20000,
        description="A longer message is shortened to this length around its questions.",
    )
    questions_per_minute: int = Field(
        8,
        ge=1,
        le=600,
        description="Questions one person may ask per minute in Slack; more get a friendly "
        "'even rustig aan' (so that one person cannot slow everyone else down).",
    )
    conversation_minutes: int = Field(
        60,
        ge=1,
        le=7 * 24 * 60,
        description="A Slack conversation's state (what follow-ups refer to) expires after "
        "this many quiet minutes.",
    )


class ReflectionSettings(BaseModel):
    enabled: bool = Field(True, description="Run the reflection scheduler inside `serve`.")
    timezone: str = Field("Europe/Amsterdam", description="Time zone of send time and quiet hours.")
    send_time: dt.time = Field(dt.time(9, 30), description="Local time prompts become due.")
    quiet_start: dt.time = Field(
        dt.time(18, 0), description="From this local time nothing is sent..."
    )
    quiet_end: dt.time = Field(dt.time(8, 0), description="...until this local time.")
    after_days: int = Field(1, ge=1, le=10, description="Working days after an atelier: look back.")
    before_days: int = Field(2, ge=1, le=10, description="Working days before an atelier: prepare.")
    catch_up_hours: int = Field(
        48, ge=0, le=720, description="Prompts missed by less are still sent."
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'") from None
        return value


class MonitorSettings(BaseModel):
    hr_admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Slack user ids that see the HR monitoring summary."
    )
    pseudonym_key: SecretStr | None = Field(
        None, description="Secret for the keyed hash of asker ids (generated in the data dir)."
    )
    k_anonymity: int = Field(5, ge=1, description="Minimum distinct askers before a theme shows.")
    retention_days: int = Field(90, ge=1, description="Days before question texts are deleted.")
    dashboard_password: SecretStr | None = Field(
        None, description="Password/token HR admins use to sign in to the dashboard."
    )
    dashboard_url: str | None = Field(
        None, description="Where HR reaches the dashboard (linked from App Home)."
    )

    @field_validator("hr_admins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().startswith("["):  # the JSON form works too
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("hr_admins")
    @classmethod
    def _real_user_ids(cls, value: list[str]) -> list[str]:
        for user in value:
            if user in EXAMPLE_USER_IDS:
                raise ValueError(
                    f"'{user}' is the example from .env.example; set your HR admins' Slack user ids"
                )
            if not SLACK_USER_ID.fullmatch(user):
                raise ValueError(f"'{user}' is not a Slack user id (like U0123ABCD)")
        return value

    @field_validator("pseudonym_key", "dashboard_password")
    @classmethod
    def _no_placeholders(cls, value: SecretStr | None, info: Any) -> SecretStr | None:
        return reject_placeholder(value, f"LEERROUTE_MONITOR__{info.field_name.upper()}")


class Settings(BaseSettings):
    """Leerroute's settings. Every field has a working offline default."""

    model_config = SettingsConfigDict(
        env_prefix="LEERROUTE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(Path("data"), description="Holds the Chroma store and the database.")
    knowledge_dir: Path = Field(Path("knowledge"), description="The knowledge base (data).")
    prompts_dir: Path = Field(Path("prompts"), description="Prompt templates and question banks.")
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "LEERROUTE_DATABASE_URL"),
        description="SQLAlchemy URL; default is a SQLite file in the data dir.",
    )
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server; default is Chroma on disk in the data dir."
    )
    log_level: str = Field("INFO", description="Logging level.")

    slack: SlackSettings = Field(default_factory=lambda: SlackSettings())
    openai: OpenAISettings = Field(default_factory=lambda: OpenAISettings())
    llm: LlmSettings = Field(default_factory=lambda: LlmSettings())
    embeddings: EmbeddingSettings = Field(default_factory=lambda: EmbeddingSettings())
    answer: AnswerSettings = Field(default_factory=lambda: AnswerSettings())
    monitor: MonitorSettings = Field(default_factory=lambda: MonitorSettings())
    reflection: ReflectionSettings = Field(default_factory=lambda: ReflectionSettings())

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value or None

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'leerroute.db'}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


class SettingsError(Exception):
    """A setting is invalid; the message names it in one line."""


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
    except SourceError as exc:  # a value that cannot even be parsed (e.g. broken JSON)
        raise SettingsError(f"invalid setting: {str(exc).splitlines()[0]}") from None


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = "__".join(str(item) for item in error["loc"]) or exc.title
        name = location if location.isupper() else f"LEERROUTE_{location.upper()}"
        if exc.title in {"SlackSettings", "OpenAISettings"}:
            prefix = "SLACK_" if exc.title == "SlackSettings" else "OPENAI_"
            name = prefix + location.upper()
        parts.append(f"{name}: {error['msg']}")
    return "invalid setting " + "; ".join(parts)


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as a flat dict with every secret masked."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, model: BaseModel) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            key = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(key + ".", value)
            elif isinstance(value, SecretStr):
                flat[key] = "********"
            elif key == "database_url" and value and "@" in str(value):
                flat[key] = mask_url(str(value))
            else:
                flat[key] = value

    walk("", settings)
    return flat


def mask_url(url: str) -> str:
    """Hide the password in a URL like postgresql://user:secret@host/db."""
    scheme, _, rest = url.partition("://")
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"
