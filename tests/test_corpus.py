"""The question corpus: large, varied, labelled, and split so that validation stays unseen."""

from __future__ import annotations

from collections import Counter

from bot.answer.corpus import load_question_set, role_examples, training_examples
from bot.knowledge import ROLE_IDS, load_knowledge
from tests.conftest import KNOWLEDGE, ROOT

VALIDATION = ROOT / "tests" / "data" / "validation.yaml"


def corpus() -> tuple[list, list]:  # type: ignore[type-arg]
    knowledge = load_knowledge(KNOWLEDGE)
    written = [
        e for e in training_examples(KNOWLEDGE, knowledge.hulplijnen) if "card" not in e.tags
    ]
    return written, load_question_set(VALIDATION)


def test_the_corpus_is_large_and_covers_every_kind_of_question() -> None:
    training, validation = corpus()
    everything = training + validation
    assert len(everything) >= 900
    intents = Counter(e.intent for e in everything)
    assert intents["oos"] >= 150 and intents["smalltalk"] >= 40
    roles = Counter(role for e in everything for role in e.roles[:1])
    assert all(roles[role] >= 50 for role in ROLE_IDS), roles
    assert sum(e.lang == "en" for e in everything) >= 0.25 * len(everything)
    typos = sum(bool({"typo", "shorthand"} & set(e.tags)) for e in everything)
    assert typos >= 0.15 * len(everything)


def test_every_section_of_every_document_is_asked_about_at_least_three_times() -> None:
    import re

    training, validation = corpus()
    asked = Counter((e.doc, e.section) for e in training + validation if e.section)
    for path in sorted((KNOWLEDGE / "documents").glob("*.md")):
        for heading in re.findall(r"^#{1,6}\s+(.+)$", path.read_text(encoding="utf-8"), re.M):
            assert asked[(path.name[:3], heading.strip())] >= 3, (path.name, heading)


def test_at_least_thirty_percent_is_kept_for_validation_and_none_of_it_is_trained_on() -> None:
    training, validation = corpus()
    assert len(validation) >= 0.3 * (len(training) + len(validation))
    seen = {e.text.strip().lower() for e in training}
    assert not [e.text for e in validation if e.text.strip().lower() in seen]


def test_the_role_examples_of_the_hulplijnen_are_training_questions_too() -> None:
    knowledge = load_knowledge(KNOWLEDGE)
    examples = role_examples(knowledge.hulplijnen)
    assert {e.role for e in examples} == set(ROLE_IDS)
    assert all(e.intent == "help" for e in examples)
