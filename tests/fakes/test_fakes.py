"""Prove the fakes are faithful: the real slack_sdk, slack_bolt, openai and langchain clients run
against them unmodified (only their base URLs point at 127.0.0.1)."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator, Sequence
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import openai
import pytest
from slack_bolt import Ack, App, Assistant, BoltRequest, Say, SetStatus, SetSuggestedPrompts
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.context.get_thread_context import GetThreadContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from .openai_server import DEFAULT_REPLY, FakeOpenAI, Mode, fake_embedding
from .slack import (
    FakeSlack,
    app_mention,
    assistant_thread_started,
    block_action,
    dm_message,
    event_callback,
    post_event,
    post_form,
    post_interactive,
    sign,
    slash_command,
)

SECRET = "secret"


def make_app(slack: FakeSlack) -> App:
    """A tiny Bolt app: answers mentions in thread, acks /leerroute and a button."""
    app = App(client=WebClient(token="xoxb-test", base_url=slack.api_url), signing_secret=SECRET)

    @app.event("app_mention")
    def on_mention(event: dict, say: Say) -> None:
        say(text="pong", thread_ts=event.get("thread_ts") or event["ts"])

    @app.command("/leerroute")
    def on_command(ack: Ack, command: dict) -> None:
        ack(f"ontvangen: {command['text']}")

    @app.action("kies")
    def on_button(ack: Ack) -> None:
        ack()

    return app


@pytest.fixture
def app(fake_slack: FakeSlack) -> App:
    return make_app(fake_slack)


@pytest.fixture
def socket_handler(app: App, fake_slack: FakeSlack) -> Iterator[SocketModeHandler]:
    """Bolt's builtin Socket Mode handler; it gets the ws URL from app.client (the fake)."""
    handler = SocketModeHandler(app, app_token="xapp-test")
    handler.connect()
    fake_slack.wait_for_socket()
    try:
        yield handler
    finally:
        handler.close()


# ------------------------------------------------------------------ Web API


def test_web_client_round_trip(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.api_url, token="xoxb-test")
    auth = client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T0001")
    assert "chat:write" in auth.headers["x-oauth-scopes"]

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*vraag*"}}]
    parent = client.chat_postMessage(channel="C1", text="vraag", blocks=blocks)
    assert parent["channel"] == "C1" and parent["message"]["blocks"] == blocks
    fake_slack.add_thread_message("C1", parent["ts"], "U123", "reactie")
    reply = client.chat_postMessage(channel="C1", thread_ts=parent["ts"], text="antwoord")
    assert float(reply["ts"]) > float(parent["ts"])

    replies = client.conversations_replies(channel="C1", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["vraag", "reactie", "antwoord"]
    assert replies["messages"][0]["reply_count"] == 2 and replies["has_more"] is False
    call = fake_slack.calls_to("chat.postMessage")[1]
    assert call.params["thread_ts"] == parent["ts"] and call.token == "xoxb-test"

    # A form-encoded body: JSON fields such as blocks are decoded when recorded.
    client.api_call(
        "chat.update",
        params={"channel": "C1", "ts": parent["ts"], "text": "nieuw", "blocks": json.dumps(blocks)},
    )
    assert fake_slack.calls_to("chat.update")[0].params["blocks"] == blocks
    assert fake_slack.messages("C1")[0]["text"] == "nieuw"

    assert client.conversations_open(users="U123")["channel"]["id"] == "D123"
    assert client.users_info(user="U9")["user"]["locale"] == "nl-NL"
    with pytest.raises(SlackApiError) as err:
        client.users_lookupByEmail(email="niemand@example.nl")
    assert err.value.response["error"] == "users_not_found"
    fake_slack.add_user("U7", "an@gemeente.nl", "An de Vries")
    assert client.users_lookupByEmail(email="an@gemeente.nl")["user"]["id"] == "U7"
    view = client.views_publish(user_id="U7", view={"type": "home", "blocks": []})["view"]
    assert fake_slack.home_views["U7"]["id"] == view["id"]


def test_token_rules(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake_slack.api_url).chat_postMessage(channel="C1", text="x")
    assert err.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake_slack.api_url, token="xapp-x").chat_postMessage(
            channel="C", text="x"
        )
    assert err.value.response["error"] == "not_allowed_token_type"


def test_files_upload_v2_and_streaming(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.api_url, token="xoxb-test")
    result = client.files_upload_v2(channel="C1", content="hallo", filename="a.txt", title="A")
    assert fake_slack.uploads[result["file"]["id"]] == b"hallo"
    assert fake_slack.calls_to("files.completeUploadExternal")[0].params["channel_id"] == "C1"

    stream = client.chat_stream(channel="C1", thread_ts="1700000000.000100", buffer_size=1)
    stream.append(markdown_text="Hallo ")
    stream.append(markdown_text="wereld")
    stream.stop()
    assert fake_slack.messages("C1")[-1]["text"] == "Hallo wereld"


