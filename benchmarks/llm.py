"""Generated answers against a real endpoint: quality next to the composed answers, how many
generated answers were shown or rejected (and why), and how long they took.

The endpoint comes from the usual settings (OPENAI_BASE_URL, OPENAI_API_KEY,
LEERROUTE_LLM__MODEL, LEERROUTE_LLM__DEADLINE_S); the provider is switched on here. Each
question is asked twice: composed, then generated. Never run in CI (it needs a model).

    ../shared/tools/local_llm.sh 8089 &      # or: ollama serve; ollama pull qwen2.5:1.5b
    OPENAI_BASE_URL=http://127.0.0.1:8089/v1 OPENAI_API_KEY=sk-local LEERROUTE_LLM__MODEL=qwen-local \\
        python benchmarks/llm.py [--limit 60] [--set tests/data/validation.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer.corpus import load_question_set  # noqa: E402
from bot.evaluate import GROUPS, Comparison, compare  # noqa: E402
from bot.evaluate_report import sample  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def show(name: str, result: Comparison, seconds: float) -> None:
    print(name)
    for group in GROUPS:
        composed, generated = result.composed.pair(group), result.generated.pair(group)
        if composed[1]:
            print(
                f"  {group:13} composed {composed[0] / composed[1]:6.1%}"
                f"   generated {generated[0] / generated[1]:6.1%}   ({composed[1]} questions)"
            )
    summary = result.as_json()
    share = result.shown / result.sent if result.sent else 0.0
    print(f"  sent to the model {result.sent}, shown as generated {result.shown} ({share:.0%})")
    print(f"  rejected or failed: {json.dumps(summary['rejected'])}")
    if summary["generation_s"]:
        timing = summary["generation_s"]
        print(f"  generation p50 {timing['p50']} s, p95 {timing['p95']} s; wall {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, action="append", help="a question set (repeatable)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many per set")
    args = parser.parse_args()
    os.environ["LEERROUTE_LLM__PROVIDER"] = "openai"
    services = build_services(load_settings())
    print(
        f"endpoint {services.settings.openai.base_url or 'api.openai.com'}, model "
        f"{services.settings.llm.model}, deadline "
        f"{services.settings.llm.deadline(services.settings.openai.base_url)} s"
    )
    for path in args.set or [ROOT / "tests/data/dev.yaml", ROOT / "tests/data/validation.yaml"]:
        examples = sample(list(load_question_set(path)), args.limit)
        started = time.monotonic()
        result = compare(services.assistant, examples)
        show(
            str(path.relative_to(ROOT) if path.is_absolute() else path),
            result,
            time.monotonic() - started,
        )


if __name__ == "__main__":
    main()
