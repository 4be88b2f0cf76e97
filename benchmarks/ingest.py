"""Ingest throughput: chunks/s on the shipped knowledge and on a synthetic corpus,
and the time of a no-op re-ingest. A benchmark, not a test: run `python benchmarks/ingest.py`.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.index import Indexer  # noqa: E402

WORDS = [
    "samenwerking",
    "team",
    "groep",
    "ontwikkeling",
    "leergang",
    "werkatelier",
    "adviseur",
    "gemeente",
    "strategie",
    "verandering",
    "coaching",
    "portfolio",
    "organisatie",
    "beleid",
    "bestuur",
    "capaciteit",
    "formatie",
    "loopbaan",
    "reflectie",
    "intervisie",
    "masterclass",
    "programma",
    "resultaten",
    "knelpunten",
    "communicatie",
]


def synthetic(folder: Path, documents: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(documents):
        sections = []
        for s in range(3):
            sentences = [" ".join(rng.choices(WORDS, k=12)).capitalize() + "." for _ in range(8)]
            sections.append(f"## Onderdeel {s + 1}\n\n" + " ".join(sentences))
        (folder / f"doc-{i:04d}.md").write_text(
            f"# Document {i}\n\n" + "\n\n".join(sections), encoding="utf-8"
        )


def run(knowledge: Path, label: str) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        settings = Settings(data_dir=data, knowledge_dir=knowledge, prompts_dir=ROOT / "prompts")
        services = build_services(settings)
        indexer = Indexer(settings, services.embedder, services.chroma)
        first = indexer.run()
        started = time.perf_counter()
        again = indexer.run()
        noop = time.perf_counter() - started
        rate = first.chunks_added / first.seconds if first.seconds else 0.0
        print(
            f"{label:28s} files {first.files_indexed:4d}  chunks {first.chunks_added:5d}  "
            f"first run {first.seconds:6.1f} s  ({rate:5.1f} chunks/s incl. role cards)  "
            f"no-op re-ingest {noop:5.2f} s (changed: {again.changed})"
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    run(ROOT / "knowledge", "shipped knowledge")
    corpus = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    try:
        shutil.copy(ROOT / "knowledge" / "hulplijnen.yaml", corpus)
        shutil.copy(ROOT / "knowledge" / "programme.yaml", corpus)
        (corpus / "documents").mkdir()
        synthetic(corpus / "documents", int(sys.argv[1]) if len(sys.argv) > 1 else 300)
        run(corpus, "synthetic corpus")
    finally:
        shutil.rmtree(corpus, ignore_errors=True)


if __name__ == "__main__":
    main()
