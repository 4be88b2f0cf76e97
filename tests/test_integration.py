"""Scale-out on real engines: PostgreSQL, a Chroma server, and two bot replicas.

These run when `scripts/services.sh start` (as `.ci/run` does) has set
LEERROUTE_TEST_DATABASE_URL and LEERROUTE_TEST_CHROMA_URL; elsewhere they are skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.services import Services, build_services
from bot.settings import load_settings
from bot.slack.reflection import SlackMessenger
from tests.conftest import KNOWLEDGE, PROMPTS
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_payloads import app_mention, dm_message, event_callback, post_event
from tests.serving import free_port, start_serving, wait_healthy

DATABASE_URL = os.environ.get("LEERROUTE_TEST_DATABASE_URL")
CHROMA_URL = os.environ.get("LEERROUTE_TEST_CHROMA_URL")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (DATABASE_URL and CHROMA_URL),
        reason='no PostgreSQL/Chroma server: run `eval "$(scripts/services.sh start)"` first',
    ),
]
SECRET = "integration-signing-secret-1"


def reset_database(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="module")
def chroma_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shipped knowledge ingested once into the Chroma server (rebuilt from scratch)."""
    from bot.settings import Settings
    from ingest.index import Indexer

    assert CHROMA_URL
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("chroma-ingest"),
        knowledge_dir=KNOWLEDGE,
        prompts_dir=PROMPTS,
        chroma_url=CHROMA_URL,
    )
    services = build_services(settings)
    Indexer(settings, services.embedder, services.chroma).run(rebuild=True)
    return CHROMA_URL


@pytest.fixture
def shared_env(chroma_index: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    assert DATABASE_URL
    reset_database(DATABASE_URL)
    env = {"DATABASE_URL": DATABASE_URL, "LEERROUTE_CHROMA_URL": chroma_index}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def replica_services() -> Services:
    return build_services(load_settings(), today=dt.date(2011, 12, 1))


def test_the_assistant_answers_from_the_chroma_server(shared_env: dict[str, str]) -> None:
    answer = replica_services().assistant.answer("Wanneer is werkatelier 4?")
    assert "19 en 20 maart 2012" in answer.text


def test_a_second_ingest_against_the_server_changes_nothing(shared_env: dict[str, str]) -> None:
    from ingest.index import Indexer

    services = replica_services()
    summary = Indexer(services.settings, services.embedder, services.chroma).run()
    assert not summary.changed


def test_questions_are_recorded_in_postgresql_and_erased_on_request(
    shared_env: dict[str, str],
) -> None:
    services = replica_services()
    services.questions.ask(
        "wie helpt bij ruzie in ons team? mail jan@gemeente.nl", "UPG00001", "dm"
    )
    assert services.recorder.question_count() == 1
    with services.db.session() as session:
        stored = session.execute(text("select text, asker from questions")).one()
    assert "jan@gemeente.nl" not in stored.text and stored.asker != "UPG00001"
    assert services.recorder.forget("UPG00001")["questions"] == 1


def test_an_event_is_claimed_by_exactly_one_replica(shared_env: dict[str, str]) -> None:
    replicas = [replica_services() for _ in range(4)]
    results: list[bool] = []
    barrier = threading.Barrier(len(replicas))

    def claim(services: Services) -> None:
        barrier.wait()
        results.append(services.db.claim_event("Ev-same-event"))

    threads = [threading.Thread(target=claim, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_reflection_prompt_is_sent_once_when_replicas_tick_together(
    shared_env: dict[str, str],
) -> None:
    with FakeSlack() as slack:
        from slack_sdk import WebClient

        replicas = [replica_services() for _ in range(3)]
        replicas[0].participants.enrol("UREFL0001")
        now = dt.datetime(2011, 12, 21, 9, 31, tzinfo=dt.UTC)
        barrier = threading.Barrier(len(replicas))

        def tick(services: Services) -> None:
            barrier.wait()
            client = WebClient(token="xoxb-test-token", base_url=slack.api_url)
            services.reflection.tick(SlackMessenger(client), now)

        threads = [threading.Thread(target=tick, args=(replica,)) for replica in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        posts = [
            call
            for call in slack.calls_to("chat.postMessage")
            if "Werkatelier 1" in str(call.params)
        ]
        assert len(posts) == 1


@pytest.fixture
def two_replicas(
    shared_env: dict[str, str], isolated: Path
) -> Iterator[tuple[FakeSlack, list[str]]]:
    """Two `leerroute serve --http` processes sharing PostgreSQL and the Chroma server."""
    with FakeSlack() as slack:
        env = {
            **os.environ,
            **shared_env,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "LEERROUTE_REFLECTION__ENABLED": "false",
        }
        # As an operator would: one ingest job against the shared services (it fits the
        # engine and stores it in the database), then the replicas, which load that fit.
        from ingest.index import Indexer

        job = replica_services()
        Indexer(job.settings, job.embedder, job.chroma, job.shared_engines()).run()
        job.db.engine.dispose()
        ports = [free_port(), free_port()]
        # Their output goes to files, not pipes nobody reads while the test runs (a full pipe
        # would block a replica mid-answer).
        logs = [isolated / f"replica-{port}.log" for port in ports]
        processes = [
            start_serving(
                port,
                {**env, "LEERROUTE_DATA_DIR": str(isolated / f"replica-{port}")},
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            for port, log in zip(ports, logs, strict=True)
        ]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for url, process in zip(urls, processes, strict=True):
                wait_healthy(url, process)
            yield slack, urls
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process, log in zip(processes, logs, strict=True):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                # pytest shows this only when the test failed: what each replica logged.
                print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-6000:]}")


def test_two_replicas_answer_every_event_once(two_replicas: tuple[FakeSlack, list[str]]) -> None:
    slack, urls = two_replicas
    events = []
    for i in range(6):
        event = (
            app_mention("who do I contact about team conflict?", user=f"UREP{i:04d}")
            if i % 2
            else dm_message("Wanneer is werkatelier 4?", user=f"UREP{i:04d}")
        )
        events.append(event_callback(event, event_id=f"EvRep{i:04d}"))

    def deliver(url: str, body: dict, retry: int | None) -> None:  # type: ignore[type-arg]
        status, _ = post_event(f"{url}/slack/events", SECRET, body, retry_num=retry)
        assert status == 200

    # Every event reaches both replicas at once, as a load balancer retry would send it.
    threads = [
        threading.Thread(target=deliver, args=(url, body, n or None))
        for body in events
        for n, url in enumerate(urls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.wait_for("chat.postMessage", count=len(events), timeout=30)
    time.sleep(1.0)  # a duplicate would arrive within this second
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == len(events)
    texts = [str(call.params.get("text", "")) for call in posts]
    assert sum("19 en 20 maart 2012" in str(call.params) for call in posts) == 3, texts


def test_healthz_fails_with_a_reason_when_the_chroma_server_is_unreachable(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEERROUTE_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    if DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    services = build_services(load_settings())
    problems = services.warm_up()
    assert any(problem.startswith("index:") for problem in problems)
    ok, reason = services.check_health()
    assert not ok and reason
