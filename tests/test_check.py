"""A generated text may say only what the evidence it was given says (bot/answer/check.py)."""

from __future__ import annotations

import pytest

from bot.answer.check import Evidence, cite_uncited, failed_claim, renumber, whole_sentences

EVIDENCE = Evidence(
    passages=[
        "Werkatelier 4 vindt plaats op 19 en 20 maart 2012. De leergang kost € 4.950 per "
        "deelnemer. Meer informatie op www.sioo.nl.",
        "Sioo, Newtonlaan 209\n3584 BH Utrecht\n030-291 30 00\nsioo@sioo.nl",
        "Voor meer informatie kunt u contact opnemen met Hennie Dekker-van Brenk "
        "(email: dekker@sioo.nl).",
    ],
    facts="",  # what the composed answer said: its own test below
    card="Hiervoor kun je het beste terecht bij de *Groepsontwikkelaar*.\n"
    "Zo bereik je ze: E-mail: groepsontwikkelaars@gemeente.example",
    question="wanneer is werkatelier 4?",
    names=frozenset({"groepsontwikkelaar", "group developer"}),
    headers=("De gemeentelijke HRM-adviseur — Data",),
)


@pytest.mark.parametrize(
    "text",
    [
        "Werkatelier 4 is op 19 en 20 maart 2012 [1].",
        "Workshop 4 is on 19 and 20 March 2012 [1].",
        "De leergang kost 4950 euro per deelnemer [1].",
        "Kijk op https://www.sioo.nl/ voor meer [1].",
        "Mail Hennie Dekker-van Brenk via dekker@sioo.nl [3].",
        "Sioo is bereikbaar op +31 30 291 30 00 [2].",
        "Mail de groepsontwikkelaar via groepsontwikkelaars@gemeente.example.",
        "Sioo zit in Utrecht [2].",
    ],
)
def test_a_faithful_paraphrase_holds(text: str) -> None:
    assert failed_claim(text, EVIDENCE) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Werkatelier 4 is op 3 april [1].", "date"),
        ("Werkatelier 4 is op 19 maart 2013 [1].", "number"),
        ("De leergang kost 9.999 euro [1].", "amount"),
        ("Je bereikt ons op info@leergang.nl [1].", "email"),
        ("Bel 06-12345678 voor een afspraak [1].", "phone"),
        ("Zie https://example.org/leergang [1].", "url"),
        ("Werkatelier 4 wordt gegeven door Kees Bakker [1].", "name"),
        ("Werkatelier 4 is in Amersfoort [1].", "name"),
    ],
)
def test_each_kind_of_invented_claim_is_caught(text: str, kind: str) -> None:
    claim = failed_claim(text, EVIDENCE)
    assert claim is not None and claim.kind == kind


def test_a_contact_detail_given_for_the_wrong_role_is_caught() -> None:
    # Sioo's number is in the evidence, but not as the groepsontwikkelaar's.
    claim = failed_claim("Bel de groepsontwikkelaar op 030-291 30 00.", EVIDENCE)
    assert claim is not None and claim.kind == "phone of another"
    claim = failed_claim("Mail de groepsontwikkelaar op sioo@sioo.nl.", EVIDENCE)
    assert claim is not None and claim.kind == "email of another"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Dat staat niet in mijn bronnen.", "refusal"),
        ("Sorry, I don't know that.", "refusal"),
        ("Eerdere vragen in dit gesprek: (geen) Vraag: wanneer is werkatelier 4?", "echo"),
        ("Bronnen:\n[1] De leergang", "echo"),
        ("[1] De gemeentelijke HRM-adviseur — Data", "echo"),
        ("[1] Wanneer is werkatelier 4?", "echo"),
        ("De coach voor een persoonlijk ontwikkelvraagstuk is [1].", "incomplete"),
    ],
)
def test_refusals_echoes_and_unfinished_sentences_fail(text: str, kind: str) -> None:
    claim = failed_claim(text, EVIDENCE)
    assert claim is not None and claim.kind == kind


def test_personal_values_are_described_by_their_kind_only() -> None:
    claim = failed_claim("Bel 06-12345678 [1].", EVIDENCE)
    assert claim is not None and claim.describe() == "phone"
    claim = failed_claim("Het kost 9.999 euro [1].", EVIDENCE)
    assert claim is not None and claim.describe() == "amount '9.999'"


def test_citations_are_numbered_in_the_order_they_are_cited_and_dangling_ones_go() -> None:
    text, cited = renumber("Eerst dit [3]. Dan dat [1, 3]. En iets [9].", 3)
    assert text == "Eerst dit [1]. Dan dat [2, 1]. En iets."
    assert cited == [2, 0]


def test_a_text_cut_off_by_the_token_limit_keeps_its_whole_sentences() -> None:
    assert whole_sentences("Eerste zin [1]. Tweede zin die afge") == "Eerste zin [1]."
    assert whole_sentences("Alles af.") == "Alles af."
    assert whole_sentences("geen enkele hele zin") == ""


def test_an_uncited_sentence_gets_the_passage_that_supports_it() -> None:
    passages = ["Werkatelier 4 vindt plaats op 19 en 20 maart 2012.", "Sioo zit in Utrecht."]
    text = cite_uncited("Werkatelier 4 is op 19 en 20 maart. Sioo zit in Utrecht!", passages)
    assert text == "Werkatelier 4 is op 19 en 20 maart [1]. Sioo zit in Utrecht [2]!"
    assert cite_uncited("Goede vraag.", passages) == "Goede vraag."


def test_a_text_that_leaves_out_a_fact_of_the_composed_answer_fails() -> None:
    evidence = Evidence(
        passages=["De leergang vindt plaats in Kaap Doorn te Doorn en kost € 4.950."],
        facts="De leergang vindt plaats in Kaap Doorn te Doorn en kost € 4.950.",
    )
    assert (
        failed_claim("De leergang is in Kaap Doorn te Doorn en kost 4950 euro [1].", evidence)
        is None
    )
    claim = failed_claim("De leergang is in Kaap Doorn te Doorn [1].", evidence)
    assert claim is not None and claim.kind == "dropped amount"
    claim = failed_claim("De leergang kost € 4.950 [1].", evidence)
    assert claim is not None and claim.kind == "dropped name"
