"""Chroma access: on disk by default, a Chroma server when `LEERROUTE_CHROMA_URL` is set.

We always pass our own embeddings; Chroma's built-in default embedding function
would download a model at first use, which fails offline.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlparse

from bot.settings import Settings

CHUNKS = "leerroute-chunks"
# Written by every ingest when it is done: a running process that sees it change reopens
# its Chroma client, because Chroma on disk does not show one process's writes to another.
INDEX_STAMP = "index-stamp"


class StoreError(Exception):
    """The vector store cannot be reached or holds vectors of another model."""


def chroma_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectError here
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}"
            ) from None
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def open_collection(client: Any, name: str, model_id: str, create: bool = True) -> Any:
    """Open (or create) a collection, refusing one built with another embedding model."""
    if create:
        collection = client.get_or_create_collection(
            name,
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": model_id},
        )
    else:
        try:
            collection = client.get_collection(name, embedding_function=None)
        except Exception:
            return None
    stored = (collection.metadata or {}).get("embedding_model")
    if stored and stored != model_id:
        raise StoreError(
            f"the index was built with embedding model '{stored}' but the settings use "
            f"'{model_id}'; run `leerroute ingest --rebuild` to re-embed everything"
        )
    return collection


def drop_collection(client: Any, name: str) -> None:
    with contextlib.suppress(Exception):  # absent already: nothing to drop
        client.delete_collection(name)


def all_records(collection: Any, include: list[str]) -> dict[str, Any]:
    """Everything in a collection, fetched in pages (Chroma caps one `get`)."""
    out: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}
    offset, page = 0, 1000
    while True:
        batch = collection.get(include=include, limit=page, offset=offset)
        out["ids"].extend(batch["ids"])
        for key in include:
            out[key].extend(batch[key] if batch[key] is not None else [])
        if len(batch["ids"]) < page:
            return out
        offset += page


def indexed_files(collection: Any) -> dict[str, dict[str, bool]]:
    """Per file in the index, its stored versions (content hashes), each with whether all
    of its chunks are there. Chunks from before the count was kept count as complete."""
    counts: dict[tuple[str, str], list[int]] = {}
    for meta in all_records(collection, ["metadatas"])["metadatas"]:
        seen = counts.setdefault((meta["path"], meta["file_hash"]), [0, 0])
        seen[0] += 1
        seen[1] = int(meta.get("file_chunks") or 0)
    files: dict[str, dict[str, bool]] = {}
    for (path, digest), (found, expected) in counts.items():
        files.setdefault(path, {})[digest] = found >= expected
    return files


def incomplete_files(collection: Any) -> list[str]:
    """Files no complete version of which is in the index (a killed ingest)."""
    return sorted(
        path for path, versions in indexed_files(collection).items() if not any(versions.values())
    )


def stamp_index(settings: Settings) -> None:
    """Tell running processes the index changed (atomically: never a half-written stamp)."""
    import os
    import time

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    target = settings.data_dir / INDEX_STAMP
    partial = target.with_suffix(".partial")
    partial.write_text(f"{time.time_ns()}-{os.getpid()}\n", encoding="utf-8")
    partial.replace(target)


def index_stamp(settings: Settings) -> str:
    try:
        return (settings.data_dir / INDEX_STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def close_client(client: Any) -> None:
    """Let go of a Chroma client, so the next one reads the store from disk again."""
    with contextlib.suppress(Exception):  # an older chromadb without close(): nothing held
        client.close()
