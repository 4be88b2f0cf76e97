"""Answer speed and size: the first answer after the process starts, warm p50/p95 over the
dev and validation questions, and the process's peak memory. Run `python benchmarks/answer.py`
after `leerroute ingest` (the engine is then loaded, not fitted).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time

STARTED = time.perf_counter()

from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer.corpus import load_question_set  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def main() -> None:
    services = build_services(load_settings())
    assistant = services.assistant
    assistant.answer("Wanneer is werkatelier 4?")
    first = time.perf_counter() - STARTED
    print(f"first answer {first:.2f} s after the process started (imports, model, engine)")
    questions = [
        e.text
        for name in ("tests/data/dev.yaml", "tests/data/validation.yaml")
        for e in load_question_set(ROOT / name)
    ]
    timings = [assistant.answer(question).latency_ms for question in questions]
    timings.sort()
    p95 = timings[round(0.95 * (len(timings) - 1))]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"warm latency over {len(timings)} answers: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
