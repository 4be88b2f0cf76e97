"""The structured knowledge: validated, with errors that name file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge import ROLE_IDS, KnowledgeError, load_hulplijnen, load_programme
from tests.conftest import KNOWLEDGE


def test_the_shipped_hulplijnen_have_the_six_roles_with_enough_examples() -> None:
    hulplijnen = load_hulplijnen(KNOWLEDGE / "hulplijnen.yaml")
    assert tuple(role.id for role in hulplijnen.roles) == ROLE_IDS
    for role in hulplijnen.roles:
        assert len(role.examples.nl) >= 10 and len(role.examples.en) >= 5
        assert role.contact.lines("nl")
        assert (KNOWLEDGE / "documents" / role.source.document).exists()


def test_the_shipped_programme_matches_the_brochure() -> None:
    programme = load_programme(KNOWLEDGE / "programme.yaml")
    ateliers = programme.sessions_of("werkatelier")
    assert [a.number for a in ateliers] == [1, 2, 3, 4, 5, 6]
    four = programme.session("werkatelier", 4)
    assert four is not None and four.theme == "Inrichten van veranderprocessen"
    assert [d.isoformat() for d in four.dates] == ["2012-03-19", "2012-03-20"]
    assert programme.costs.amount_eur == 6500
    assert programme.location.name == "Kaap Doorn Conferentiecentrum"
    assert programme.group_size.min == 15


def broken_copy(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((KNOWLEDGE / "hulplijnen.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "hulplijnen.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_missing_field_is_named_with_its_file_and_role(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, lambda d: d["roles"][1].pop("summary"))
    with pytest.raises(KnowledgeError) as error:
        load_hulplijnen(path)
    message = str(error.value)
    assert str(path) in message and "roles[programmaregisseur]" in message and "summary" in message
    assert "\n" not in message


def test_too_few_examples_are_refused(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, lambda d: d["roles"][0]["examples"].update(en=["one"]))
    with pytest.raises(KnowledgeError, match=r"roles\[groepsontwikkelaar\] field 'examples.en'"):
        load_hulplijnen(path)


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "hulplijnen.yaml"
    path.write_text("roles:\n  - id: x\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"hulplijnen.yaml: line \d+"):
        load_hulplijnen(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="file not found"):
        load_programme(tmp_path / "programme.yaml")