def test_response_url(fake_slack: FakeSlack) -> None:
    url = fake_slack.response_url("cmd")
    assert WebhookClient(url).send(text="klaar", response_type="ephemeral").status_code == 200
    assert fake_slack.responses == [{"text": "klaar", "response_type": "ephemeral"}]
    assert fake_slack.wait_for("response_url")[0].path.startswith("/response/cmd-")


def test_rate_limit_is_retried(fake_slack: FakeSlack) -> None:
    fake_slack.respond(
        "chat.postMessage",
        {"ok": False, "error": "ratelimited"},
        status=429,
        headers={"Retry-After": "1"},
    )
    client = WebClient(
        base_url=fake_slack.api_url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C1", text="hoi")["ok"] is True
    assert len(fake_slack.calls_to("chat.postMessage")) == 2

    fake_slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hoi")
    assert err.value.response.status_code == 500


def test_wait_for_reports_what_was_received(fake_slack: FakeSlack) -> None:
    WebClient(base_url=fake_slack.api_url, token="xoxb-test").auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        fake_slack.wait_for("chat.postMessage", timeout=0.1)


# -------------------------------------------------------------- Socket Mode


def test_socket_mode_mention_and_command(fake_slack: FakeSlack, socket_handler: object) -> None:
    assert fake_slack.calls_to("apps.connections.open")[0].token == "xapp-test"
    event = app_mention("ping")
    envelope_id = fake_slack.send_event(event)
    assert fake_slack.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    [call] = fake_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == event["ts"]
    )
    assert call.params["text"] == "pong" and call.params["channel"] == "C123"
    # The user's message was stored, so the thread reads back like in Slack.
    texts = [m["text"] for m in fake_slack.messages("C123")]
    assert texts == ["<@UBOT> ping", "pong"]

    envelope_id = fake_slack.send_envelope("slash_commands", slash_command("hallo"))
    ack = fake_slack.wait_for_ack(envelope_id)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "ontvangen: hallo"}}

    envelope_id = fake_slack.send_envelope("interactive", block_action("kies", "1"))
    assert fake_slack.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}


def test_socket_mode_reconnects_on_disconnect(
    fake_slack: FakeSlack, socket_handler: object
) -> None:
    fake_slack.send_disconnect()
    fake_slack.wait_for("apps.connections.open", count=2)
    deadline = time.monotonic() + 5
    while fake_slack.socket_count != 1 and time.monotonic() < deadline:
        time.sleep(0.02)  # the client replaces the old connection with the new one
    assert fake_slack.socket_count == 1
    envelope_id = fake_slack.send_event(app_mention("weer daar"))
    assert fake_slack.wait_for_ack(envelope_id)["envelope_id"] == envelope_id


def test_assistant_thread(fake_slack: FakeSlack, app: App) -> None:
    assistant = Assistant()
    contexts: list[object] = []

    @assistant.thread_started
    def started(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say("Waarmee kan ik helpen?")
        set_suggested_prompts(prompts=["Wat is mijn leerroute?"])

    @assistant.user_message
    def message(say: Say, set_status: SetStatus, get_thread_context: GetThreadContext) -> None:
        set_status("is aan het zoeken...")
        contexts.append(get_thread_context())
        say("Dit is een antwoord.")

    app.use(assistant)
    handler = SocketModeHandler(app, app_token="xapp-test")
    handler.connect()
    try:
        started_event = assistant_thread_started("U123")
        thread_ts = started_event["assistant_thread"]["thread_ts"]
        fake_slack.send_event(started_event)
        fake_slack.wait_for("assistant.threads.setSuggestedPrompts")
        fake_slack.send_event(dm_message("Hoe werkt het?", thread_ts=thread_ts))
        fake_slack.wait_for("chat.postMessage", count=2)
        status = fake_slack.wait_for("assistant.threads.setStatus")[0]
        assert (status.params["channel_id"], status.params["thread_ts"]) == ("D123", thread_ts)
        assert [m["text"] for m in fake_slack.messages("D123")] == [
            "Waarmee kan ik helpen?",
            "Hoe werkt het?",
            "Dit is een antwoord.",
        ]
        assert fake_slack.calls_to("conversations.replies")[0].params["ts"] == thread_ts
    finally:
        handler.close()


# ------------------------------------------------------------ signed HTTP


def dispatch(app: App, body: str, headers: dict[str, str], ctype: str) -> tuple[int, str]:
    all_headers: dict[str, str | Sequence[str]] = {"content-type": ctype, **headers}
    response = app.dispatch(BoltRequest(body=body, headers=all_headers))
    return response.status, response.body


def test_bolt_verifies_signatures(fake_slack: FakeSlack, app: App) -> None:
    event = app_mention("ping")
    body = json.dumps(event_callback(event))
    status, _ = dispatch(app, body, sign(SECRET, body), "application/json")
    assert status == 200
    fake_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.params["thread_ts"] == event["ts"]
    )

    assert dispatch(app, body, sign("wrong", body), "application/json")[0] == 401
    stale = sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert dispatch(app, body, stale, "application/json") == (401, '{"error": "invalid request"}')

    form = urlencode(slash_command("hallo"))
    ctype = "application/x-www-form-urlencoded"
    assert dispatch(app, form, sign(SECRET, form), ctype) == (200, "ontvangen: hallo")


