"""Stateful default behaviour of the Slack Web API methods, used by :class:`~.slack.FakeSlack`.

Messages posted by the bot (and messages the test registers) are kept per channel so that
``conversations.replies``/``history`` answer like Slack; views, users and files are kept too.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .slack_payloads import BOT_ID, BOT_USER_ID, dm_channel_id, new_ts, next_id, rich_text

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def _ts_key(message: Mapping[str, Any]) -> Decimal:
    return Decimal(str(message.get("ts", "0")))


class SlackWebAPI:
    """Method handlers returning Slack-shaped bodies; subclasses serve them and provide the URLs."""

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the HTTP server (used for upload URLs)."""
        raise NotImplementedError

    @property
    def ws_port(self) -> int:
        """Port of the Socket Mode server (used by ``apps.connections.open``)."""
        raise NotImplementedError

    def __init__(self, team_id: str, app_id: str) -> None:
        self.team_id, self.app_id = team_id, app_id
        self._cond = threading.Condition(threading.RLock())  # guards all state; notified on change
        self.uploads: dict[str, bytes] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._tickets: set[str] = set()
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": lambda p: {"ok": True, "message_ts": new_ts()},
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.startStream": self._chat_start_stream,
            "chat.appendStream": self._chat_append_stream,
            "chat.stopStream": self._chat_stop_stream,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.publish": self._views_publish,
            "views.open": lambda p: {"ok": True, "view": self._view(p.get("view") or {})},
            "views.push": lambda p: {"ok": True, "view": self._view(p.get("view") or {})},
            "views.update": self._views_update,
            "files.upload": self._files_upload,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def handle_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The default response body for a Web API method (``{"ok": true}`` if unknown)."""
        handler = self._handlers.get(method)
        return handler(params) if handler else {"ok": True}

    # ------------------------------------------------------------- test set-up

    def add_user(self, user_id: str, email: str, name: str, **extra: Any) -> dict[str, Any]:
        """Register a user for ``users.info`` / ``users.lookupByEmail``; returns the user object."""
        with self._cond:
            user = self._user(user_id, email=email, name=name) | extra
            self.users[user_id] = user
            return user

    def add_message(self, channel: str, message: Mapping[str, Any]) -> dict[str, Any]:
        """Store a message (event-shaped dicts are fine) so conversations.* APIs return it."""
        msg = {k: v for k, v in message.items() if k not in ("channel", "channel_type", "event_ts")}
        msg.setdefault("type", "message")
        msg.setdefault("ts", new_ts())
        with self._cond:
            self._messages[(channel, str(msg["ts"]))] = msg
        return msg

    def add_thread_message(
        self,
        channel: str,
        thread_ts: str,
        user: str,
        text: str,
        bot_id: str | None = None,
        ts: str | None = None,
    ) -> str:
        """Add a message to a thread and return its ts. Pass ``ts=thread_ts`` for the parent."""
        msg: dict[str, Any] = {
            "user": user,
            "text": text,
            "ts": ts or new_ts(),
            "team": self.team_id,
        }
        if msg["ts"] != thread_ts:
            msg["thread_ts"] = thread_ts
        if bot_id:
            msg |= {"bot_id": bot_id, "blocks": rich_text(text)}
        else:
            msg["client_msg_id"] = str(uuid.uuid4())
        return str(self.add_message(channel, msg)["ts"])

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """All stored messages of a channel, oldest first."""
        with self._cond:
            return sorted((m for (c, _), m in self._messages.items() if c == channel), key=_ts_key)

    # --------------------------------------------------------- Web API handlers

    def _bot_message(
        self, p: Mapping[str, Any], ts: str, text: str | None = None
    ) -> dict[str, Any]:
        if text is None:
            text = str(p.get("text") or p.get("markdown_text") or "")
        msg: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": self.app_id,
            "text": text,
            "ts": ts,
            "team": self.team_id,
            "blocks": p.get("blocks") or rich_text(text),
        }
        for key in ("thread_ts", "metadata", "attachments"):
            if p.get(key):
                msg[key] = p[key]
        return msg

    def _channel(self, p: Mapping[str, Any]) -> str:
        channel = str(p.get("channel") or p.get("channel_id") or "")
        return dm_channel_id(channel) if channel[:1] in ("U", "W") else channel

    def _auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "leerroute",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        url = f"ws://127.0.0.1:{self.ws_port}/link/?ticket={ticket}&app_id={self.app_id}"
        return {"ok": True, "url": url}

    def _chat_post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (p.get("text") or p.get("blocks") or p.get("attachments")):
            return {"ok": False, "error": "no_text"}
        msg = self._bot_message(p, new_ts())
        self._messages[(channel, msg["ts"])] = msg
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def _chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        msg = self._messages.get((channel, ts))
        if msg is not None:  # unknown messages are accepted leniently
            msg.update({k: p[k] for k in ("text", "blocks", "metadata", "attachments") if k in p})
        text = p.get("text", msg.get("text", "") if msg else "")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": text,
            "message": msg or self._bot_message(p, ts),
        }

    def _chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        self._messages.pop((channel, ts), None)
        return {"ok": True, "channel": channel, "ts": ts}

    @staticmethod
    def _streamed_text(p: Mapping[str, Any]) -> str:
        """Text of a streaming call: ``markdown_text`` plus any ``markdown_text`` chunks."""
        raw = p.get("chunks")
        chunks: list[dict[str, Any]] = raw if isinstance(raw, list) else []
        parts = [str(c.get("text", "")) for c in chunks if c.get("type") == "markdown_text"]
        return str(p.get("markdown_text") or "") + "".join(parts)

    def _chat_start_stream(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        msg = self._bot_message(p, new_ts(), text=self._streamed_text(p))
        self._messages[(channel, msg["ts"])] = msg
        return {"ok": True, "channel": channel, "ts": msg["ts"]}

    def _chat_append_stream(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        msg = self._messages.get((channel, ts))
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        msg["text"] += self._streamed_text(p)
        msg["blocks"] = rich_text(msg["text"])
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_stop_stream(self, p: dict[str, Any]) -> dict[str, Any]:
        result = self._chat_append_stream(p)
        if result["ok"]:
            msg = self._messages[(result["channel"], result["ts"])]
            msg.update({k: p[k] for k in ("blocks", "metadata") if p.get(k)})
            result["message"] = msg
        return result

    def _conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(p), str(p.get("ts", ""))
        parent = self._messages.get((channel, ts))
        replies = [
            m
            for (c, t), m in self._messages.items()
            if c == channel and t != ts and m.get("thread_ts") == ts
        ]
        replies.sort(key=_ts_key)
        inclusive = str(p.get("inclusive", "")).lower() in ("1", "true")
        if p.get("oldest"):
            low = Decimal(str(p["oldest"]))
            replies = [m for m in replies if _ts_key(m) > low or (inclusive and _ts_key(m) == low)]
        if p.get("latest"):
            high = Decimal(str(p["latest"]))
            replies = [
                m for m in replies if _ts_key(m) < high or (inclusive and _ts_key(m) == high)
            ]
        messages = list(replies)
        if parent is not None:  # Slack always returns the parent first
            head = dict(parent)
            if replies:
                head |= {
                    "thread_ts": ts,
                    "reply_count": len(replies),
                    "reply_users": sorted({str(m.get("user")) for m in replies}),
                    "latest_reply": replies[-1]["ts"],
                }
            messages.insert(0, head)
        return {"ok": True, "messages": messages[: int(p.get("limit") or 1000)], "has_more": False}

    def _conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        top = [m for m in self.messages(self._channel(p)) if m.get("thread_ts", m["ts"]) == m["ts"]]
        top.reverse()  # newest first
        return {"ok": True, "messages": top[: int(p.get("limit") or 100)], "has_more": False}

    def _conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = str(p.get("users") or "").split(",")
        if not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": dm_channel_id(users[0].strip())}}

    def _user(
        self, user_id: str, email: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        name = name or f"user_{user_id.lower()}"
        profile = {
            "real_name": name,
            "display_name": name,
            "first_name": name.split()[0],
            "email": email or f"{user_id.lower()}@example.nl",
            "team": self.team_id,
        }
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name.lower().replace(" ", "."),
            "deleted": False,
            "real_name": name,
            "tz": "Europe/Amsterdam",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "locale": "nl-NL",
            "is_admin": False,
            "is_bot": False,
            "is_app_user": False,
            "profile": profile,
        }

    def _users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = str(p.get("user") or "")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self.users.get(user_id) or self._user(user_id)}

    def _users_lookup_by_email(self, p: dict[str, Any]) -> dict[str, Any]:
        email = str(p.get("email") or "").lower()
        for user in self.users.values():
            if str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _view(self, spec: Mapping[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{next_id():010d}"
        view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec.get("type", "modal"),
            "blocks": spec.get("blocks", []),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "external_id": spec.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.h{next_id()}",
            "title": spec.get("title"),
            "close": spec.get("close"),
            "submit": spec.get("submit"),
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": BOT_ID,
            "app_installed_team_id": self.team_id,
        }
        self.views[view_id] = view
        return view

    def _views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        view = self._view(p.get("view") or {})
        self.home_views[str(p.get("user_id"))] = view
        return {"ok": True, "view": view}

    def _views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id = p.get("view_id") or next(
            (v["id"] for v in self.views.values() if v["external_id"] == p.get("external_id")), None
        )
        if not view_id:
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": self._view(p.get("view") or {}, view_id=str(view_id))}

    def _new_file(self, name: str, title: str | None = None, size: int = 0) -> dict[str, Any]:
        file_id = f"F{next_id():010d}"
        self._files[file_id] = {
            "id": file_id,
            "name": name,
            "title": title or name,
            "size": size,
            "user": BOT_USER_ID,
            "created": int(time.time()),
        }
        return self._files[file_id]

    def _files_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        content = p.get("file", p.get("content", b""))
        data = content if isinstance(content, bytes) else str(content).encode()
        info = self._new_file(str(p.get("filename") or "file"), p.get("title"), len(data))
        self.uploads[info["id"]] = data
        return {"ok": True, "file": info}

    def _files_get_upload_url(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not p.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        info = self._new_file(str(p["filename"]), size=int(p["length"]))
        return {
            "ok": True,
            "upload_url": f"{self.base_url}/upload/{info['id']}",
            "file_id": info["id"],
        }

    def _files_complete_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        files = []
        for item in p.get("files") or []:
            info = self._files.get(item.get("id"))
            if info is None:
                return {"ok": False, "error": "file_not_found"}
            info["title"] = item.get("title") or info["title"]
            files.append(dict(info))
        return {"ok": True, "files": files}
