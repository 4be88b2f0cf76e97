"""The fitted engine on disk and in the shared store: fitted at ingest, loaded when serving.

`build_engine` runs at the end of `leerroute ingest` and writes `engine/engine.joblib` in the
data dir. A serving process loads that file when its signature (the index, the corpus, the
structured knowledge and the fitting code's version) matches, else the one a replica stored
in the database, and refits it otherwise.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np

from bot.answer.corpus import load_cards, training_examples
from bot.answer.fit import EmbeddingCache, fit_engine
from bot.answer.model import EngineModel
from bot.answer.units import Unit, card_units, document_units, fact_units
from bot.knowledge import Knowledge
from bot.store import CHUNKS, StoreError, all_records, open_collection

log = logging.getLogger(__name__)

ENGINE_VERSION = "2.0"
FITTING_CODE = (
    "fit.py",
    "model.py",
    "features.py",
    "units.py",
    "facts.py",
    "corpus.py",
    "scope.py",
    "engine_file.py",
)
ENGINE_FILE = Path("engine") / "engine.joblib"


def all_units(records: dict[str, Any], knowledge: Knowledge) -> list[Unit]:
    cards = load_cards(knowledge.directory / "answers.yaml", knowledge.directory / "documents")
    documents = document_units(records, knowledge.programme)
    return [
        *documents,
        *card_units(cards, documents, knowledge.programme),
        *fact_units(knowledge.programme, documents),
    ]


def signature(records: dict[str, Any], knowledge_dir: Path, model_id: str) -> str:
    digest = hashlib.sha256(f"{ENGINE_VERSION}|{model_id}".encode())
    for module in FITTING_CODE:  # a change to how the engine is fitted refits it
        digest.update((Path(__file__).parent / module).read_bytes())
    for record_id, meta in sorted(zip(records["ids"], records["metadatas"], strict=True)):
        digest.update(f"{record_id}|{meta.get('file_hash')}".encode())
    for name in ("examples.yaml", "answers.yaml", "hulplijnen.yaml", "programme.yaml"):
        path = knowledge_dir / name
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


class SharedEngines(Protocol):
    """Where replicas share a fitted engine (the database: bot.engine_store)."""

    def get(self, signature: str) -> bytes | None: ...

    def put(self, signature: str, data: bytes) -> None: ...


def build_engine(
    settings: Any,
    embedder: Any,
    client: Any,
    knowledge: Knowledge,
    shared: SharedEngines | None = None,
) -> tuple[EngineModel, bool]:
    """The stored engine when it still fits the index and the corpus (from the data dir, else
    from `shared`); else fitted anew and stored in both. True in the second place when it
    was fitted."""
    chunks = open_collection(client, CHUNKS, embedder.model_id, create=False)
    records = all_records(chunks, ["documents", "metadatas"]) if chunks is not None else None
    if not records or not records["ids"]:
        raise StoreError("the knowledge is not indexed yet: run `leerroute ingest` first")
    wanted = signature(records, knowledge.directory, embedder.model_id)
    path = settings.data_dir / ENGINE_FILE
    stored, known = _load(path)
    if stored is not None and stored.signature == wanted:
        return stored, False
    blob = shared.get(wanted) if shared is not None else None
    if blob is not None:
        _write(path, blob)
        model, _ = _load(path)
        if model is not None and model.signature == wanted:
            return model, False
    cache = EmbeddingCache(embedder, known)
    examples = training_examples(knowledge.directory, knowledge.hulplijnen)
    model = fit_engine(examples, all_units(records, knowledge), cache, knowledge, wanted)
    blob = _save(path, model, cache.known)
    if shared is not None:
        shared.put(wanted, blob)
    return model, True


def _load(path: Path) -> tuple[EngineModel | None, dict[str, np.ndarray]]:
    if not path.exists():
        return None, {}
    try:
        model, known = joblib.load(path)
        return model, known
    except Exception:  # an older or damaged file is simply refitted
        log.warning("the stored engine could not be read; fitting it again")
        return None, {}


def stored_vectors(path: Path) -> dict[str, np.ndarray]:
    """The embeddings kept with the stored engine (empty when there is none)."""
    return _load(path)[1]


def _save(path: Path, model: EngineModel, known: dict[str, np.ndarray]) -> bytes:
    """Stored in the data dir; returns the file's bytes (for the shared store)."""
    buffer = io.BytesIO()
    joblib.dump((model, known), buffer)
    data = buffer.getvalue()
    _write(path, data)
    return data


def _write(path: Path, data: bytes) -> None:
    """Written beside and renamed into place, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
