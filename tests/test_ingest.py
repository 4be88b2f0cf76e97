"""Ingestion: loaders, heading-aware splitting, and incremental indexing into Chroma."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError
from bot.services import build_services
from bot.settings import load_settings
from bot.store import CHUNKS, StoreError, all_records
from ingest.index import Indexer
from ingest.loaders import LoadError, load
from ingest.split import split_document
from tests.conftest import KNOWLEDGE

# --- loaders, on small files the tests make -------------------------------------


def make_pdf(path: Path, text: str) -> None:
    """A minimal one-page PDF with real text (pypdf can read it back)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(
        '---\ntitle: "Intervisie"\nkind: context\nlanguage: nl\n---\n# Intervisie\n\nTekst.\n'
    )
    document = load(path)
    assert document.meta["title"] == "Intervisie"
    assert document.meta["kind"] == "context"
    assert document.text.startswith("# Intervisie")


def test_plain_text_in_a_legacy_encoding_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "oud.txt"
    path.write_bytes("Coördinatie van het café\x00 en\x07 meer".encode("cp1252"))
    document = load(path)
    assert "Coördinatie" in document.text
    assert "\x00" not in document.text and "\x07" not in document.text


def test_pdf_docx_and_html_are_loaded_as_text(tmp_path: Path) -> None:
    import docx

    make_pdf(tmp_path / "a.pdf", "Werkatelier zeven gaat over intervisie")
    assert "intervisie" in load(tmp_path / "a.pdf").text

    document = docx.Document()
    document.add_heading("Coaching", level=1)
    document.add_paragraph("Een coach helpt bij persoonlijke vragen.")
    document.save(str(tmp_path / "b.docx"))
    loaded = load(tmp_path / "b.docx")
    assert loaded.text.startswith("# Coaching") and "persoonlijke vragen" in loaded.text

    (tmp_path / "c.html").write_text(
        "<html><head><title>Hulp</title><script>alert(1)</script></head>"
        "<body><h2>Heidag</h2><p>De groepsontwikkelaar begeleidt de heidag.</p></body></html>"
    )
    html = load(tmp_path / "c.html")
    assert "## Heidag" in html.text and "alert" not in html.text and html.meta["title"] == "Hulp"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kapot.pdf", b"%PDF-1.4 this is not really a pdf", "cannot read PDF"),
        ("kapot.docx", b"PK\x03\x04 not a zip", "cannot read DOCX"),
        ("leeg.md", b"   \n\n", "no text"),
        ("plaatje.png", b"\x89PNG", "unsupported"),
    ],
)
def test_a_bad_file_gives_a_one_line_reason(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=message):
        load(path)


def test_splitting_follows_headings_and_keeps_the_heading_path(tmp_path: Path) -> None:
    path = tmp_path / "prog.md"
    long_text = " ".join(["Dit is een zin over veranderen."] * 80)
    path.write_text(
        f"---\ntitle: Programma\n---\n# Programma\n\n## Werkateliers\n\n### Werkatelier 4\n\n{long_text}\n\n## Kosten\n\nDe kosten zijn hoog.\n"
    )
    chunks = split_document(load(path))
    sections = [chunk.metadata["section"] for chunk in chunks]
    assert "Werkateliers > Werkatelier 4" in sections and "Kosten" in sections
    assert sections.count("Werkateliers > Werkatelier 4") >= 2  # split by size within the section
    assert all(len(chunk.text) <= 900 for chunk in chunks)
    kosten = next(chunk for chunk in chunks if chunk.metadata["section"] == "Kosten")
    assert kosten.metadata["title"] == "Programma" and kosten.embedding_text.startswith(
        "Programma — Kosten"
    )


# --- incremental indexing --------------------------------------------------------


