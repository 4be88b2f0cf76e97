"""The knowledge's life while Leerroute runs: a document ingested by another process is
answered by the running server, with Chroma on disk (two real processes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE
from tests.fakes.slack import FakeSlack, app_mention, event_callback, post_event
from tests.serving import free_port, start_serving, wait_healthy
from tests.slack_helpers import SIGNING_SECRET, everything_said, in_thread, slack

__all__ = ["slack"]

NEW_DOCUMENT = (
    "---\ntitle: Coaching\norganisation: Gemeente Roosendaal\n---\n\n# Coaching\n\n"
    "## Het driehoeksgesprek\n\nBij de start van een coachtraject voert de externe coach een "
    "driehoeksgesprek met de medewerker en de HR-adviseur over de doelen van het traject.\n"
)
QUESTION = "Wat is een driehoeksgesprek bij coaching?"


def ask(slack: FakeSlack, base: str, question: str) -> str:
    mention = app_mention(question)
    slack.add_message("C123", mention | {"type": "message"})
    status, _ = post_event(base + "/slack/events", SIGNING_SECRET, event_callback(mention))
    assert status == 200
    [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]), timeout=30)
    return everything_said(reply)


def test_a_document_ingested_by_another_process_is_answered_by_the_running_server(
    slack: FakeSlack, data_dir: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = isolated / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    monkeypatch.setenv("LEERROUTE_KNOWLEDGE_DIR", str(knowledge))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serving(
        port,
        dict(os.environ),
        cwd=isolated,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_healthy(base, server)
        assert "driehoeksgesprek met de medewerker" not in ask(slack, base, QUESTION)

        (knowledge / "documents" / "coaching.md").write_text(NEW_DOCUMENT)
        ingest = subprocess.run(
            [sys.executable, "-m", "bot.cli", "ingest"],
            env=dict(os.environ),
            cwd=isolated,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert ingest.returncode == 0, ingest.stderr
        ingested = time.monotonic()

        while True:  # the README promises an answer from the new document within 60 s
            answer = ask(slack, base, QUESTION)
            if "driehoeksgesprek met de medewerker" in answer:
                break
            assert time.monotonic() - ingested < 60, answer
            time.sleep(5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output and "InternalError" not in output


def test_a_database_deleted_while_serving_is_noticed_and_never_silently_replaced(
    slack: FakeSlack, data_dir: Path
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.db import DatabaseError
    from bot.services import build_services
    from bot.settings import load_settings
    from tests.slack_helpers import running_replica

    with running_replica(slack) as replica:
        assert replica.healthz()[0] == 200
        (data_dir / "leerroute.db").unlink()
        status, body = replica.healthz()
        assert status == 503 and "deleted or replaced" in body["reason"]

    with pytest.raises(DatabaseError, match="is gone, though one was created here"):
        _ = build_services(load_settings()).db  # a restart refuses an empty stand-in
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1 and "db init --force" in result.output
    result = CliRunner().invoke(app, ["db", "init", "--force"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "leerroute.db").exists()


def test_a_corrupt_database_gets_the_person_an_apology_and_healthz_a_503(
    slack: FakeSlack, data_dir: Path
) -> None:
    from tests.slack_helpers import running_replica

    with running_replica(slack) as replica:
        assert replica.healthz()[0] == 200
        replica.services.db.engine.dispose()  # no connection kept open on the good file
        (data_dir / "leerroute.db").write_bytes(b"this is no SQLite file " * 400)
        for suffix in ("-wal", "-shm"):
            (data_dir / f"leerroute.db{suffix}").unlink(missing_ok=True)
        mention = app_mention("Wanneer is werkatelier 4?")
        assert replica.deliver(event_callback(mention)) == 200
        [reply] = slack.wait_for("chat.postMessage", predicate=in_thread(mention["ts"]))
        assert reply.params["text"].startswith("Sorry")
        status, body = replica.healthz()
        assert status == 503 and "database" in body["reason"]
