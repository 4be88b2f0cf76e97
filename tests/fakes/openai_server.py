"""A fake OpenAI-compatible API (chat completions + embeddings) on 127.0.0.1.

Point the real ``openai`` client (or ``langchain_openai``) at :attr:`FakeOpenAI.base_url`. Responses
follow OpenAI's JSON shapes; :attr:`FakeOpenAI.mode` simulates failures at any time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import urlsplit

from ._http import LocalHTTPServer, read_body, write_response

Mode = Literal["ok", "error500", "ratelimit429", "slow", "trickle", "empty", "down"]
DEFAULT_REPLY = "Dit is een antwoord uit de bronnen."

_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "error500": (
        500,
        {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": None,
            "code": None,
        },
    ),
    "ratelimit429": (
        429,
        {
            "message": "Rate limit reached for requests. Please try again in 1s.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        },
    ),
    "unauthorized": (
        401,
        {
            "message": "Incorrect API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        },
    ),
}


def fake_embedding(value: str | Sequence[int], dim: int = 64) -> list[float]:
    """Deterministic unit vector: signed feature hashing of the words (or token ids).

    Texts sharing words get a higher cosine similarity, so retrieval tests behave sensibly.
    """
    if isinstance(value, str):
        tokens = re.findall(r"\w+", value.lower()) or [value]
    else:
        tokens = [str(token) for token in value] or ["<empty>"]
    vector = [0.0] * dim
    for token in tokens:
        digest = hashlib.sha256(token.encode("utf-8")).digest()
        index = int.from_bytes(digest[:4], "little") % dim
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


@dataclass
class RecordedRequest:
    """One request received by the fake. ``headers`` keys are lower-case."""

    path: str
    json: dict[str, Any]
    headers: dict[str, str]


class FakeOpenAI:
    """OpenAI-compatible ``/v1/chat/completions`` (incl. SSE streaming) and ``/v1/embeddings``.

    ``reply`` may be a string or a callable receiving the request JSON. ``mode``: ``ok``,
    ``error500``, ``ratelimit429``, ``slow`` (answers after ``delay`` seconds), ``trickle``
    (streams one word every ``delay`` seconds), ``empty`` (empty content) or ``down`` (closes
    the connection without answering). ``fail_first`` makes that many requests fail with a
    500 before ``mode`` applies. ``disconnects`` counts streams the client hung up on.
    """

    def __init__(
        self, reply: str | Callable[[dict[str, Any]], str] = DEFAULT_REPLY, embedding_dim: int = 64
    ) -> None:
        self.reply = reply
        self.mode: Mode = "ok"
        self.delay = 5.0
        self.fail_first = 0
        self.disconnects = 0
        self.embedding_dim = embedding_dim
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._http: LocalHTTPServer | None = None

    def start(self) -> FakeOpenAI:
        """Start serving (idempotent)."""
        if self._http is None:
            self._stopping.clear()
            self._http = LocalHTTPServer(self._on_http)
            self._http.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes up requests sleeping in ``slow`` mode."""
        self._stopping.set()
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` for ``OpenAI(base_url=...)``."""
        assert self._http is not None, "FakeOpenAI is not started"
        return self._http.base_url + "/v1"

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """Recorded requests whose path ends with ``endpoint`` (e.g. ``"chat/completions"``)."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(endpoint)]

    # ------------------------------------------------------------------ serving

    def _on_http(self, req: BaseHTTPRequestHandler) -> None:
        path = urlsplit(req.path).path
        raw = read_body(req)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        with self._lock:
            self.requests.append(
                RecordedRequest(path, body, {k.lower(): v for k, v in req.headers.items()})
            )
        mode = self.mode
        if mode == "down":
            req.close_connection = True  # hang up without a status line
            return
        if not str(req.headers.get("Authorization", "")).startswith("Bearer "):
            return self._error(req, "unauthorized")
        if mode == "slow" and self._stopping.wait(self.delay):
            return
        if path.endswith("chat/completions") and self.fail_first > 0:
            with self._lock:
                self.fail_first -= 1
            return self._error(req, "error500")
        if mode in _ERRORS:
            return self._error(req, mode)
        if path == "/v1/chat/completions" and req.command == "POST":
            return self._chat(req, body)
        if path == "/v1/embeddings" and req.command == "POST":
            return self._embeddings(req, body)
        if path == "/v1/models":
            models = [{"id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "fake"}]
            return write_response(req, 200, {"object": "list", "data": models})
        self._error(req, "not_found", 404, f"Invalid URL ({req.command} {path})")

    def _error(
        self, req: BaseHTTPRequestHandler, kind: str, status: int = 0, message: str = ""
    ) -> None:
        """Write an OpenAI-style ``{"error": {...}}`` body."""
        default_status, error = _ERRORS.get(
            kind, (400, {"type": "invalid_request_error", "param": None, "code": kind})
        )
        error = error | ({"message": message} if message else {})
        headers = {"x-request-id": f"req_{uuid.uuid4().hex}"}
        if kind == "ratelimit429":
            headers["retry-after"] = "1"
        write_response(req, status or default_status, {"error": error}, headers)

    def _reply_text(self, body: dict[str, Any]) -> str:
        if self.mode == "empty":
            return ""
        return self.reply(body) if callable(self.reply) else self.reply

    def _chat(self, req: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            return self._error(req, "invalid_request", 400, "'model' and 'messages' are required")
        content = self._reply_text(body)
        prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in messages)
        completion_tokens = len(content.split())
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
        }
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return self._stream(req, base, content, usage if include_usage else None)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": content,
            "refusal": None,
            "annotations": [],
        }
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
        write_response(
            req,
            200,
            base
            | {
                "object": "chat.completion",
                "choices": [choice],
                "usage": usage,
                "service_tier": "default",
            },
        )

    def _stream(
        self,
        req: BaseHTTPRequestHandler,
        base: dict[str, Any],
        content: str,
        usage: dict[str, Any] | None,
    ) -> None:
        """Server-sent events: role chunk, content pieces, finish chunk, [usage], ``[DONE]``."""

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return base | {"object": "chat.completion.chunk", "choices": [choice]}

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": piece}) for piece in re.findall(r"\s*\S+\s*", content)]
        events.append(chunk({}, "stop"))
        if usage is not None:
            events.append(base | {"object": "chat.completion.chunk", "choices": [], "usage": usage})
        try:
            req.send_response(200)
            req.send_header("Content-Type", "text/event-stream; charset=utf-8")
            req.send_header("Cache-Control", "no-cache")
            req.end_headers()
            for event in events:
                req.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                req.wfile.flush()
                if self.mode == "trickle" and self._stopping.wait(self.delay):
                    return
            req.wfile.write(b"data: [DONE]\n\n")
            req.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            with self._lock:
                self.disconnects += 1

    def _embeddings(self, req: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        inputs = body.get("input")
        if isinstance(inputs, str) or (
            isinstance(inputs, list) and inputs and isinstance(inputs[0], int)
        ):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs:
            return self._error(req, "invalid_request", 400, "'input' is required")
        dim = int(body.get("dimensions") or self.embedding_dim)
        data = []
        for index, item in enumerate(inputs):
            vector: list[float] | str = fake_embedding(item, dim)
            if body.get("encoding_format") == "base64":  # the openai client's default
                vector = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode("ascii")
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(len(i.split()) if isinstance(i, str) else len(i) for i in inputs)
        write_response(
            req,
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "text-embedding-3-small"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )
