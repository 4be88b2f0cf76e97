"""The container health check reads the heartbeat the server writes: cheap, both modes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot import heartbeat


def check_command(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEERROUTE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "bot.heartbeat"], env=env, capture_output=True, text=True
    )


def test_a_fresh_healthy_beat_passes_and_a_stale_or_missing_one_fails(tmp_path: Path) -> None:
    assert check_command(tmp_path).returncode == 1  # no server has beaten yet
    stop = threading.Event()
    heartbeat.start(tmp_path, lambda: (True, "ok"), stop)
    deadline = time.monotonic() + 5
    while not (tmp_path / heartbeat.HEARTBEAT).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    passed = check_command(tmp_path)
    assert passed.returncode == 0 and passed.stdout.strip() == "ok"
    later = time.time() + heartbeat.STALE_SECONDS + 1
    ok, reason = heartbeat.read(tmp_path, now=later)
    assert not ok and "stuck or stopped" in reason


def test_an_unhealthy_server_fails_the_check_with_its_reason(tmp_path: Path) -> None:
    heartbeat.write(tmp_path, False, "database: the file is not a database")
    failed = check_command(tmp_path)
    assert failed.returncode == 1 and "not a database" in failed.stdout
