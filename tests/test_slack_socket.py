"""Leerroute in Slack over Socket Mode: the same app, reached over Slack's websocket.

With ``SLACK_APP_TOKEN`` set and no signing secret, the real app (``create_app``) connects
with bolt's ``SocketModeHandler`` to the fake Slack, acknowledges each envelope and answers.
Only Slack is fake. Starting and closing a handler takes about a second, so one test walks
through several steps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.services import Services, build_services
from bot.settings import load_settings
from bot.slack import ids
from bot.slack.app import create_app
from tests.fakes.slack import (
    FakeSlack,
    app_mention,
    dm_message,
    event_callback,
    slash_command,
)
from tests.slack_helpers import (
    APP_TOKEN,
    HULPLIJNEN,
    in_channel,
    in_thread,
    point_leerroute_at,
    sent_to,
    settle,
    the_button,
)


@pytest.fixture
def slack(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, data_dir: object
) -> Iterator[FakeSlack]:
    """Leerroute connected to the fake Slack over Socket Mode (no signing secret set)."""
    point_leerroute_at(fake_slack, monkeypatch, socket_mode=True)
    services: Services = build_services(load_settings())
    app_token = services.settings.slack.app_token
    assert app_token is not None and services.settings.slack.signing_secret is None
    handler = SocketModeHandler(
        create_app(services.settings, services), app_token=app_token.get_secret_value()
    )
    handler.connect()
    fake_slack.wait_for_socket()
    try:
        yield fake_slack
    finally:
        handler.close()
        if "db" in services.__dict__:
            services.db.engine.dispose()


def test_over_socket_mode_mentions_dms_and_commands_are_acknowledged_and_answered_and_retries_once(
    slack: FakeSlack,
) -> None:
    assert slack.calls_to("apps.connections.open")[0].token == APP_TOKEN

    # A mention: acknowledged on the socket, answered in its thread.
    mention = app_mention("Wie kan ik benaderen bij een teamconflict?")
    envelope = slack.send_event(mention)
    assert slack.wait_for_ack(envelope) == {"envelope_id": envelope}
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
    assert "Hiervoor kun je het beste terecht bij de *Groepsontwikkelaar*." in reply.params["text"]
    assert the_button(reply.params["blocks"], ids.CONTACT_ROLE)["value"] == "groepsontwikkelaar|nl"

    # A direct message: answered in the DM with the date.
    envelope = slack.send_event(dm_message("Wanneer is werkatelier 4?", channel="D123"))
    assert slack.wait_for_ack(envelope) == {"envelope_id": envelope}
    [answer] = slack.wait_for("chat.postMessage", predicate=in_channel("D123"))
    assert "19 en 20 maart 2012" in answer.params["text"]

    # `/leerroute vraag`: acknowledged empty at once, the answer goes to the response_url.
    response_url = slack.response_url("command")
    envelope = slack.send_envelope(
        "slash_commands",
        slash_command("vraag wanneer is masterclass 1?", response_url=response_url),
    )
    assert slack.wait_for_ack(envelope) == {"envelope_id": envelope}
    [answered] = slack.wait_for("response_url", predicate=sent_to(response_url))
    assert "7 maart 2012" in answered.params["text"]
    assert answered.params["response_type"] == "ephemeral"

    # `/leerroute hulplijnen`: the reply travels in the ack's payload.
    envelope = slack.send_envelope("slash_commands", slash_command("hulplijnen"))
    shown = json.dumps(slack.wait_for_ack(envelope)["payload"]["blocks"], ensure_ascii=False)
    for role in HULPLIJNEN:
        assert f"*{role}*" in shown

    # Slack re-sends an envelope it thinks was missed (same event_id): answered once.
    body = event_callback(app_mention("wanneer is werkatelier 4?"))
    first = slack.send_envelope("events_api", body)
    retry = slack.send_envelope("events_api", body, retry_attempt=1, retry_reason="timeout")
    assert slack.wait_for_ack(first) == {"envelope_id": first}
    assert slack.wait_for_ack(retry) == {"envelope_id": retry}
    settle(slack, slack.send_event)
    assert len(slack.wait_for("chat.postMessage", predicate=in_thread(body["event"]["ts"]))) == 1
