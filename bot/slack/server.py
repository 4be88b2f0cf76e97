"""Serving the app: HTTP (Events API, commands, interactivity) or Socket Mode.

The HTTP server binds exactly the host it is given (bolt's own `app.start()`
always binds 0.0.0.0) and adds `GET /healthz`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is refused
EVENTS_PATH = "/slack/events"

Health = Callable[[], tuple[bool, str]]


class SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's default of 5 refuses bursts of Slack events

    def __init__(self, host: str, port: int, app: App, health: Health) -> None:
        self.app = app
        self.health = health
        super().__init__((host, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: SlackHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # route through logging
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        content_type = (
            "application/json" if body.startswith(("{", "[")) else "text/plain; charset=utf-8"
        )
        for key, value in (headers or {"Content-Type": content_type}).items():
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: int, body: str) -> None:
        """Answer without reading the request body, and close the connection: on a kept-alive
        connection the unread body would otherwise be parsed as the next request."""
        self.close_connection = True
        self._send(
            status, body, {"Content-Type": "text/plain; charset=utf-8", "Connection": "close"}
        )

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path == "/healthz":
            ok, reason = self.server.health()
            self._send(
                200 if ok else 503,
                json.dumps({"status": "ok" if ok else "unavailable", "reason": reason}),
            )
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        parsed = urlparse(self.path)
        if parsed.path != EVENTS_PATH:
            self._refuse(404, "not found")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._refuse(413, "request too large")
            return
        raw = self.rfile.read(length)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._send(400, "request body is not UTF-8")
            return
        headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in self.headers.items()}
        request = BoltRequest(body=body, query=parsed.query, headers=headers)
        response = self.server.app.dispatch(request)
        flat = {key: values[0] for key, values in response.headers.items() if values}
        self._send(response.status, response.body or "", flat)


def serve_http(app: App, host: str, port: int, health: Health) -> SlackHTTPServer:
    """Start serving in a background thread; returns the server (call shutdown())."""
    server = SlackHTTPServer(host, port, app, health)
    thread = threading.Thread(target=server.serve_forever, name="slack-http", daemon=True)
    thread.start()
    log.info("serving Slack events on http://%s:%d%s", host, server.server_address[1], EVENTS_PATH)
    return server
