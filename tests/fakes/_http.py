"""Shared plumbing for the fake HTTP servers: a quiet, loopback-only threaded server."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RequestHandler = Callable[[BaseHTTPRequestHandler], None]


class _DelegatingHandler(BaseHTTPRequestHandler):
    """Hands every request to the owning server's ``on_request`` callback."""

    server: LocalHTTPServer

    def _dispatch(self) -> None:
        self.server.on_request(self)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


class LocalHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to 127.0.0.1 on a free port, served from a background thread."""

    daemon_threads = True

    def __init__(self, on_request: RequestHandler) -> None:
        self.on_request = on_request
        super().__init__(("127.0.0.1", 0), _DelegatingHandler)
        self._thread: threading.Thread | None = None

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS lookup (``getfqdn``), which can stall offline."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.server_port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close the listening socket and join the serving thread."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()


def read_body(req: BaseHTTPRequestHandler) -> bytes:
    """Read the request body according to Content-Length (chunked uploads are not used here)."""
    length = int(req.headers.get("Content-Length") or 0)
    return req.rfile.read(length) if length > 0 else b""


def write_response(
    req: BaseHTTPRequestHandler,
    status: int,
    body: bytes | str | Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json; charset=utf-8",
) -> None:
    """Write a complete response; dict bodies are JSON-encoded. Ignores clients that hung up."""
    if isinstance(body, Mapping):
        body = json.dumps(body)
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
