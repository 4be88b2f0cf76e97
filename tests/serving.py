"""Running `leerroute serve --http` as a real process on loopback (tests and benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(port: int) -> list[str]:
    """The command line of one HTTP replica bound to 127.0.0.1:port."""
    return [
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        "--http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def start_serving(port: int, env: dict[str, str], **popen: Any) -> subprocess.Popen[Any]:
    return subprocess.Popen(serve_command(port), env=env, **popen)


def wait_healthy(url: str, process: subprocess.Popen[Any], timeout: float = 60) -> None:
    """Until GET /healthz answers 200; fails early with its output if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"leerroute serve exited: {output!r}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never became healthy")
