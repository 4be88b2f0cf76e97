"""A fake Slack (Web API over HTTP + Socket Mode over WebSocket) on 127.0.0.1.

The real ``slack_sdk``/``slack_bolt`` clients talk to :class:`FakeSlack` exactly as they would to
Slack: point ``WebClient(base_url=slack.api_url)`` at it; ``apps.connections.open`` hands out a
``ws://`` URL on the fake, so Bolt's ``SocketModeHandler`` connects here too. The payload builders
and signing helpers live in :mod:`.slack_payloads` and are re-exported here.
"""

from __future__ import annotations

import contextlib
import email.policy
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from ._http import LocalHTTPServer, read_body, write_response
from .slack_payloads import *  # noqa: F403 - re-export the payload builders and signing helpers
from .slack_payloads import APP_ID, TEAM_ID, event_callback, next_id
from .slack_webapi import SlackWebAPI

#: Form fields slack_sdk JSON-encodes in form bodies; decoded back when recorded.
JSON_FIELDS = frozenset(
    {"blocks", "attachments", "metadata", "view", "files", "prompts", "chunks", "outputs"}
)
#: Methods that need an app-level (``xapp-``) token; every other method refuses one.
APP_TOKEN_METHODS = frozenset({"apps.connections.open", "apps.event.authorizations.list"})
PING_INTERVAL = 0.1  # seconds between server pings on Socket Mode connections
SCOPES = "app_mentions:read,assistant:write,chat:write,files:write,im:history,users:read"


@dataclass
class Call:
    """One recorded request. ``headers`` keys are lower-case; ``path`` is the raw request path."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str = ""

    @property
    def token(self) -> str | None:
        """The token sent as ``Authorization: Bearer`` or as a ``token`` parameter."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        token = self.params.get("token")
        return token if isinstance(token, str) else None


@dataclass
class _Canned:
    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query string and body (JSON, form or multipart) into one dict, decoding JSON fields."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if body and ctype == "application/json":
        loaded = json.loads(body)
        params.update(loaded if isinstance(loaded, dict) else {"_json": loaded})
    elif body and ctype == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        msg = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in msg.iter_parts():  # type: ignore[attr-defined]
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            name = part.get_param("name", header="content-disposition")
            params[str(name)] = data if part.get_filename() else data.decode("utf-8", "replace")
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


