"""Fitting the engine from the training corpus and the knowledge's answer units.

`fit_engine` fits every model and threshold (by cross-validation on the training split);
`bot.answer.engine_file` stores the result and decides when to refit.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import joblib
import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, cross_val_predict

from bot.answer.corpus import Example
from bot.answer.features import TextFeatures, clauses, pair_features, unit_matrix
from bot.answer.model import (
    CLASSIFIER_C,
    FOLDS,
    EngineModel,
    _calibrated,
    answers_it,
    clause_row,
    decision_row,
    gold_units,
    person_rows,
    positive,
)
from bot.answer.scope import Scope
from bot.answer.units import Unit
from bot.knowledge import Knowledge

log = logging.getLogger(__name__)

# The section classifier has ~50 classes with a few questions each and wants less
# regularisation: out-of-fold accuracy on the training split was 0.61, 0.65 and 0.67 for
# C = 1, 4 and 16 (and did not move with the embedding's scale).
SECTION_C = 16.0
# One in this many training questions about a document sees that document as unseen by the
# section classifier, so that a document HR adds later (with no questions about it yet) is
# still found by its content: without it, a new document's sentences never won.
UNSEEN_EVERY = 5
JOBS = 2  # the cross-validation folds run on both cores of the machines we size for


class EmbeddingCache:
    """e5 vectors by text and role, kept between fits so a refit embeds only what is new."""

    def __init__(self, embedder: Any, known: dict[str, np.ndarray] | None = None) -> None:
        self.embedder = embedder
        self.known = dict(known or {})

    def _get(self, texts: list[str], role: str) -> np.ndarray:
        keys = [f"{role}:{text}" for text in texts]
        missing = sorted({k for k in keys if k not in self.known})
        if missing:
            plain = [k.split(":", 1)[1] for k in missing]
            vectors = self.embedder.queries(plain) if role == "q" else self.embedder.passages(plain)
            self.known.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self.known[k] for k in keys])

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._get(texts, "q")

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._get(texts, "p")


def fit_engine(
    examples: list[Example],
    units: list[Unit],
    cache: EmbeddingCache,
    knowledge: Knowledge,
    signature: str = "",
) -> EngineModel:
    """Fit every model of the engine on `examples`; thresholds by cross-validation on them."""
    started = time.perf_counter()
    texts = [e.text for e in examples]
    vectors = cache.queries(texts)
    features = TextFeatures(texts, [u.searchable() for u in units], vectors)
    x = features.classifier_matrix(vectors, texts)

    y_intent = np.asarray([e.intent for e in examples])
    intent, intent_oof, _ = _classifier(x, y_intent, "intent")
    parts = [clauses(text) or [text] for text in texts]
    owner = np.asarray([i for i, p in enumerate(parts) for _ in p], dtype=int)
    clause_x = features.chars.transform([clause for p in parts for clause in p])
    clause_intent, _, clause_oof = _classifier(
        features.chars.transform(texts), y_intent, "clause", False, clause_x, owner
    )
    assert clause_oof is not None  # asked for with the clauses
    clause_classes = [str(c) for c in clause_intent.classes_]
    clause_rows = [clause_row(clause_oof[owner == i], clause_classes) for i in range(len(texts))]
    # A question that several roles fit equally (a vague "ik zit ergens mee" lists them all)
    # is a training row for each of them: the role model learns to be unsure of it.
    role_rows = [(i, role) for i, e in enumerate(examples) for role in e.roles]
    with_role = [i for i, _ in role_rows]
    y_role = np.asarray([role for _, role in role_rows], dtype=object)
    roles, role_oof, _ = _classifier(x[with_role], y_role, "role")
    first_row = {i: k for k, i in reversed(list(enumerate(with_role)))}
    routed = np.asarray(roles.classes_)[role_oof.argmax(axis=1)] if len(role_oof) else []
    asked = sorted(first_row)
    clarify = fit_clarify_threshold(
        np.asarray([role_oof[first_row[i]].max() for i in asked]),
        np.asarray([_routed_right(examples[i], str(routed[first_row[i]])) for i in asked]),
    )

    section_y = [_section_of(e) for e in examples]
    labelled = [i for i, label in enumerate(section_y) if label]
    y_section = np.asarray([section_y[i] for i in labelled], dtype=object)
    sections, section_oof, _ = _classifier(x[labelled], y_section, "section", calibrate=False)
    classes = [str(c) for c in sections.classes_]
    section_probs = sections.predict_proba(x)
    section_probs[labelled] = section_oof

    matrix = _unit_matrix(units, features, cache, classes)
    model = EngineModel(
        signature=signature,
        units=units,
        features=features,
        matrix=matrix,
        scope=Scope.from_units(units),
        intent=intent,
        clause_intent=clause_intent,
        roles=roles,
        sections=sections,
        ranker=HistGradientBoostingClassifier(),
        decider=LogisticRegression(),
        person=LogisticRegression(),
        answer_threshold=0.5,
        person_threshold=0.5,
        clarify_threshold=clarify,
    )
    rows = []
    for i, example in enumerate(examples):
        query = model.query(example.text, vectors[i], knowledge.programme, x[i], section_probs[i])
        # Every fifth question about a document is asked as if that document were new.
        unseen = example.doc if example.doc and i % UNSEEN_EVERY == 0 else None
        rows.append(pair_features(query, matrix, leave_out="card" in example.tags, unseen=unseen))
    golds = [gold_units(e, units) for e in examples]
    rankable = [i for i in range(len(examples)) if golds[i]]
    model.ranker, oof_scores = _fit_ranker(rows, golds, rankable)
    intent_index = {label: k for k, label in enumerate(intent.classes_)}
    d_rows, d_y = [], []
    for i in range(len(examples)):
        scores = oof_scores.get(i)
        if scores is None:
            scores = positive(model.ranker, rows[i])
        probs = {label: float(intent_oof[i, k]) for label, k in intent_index.items()}
        d_rows.append(decision_row(probs, clause_rows[i], scores, rows[i], matrix.section_key)[0])
        d_y.append(int(answers_it(examples[i], units, golds[i], int(np.argmax(scores)))))
    log.info("decider: the best unit answers %d of %d training questions", sum(d_y), len(d_y))
    model.decider, model.answer_threshold, answer_oof = _fit_gate(
        np.asarray(d_rows),
        np.asarray(d_y),
        np.asarray([_false_answer_cost(e) for e in examples]),
    )
    role_top = roles.predict_proba(x).max(axis=1)
    for i, k in first_row.items():
        role_top[i] = role_oof[k].max()
    p_rows = person_rows(intent_oof, np.asarray(clause_rows), role_top, answer_oof)
    y_person = np.asarray([int(e.wants_person) for e in examples])
    model.person, model.person_threshold, _ = _fit_gate(
        p_rows, y_person, np.asarray([_false_person_cost(e) for e in examples])
    )
    top1 = [int(np.argmax(oof_scores[i])) in golds[i] for i in oof_scores]
    log.info(
        "ranker: the best unit is a right one for %.1f%% of the training questions (out of fold)",
        100 * np.mean(top1) if top1 else 0.0,
    )
    log.info(
        "engine fitted on %d questions and %d units in %.1f s (answer ≥ %.2f, clarify < %.2f)",
        len(examples),
        len(units),
        time.perf_counter() - started,
        model.answer_threshold,
        model.clarify_threshold,
    )
    return model


# What a wrong "yes" costs, against 1 for a missed one. Editorial choices, stated here: a
# passage shown beside the route of a help question, or a role shown beside the answer of
# an information question, costs a quarter (the reply is longer, not wrong); an answer or a
# referral for a question that is out of scope, or a wrong answer, costs the full 1.
SIDE_NOTE_COST = 0.25


def _false_answer_cost(example: Example) -> float:
    return SIDE_NOTE_COST if example.intent == "help" else 1.0


def _false_person_cost(example: Example) -> float:
    return SIDE_NOTE_COST if example.intent == "info" else 1.0


def _section_of(example: Example) -> str | None:
    """The section classifier's label of a training question (see features.section_label)."""
    if example.compute:
        return f"compute:{example.compute}"
    if example.wants_info and example.doc and example.section:
        return f"{example.doc}:{example.section}"
    return None


