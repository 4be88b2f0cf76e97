"""Load Markdown, plain text, PDF, DOCX and HTML into Markdown text with metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answer.language import detect_language

SUPPORTED = {".md", ".markdown", ".txt", ".pdf", ".docx", ".html", ".htm"}
MAX_FILE_BYTES = 50 * 1024 * 1024
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LoadError(Exception):
    """A file could not be read; the message says why in one line."""


@dataclass
class LoadedDocument:
    path: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def load(path: Path, relative_to: Path | None = None) -> LoadedDocument:
    """Read one file. Raises LoadError for unreadable, empty, corrupt or huge files."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type '{suffix or path.name}'")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoadError(f"file is {size // (1024 * 1024)} MiB, more than the 50 MiB limit")
    try:
        match suffix:
            case ".md" | ".markdown" | ".txt":
                text = _read_text(path)
            case ".pdf":
                text = _read_pdf(path)
            case ".docx":
                text = _read_docx(path)
            case _:
                text = _read_html(path)
    except LoadError:
        raise
    except Exception as exc:  # parsers raise many types for corrupt files
        raise LoadError(f"cannot read {suffix[1:].upper()} file: {type(exc).__name__}") from None
    meta, body = split_front_matter(text)
    body = CONTROL.sub("", body).strip()
    if not body:
        raise LoadError("no text found in the file")
    name = str(path.relative_to(relative_to)) if relative_to else path.name
    meta.setdefault("title", _first_heading(body) or path.stem.replace("-", " ").replace("_", " "))
    meta.setdefault("kind", "context")
    meta.setdefault("language", detect_language(body[:3000]))
    meta.setdefault("source", path.name)
    meta.setdefault("organisation", "")
    return LoadedDocument(path=name, text=body, meta={k: str(v) for k, v in meta.items()})


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        raise LoadError("malformed front matter (the YAML between the --- lines)") from None
    if not isinstance(meta, dict):
        raise LoadError("front matter must be key: value pairs")
    return meta, text[match.end() :]


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Legacy Windows files: keep the text rather than refusing it.
        return data.decode("cp1252", errors="replace")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if len(reader.pages) > 2000:
        raise LoadError(f"PDF has {len(reader.pages)} pages, more than the 2000 page limit")
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)


def _read_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith("heading") or style.lower().startswith("kop"):
            level = "".join(ch for ch in style if ch.isdigit()) or "1"
            lines.append("#" * min(int(level), 6) + " " + text)
        elif style.lower().startswith("list"):
            lines.append("- " + text)
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append("| " + " | ".join(cell.text.strip() for cell in row.cells) + " |")
    return "\n\n".join(lines)


def _read_html(path: Path) -> str:
    from bs4 import BeautifulSoup
    from markdownify import markdownify

    soup = BeautifulSoup(_read_text(path), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    body = soup.body or soup
    markdown = markdownify(str(body), heading_style="ATX")
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)
    if title and not markdown.lstrip().startswith("# "):
        markdown = f"# {title}\n\n{markdown}"
    return markdown


def _first_heading(text: str) -> str | None:
    match = re.search(r"^#{1,3}\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else None
