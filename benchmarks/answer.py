"""Answer latency and quality: first answer after process start, warm p50/p95, and the
eval scores on the dev set and the extra set. Run `python benchmarks/answer.py`.
"""

from __future__ import annotations

import statistics
import sys
import time

STARTED = time.perf_counter()

from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluate import evaluate, load_set  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def main() -> None:
    services = build_services(load_settings())
    assistant = services.assistant
    assistant.answer("Wanneer is werkatelier 4?")
    first = time.perf_counter() - STARTED
    print(f"first answer {first:.2f} s after the process started (imports, model, index)")
    for name in ("tests/data/dev.yaml", "benchmarks/questions_extra.yaml"):
        report = evaluate(assistant, load_set(ROOT / name)).as_json()
        print(
            f"{name:34s} routing {report['routing_accuracy']:.1%}  knowledge {report['knowledge_hit_rate']:.1%}  "
            f"out-of-scope {report['out_of_scope_refusal_rate']:.1%}  "
            f"p50 {report['latency_ms']['p50']} ms  p95 {report['latency_ms']['p95']} ms"
        )
    questions = [
        item["q"] for group in load_set(ROOT / "tests/data/dev.yaml").values() for item in group
    ]
    timings = []
    for _ in range(5):
        for question in questions:
            timings.append(assistant.answer(question).latency_ms)
    timings.sort()
    p95 = timings[round(0.95 * (len(timings) - 1))]
    print(
        f"warm latency over {len(timings)} answers: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms"
    )


if __name__ == "__main__":
    main()
