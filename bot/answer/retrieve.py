"""Hybrid retrieval: dense (e5 in Chroma) and keyword (BM25), fused by reciprocal rank."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np

from bot.answer.text import Tokenizer
from bot.embeddings import Embedder
from bot.store import all_records

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG when imported; its index-building chatter is noise.
logging.getLogger("bm25s").setLevel(logging.WARNING)

RRF_K = 60


@dataclass
class Passage:
    id: str
    text: str
    meta: dict[str, Any]
    dense: float = 0.0  # cosine similarity with the question
    keyword: float = 0.0  # BM25 score
    score: float = 0.0  # fused rank score

    @property
    def path(self) -> str:
        return str(self.meta.get("path", ""))

    @property
    def title(self) -> str:
        return str(self.meta.get("title", ""))

    @property
    def section(self) -> str:
        return str(self.meta.get("section", ""))


class Retriever:
    """Holds the chunks in memory for BM25 and asks Chroma for the dense neighbours."""

    def __init__(self, collection: Any, embedder: Embedder) -> None:
        self.collection = collection
        self.embedder = embedder
        records = all_records(collection, ["documents", "metadatas"])
        self.ids: list[str] = records["ids"]
        self.texts: list[str] = records["documents"]
        self.metas: list[dict[str, Any]] = records["metadatas"]
        self.index_of = {record_id: i for i, record_id in enumerate(self.ids)}
        searchable = [self._searchable(i) for i in range(len(self.ids))]
        self.tokenizer = Tokenizer.for_corpus(searchable)
        self.bm25: bm25s.BM25 | None = None
        tokenized = [self.tokenizer(text) for text in searchable]
        self.document_frequency: dict[str, int] = {}
        for tokens in tokenized:
            for token in set(tokens):
                self.document_frequency[token] = self.document_frequency.get(token, 0) + 1
        if self.ids:
            self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
            self.bm25.index(tokenized, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def _searchable(self, i: int) -> str:
        meta = self.metas[i]
        return f"{meta.get('title', '')} {meta.get('section', '')} {self.texts[i]}"

    def titles(self) -> dict[str, str]:
        return {str(meta.get("path")): str(meta.get("title", "")) for meta in self.metas}

    def coverage(self, query_tokens: set[str], found: set[str]) -> float:
        """The idf-weighted share of the query's tokens that occur in `found`."""
        total = sum(self.idf(token) for token in query_tokens)
        return sum(self.idf(token) for token in query_tokens & found) / total if total else 0.0

    def idf(self, token: str) -> float:
        n = len(self.ids)
        return float(np.log((n + 1) / (self.document_frequency.get(token, 0) + 0.5)))

    def keyword_scores(self, question: str) -> np.ndarray:
        scores = np.zeros(len(self.ids), dtype=np.float32)
        tokens = self.tokenizer(question)
        if self.bm25 is None or not tokens:
            return scores
        vocab = self.bm25.vocab_dict
        ids = [vocab[token] for token in tokens if token in vocab]
        if not ids:
            return scores
        return np.asarray(self.bm25.get_scores(ids), dtype=np.float32)

    def search(self, question: str, query_vector: np.ndarray, k: int = 8) -> list[Passage]:
        if not self.ids:
            return []
        n_dense = min(len(self.ids), max(k * 3, 20))
        found = self.collection.query(
            query_embeddings=[query_vector.tolist()],
            n_results=n_dense,
            include=["distances"],
        )
        dense_ids: list[str] = found["ids"][0]
        dense_sims = [1.0 - float(d) for d in found["distances"][0]]
        keyword = self.keyword_scores(question)
        keyword_order = [int(i) for i in np.argsort(-keyword) if keyword[i] > 0][:n_dense]

        passages: dict[str, Passage] = {}

        def passage(record_id: str) -> Passage:
            if record_id not in passages:
                i = self.index_of[record_id]
                passages[record_id] = Passage(
                    id=record_id,
                    text=self.texts[i],
                    meta=self.metas[i],
                    keyword=float(keyword[i]),
                )
            return passages[record_id]

        for rank, (record_id, sim) in enumerate(zip(dense_ids, dense_sims, strict=True)):
            if record_id not in self.index_of:  # written after we loaded: skip until reload
                continue
            item = passage(record_id)
            item.dense = sim
            item.score += 1.0 / (RRF_K + rank + 1)
        for rank, i in enumerate(keyword_order):
            item = passage(self.ids[i])
            item.score += 1.0 / (RRF_K + rank + 1)
        ranked = sorted(passages.values(), key=lambda p: p.score, reverse=True)[:k]
        # Passages found by keyword only still need their similarity for grounding.
        missing = [p.id for p in ranked if p.dense == 0.0]
        if missing:
            got = self.collection.get(ids=missing, include=["embeddings"])
            for record_id, vector in zip(got["ids"], got["embeddings"], strict=True):
                passages[record_id].dense = float(np.dot(np.asarray(vector), query_vector))
        return ranked