class FakeSlack(SlackWebAPI):
    """Fake Slack Web API + Socket Mode server. Use as ``with FakeSlack() as slack: ...``.

    Every ``/api/<method>`` request is recorded in :attr:`calls`; bot messages are kept so that
    ``conversations.replies``/``history`` return them. Create the fake *before* the Bolt ``App``,
    because ``App()`` calls ``auth.test`` in its constructor.
    """

    def __init__(self, *, team_id: str = TEAM_ID, app_id: str = APP_ID) -> None:
        super().__init__(team_id, app_id)
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []
        self.ws_messages: list[dict[str, Any]] = []
        self._canned: dict[str, deque[_Canned]] = {}
        self._conns: list[ServerConnection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._http: LocalHTTPServer | None = None
        self._ws: Server | None = None
        self._ws_thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeSlack:
        """Start the HTTP and WebSocket servers (idempotent)."""
        if self._http is None:
            self._http = LocalHTTPServer(self._on_http)
            self._http.start()
            # Frequent pings wake the builtin client's blocking recv(), so its close() returns
            # promptly instead of waiting for its 3 s socket timeout.
            self._ws = serve(
                self._on_ws,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                ping_interval=PING_INTERVAL,
                close_timeout=2,
            )
            self._ws_thread = threading.Thread(target=self._ws.serve_forever, daemon=True)
            self._ws_thread.start()
        return self

    def stop(self) -> None:
        """Close WebSocket connections and both servers, joining their threads."""
        if self._ws is not None:
            self._ws.shutdown()
            if self._ws_thread is not None:
                self._ws_thread.join(timeout=5)
            self._ws = self._ws_thread = None
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        assert self._http is not None, "FakeSlack is not started"
        return self._http.base_url

    @property
    def api_url(self) -> str:
        """Web API base URL with trailing slash, for ``WebClient(base_url=...)``."""
        return self.base_url + "/api/"

    @property
    def ws_port(self) -> int:
        """Port of the Socket Mode WebSocket server."""
        assert self._ws is not None, "FakeSlack is not started"
        return int(self._ws.socket.getsockname()[1])

    # ------------------------------------------------------------ configuration

    def respond(
        self,
        method: str,
        body: dict[str, Any],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue a one-off response for ``method`` (used ``times`` times, before the default)."""
        with self._cond:
            queue = self._canned.setdefault(method, deque())
            queue.extend(_Canned(dict(body), status, dict(headers or {})) for _ in range(times))

    def fail_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail with an HTTP error status."""
        error = "ratelimited" if status == 429 else "internal_error"
        headers = {"Retry-After": "1"} if status == 429 else None
        self.respond(method, {"ok": False, "error": error}, status, headers, times)

    def response_url(self, name: str = "x") -> str:
        """A response_url on the fake; POSTs to it land in :attr:`responses`."""
        return f"{self.base_url}/response/{name}-{next_id()}"

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls of one Web API method (``"response_url"`` for response URLs)."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``count`` matching calls exist; raise AssertionError listing calls if not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    c
                    for c in self.calls
                    if c.method == method and (predicate is None or predicate(c))
                ]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = "\n  ".join(f"{c.method} {c.params!r:.300}" for c in self.calls)
                    raise AssertionError(
                        f"expected {count} matching {method} call(s) within "
                        f"{timeout}s, got {len(found)}. Received:\n  {seen}"
                    )
                self._cond.wait(remaining)

    # ------------------------------------------------------------------- HTTP side

    def _on_http(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        body = read_body(req)
        headers = {k.lower(): v for k, v in req.headers.items()}
        if url.path.startswith("/api/"):
            params = _parse_params(url.query, body, headers.get("content-type", ""))
            self._serve_api(req, Call(url.path[5:], params, headers, req.path))
        elif url.path.startswith("/upload/") and req.command == "POST":
            self._record(
                Call("upload", {"file_id": url.path[8:], "size": len(body)}, headers, req.path),
                lambda: self.uploads.__setitem__(url.path[8:], body),
            )
            write_response(req, 200, f"OK - {len(body)}", content_type="text/plain")
        elif url.path.startswith("/response/") and req.command == "POST":
            payload = json.loads(body or b"{}")
            self._record(
                Call("response_url", payload, headers, req.path),
                lambda: self.responses.append(payload),
            )
            write_response(req, 200, {"ok": True})
        else:
            write_response(req, 404, {"ok": False, "error": "unknown_method"})

    def _record(self, call: Call, effect: Callable[[], object] | None = None) -> None:
        with self._cond:
            if effect is not None:
                effect()
            self.calls.append(call)
            self._cond.notify_all()

    def _serve_api(self, req: BaseHTTPRequestHandler, call: Call) -> None:
        status, headers = 200, {}
        with self._cond:
            canned = self._canned.get(call.method)
            if canned:
                reply = canned.popleft()
                status, body, headers = reply.status, reply.body, reply.headers
            elif not call.token:
                body = {"ok": False, "error": "not_authed"}
            elif call.token.startswith("xapp-") != (call.method in APP_TOKEN_METHODS):
                body = {"ok": False, "error": "not_allowed_token_type"}
            else:
                body = self.handle_method(call.method, call.params)
                if call.method == "auth.test":  # Bolt reads the granted scopes from this header
                    headers = {"x-oauth-scopes": SCOPES}
            self._record(call)
            text = json.dumps(body)  # serialise under the lock: stored messages may change
        write_response(req, status, text, headers)

    # ----------------------------------------------------------- Socket Mode side

    def _check_ticket(self, conn: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._cond:
            if url.path.startswith("/link") and ticket in self._tickets:
                return None
        return conn.respond(HTTPStatus.UNAUTHORIZED, "invalid or missing ticket\n")

    def _on_ws(self, conn: ServerConnection) -> None:
        try:
            with self._cond:
                hello = {
                    "type": "hello",
                    "num_connections": len(self._conns) + 1,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
                conn.send(json.dumps(hello))
                self._conns.append(conn)
                self._cond.notify_all()
            for raw in conn:
                text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
                try:
                    message = json.loads(text)
                except ValueError:
                    message = {"raw": text}
                with self._cond:
                    self.ws_messages.append(message)
                    if isinstance(message, dict) and "envelope_id" in message:
                        self._acks[str(message["envelope_id"])] = message
                    self._cond.notify_all()
        except ConnectionClosed:
            pass  # the builtin client just drops the TCP connection on close()
        finally:
            with self._cond:
                if conn in self._conns:
                    self._conns.remove(conn)
                self._cond.notify_all()

    def _connection(self, timeout: float) -> ServerConnection:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._conns:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no Socket Mode client connected within {timeout}s")
                self._cond.wait(remaining)
            return self._conns[-1]

    def wait_for_socket(self, timeout: float = 10.0) -> None:
        """Block until a Socket Mode client is connected and has been sent ``hello``."""
        self._connection(timeout)

    @property
    def socket_count(self) -> int:
        """Number of currently connected Socket Mode clients."""
        with self._cond:
            return len(self._conns)

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> str:
        """Push an envelope to the connected client; return its ``envelope_id``.

        ``type`` is ``events_api``, ``slash_commands`` or ``interactive``. When
        ``accepts_response_payload`` is None it is set as Slack does (True for slash commands,
        view submissions and options requests). Message events are also stored as messages.
        """
        conn = self._connection(timeout)
        envelope_id = str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or payload.get("type") in (
                "view_submission",
                "block_suggestion",
            )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": type,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": retry_reason}
            event = payload.get("event") or {}
            if event.get("type") in ("message", "app_mention") and not event.get("subtype"):
                self.add_message(str(event.get("channel")), event | {"type": "message"})
        conn.send(json.dumps(envelope))
        return envelope_id

    def send_event(self, event: dict[str, Any], **kwargs: Any) -> str:
        """Shortcut: wrap ``event`` with :func:`event_callback` and send it as ``events_api``."""
        return self.send_envelope(
            "events_api",
            event_callback(event, team_id=self.team_id, api_app_id=self.app_id),
            **kwargs,
        )

    def send_disconnect(self, reason: str = "refresh_requested", timeout: float = 10.0) -> None:
        """Send Slack's ``disconnect`` message; the SDK client then reconnects via a new URL."""
        payload = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        self._connection(timeout).send(json.dumps(payload))

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Return the client's ack (``{"envelope_id": ..., "payload"?: ...}``) for an envelope."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no ack for envelope {envelope_id} within {timeout}s; "
                        f"received: {self.ws_messages!r:.1000}"
                    )
                self._cond.wait(remaining)
            return self._acks[envelope_id]
