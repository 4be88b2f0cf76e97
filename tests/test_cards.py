"""The curated answer cards: each cites a section that exists and says nothing it does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.answer.corpus import load_cards
from bot.knowledge import KnowledgeError
from tests.conftest import KNOWLEDGE

CARDS = load_cards(KNOWLEDGE / "answers.yaml", KNOWLEDGE / "documents")


def section_text(document: str, heading: str) -> str:
    """The heading line and everything up to the next heading."""
    text = (KNOWLEDGE / "documents" / document).read_text(encoding="utf-8")
    match = re.search(
        rf"^#{{1,6}}\s+{re.escape(heading)}\s*$(.*?)(?=^#{{1,6}}\s|\Z)", text, re.M | re.S
    )
    assert match, f"{document} has no section {heading!r}"
    return f"{heading}\n{match.group(1)}"


def test_the_shipped_knowledge_has_cards_for_every_document() -> None:
    documents = {card.document for card in CARDS}
    assert len(documents) == 5
    assert len(CARDS) >= 80


@pytest.mark.parametrize("card", [c for c in CARDS if c.answer], ids=lambda c: c.id)
def test_a_card_says_only_numbers_and_names_its_section_has(card) -> None:  # type: ignore[no-untyped-def]
    assert card.answer is not None
    source = section_text(card.document, card.section)
    digits = re.sub(r"[.\s]", "", source)
    for answer in (card.answer.nl, card.answer.en):
        for number in re.findall(r"\d+(?:[.,]\d+)*", answer):
            assert re.sub(r"[.,]", "", number) in digits, (
                f"{card.id}: {number} is not in its section"
            )
    for name in re.findall(
        r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-zë]+(?:[- ][A-Z][a-z]+)*", card.answer.nl
    ):
        assert name.split()[0] in source, f"{card.id}: {name} is not in its section"


def test_a_card_that_cites_a_section_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "a.md").write_text("# Titel\n\n## Kosten\n\nHet kost niets.\n")
    (tmp_path / "answers.yaml").write_text(
        "cards:\n  - id: prijs\n    document: a.md\n    section: Prijs\n"
        '    answer: {nl: "Gratis.", en: "Free."}\n    examples: ["wat kost het?"]\n'
    )
    with pytest.raises(KnowledgeError, match=r"entry 1 \(prijs\): a.md has no section 'Prijs'"):
        load_cards(tmp_path / "answers.yaml", tmp_path / "documents")
