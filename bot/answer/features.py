"""What the learned parts see of a question and of a candidate answer unit.

- Text features for the classifiers: the e5 embedding beside character n-gram TF-IDF
  (the n-grams make a typo cost one n-gram of many, not the whole word).
- Word features for keyword matching: stemmed content terms, Dutch compounds split, and a
  word with one typo corrected to the nearest word of the corpus vocabulary (rapidfuzz).
- Pair features of (question, unit) for the ranker: meaning, keywords, heading, the session
  and the organisation named, the kind of unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.answer.text import Tokenizer, fold
from bot.answer.units import Unit

WORD = re.compile(r"[a-z][a-z'-]+")
# One wrong letter in a word of 6 letters still scores 83 on rapidfuzz's ratio (2·5/11·100
# for a dropped letter, 5/6·100 for a replaced one), two wrong letters do not: the cut-off
# keeps one-letter typos and leaves other words alone.
TYPO_CUTOFF = 82
PAIR_FEATURES = (
    "dense",
    "dense_example",
    "dense_gap",
    "keyword",
    "keyword_gap",
    "chars",
    "heading",
    "section",
    "section_known",
    "session_match",
    "session_conflict",
    "session_absent",
    "scope_match",
    "scope_conflict",
    "is_card",
    "is_fact",
    "is_compute",
    "compute_ready",
)
# A message is also read clause by clause ("wanneer is werkatelier 6? ik wil met iemand
# overleggen of ik mag missen" asks a fact and for a person): its sentences and
# comma-separated parts of two words or more, at most MAX_CLAUSES of them (the questions
# first, then the last ones: in a pasted e-mail the question tends to come at the end).
CLAUSE_BREAK = re.compile(r"(?<=[?!.;:])\s+|\n+|,\s+")
MAX_CLAUSES = 8


def clauses(text: str) -> list[str]:
    """The clauses of a message of more than one; [] for a message of one clause."""
    parts = [p.strip() for p in CLAUSE_BREAK.split(text) if len(re.findall(r"\w+", p)) >= 2]
    if len(parts) <= 1:
        return []
    if len(parts) > MAX_CLAUSES:
        asked = [i for i, p in enumerate(parts) if p.endswith("?")]
        rest = [i for i in reversed(range(len(parts))) if i not in asked]
        parts = [parts[i] for i in sorted((asked + rest)[:MAX_CLAUSES])]
    return parts


class TextFeatures:
    """Vectorisers fitted on the training questions and the knowledge's own text."""

    # The embedding is standardised per dimension and scaled so that it weighs about as much
    # as the (unit-length) n-gram vector; 0.1 of {0.05, 0.1, 0.2} gave the same 5-fold intent
    # accuracy on the training split (0.85) and the fastest fit.
    embedding_scale = 0.1

    def __init__(
        self, questions: list[str], knowledge_texts: list[str], vectors: np.ndarray
    ) -> None:
        self.mean = vectors.mean(axis=0)
        self.std = vectors.std(axis=0) + 1e-6
        self.vocabulary = sorted(
            {w for text in [*knowledge_texts, *questions] for w in WORD.findall(fold(text))}
        )
        self._known = set(self.vocabulary)
        self._long = [w for w in self.vocabulary if len(w) >= 5]
        self.tokenizer = Tokenizer.for_corpus(knowledge_texts)
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=fold
        ).fit([*questions, *knowledge_texts])
        self.words = TfidfVectorizer(analyzer=self.terms, sublinear_tf=True).fit(knowledge_texts)

    def correct(self, text: str) -> str:
        """The text with a word that is not in the vocabulary replaced by its nearest one."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if len(word) < 5 or word in self._known:
                return word
            best = process.extractOne(word, self._long, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
            return str(best[0]) if best else word

        return WORD.sub(fix, fold(text))

    def terms(self, text: str) -> list[str]:
        return self.tokenizer(self.correct(text))

    def classifier_matrix(self, vectors: np.ndarray, texts: list[str]) -> sparse.csr_matrix:
        """Embedding and character n-grams side by side, for the intent and role classifiers."""
        scaled = (vectors - self.mean) / self.std * self.embedding_scale
        return sparse.hstack([sparse.csr_matrix(scaled), self.chars.transform(texts)], format="csr")


@dataclass
class UnitMatrix:
    """The units' side of the pair features, computed once when the engine is fitted."""

    vectors: np.ndarray  # e5 passage embedding of each unit
    example_vectors: np.ndarray  # e5 query embeddings of the cards' example phrasings
    example_owner: np.ndarray  # the unit of each example
    heading_vectors: np.ndarray  # e5 passage embedding of each unit's heading
    words: sparse.csr_matrix
    chars: sparse.csr_matrix
    sessions: list[set[str]]
    organisations: list[str]
    kinds: np.ndarray  # 0 sentence, 1 card, 2 fact, 3 compute
    section_of: np.ndarray  # each unit's class in the section classifier (-1: none)
    section_key: np.ndarray  # the same number for the units of one section of one document
    documents: np.ndarray  # each unit's document number ("001")


