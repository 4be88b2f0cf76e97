"""The deterministic parts under the learned engine: sessions named, typos, scope, sums."""

from __future__ import annotations

import datetime as dt

import numpy as np

from bot.answer import facts
from bot.answer.features import TextFeatures
from bot.answer.scope import Scope
from bot.answer.units import Unit, blocks
from bot.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE

PROGRAMME = load_knowledge(KNOWLEDGE).programme


def ids(text: str) -> list[str]:
    return [session.id for session in facts.sessions_in(text, PROGRAMME)]


def test_sessions_are_read_by_number_ordinal_and_name() -> None:
    assert ids("wanneer is werkatelier 4?") == ["werkatelier-4"]
    assert ids("het vierde werkatelier") == ["werkatelier-4"]
    assert ids("which hr model do they use in ws3") == ["werkatelier-3"]
    assert ids("tussen masterclass 1 en de 2e masterclass") == ["masterclass-1", "masterclass-2"]
    assert ids("wanneer is de intake?") == ["intake"]
    assert ids("mag ik een werkatelier missen?") == []  # any atelier, not the first


def test_a_word_with_one_typo_is_read_as_the_word_the_documents_use() -> None:
    features = TextFeatures(
        ["wanneer is de masterclass"], ["De masterclass is in maart."], np.ones((1, 4))
    )
    assert features.correct("wnnr is de masterclas") == "wnnr is de masterclass"
    assert features.correct("kantine") == "kantine"  # no near word: left alone


def test_the_time_between_two_sessions_is_computed_from_the_dates() -> None:
    sessions = facts.sessions_in("werkatelier 2 en werkatelier 3", PROGRAMME)
    text = facts.computed("interval", sessions, PROGRAMME, "nl", dt.date(2011, 12, 1))
    assert text is not None and "28 dagen (precies 4 weken)" in text


def test_what_comes_next_and_how_many_are_left() -> None:
    after_two = facts.sessions_in("werkatelier 2", PROGRAMME)
    nxt = facts.computed("next", after_two, PROGRAMME, "en", dt.date(2011, 12, 1))
    assert nxt is not None and nxt.startswith("After Werkatelier 2 comes Werkatelier 3")
    left = facts.computed(
        "remaining",
        facts.sessions_in("werkatelier 6", PROGRAMME),
        PROGRAMME,
        "nl",
        dt.date(2011, 12, 1),
    )
    assert left == "Nog 1: Slotbijeenkomst."


def test_the_full_cost_adds_the_contribution() -> None:
    text = facts.computed("total_cost", [], PROGRAMME, "nl", dt.date(2011, 12, 1))
    assert text is not None and "€ 8.500" in text


def unit(organisation: str, text: str = "In 2011 begon het.") -> Unit:
    return Unit(
        id="s0",
        kind="sentence",
        text=text,
        path="documents/x.md",
        title="x",
        section="",
        organisation=organisation,
    )


def test_scope_knows_the_organisations_and_years_of_the_documents() -> None:
    scope = Scope.from_units([unit("Gemeente Den Haag"), unit("Sioo en A+O fonds Gemeenten")])
    assert scope.named("hoe deden de haagse adviseurs dat?") == {"Gemeente Den Haag"}
    assert scope.named("wat doet het a+o fonds") == {"Sioo en A+O fonds Gemeenten"}
    assert scope.unknown("hoe werkt het bij de gemeente Zwolle?") == "Zwolle"
    assert scope.unknown("bij ons in apeldoorn") == "Apeldoorn"
    assert scope.unknown("de editie van 2027") == "2027"
    assert scope.unknown("de editie van 2011") is None


def test_a_document_is_cut_into_sentences_table_rows_and_whole_lists() -> None:
    text = (
        "De voorwaarden zijn als volgt:\n- Vijf jaar ervaring.\n- Een HBO-opleiding.\n\n"
        "| Onderdeel | Datum |\n|---|---|\n| Werkatelier 1 | 19 en 20 december 2011 |\n\n"
        "Dit is zin een. En dit is zin twee, met drs. A. Aalten erin."
    )
    assert blocks(text) == [
        "De voorwaarden zijn als volgt:\n• Vijf jaar ervaring.\n• Een HBO-opleiding.",
        "Werkatelier 1: 19 en 20 december 2011.",
        "Dit is zin een.",
        "En dit is zin twee, met drs. A. Aalten erin.",
    ]
