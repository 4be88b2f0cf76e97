"""Schemas and loading of the structured knowledge: hulplijnen and the programme.

Both files are data HR edits by hand, so every error names the file, the entry
and the field in one line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ROLE_IDS = (
    "groepsontwikkelaar",
    "programmaregisseur",
    "bestuursadviseur",
    "hr-adviseur",
    "externe-coach",
    "programmamanager",
)


class KnowledgeError(Exception):
    """A knowledge file is missing or invalid; the message is one readable line."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Localized(Strict):
    nl: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.nl


class LocalizedList(Strict):
    nl: list[str]
    en: list[str]

    def get(self, language: str) -> list[str]:
        return self.en if language == "en" else self.nl


class SourceRef(Strict):
    document: str
    section: str | None = None


class Contact(Strict):
    slack_channel: str | None = None
    slack_usergroup: str | None = None
    email: str | None = None
    note: Localized | None = None

    def lines(self, language: str) -> list[str]:
        en = language == "en"
        out = []
        if self.slack_channel:
            out.append(f"Slack: {self.slack_channel}")
        if self.slack_usergroup:
            out.append(("Slack group: " if en else "Slack-groep: ") + self.slack_usergroup)
        if self.email:
            out.append(("Email: " if en else "E-mail: ") + self.email)
        if self.note:
            out.append(self.note.get(language))
        return out


class Examples(Strict):
    nl: list[str] = Field(min_length=10)
    en: list[str] = Field(min_length=5)

    def get(self, language: str) -> list[str]:
        return self.en if language == "en" else self.nl


class Role(Strict):
    id: str
    name: Localized
    summary: Localized
    helps_with: LocalizedList
    go_when: LocalizedList
    not_for: LocalizedList
    contact: Contact
    source: SourceRef
    keywords: list[str] = Field(default_factory=list)
    examples: Examples

    @field_validator("keywords")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [word.lower() for word in value]


class Hulplijnen(Strict):
    default_role: str = "hr-adviseur"
    roles: list[Role]

    @model_validator(mode="after")
    def _known_ids(self) -> Hulplijnen:
        ids = [role.id for role in self.roles]
        if len(set(ids)) != len(ids):
            raise ValueError("role ids must be unique")
        if self.default_role not in ids:
            raise ValueError(f"default_role '{self.default_role}' is not one of the roles")
        return self

    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)


SessionKind = Literal[
    "intake", "start", "werkatelier", "masterclass", "tussengesprek", "consultatie", "slot"
]


class Session(Strict):
    id: str
    kind: SessionKind
    number: int | None = None
    title: str
    dates: list[dt.date] = Field(default_factory=list)
    when: str | None = None
    duration: str | None = None
    theme: str | None = None
    summary: str | None = None
    topics: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind in {"werkatelier", "masterclass"} and self.number:
            return f"{self.kind.capitalize()} {self.number}"
        return self.title


class Location(Strict):
    name: str
    city: str


class StudyLoad(Strict):
    contact_dagdelen: int
    dagdelen_outside_working_hours: int
    total_hours: int
    text: str


class Costs(Strict):
    amount_eur: int
    subsidy_eur: int | None = None
    text: str


class SizeRange(Strict):
    min: int
    max: int
    text: str


class ProgrammeContact(Strict):
    name: str
    role: str
    email: str | None = None
    phone: str | None = None


class Programme(Strict):
    id: str
    title: str
    organisation: str
    source: SourceRef
    audience: str
    duration: str
    period: str
    location: Location
    study_load: StudyLoad
    costs: Costs
    group_size: SizeRange
    consultation_group_size: SizeRange
    admission: list[str]
    contacts: list[ProgrammeContact]
    sessions: list[Session]

    def sessions_of(self, kind: str) -> list[Session]:
        return [session for session in self.sessions if session.kind == kind]

    def session(self, kind: str, number: int | None = None) -> Session | None:
        for session in self.sessions:
            if session.kind == kind and (number is None or session.number == number):
                return session
        return None

    def session_by_id(self, session_id: str) -> Session | None:
        return next((session for session in self.sessions if session.id == session_id), None)

    def next_session(self, today: dt.date) -> Session | None:
        dated = [s for s in self.sessions if s.dates and s.dates[-1] >= today]
        return min(dated, key=lambda s: s.dates[0], default=None)


class Cohort(Strict):
    """A group following the programme on its own dates (sessions not listed keep theirs)."""

    id: str
    sessions: dict[str, list[dt.date]] = Field(default_factory=dict)


class Cohorts(Strict):
    cohorts: list[Cohort] = Field(default_factory=list)


@dataclass(frozen=True)
class Knowledge:
    hulplijnen: Hulplijnen
    programme: Programme
    directory: Path
    cohorts: dict[str, Cohort] = field(default_factory=dict)

    def programme_for(self, cohort: str | None) -> Programme:
        """The programme with a cohort's own dates (the brochure's dates for 'default')."""
        own = self.cohorts.get(cohort or "")
        if own is None:
            return self.programme
        sessions = [
            session.model_copy(update={"dates": own.sessions[session.id]})
            if session.id in own.sessions
            else session
            for session in self.programme.sessions
        ]
        return self.programme.model_copy(update={"sessions": sessions})


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise KnowledgeError(f"{path}: not valid UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise KnowledgeError(f"{path}:{where} {problem}") from None


def _describe(path: Path, data: object, exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = list(error["loc"])
    entry = ""
    # Name the entry by its id ("roles[hr-adviseur]") rather than a bare index.
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
        items = data.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            entry_id = items[loc[1]].get("id")
            if entry_id:
                entry = f"{loc[0]}[{entry_id}]"
                loc = loc[2:]
    field = ".".join(str(part) for part in loc)
    location = " ".join(part for part in (entry, f"field '{field}'" if field else "") if part)
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{path}: {location}: {error['msg']}{more}"


def load_hulplijnen(path: Path) -> Hulplijnen:
    data = _read_yaml(path)
    try:
        return Hulplijnen.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(_describe(path, data, exc)) from None


def load_programme(path: Path) -> Programme:
    data = _read_yaml(path)
    try:
        return Programme.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(_describe(path, data, exc)) from None


def load_cohorts(path: Path, programme: Programme) -> dict[str, Cohort]:
    """Optional `cohorts.yaml`: each cohort's own session dates, checked against the programme."""
    if not path.exists():
        return {}
    data = _read_yaml(path) or {}
    try:
        cohorts = Cohorts.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(_describe(path, data, exc)) from None
    known = {session.id for session in programme.sessions}
    for cohort in cohorts.cohorts:
        unknown = sorted(set(cohort.sessions) - known)
        if unknown:
            raise KnowledgeError(
                f"{path}: cohorts[{cohort.id}] field 'sessions': unknown session '{unknown[0]}' "
                f"(sessions are the ids in programme.yaml)"
            )
    return {cohort.id: cohort for cohort in cohorts.cohorts}


def load_knowledge(directory: Path) -> Knowledge:
    programme = load_programme(directory / "programme.yaml")
    return Knowledge(
        hulplijnen=load_hulplijnen(directory / "hulplijnen.yaml"),
        programme=programme,
        directory=directory,
        cohorts=load_cohorts(directory / "cohorts.yaml", programme),
    )
