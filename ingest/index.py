"""Incremental indexing of the knowledge base into Chroma.

State lives in Chroma itself: every chunk carries its file's path and content hash,
so a run compares hashes and re-embeds only what changed. New chunks are written
before old ones are removed, so an interrupted run leaves a usable index.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.embeddings import Embedder
from bot.knowledge import Hulplijnen, load_knowledge
from bot.settings import Settings
from bot.store import CHUNKS, ROLES, all_records, drop_collection, open_collection
from ingest.loaders import LoadError, is_supported, load
from ingest.split import Chunk, split_document

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]  # (event, amount): "total" sets the size, "advance" steps


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_unchanged: int = 0
    files_indexed: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    roles_indexed: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(
            self.files_indexed or self.files_removed or self.chunks_removed or self.roles_indexed
        )


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discover(paths: Iterable[Path], summary: IngestSummary) -> list[Path]:
    """Supported files under the given paths; unsupported ones are noted and skipped."""
    found: list[Path] = []
    for root in paths:
        candidates = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in candidates:
            if path.name.startswith(".") or path.suffix.lower() in {".yaml", ".yml"}:
                continue
            if is_supported(path):
                found.append(path)
            else:
                summary.skipped.append(f"{path}: unsupported file type, skipped")
    return found


class Indexer:
    """Keeps the Chroma collections in step with the knowledge base."""

    def __init__(self, settings: Settings, embedder: Embedder, client: Any) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client

    def run(
        self,
        paths: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        # Validate the structured knowledge first: a broken YAML file stops the run
        # before anything in the index is touched.
        knowledge = load_knowledge(self.settings.knowledge_dir)
        roots = paths or [self.settings.knowledge_dir]
        files = discover(roots, summary)
        summary.files_seen = len(files)
        base = self.settings.knowledge_dir.resolve()

        suffix = "-next" if rebuild else ""
        if rebuild:
            drop_collection(self.client, CHUNKS + suffix)
            drop_collection(self.client, ROLES + suffix)
        chunks_col = open_collection(self.client, CHUNKS + suffix, self.embedder.model_id)
        roles_col = open_collection(self.client, ROLES + suffix, self.embedder.model_id)

        stored = self._stored_hashes(chunks_col)
        work: list[tuple[str, Path, str]] = []
        for path in files:
            name = _display_path(path, base)
            digest = file_hash(path)
            if stored.get(name) == {digest}:
                summary.files_unchanged += 1
            else:
                work.append((name, path, digest))

        prepared: list[tuple[str, str, list[Chunk]]] = []
        for name, path, digest in work:
            try:
                document = load(path)
            except LoadError as exc:
                summary.failed.append(f"{name}: {exc}")
                continue
            document.path = name
            prepared.append((name, digest, split_document(document)))

        if progress:
            progress("total", sum(len(chunks) for _, _, chunks in prepared))
        for name, digest, chunks in prepared:
            self._replace_file(chunks_col, name, digest, chunks, progress)
            summary.files_indexed += 1
            summary.chunks_added += len(chunks)
            summary.chunks_removed += self._remove(chunks_col, name, keep_hash=digest)

        scanned = {_display_path(path, base) for path in files}
        for name in stored:
            if name not in scanned and _under_roots(name, roots, base):
                summary.chunks_removed += self._remove(chunks_col, name, keep_hash=None)
                summary.files_removed += 1

        summary.roles_indexed = self._index_roles(roles_col, knowledge.hulplijnen)
        if rebuild:
            self._swap(CHUNKS, chunks_col)
            self._swap(ROLES, roles_col)
        summary.seconds = time.perf_counter() - started
        return summary

    def _stored_hashes(self, collection: Any) -> dict[str, set[str]]:
        hashes: dict[str, set[str]] = {}
        for meta in all_records(collection, ["metadatas"])["metadatas"]:
            hashes.setdefault(meta["path"], set()).add(meta["file_hash"])
        return hashes

    def _replace_file(
        self,
        collection: Any,
        name: str,
        digest: str,
        chunks: list[Chunk],
        progress: Progress | None,
    ) -> None:
        ids = [f"{name}::{digest[:16]}::{i}" for i in range(len(chunks))]
        for start in range(0, len(chunks), 32):
            batch = chunks[start : start + 32]
            vectors = self.embedder.passages([chunk.embedding_text for chunk in batch])
            collection.upsert(
                ids=ids[start : start + 32],
                embeddings=vectors.tolist(),
                documents=[chunk.text for chunk in batch],
                metadatas=[{**chunk.metadata, "file_hash": digest} for chunk in batch],
            )
            if progress:
                progress("advance", len(batch))

    def _remove(self, collection: Any, name: str, keep_hash: str | None) -> int:
        found = collection.get(where={"path": name}, include=["metadatas"])
        stale = [
            record_id
            for record_id, meta in zip(found["ids"], found["metadatas"], strict=True)
            if meta["file_hash"] != keep_hash
        ]
        if stale:
            collection.delete(ids=stale)
        return len(stale)

    def _index_roles(self, collection: Any, hulplijnen: Hulplijnen) -> int:
        """Role cards and example questions, re-embedded only when the YAML changed."""
        digest = hashlib.sha256(hulplijnen.model_dump_json().encode()).hexdigest()
        current = collection.get(limit=1, include=["metadatas"])
        if current["ids"] and current["metadatas"][0].get("source_hash") == digest:
            return 0
        ids, texts, metas = [], [], []
        for role in hulplijnen.roles:
            card = " ".join([role.name.nl, role.summary.nl, *role.helps_with.nl, *role.go_when.nl])
            ids.append(f"{role.id}::card")
            texts.append(card)
            metas.append({"role": role.id, "type": "card", "language": "nl"})
            for language in ("nl", "en"):
                for i, example in enumerate(role.examples.get(language)):
                    ids.append(f"{role.id}::{language}::{i}")
                    texts.append(example)
                    metas.append({"role": role.id, "type": "example", "language": language})
        # Examples are questions, so they are embedded with the query role of e5.
        vectors = self.embedder.queries(texts)
        existing = all_records(collection, [])["ids"]
        collection.upsert(
            ids=ids,
            embeddings=vectors.tolist(),
            documents=texts,
            metadatas=[{**meta, "source_hash": digest} for meta in metas],
        )
        stale = sorted(set(existing) - set(ids))
        if stale:
            collection.delete(ids=stale)
        return len(hulplijnen.roles)

    def _swap(self, name: str, new_collection: Any) -> None:
        drop_collection(self.client, name)
        new_collection.modify(name=name)


def _display_path(path: Path, base: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(base))
    except ValueError:
        return str(resolved)


def _under_roots(name: str, roots: list[Path], base: Path) -> bool:
    full = (base / name).resolve() if not Path(name).is_absolute() else Path(name)
    for root in roots:
        root = root.resolve()
        if full == root or root in full.parents:
            return True
    return False
