"""The answering engine's quality on the validation split (never trained on) and the dev set,
per language. Run `python benchmarks/quality.py` after `leerroute ingest`; add `--cv` for the
training split's 5-fold cross-validation too (it refits the engine five times: minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answer.corpus import load_question_set, training_examples  # noqa: E402
from bot.evaluate import GROUPS, Report, cross_validate, score  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def line(name: str, report: Report) -> str:
    cells = []
    for group in GROUPS:
        hits, total = report.pair(group)
        if not total:
            continue
        by_language = "/".join(
            f"{report.rate(group, lang):.0%}" if report.pair(group, lang)[1] else "—"
            for lang in ("nl", "en")
        )
        cells.append(f"{group} {hits / total:.1%} ({hits}/{total}; nl/en {by_language})")
    return f"{name}\n  " + "\n  ".join(cells)


def main() -> None:
    services = build_services(load_settings())
    assistant = services.assistant
    if "--cv" in sys.argv:
        knowledge = services.knowledge
        examples = training_examples(services.settings.knowledge_dir, knowledge.hulplijnen)
        print(
            line(
                "training, 5-fold cross-validation",
                cross_validate(examples, services.assistant_fitted_on),
            )
        )
    for name in ("tests/data/validation.yaml", "tests/data/dev.yaml"):
        print(line(name, score(assistant, load_question_set(ROOT / name))))


if __name__ == "__main__":
    main()
