"""Load: N signed Slack events fired concurrently at `leerroute serve --http`, on loopback.

Reports the ack latency (Slack wants 3 s), the time until each answer reaches (fake) Slack,
throughput, and checks every event was answered exactly once. One replica uses the embedded
defaults (SQLite, Chroma on disk); two replicas share PostgreSQL and a Chroma server, so
start those first:  eval "$(scripts/services.sh start)"

    python benchmarks/load.py [EVENTS] [CONCURRENCY]
    python benchmarks/load.py --flood     # one person floods with expensive questions

A benchmark, not a test: bounded in count (default 200 events) and time (120 s).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.slack import FakeSlack  # noqa: E402
from tests.fakes.slack_payloads import app_mention, dm_message, event_callback, post_event  # noqa: E402
from tests.serving import free_port, start_serving, wait_healthy  # noqa: E402

SECRET = "load-test-signing-secret-1"
QUESTIONS = [
    "who do I contact about team conflict?",
    "Wanneer is werkatelier 4?",
    "Wat kost de leergang?",
    "Ik wil een opleiding volgen.",
    "Wie helpt bij de voorbereiding van de resultaatgesprekken?",
    "Wat is de Routekaart HR2020?",
]
TIME_LIMIT = 120.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def start_replicas(
    count: int, slack: FakeSlack, data: Path, shared: dict[str, str]
) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    env = {
        **os.environ,
        **shared,
        "SLACK_BOT_TOKEN": "xoxb-load-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "LEERROUTE_DATA_DIR": str(data),
        "LEERROUTE_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "LEERROUTE_PROMPTS_DIR": str(ROOT / "prompts"),
        "LEERROUTE_REFLECTION__ENABLED": "false",
        "LEERROUTE_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "ingest"],
        env=env,
        check=True,
        capture_output=True,
    )
    processes, urls = [], []
    for _ in range(count):
        port = free_port()
        processes.append(
            start_serving(port, env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url, process in zip(urls, processes, strict=True):
        wait_healthy(url, process)
    return processes, urls


def run(replicas: int, events: int, concurrency: int, shared: dict[str, str]) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-load-"))
    with FakeSlack() as slack:
        processes, urls = start_replicas(replicas, slack, data, shared)
        try:
            bodies = []
            for i in range(events):
                question = QUESTIONS[i % len(QUESTIONS)]
                user = f"ULOAD{i:05d}"
                event = (
                    app_mention(question, user=user, channel=f"CLOAD{i:05d}")
                    if i % 2
                    else dm_message(question, user=user, channel=f"DLOAD{i:05d}")
                )
                bodies.append(event_callback(event, event_id=f"EvLoad{replicas}{i:05d}"))
            acks: list[float] = []
            sent_at: dict[str, float] = {}
            lock = threading.Lock()

            def fire(i: int) -> None:
                url = urls[i % len(urls)]
                started = time.perf_counter()
                with lock:
                    sent_at[bodies[i]["event"]["channel"]] = started
                try:
                    status, _ = post_event(f"{url}/slack/events", SECRET, bodies[i])
                except OSError:  # refused or reset: counts as not acknowledged
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    acks.append(elapsed if status == 200 else float("inf"))

            wall = time.perf_counter()
            answered_at: dict[str, float] = {}
            with ThreadPoolExecutor(concurrency) as pool:
                futures = [pool.submit(fire, i) for i in range(events)]
                deadline = wall + TIME_LIMIT
                # Watch the answers arrive (polling every 20 ms) while the events go out.
                while time.perf_counter() < deadline:
                    now = time.perf_counter()
                    for call in slack.calls_to("chat.postMessage"):
                        answered_at.setdefault(str(call.params.get("channel")), now)
                    if len(answered_at) >= events and all(f.done() for f in futures):
                        break
                    time.sleep(0.02)
            last = max(answered_at.values(), default=time.perf_counter())
            time.sleep(1.0)  # a duplicate would arrive within this second
            posts = slack.calls_to("chat.postMessage")
            latencies = [
                answered_at[channel] - sent_at[channel]
                for channel in answered_at
                if channel in sent_at
            ]
            duplicates = len(posts) - len({str(call.params.get("channel")) for call in posts})
            within = sum(1 for ack in acks if ack < 3.0)
            print(
                f"{replicas} replica(s), {events} events, concurrency {concurrency}:\n"
                f"  acknowledged within 3 s: {within}/{events}; ack p50 {percentile(acks, 0.5) * 1000:.0f} ms, "
                f"p95 {percentile(acks, 0.95) * 1000:.0f} ms, p99 {percentile(acks, 0.99) * 1000:.0f} ms\n"
                f"  answered {len(answered_at)}/{events}, duplicates {duplicates}; time to answer "
                f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms\n"
                f"  throughput {len(answered_at) / max(last - wall, 1e-9):.1f} answers/s"
            )
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            shutil.rmtree(data, ignore_errors=True)


FLOOD = ["x@" * 1000, "x@ " * 666, "? " * 1000, "lorem ipsum dolor " * 110]


def flood(normal: int = 60, flooding: int = 40) -> None:
    """One person sends `flooding` expensive DMs at once while `normal` others each ask one
    normal question: the others' acks and answers are what counts."""
    data = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    with FakeSlack() as slack:
        processes, urls = start_replicas(1, slack, data, {})
        url = f"{urls[0]}/slack/events"
        try:
            flood_bodies = [
                event_callback(
                    dm_message(FLOOD[i % len(FLOOD)], user="UFLOOD001", channel="DFLOOD")
                )
                for i in range(flooding)
            ]
            others = [
                event_callback(
                    dm_message(
                        QUESTIONS[i % len(QUESTIONS)],
                        user=f"UOTHER{i:04d}",
                        channel=f"DOTHER{i:04d}",
                    )
                )
                for i in range(normal)
            ]
            acks: list[float] = []
            sent_at: dict[str, float] = {}
            lock = threading.Lock()

            def fire(body: dict[str, object], counted: bool) -> None:
                started = time.perf_counter()
                if counted:
                    with lock:
                        sent_at[str(body["event"]["channel"])] = started  # type: ignore[index]
                try:
                    status, _ = post_event(url, SECRET, body)
                except OSError:
                    status = 0
                if counted:
                    with lock:
                        acks.append(
                            time.perf_counter() - started if status == 200 else float("inf")
                        )

            with ThreadPoolExecutor(40) as pool:
                for body in flood_bodies:
                    pool.submit(fire, body, False)
                time.sleep(0.2)  # the flood is in first
                for body in others:
                    pool.submit(fire, body, True)
                deadline = time.perf_counter() + TIME_LIMIT
                answered_at: dict[str, float] = {}
                while time.perf_counter() < deadline and len(answered_at) < normal:
                    now = time.perf_counter()
                    for call in slack.calls_to("chat.postMessage"):
                        channel = str(call.params.get("channel"))
                        if channel in sent_at:
                            answered_at.setdefault(channel, now)
                    time.sleep(0.02)
            latencies = [answered_at[c] - sent_at[c] for c in answered_at]
            flood_replies = [
                str(call.params.get("text"))
                for call in slack.calls_to("chat.postMessage")
                if call.params.get("channel") == "DFLOOD"
            ]
            slowed = sum(text.startswith("Even rustig aan") for text in flood_replies)
            print(
                f"flood: one person sent {flooding} expensive DMs while {normal} others asked one each:\n"
                f"  the others: acked within 3 s {sum(a < 3 for a in acks)}/{normal}, ack p99 "
                f"{percentile(acks, 0.99) * 1000:.0f} ms; answered {len(answered_at)}/{normal}, "
                f"answer p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms\n"
                f"  the flooder: {len(flood_replies)} replies, of which {slowed} asked to slow down"
            )
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    if "--flood" in sys.argv:
        flood()
        return
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    run(1, events, concurrency, {})
    database, chroma = (
        os.environ.get("LEERROUTE_TEST_DATABASE_URL"),
        os.environ.get("LEERROUTE_TEST_CHROMA_URL"),
    )
    if database and chroma:
        run(2, events, concurrency, {"DATABASE_URL": database, "LEERROUTE_CHROMA_URL": chroma})
    else:
        print(
            'two replicas: skipped (start PostgreSQL and Chroma: eval "$(scripts/services.sh start)")'
        )


if __name__ == "__main__":
    main()
