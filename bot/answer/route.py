"""Which support role fits a question: nearest examples, role centroids, keyword evidence.

The router gives a role, a confidence and the margin to the runner-up. Whether a
question asks for a person at all is decided separately (`Route.wants_person`):
"wanneer is werkatelier 4?" has a nearest role, but it is not a routing question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.answer.text import content_terms, fold
from bot.knowledge import Hulplijnen, Role
from bot.store import all_records

# Words that say "who can help me": a question with one of these wants a person.
HELP_CUES = re.compile(
    r"\bwie\b|\bwho\b|\bbij wie\b|\bwhom\b|\bcontact|\bbenader|\bbellen|\bbel\b|\bmelden|\bmeld ik"
    r"|\bhulp\b|\bhelp|\bondersteun|\badvies|\badviseren|\badvice|\bbegeleid|\bsupport|\btalk to"
    r"|\bspeak to|\bpraten|\bsparren|\bterecht|\baanspreekpunt|\bhelpdesk|\bcoach|\bassist"
    r"|\bwaar kan ik|\bwhere can i|\bwhere do i go|\bwho should|\bkan iemand|\bcan someone"
)
AUDIENCE = re.compile(r"\bvoor wie\b|\bwho is (?:it|this|that|the \w+) (?:meant )?for\b")
# A statement of a problem or wish ("ons team loopt vast", "ik wil een opleiding volgen").
PROBLEM_CUES = re.compile(
    r"\bik wil\b|\bwe willen\b|\bik zoek|\bwe zoeken|\bprobleem|\bzorgen\b|\bconflict|\bruzie"
    r"|\bspanning|\bloopt (?:niet|vast)|\bvast\b|\bstuck|\bstruggl|\bworried|\bproblem|\bi want"
    r"|\bi need|\bwe need|\bik heb een vraag|\bvraag over|\bquestion about|\btekort|\bknelpunt"
    r"|\bin gevaar|\bcomplain|\bissue with|\bi'?m looking|\bnodig\b|\bniet goed\b|\bslecht\b"
)
# Plain knowledge questions: what/when/how many, with no call for a person.
FACT_CUES = re.compile(
    r"^\s*(wanneer|hoeveel|wat is|wat zijn|wat doen|wat doet|welke|waar is|when|how many|what is|what are|what does|what do|which)\b"
)


@dataclass
class Route:
    role: str | None
    confidence: float
    margin: float
    candidates: list[tuple[str, float]] = field(default_factory=list)
    wants_person: bool = False
    clarify: bool = False
    help_cue: bool = False  # the question itself asks for a person ("wie", "who", "contact")

    @property
    def routed(self) -> bool:
        return self.role is not None


class Router:
    """A nearest-neighbour classifier over the role cards and example questions."""

    # Calibrated on the role examples (leave-one-out) and the dev set; see benchmarks/.
    min_similarity = 0.845  # below this nothing in the role cards resembles the question
    min_similarity_no_cue = 0.88  # a statement without a help cue must resemble an example closely
    min_similarity_problem = 0.86  # ... or name a problem or a role keyword and resemble one
    min_margin = 0.008  # below this the top two roles are too close: ask which one
    min_confidence = 0.35  # below this the likeliest role is a guess: ask which one
    temperature = 0.02

    def __init__(self, collection: Any, hulplijnen: Hulplijnen) -> None:
        self.hulplijnen = hulplijnen
        records = all_records(collection, ["embeddings", "metadatas"])
        self.role_ids = [role.id for role in hulplijnen.roles]
        self.vectors = np.asarray(records["embeddings"], dtype=np.float32)
        self.labels = np.asarray(
            [
                self.role_ids.index(meta["role"]) if meta["role"] in self.role_ids else -1
                for meta in records["metadatas"]
            ]
        )
        self.is_example = np.asarray([meta["type"] == "example" for meta in records["metadatas"]])
        self.keywords = {role.id: _keyword_stems(role) for role in hulplijnen.roles}
        self.centroids = np.zeros(
            (len(self.role_ids), self.vectors.shape[1] if len(self.vectors) else 1),
            dtype=np.float32,
        )
        for i in range(len(self.role_ids)):
            members = self.vectors[self.labels == i]
            if len(members):
                centroid = members.mean(axis=0)
                self.centroids[i] = centroid / (np.linalg.norm(centroid) or 1.0)

    def __len__(self) -> int:
        return len(self.vectors)

    def scores(self, question: str, query_vector: np.ndarray) -> tuple[np.ndarray, float]:
        """A score per role, and the highest similarity to any single example."""
        n_roles = len(self.role_ids)
        if not len(self.vectors):
            return np.zeros(n_roles), 0.0
        sims = self.vectors @ query_vector
        terms = set(content_terms(question))
        folded = fold(question)
        scores = np.zeros(n_roles, dtype=np.float32)
        for i in range(n_roles):
            own = np.sort(sims[self.labels == i])[::-1]
            if not len(own):
                continue
            top = own[:3]
            centroid = float(self.centroids[i] @ query_vector)
            keyword_hits = sum(
                1 for word in self.keywords[self.role_ids[i]] if _has(word, terms, folded)
            )
            scores[i] = (
                0.45 * float(top[0])
                + 0.35 * float(top.mean())
                + 0.20 * centroid
                + 0.04 * min(keyword_hits, 3)
            )
        return scores, float(sims.max())

    def route(self, question: str, query_vector: np.ndarray) -> Route:
        scores, best_similarity = self.scores(question, query_vector)
        order = np.argsort(-scores)
        exp = np.exp((scores - scores.max()) / self.temperature)
        probabilities = exp / exp.sum()
        top, second = int(order[0]), int(order[1]) if len(order) > 1 else int(order[0])
        margin = float(scores[top] - scores[second])
        candidates = [(self.role_ids[int(i)], float(probabilities[int(i)])) for i in order[:3]]
        folded = fold(question)
        # "voor wie is de leergang?" / "who is it for?" ask about an audience, not for a person
        help_cue = bool(HELP_CUES.search(folded)) and not AUDIENCE.search(folded)
        problem_cue = bool(PROBLEM_CUES.search(folded))
        fact_question = bool(FACT_CUES.search(folded)) and not help_cue
        keyword_hit = any(
            _has(word, set(content_terms(question)), folded)
            for word in self.keywords[self.role_ids[top]]
        )
        if help_cue:
            wants_person = best_similarity >= self.min_similarity
        elif fact_question:
            wants_person = False
        else:
            wants_person = best_similarity >= self.min_similarity_no_cue or (
                (problem_cue or keyword_hit) and best_similarity >= self.min_similarity_problem
            )
        if not wants_person:
            return Route(None, float(probabilities[top]), margin, candidates, help_cue=help_cue)
        clarify = margin < self.min_margin or float(probabilities[top]) < self.min_confidence
        return Route(
            role=self.role_ids[top],
            confidence=float(probabilities[top]),
            margin=margin,
            candidates=candidates,
            wants_person=True,
            clarify=clarify,
            help_cue=help_cue,
        )

    def role(self, role_id: str) -> Role:
        return self.hulplijnen.role(role_id)


def _keyword_stems(role: Role) -> list[str]:
    stems = []
    for keyword in role.keywords:
        terms = content_terms(keyword)
        stems.append(" ".join(terms) if terms else fold(keyword))
    return [stem for stem in stems if stem]


def _has(keyword: str, terms: set[str], folded: str) -> bool:
    if " " in keyword or not keyword.isalnum():
        return keyword in folded
    return keyword in terms or (len(keyword) >= 6 and keyword in folded)
