"""The learned engine: fitted from the training corpus at ingest, stored with the index.

Five models:
- intent (help, info, both, smalltalk, oos): logistic regression over the e5 embedding and
  character n-grams; and from the n-grams alone for each clause of a message (cheap enough
  to read a long message sentence by sentence);
- role (the six hulplijnen): the same, fitted on the help questions;
- section: which document section answers, the same, fitted on the information questions;
- ranker: does this unit answer this question, gradient-boosted trees over pair features;
- decider: answer or not, logistic regression over the best unit's score and the intents.

Intent and role are calibrated (`CalibratedClassifierCV`, sigmoid). Every threshold is fitted
on the training split by cross-validation, in `fit_engine`; the validation set in tests/data
is never seen here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.answer.corpus import INTENTS, Example
from bot.answer.facts import sessions_in
from bot.answer.features import (
    PAIR_FEATURES,
    Query,
    TextFeatures,
    UnitMatrix,
    clauses,
    pair_features,
)
from bot.answer.scope import Scope
from bot.answer.units import Unit
from bot.knowledge import Programme

log = logging.getLogger(__name__)

Embed = Callable[[list[str]], np.ndarray]
FOLDS = 5
# Regularisation of the classifiers: in 5-fold cross-validation of the intent model on the
# training split, C=1 and C=4 scored alike (0.850 and 0.852); C=1 fits faster.
CLASSIFIER_C = 1.0
# A role question is worth a clarifying question when the calibrated probability of the
# likeliest role is below this; `fit_engine` refits it, this is only the value before fitting.
DEFAULT_CLARIFY = 0.35


@dataclass
class EngineModel:
    signature: str
    units: list[Unit]
    features: TextFeatures
    matrix: UnitMatrix
    scope: Scope
    intent: CalibratedClassifierCV
    clause_intent: LogisticRegression  # intent from character n-grams, for each clause
    roles: CalibratedClassifierCV
    sections: LogisticRegression
    ranker: HistGradientBoostingClassifier
    decider: LogisticRegression
    person: LogisticRegression
    answer_threshold: float
    person_threshold: float
    clarify_threshold: float

    def features_of(self, text: str, vector: np.ndarray) -> sparse.csr_matrix:
        """The classifiers' view of one question."""
        return self.features.classifier_matrix(vector[None, :], [text])

    def query(
        self,
        text: str,
        vector: np.ndarray,
        programme: Programme,
        x: sparse.csr_matrix,
        sections: np.ndarray | None = None,
    ) -> Query:
        corrected = self.features.correct(text)
        return Query(
            vector=vector,
            words=self.features.words.transform([text]),
            chars=normalize(self.features.chars.transform([text])),
            sessions=[s.id for s in sessions_in(corrected, programme)],
            organisations=self.scope.named(corrected),
            sections=self.sections.predict_proba(x)[0] if sections is None else sections,
        )

    def intents(self, x: sparse.csr_matrix) -> dict[str, float]:
        probs = self.intent.predict_proba(x)[0]
        return {str(label): float(p) for label, p in zip(self.intent.classes_, probs, strict=True)}

    def role_probabilities(self, x: sparse.csr_matrix) -> list[tuple[str, float]]:
        probs = self.roles.predict_proba(x)[0]
        ranked = sorted(zip(self.roles.classes_, probs, strict=True), key=lambda item: -item[1])
        return [(str(role), float(p)) for role, p in ranked]

    def rank(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's probability of answering the question, and the pair features."""
        rows = pair_features(query, self.matrix)
        return positive(self.ranker, rows), rows

    def clause_intents(self, question: str) -> np.ndarray:
        """The intents of a message read clause by clause (see `clause_row`)."""
        parts = clauses(question) or [question]
        probs = self.clause_intent.predict_proba(self.features.chars.transform(parts))
        return clause_row(probs, [str(c) for c in self.clause_intent.classes_])

    def answerable(
        self, intents: dict[str, float], clause: np.ndarray, scores: np.ndarray, rows: np.ndarray
    ) -> float:
        row = decision_row(intents, clause, scores, rows, self.matrix.section_key)
        return float(positive(self.decider, row)[0])

    def wants_person(
        self, intents: dict[str, float], clause: np.ndarray, role_top: float, answerable: float
    ) -> bool:
        probs = np.asarray([[intents.get(label, 0.0) for label in self.intent.classes_]])
        row = person_rows(probs, clause[None, :], np.asarray([role_top]), np.asarray([answerable]))
        return bool(positive(self.person, row)[0] >= self.person_threshold)


def positive(classifier: Any, x: Any) -> np.ndarray:
    """P(yes) of a yes/no classifier; 0 for one that never saw a yes (a tiny corpus)."""
    classes = list(classifier.classes_)
    if 1 not in classes:
        return np.zeros(x.shape[0])
    return np.asarray(classifier.predict_proba(x)[:, classes.index(1)])


def clause_row(probs: np.ndarray, classes: list[str]) -> np.ndarray:
    """Per intent (in INTENTS order) the highest and the lowest probability over a message's
    clauses: one clause that asks for a person, or one that is in scope, shows here when the
    message as a whole reads otherwise."""
    columns = np.column_stack(
        [
            probs[:, classes.index(intent)] if intent in classes else np.zeros(len(probs))
            for intent in INTENTS
        ]
    )
    return np.concatenate([columns.max(axis=0), columns.min(axis=0)])


def intents_as_clauses(intents: dict[str, float]) -> np.ndarray:
    """The clause reading of a message read as one clause with these intents."""
    values = np.asarray([intents.get(intent, 0.0) for intent in INTENTS])
    return np.concatenate([values, values])


def person_rows(
    intents: np.ndarray, clause: np.ndarray, role_top: np.ndarray, answerable: np.ndarray
) -> np.ndarray:
    """Does the person need a support role: stacked on the intent probabilities (in the
    classifier's class order) of the message and of its clauses, how sure the role model
    is, and whether a unit answers."""
    return np.column_stack([intents, clause, role_top, answerable])


# The best unit's pair features the decider sees besides its score: a session the question
# names and the unit's section the classifier expects are evidence the score alone blurs
# ("wnnr ws3" is short and shorthand, but names a session that a fact unit answers); whether
# the classifier knows the unit's section at all tells a new document from a weak match.
DECISION_PAIRS = (
    "dense",
    "dense_example",
    "keyword",
    "section",
    "section_known",
    "session_match",
    "session_conflict",
    "scope_match",
    "scope_conflict",
    "is_fact",
)


def decision_row(
    intents: dict[str, float],
    clause: np.ndarray,
    scores: np.ndarray,
    rows: np.ndarray,
    section_key: np.ndarray,
) -> np.ndarray:
    """The decider's view: how sure the ranker is of its best unit, against the best unit of
    any other section (a card and the sentence it summarises do not compete), and the
    intent probabilities of the message and of its clauses."""
    top = int(np.argmax(scores))
    others = scores[section_key != section_key[top]]
    second = float(others.max()) if len(others) else 0.0
    return np.asarray(
        [
            [
                float(scores[top]),
                float(scores[top]) - second,
                *(intents.get(intent, 0.0) for intent in INTENTS),
                *(float(rows[top, PAIR_FEATURES.index(name)]) for name in DECISION_PAIRS),
                *clause,
            ]
        ]
    )


def gold_units(example: Example, units: list[Unit]) -> set[int]:
    """The units that answer a training question: those of its section that carry the fact."""
    if example.card:
        own = {i for i, u in enumerate(units) if u.id == f"card:{example.card}"}
        if example.compute:
            return own
        sessions = {s for i in own for s in units[i].sessions}
        return own | {
            i
            for i, u in enumerate(units)
            if u.kind == "fact" and sessions & set(u.sessions) and u.heading == example.section
        }
    if not example.wants_info or not example.doc or not example.section:
        return set()
    in_section = {
        i for i, u in enumerate(units) if u.doc == example.doc and u.heading == example.section
    }
    if example.expect:
        pattern = re.compile(example.expect, re.I)
        carrying = {
            i for i in in_section if pattern.search(f"{units[i].text} {units[i].text_en or ''}")
        }
        return carrying or in_section
    return in_section


def answers_it(example: Example, units: list[Unit], golds: set[int], best: int) -> bool:
    """Does the unit ranked first answer the training question, as the evaluation judges an
    answer: one of its gold units, or any unit of the question's document that carries the
    expected fact (a card and the sentence it summarises; the same fact in another section)."""
    if best in golds:
        return True
    unit = units[best]
    if not example.wants_info or not example.doc or not example.expect or unit.doc != example.doc:
        return False
    return bool(re.search(example.expect, f"{unit.text} {unit.text_en or ''}", re.I))


def _calibrated(c: float = CLASSIFIER_C) -> CalibratedClassifierCV:
    base = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    return CalibratedClassifierCV(base, method="sigmoid", cv=3, n_jobs=2)
