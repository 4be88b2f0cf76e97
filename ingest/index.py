"""Incremental indexing of the knowledge base into Chroma.

State lives in Chroma itself: every chunk carries its file's path, content hash and the
number of chunks the file has, so a run compares hashes and re-embeds only what changed,
and a file counts as indexed only when all its chunks are there (a run killed between two
batches of a file leaves it incomplete, and the next run embeds it again). New chunks are
written before old ones are removed, so an interrupted run leaves a usable index.

Only files inside the knowledge folder are indexed; `--rebuild` always rebuilds all of it.
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
from bot.knowledge import Knowledge, KnowledgeError, load_knowledge
from bot.settings import Settings
from bot.store import CHUNKS, drop_collection, indexed_files, open_collection, stamp_index
from ingest.loaders import LoadError, is_supported, load
from ingest.split import Chunk, split_document

log = logging.getLogger(__name__)

# (event, amount): "total" sets the number of chunks to embed, "advance" steps through them,
# "fit" says the answering engine is being fitted (or loaded, when nothing changed).
Progress = Callable[[str, int], None]


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_unchanged: int = 0
    files_indexed: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    engine_fitted: bool = False
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """The index changed (fitting the engine into this data dir is not a change of it)."""
        return bool(self.files_indexed or self.files_removed or self.chunks_removed)


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

    def __init__(
        self, settings: Settings, embedder: Embedder, client: Any, engines: Any = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = client
        self.engines = engines  # where replicas share the fitted engine (the database)

    def run(
        self,
        paths: list[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        base = self.settings.knowledge_dir.resolve()
        if rebuild and paths:
            raise KnowledgeError("--rebuild rebuilds the whole knowledge folder: give no paths")
        for path in paths or []:
            if path.resolve() != base and base not in path.resolve().parents:
                raise KnowledgeError(
                    f"{path} is outside the knowledge folder ({self.settings.knowledge_dir}): "
                    "copy it into knowledge/documents/ and ingest that"
                )
        # Validate the structured knowledge first: a broken YAML file stops the run
        # before anything in the index is touched.
        knowledge = load_knowledge(self.settings.knowledge_dir)
        roots = paths or [self.settings.knowledge_dir]
        files = discover(roots, summary)
        summary.files_seen = len(files)

        suffix = "-next" if rebuild else ""
        if rebuild:
            drop_collection(self.client, CHUNKS + suffix)
        chunks_col = open_collection(self.client, CHUNKS + suffix, self.embedder.model_id)

        stored = indexed_files(chunks_col)
        work: list[tuple[str, Path, str]] = []
        for path in files:
            name = _display_path(path, base)
            digest = file_hash(path)
            if stored.get(name) == {digest: True}:  # this version, all its chunks
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

        if rebuild:
            self._swap(CHUNKS, chunks_col)
        if progress:
            progress("fit", 0)
        summary.engine_fitted = self._fit_engine(knowledge)
        stamp_index(self.settings)
        summary.seconds = time.perf_counter() - started
        return summary

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
                metadatas=[
                    {**chunk.metadata, "file_hash": digest, "file_chunks": len(chunks)}
                    for chunk in batch
                ],
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

    def _fit_engine(self, knowledge: Knowledge) -> bool:
        """Fit the answering engine on the training corpus and this index (when either
        changed) and store it with the index; True when it was fitted anew."""
        from bot.answer.engine_file import build_engine

        return build_engine(self.settings, self.embedder, self.client, knowledge, self.engines)[1]

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