def _unit_matrix(
    units: list[Unit], features: TextFeatures, cache: EmbeddingCache, classes: list[str]
) -> Any:
    vectors = cache.passages([u.embedding_text() for u in units])
    owners = [i for i, u in enumerate(units) for _ in u.examples]
    example_vectors = cache.queries([text for u in units for text in u.examples])
    headings = cache.passages([f"{u.title} — {u.heading}" for u in units])
    return unit_matrix(
        units, features, vectors, example_vectors, np.asarray(owners, dtype=int), headings, classes
    )


def _fit_ranker(
    rows: list[np.ndarray], golds: list[set[int]], rankable: list[int]
) -> tuple[Any, dict[int, np.ndarray]]:
    """The ranker on (question, unit) pairs, and its out-of-fold scores per question.

    Gradient-boosted trees, not a linear model: out of fold, the best unit was a right one
    for 76.5 % of the training questions, against 65.8 % with a logistic regression (the
    features interact: a session match matters only for a unit that names sessions).
    300 rounds of 31 leaves scored 76.5 %, 200 of 15 leaves 74.6 %. Trained on every unit
    of every question, as it is used: on the 40 closest units only, 72.5 % against 75.9 %
    (measured after the second round of questions)."""

    def fit(items: list[int]) -> Any:
        if not items:  # no question in the corpus is tied to a section: no ranking learned
            return DummyClassifier(strategy="constant", constant=0).fit([[0.0]], [0])
        x = np.vstack([rows[i] for i in items])
        y = np.concatenate([[int(j in golds[i]) for j in range(len(rows[i]))] for i in items])
        return HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.1,
            max_leaf_nodes=31,
            class_weight="balanced",
            random_state=0,
        ).fit(x, y)

    oof: dict[int, np.ndarray] = {}
    if len(rankable) < FOLDS:
        return fit(rankable), oof
    for train, test in GroupKFold(FOLDS).split(rankable, groups=rankable):
        fold_model = fit([rankable[k] for k in train])
        for k in test:
            oof[rankable[k]] = positive(fold_model, rows[rankable[k]])
    return fit(rankable), oof