def unit_matrix(
    units: list[Unit],
    features: TextFeatures,
    vectors: np.ndarray,
    example_vectors: np.ndarray,
    example_owner: np.ndarray,
    heading_vectors: np.ndarray,
    section_classes: list[str],
) -> UnitMatrix:
    texts = [unit.searchable() for unit in units]
    kinds = {"sentence": 0, "card": 1, "fact": 2, "compute": 3}
    return UnitMatrix(
        vectors=vectors,
        example_vectors=example_vectors,
        example_owner=example_owner,
        heading_vectors=heading_vectors,
        words=normalize(features.words.transform(texts)),
        chars=normalize(features.chars.transform(texts)),
        sessions=[set(unit.sessions) for unit in units],
        organisations=[unit.organisation for unit in units],
        kinds=np.asarray([kinds[unit.kind] for unit in units]),
        section_key=_section_keys(units),
        documents=np.asarray([u.doc for u in units]),
        section_of=np.asarray(
            [
                section_classes.index(section_label(u))
                if section_label(u) in section_classes
                else -1
                for u in units
            ]
        ),
    )


def _section_keys(units: list[Unit]) -> np.ndarray:
    keys: dict[tuple[str, str], int] = {}
    return np.asarray([keys.setdefault((u.path, u.section), len(keys)) for u in units])


def section_label(unit: Unit) -> str:
    """The class of a unit in the section classifier: its document and heading, or the kind
    of computation of a computed card."""
    return f"compute:{unit.compute}" if unit.compute else f"{unit.doc}:{unit.heading}"


@dataclass
class Query:
    """A question as the ranker sees it."""

    vector: np.ndarray
    words: sparse.csr_matrix
    chars: sparse.csr_matrix
    sessions: list[str]
    organisations: set[str]
    sections: np.ndarray  # the section classifier's probability of each section


def pair_features(
    query: Query, units: UnitMatrix, leave_out: bool = False, unseen: str | None = None
) -> np.ndarray:
    """One row of PAIR_FEATURES per unit. For training questions: `leave_out`, the question is
    one of the cards' own phrasings, whose similarity to itself does not count; `unseen`, a
    document whose sections the section classifier is to treat as never asked about (as a
    document added after the corpus was written), so the ranker learns to do without."""
    n = len(units.kinds)
    dense = units.vectors @ query.vector
    example = np.zeros(n, dtype=np.float32)
    if len(units.example_owner):
        sims = units.example_vectors @ query.vector
        if leave_out:
            sims = np.where(sims > 0.999, 0.0, sims)
        np.maximum.at(example, units.example_owner, sims)
    best = np.maximum(dense, example)
    keyword = (units.words @ query.words.T).toarray().ravel()
    chars = (units.chars @ query.chars.T).toarray().ravel()
    heading = units.heading_vectors @ query.vector
    known = (units.section_of >= 0) & (units.documents != unseen)
    section = np.where(known, query.sections[np.maximum(units.section_of, 0)], 0.0)
    asked = set(query.sessions)
    match = np.asarray([bool(asked & s) for s in units.sessions], dtype=np.float32)
    has = np.asarray([bool(s) for s in units.sessions], dtype=np.float32)
    conflict = (1 - match) * has * float(bool(asked))
    absent = (1 - has) * float(bool(asked))
    named = query.organisations
    scope_match = np.asarray([o in named for o in units.organisations], dtype=np.float32)
    scope_conflict = (1 - scope_match) * float(bool(named))
    compute = (units.kinds == 3).astype(np.float32)
    return np.column_stack(
        [
            dense,
            example,
            best - best.max(),
            keyword,
            keyword - keyword.max(),
            chars,
            heading,
            section,
            known.astype(np.float32),
            match,
            conflict,
            absent,
            scope_match,
            scope_conflict,
            (units.kinds == 1).astype(np.float32),
            (units.kinds == 2).astype(np.float32),
            compute,
            compute * float(bool(asked)),
        ]
    ).astype(np.float32)
