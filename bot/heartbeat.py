"""A heartbeat the serving process writes, for a container health check that costs nothing.

`leerroute serve` writes `heartbeat.json` in the data dir every HEARTBEAT_SECONDS with what
its own health check says (database, index, engine). `python -m bot.heartbeat` reads it
with the standard library only (no model, no migrations, no Chroma client) and exits 0
when it is fresh and healthy: the Dockerfile's HEALTHCHECK, in Socket Mode and HTTP mode
alike. `leerroute health` stays the full check for operators.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

HEARTBEAT = "heartbeat.json"
HEARTBEAT_SECONDS = 20.0
# Older than this, the server is taken for hung: three missed beats (a beat may be slow
# while the engine reloads after an ingest).
STALE_SECONDS = 3 * HEARTBEAT_SECONDS + 30


def write(data_dir: Path, ok: bool, reason: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = data_dir / (HEARTBEAT + ".partial")
    partial.write_text(json.dumps({"ok": ok, "reason": reason, "at": time.time()}))
    partial.replace(data_dir / HEARTBEAT)


def read(data_dir: Path, now: float | None = None) -> tuple[bool, str]:
    """Whether the server beat recently and was healthy then, and why not."""
    try:
        beat = json.loads((data_dir / HEARTBEAT).read_text())
    except (OSError, ValueError):
        return False, "no heartbeat: is `leerroute serve` running?"
    age = (now or time.time()) - float(beat.get("at", 0))
    if age > STALE_SECONDS:
        return False, f"the last heartbeat is {age:.0f} s old: the server is stuck or stopped"
    return bool(beat.get("ok")), str(beat.get("reason", ""))


def start(
    data_dir: Path, check: Callable[[], tuple[bool, str]], stop: threading.Event
) -> threading.Thread:
    """Beat until `stop` is set."""

    def beat() -> None:
        while not stop.is_set():
            ok, reason = check()
            write(data_dir, ok, reason)
            stop.wait(HEARTBEAT_SECONDS)

    thread = threading.Thread(target=beat, name="leerroute-heartbeat", daemon=True)
    thread.start()
    return thread


def main() -> None:
    data_dir = Path(os.environ.get("LEERROUTE_DATA_DIR", "data"))
    ok, reason = read(data_dir)
    print(reason)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