def _classifier(
    x: Any,
    y: np.ndarray,
    name: str,
    calibrate: bool = True,
    extra: Any = None,
    owner: np.ndarray | None = None,
) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """A classifier fitted on all of (x, y), and its out-of-fold probabilities; with `extra`
    (rows that belong to the questions `owner` names: their clauses), also the probabilities
    of those rows from the fold model that did not see their question.

    Calibrated when every class has enough questions for it; a plain logistic regression
    when some class has few; the class frequencies alone (with a warning) when the corpus
    has a single class, so that a small knowledge base still ingests and answers."""
    if not len(y):  # no question of this kind at all: a classifier of one placeholder class
        empty = DummyClassifier(strategy="constant", constant="-").fit([[0.0]], ["-"])
        return empty, np.zeros((0, 1)), None
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        log.warning("the training corpus has questions of one %s only: add examples", name)
        dummy = DummyClassifier(strategy="prior").fit(x, y)
        return dummy, dummy.predict_proba(x), None if extra is None else dummy.predict_proba(extra)
    enough = calibrate and counts.min() >= 2 * FOLDS

    def make() -> Any:
        if enough:
            return _calibrated()
        if name == "section":
            return LogisticRegression(C=SECTION_C, max_iter=3000)
        return LogisticRegression(C=CLASSIFIER_C, max_iter=3000, class_weight="balanced")

    folds = (
        StratifiedKFold(FOLDS, shuffle=True, random_state=0)
        if counts.min() >= FOLDS
        else KFold(min(FOLDS, len(y)), shuffle=True, random_state=0)  # rare classes
    )
    if extra is None or owner is None:
        oof = cross_val_predict(make(), x, y, cv=folds, method="predict_proba", n_jobs=JOBS)
        return make().fit(x, y), oof, None
    oof = np.zeros((len(y), len(classes)))
    extra_oof = np.zeros((extra.shape[0], len(classes)))

    def fold(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        fitted = make().fit(x[train], y[train])
        columns = np.searchsorted(classes, fitted.classes_)
        rows = np.flatnonzero(np.isin(owner, test))
        theirs = fitted.predict_proba(extra[rows]) if len(rows) else np.zeros((0, len(columns)))
        return test, rows, columns, (fitted.predict_proba(x[test]), theirs)

    for test, rows, columns, (own, theirs) in joblib.Parallel(n_jobs=JOBS)(
        joblib.delayed(fold)(train, test) for train, test in folds.split(x, y)
    ):
        oof[np.ix_(test, columns)] = own
        extra_oof[np.ix_(rows, columns)] = theirs
    return make().fit(x, y), oof, extra_oof


def _fit_gate(x: np.ndarray, y: np.ndarray, false_yes: np.ndarray) -> tuple[Any, float, np.ndarray]:
    """A yes/no decision (answer or not; a person or not) with its threshold: the one with the
    lowest cost in 5-fold cross-validation on the training split, where a missed yes costs 1
    and a wrong yes costs `false_yes` of that question. Also the out-of-fold probabilities,
    for a decision stacked on this one."""
    if len(np.unique(y)) < 2 or min(np.bincount(y)) < FOLDS:
        gate = DummyClassifier(strategy="constant", constant=int(y.mean() >= 0.5)).fit(x, y)
        return gate, 0.5, np.full(len(y), float(y.mean()))
    # Linear, for both gates. Trees were tried for the decider: on the training split's
    # out-of-fold rows they answered 73.4 % of the information questions right against
    # 70.7 %, but at serving time far fewer (validation knowledge 56 % against 72 %): the
    # decision rows stack on the ranker's probabilities, out of fold while fitting and from
    # the full ranker while serving, and that slight, saturated shift moves trees across
    # their split points where a linear model barely moves.
    gate = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    oof = cross_val_predict(
        LogisticRegression(C=1.0, max_iter=2000),
        x,
        y,
        cv=StratifiedKFold(FOLDS, shuffle=True, random_state=0),
        method="predict_proba",
    )[:, 1]
    grid = np.linspace(0.05, 0.95, 91)
    cost = [float(np.sum(np.where(oof >= t, (y == 0) * false_yes, y == 1))) for t in grid]
    return gate, float(grid[int(np.argmin(cost))]), oof


# A question that this many roles fit is vague: only a clarifying question is right for it.
VAGUE_ROLES = 3


def _routed_right(example: Example, routed: str) -> bool:
    return len(example.roles) < VAGUE_ROLES and routed in example.roles


def fit_clarify_threshold(top: np.ndarray, right: np.ndarray) -> float:
    """Below this top role probability the engine asks which role. Fitted on out-of-fold
    role probabilities of the training questions: a right route scores +1, a wrong one
    (or any route for a vague question) −1, a clarifying question 0; the threshold with
    the highest total wins."""
    grid = np.linspace(0.0, 0.9, 91)
    utility = [float(np.sum(np.where(top >= t, np.where(right, 1, -1), 0))) for t in grid]
    return float(grid[int(np.argmax(utility))])