@pytest.fixture
def knowledge_copy(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A knowledge dir of our own, with one small document, so indexing is quick."""
    target = isolated / "knowledge"
    (target / "documents").mkdir(parents=True)
    shutil.copy(KNOWLEDGE / "hulplijnen.yaml", target)
    shutil.copy(KNOWLEDGE / "programme.yaml", target)
    (target / "documents" / "intervisie.md").write_text(
        "# Intervisie\n\nIntervisie is leren van elkaars casussen.\n"
    )
    monkeypatch.setenv("LEERROUTE_KNOWLEDGE_DIR", str(target))
    return target


def run_ingest(**kwargs):  # type: ignore[no-untyped-def]
    services = build_services(load_settings())
    return Indexer(services.settings, services.embedder, services.chroma).run(**kwargs), services


def paths_in_index(services) -> set[str]:  # type: ignore[no-untyped-def]
    collection = services.chroma.get_collection(CHUNKS)
    return {meta["path"] for meta in all_records(collection, ["metadatas"])["metadatas"]}


def test_a_second_run_with_nothing_changed_embeds_nothing(knowledge_copy: Path) -> None:
    first, _ = run_ingest()
    assert first.files_indexed == 1 and first.chunks_added >= 1 and first.engine_fitted
    second, _ = run_ingest()
    assert not second.changed
    assert second.files_unchanged == 1 and second.chunks_added == 0


def test_only_the_changed_file_is_embedded_again_and_a_deleted_one_is_removed(
    knowledge_copy: Path,
) -> None:
    docs = knowledge_copy / "documents"
    (docs / "coaching.md").write_text("# Coaching\n\nDe coach helpt.\n")
    run_ingest()
    (docs / "intervisie.md").write_text(
        "# Intervisie\n\nIntervisie gebeurt in groepjes van vier.\n"
    )
    changed, _ = run_ingest()
    assert (
        changed.files_indexed == 1 and changed.files_unchanged == 1 and changed.chunks_removed >= 1
    )
    (docs / "coaching.md").unlink()
    removed, services = run_ingest()
    assert removed.files_removed == 1
    assert paths_in_index(services) == {"documents/intervisie.md"}


def test_unsupported_and_broken_files_are_skipped_with_a_reason(knowledge_copy: Path) -> None:
    (knowledge_copy / "documents" / "foto.png").write_bytes(b"\x89PNG")
    (knowledge_copy / "documents" / "kapot.pdf").write_bytes(b"%PDF-1.4 broken")
    summary, services = run_ingest()
    assert any("foto.png" in line for line in summary.skipped)
    assert any("kapot.pdf" in line for line in summary.failed)
    assert paths_in_index(services) == {"documents/intervisie.md"}


def test_a_broken_hulplijnen_file_stops_before_the_index_is_touched(knowledge_copy: Path) -> None:
    run_ingest()
    (knowledge_copy / "documents" / "nieuw.md").write_text("# Nieuw\n\nNieuwe tekst.\n")
    (knowledge_copy / "hulplijnen.yaml").write_text("roles: [\n")
    with pytest.raises(KnowledgeError, match=r"hulplijnen\.yaml"):
        run_ingest()
    services = build_services(load_settings())
    assert paths_in_index(services) == {"documents/intervisie.md"}


def test_an_interrupted_run_leaves_the_previous_index_usable(knowledge_copy: Path) -> None:
    run_ingest()
    docs = knowledge_copy / "documents"
    (docs / "intervisie.md").write_text("# Intervisie\n\n" + "Nieuwe versie van de tekst. " * 200)

    def interrupt(event: str, amount: int) -> None:
        if event == "advance":
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-embedding

    with pytest.raises(KeyboardInterrupt):
        run_ingest(progress=interrupt)
    services = build_services(load_settings())
    assert paths_in_index(services) == {"documents/intervisie.md"}  # old or new, never nothing
    finished, services = run_ingest()
    assert finished.files_indexed == 1
    collection = services.chroma.get_collection(CHUNKS)
    hashes = {meta["file_hash"] for meta in all_records(collection, ["metadatas"])["metadatas"]}
    assert len(hashes) == 1  # the half-written version is gone


def test_switching_embedding_models_without_rebuild_is_refused(
    knowledge_copy: Path, monkeypatch, fake_openai
) -> None:  # type: ignore[no-untyped-def]
    run_ingest()
    monkeypatch.setenv("LEERROUTE_EMBEDDINGS__PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    with pytest.raises(StoreError, match="--rebuild"):
        run_ingest()
    rebuilt, services = run_ingest(rebuild=True)
    assert rebuilt.files_indexed == 1
    assert fake_openai.requests_to("embeddings")
    assert services.chroma.get_collection(CHUNKS).metadata["embedding_model"].startswith("openai:")


def test_a_running_assistant_picks_up_a_new_document_without_a_restart(
    data_dir: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.services

    knowledge = isolated / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    monkeypatch.setenv("LEERROUTE_KNOWLEDGE_DIR", str(knowledge))
    services = build_services(load_settings())
    before = services.assistant.answer("Wat is een driehoeksgesprek bij coaching?")
    assert "driehoeksgesprek" not in before.text
    (knowledge / "documents" / "coaching.md").write_text(
        "---\ntitle: Coaching\norganisation: Gemeente Roosendaal\n---\n\n# Coaching\n\n"
        "## Het driehoeksgesprek\n\nBij de start van een coachtraject voert de externe coach een "
        "driehoeksgesprek met de medewerker en de HR-adviseur over de doelen van het traject.\n"
    )
    summary, _ = run_ingest()  # as HR would, while the bot keeps running
    assert summary.files_indexed == 1 and summary.engine_fitted
    monkeypatch.setattr(bot.services, "RELOAD_SECONDS", 0.0)  # don't wait half a minute
    assert "documents/coaching.md" in {unit.path for unit in services.assistant.model.units}
    after = services.assistant.answer("Wat is een driehoeksgesprek bij coaching?")
    assert "driehoeksgesprek" in after.text
    assert any(source.path == "documents/coaching.md" for source in after.sources)


def test_a_path_outside_the_knowledge_folder_is_refused_and_nothing_is_added(
    knowledge_copy: Path, isolated: Path
) -> None:
    run_ingest()
    outside = isolated / "README.md"
    outside.write_text("# Leesmij\n\nDit hoort niet in de kennisbank.\n")
    with pytest.raises(KnowledgeError, match="outside the knowledge folder"):
        run_ingest(paths=[outside])
    assert paths_in_index(build_services(load_settings())) == {"documents/intervisie.md"}


def test_rebuild_with_a_path_is_refused_and_every_document_stays(knowledge_copy: Path) -> None:
    docs = knowledge_copy / "documents"
    (docs / "coaching.md").write_text("# Coaching\n\nDe coach helpt.\n")
    run_ingest()
    with pytest.raises(KnowledgeError, match="--rebuild rebuilds the whole knowledge folder"):
        run_ingest(paths=[docs / "coaching.md"], rebuild=True)
    services = build_services(load_settings())
    assert paths_in_index(services) == {"documents/intervisie.md", "documents/coaching.md"}


def test_a_file_killed_between_two_batches_is_embedded_again_and_health_says_so(
    knowledge_copy: Path,
) -> None:
    run_ingest()
    sections = "".join(f"## Deel {i}\n\nDit deel gaat over onderwerp {i}.\n\n" for i in range(40))
    (knowledge_copy / "documents" / "lang.md").write_text("# Lang\n\n" + sections)

    def killed_after_one_batch(event: str, amount: int) -> None:
        if event == "advance":
            raise KeyboardInterrupt  # the first batch of 32 is written, the rest never

    with pytest.raises(KeyboardInterrupt):
        run_ingest(progress=killed_after_one_batch)
    services = build_services(load_settings())
    ok, reason = services.health()
    assert not ok and "incomplete" in reason and "lang.md" in reason

    finished, services = run_ingest()
    assert finished.files_indexed == 1 and finished.files_unchanged == 1  # lang.md again
    collection = services.chroma.get_collection(CHUNKS)
    metas = all_records(collection, ["metadatas"])["metadatas"]
    assert sum(meta["path"] == "documents/lang.md" for meta in metas) == 40
    assert services.health() == (True, "ok")
