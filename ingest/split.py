"""Heading-aware splitting: Markdown sections first, then by size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from ingest.loaders import LoadedDocument

HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


@dataclass
class Chunk:
    text: str
    metadata: dict[str, Any]

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the chunk with its title and heading path for context."""
        title = self.metadata.get("title", "")
        section = self.metadata.get("section", "")
        header = " — ".join(part for part in (title, section) if part)
        return f"{header}\n{self.text}" if header else self.text


def split_document(
    document: LoadedDocument, chunk_size: int = 900, chunk_overlap: int = 120
) -> list[Chunk]:
    # Character-based on purpose: tiktoken-based splitters download files at run time.
    by_heading = MarkdownHeaderTextSplitter(headers_to_split_on=HEADERS, strip_headers=True)
    by_size = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    )
    chunks: list[Chunk] = []
    for section in by_heading.split_text(document.text):
        headings = [section.metadata[key] for _, key in HEADERS if key in section.metadata]
        # The document title is usually the first heading; keep the path below it.
        if headings and headings[0] == document.meta.get("title"):
            headings = headings[1:]
        path = " > ".join(headings)
        for piece in by_size.split_text(section.page_content):
            piece = piece.strip()
            if len(piece) < 3:
                continue
            metadata = {
                "path": document.path,
                "title": document.meta.get("title", ""),
                "section": path,
                "kind": document.meta.get("kind", "context"),
                "language": document.meta.get("language", "nl"),
                "source": document.meta.get("source", ""),
                "organisation": document.meta.get("organisation", ""),
                "chunk_index": len(chunks),
            }
            chunks.append(Chunk(text=piece, metadata=metadata))
    return chunks