@pytest.fixture
def bolt_http_url(app: App) -> Iterator[str]:
    """The app behind Bolt's WSGI adapter on 127.0.0.1, for the urllib-based post helpers."""

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server: WSGIServer = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_post_helpers_against_bolt_http(fake_slack: FakeSlack, bolt_http_url: str) -> None:
    body = event_callback(app_mention("ping"))
    assert post_event(bolt_http_url, SECRET, body, retry_num=1)[0] == 200
    fake_slack.wait_for("chat.postMessage")
    assert post_event(bolt_http_url, "wrong", body)[0] == 401
    assert post_form(bolt_http_url, SECRET, slash_command("x")) == (200, "ontvangen: x")
    assert post_interactive(bolt_http_url, SECRET, block_action("kies", "1"))[0] == 200


# ------------------------------------------------------------------ OpenAI


@pytest.fixture
def oai(fake_openai: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="test", max_retries=0) as client:
        yield client


def ask(client: openai.OpenAI) -> str | None:
    result = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Wat is een leerroute?"}]
    )
    return result.choices[0].message.content


def test_openai_chat_ok_and_empty(fake_openai: FakeOpenAI, oai: openai.OpenAI) -> None:
    assert ask(oai) == DEFAULT_REPLY
    request = fake_openai.requests_to("chat/completions")[0]
    assert request.json["messages"][0]["content"] == "Wat is een leerroute?"
    assert request.headers["authorization"] == "Bearer test"
    fake_openai.reply = lambda body: f"echo: {body['messages'][-1]['content']}"
    assert ask(oai) == "echo: Wat is een leerroute?"
    fake_openai.mode = "empty"
    assert ask(oai) == ""


def test_openai_streaming(fake_openai: FakeOpenAI, oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hoi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_REPLY
    assert chunks[-1].usage is not None and chunks[-2].choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("error500", openai.InternalServerError),
        ("ratelimit429", openai.RateLimitError),
        ("down", openai.APIConnectionError),
    ],
)
def test_openai_failures(
    fake_openai: FakeOpenAI, oai: openai.OpenAI, mode: Mode, error: type
) -> None:
    fake_openai.mode = mode
    with pytest.raises(error):
        ask(oai)


def test_openai_slow_times_out(fake_openai: FakeOpenAI) -> None:
    fake_openai.mode, fake_openai.delay = "slow", 3.0
    started = time.monotonic()
    with (
        openai.OpenAI(base_url=fake_openai.base_url, api_key="t", max_retries=0, timeout=0.3) as c,
        pytest.raises(openai.APITimeoutError),
    ):
        ask(c)
    assert time.monotonic() - started < 2


def test_openai_embeddings(fake_openai: FakeOpenAI, oai: openai.OpenAI) -> None:
    texts = ["leerroute voor beleidsmedewerkers", "leerroute voor nieuwe medewerkers", "parkeren"]
    default = oai.embeddings.create(
        model="text-embedding-3-small", input=texts
    )  # base64 on the wire
    floats = oai.embeddings.create(model="m", input=texts, encoding_format="float")
    assert fake_openai.requests_to("embeddings")[0].json["encoding_format"] == "base64"
    vectors = [d.embedding for d in floats.data]
    assert vectors[0] == fake_embedding(texts[0], 64)
    assert all(math.isclose(sum(v * v for v in vec), 1.0) for vec in vectors)
    assert all(
        math.isclose(a, b, abs_tol=1e-6)
        for x, y in zip(default.data, floats.data, strict=True)
        for a, b in zip(x.embedding, y.embedding, strict=True)
    )

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2])


def test_langchain_openai(fake_openai: FakeOpenAI) -> None:
    from langchain_openai import ChatOpenAI, OpenAIEmbeddings
    from pydantic import SecretStr

    chat = ChatOpenAI(
        model="gpt-4o-mini",
        base_url=fake_openai.base_url,
        api_key=SecretStr("test"),
        max_retries=0,
    )
    assert chat.invoke("Wat is een leerroute?").content == DEFAULT_REPLY
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small",
        base_url=fake_openai.base_url,
        api_key=SecretStr("test"),
        check_embedding_ctx_length=False,
    )
    assert len(embeddings.embed_query("leerroute")) == 64
