"""Markdown (as answers and LLMs write it) to Slack mrkdwn."""

from __future__ import annotations

import re

LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)


def escape(text: str) -> str:
    """Slack's three control characters; anything else passes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    text = escape(markdown)
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group(2)}|{match.group(1)}>")
        return f"\x00{len(links) - 1}\x00"

    text = LINK.sub(keep_link, text)
    text = HEADING.sub(lambda m: f"*{m.group(1)}*", text)
    text = BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)


def split_text(text: str, limit: int = 2900) -> list[str]:
    """Cut text into pieces within a section block's 3000 characters, at paragraph ends."""
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        while len(paragraph) > limit:
            pieces.append(
                (current + "\n" + paragraph[:limit]).strip() if current else paragraph[:limit]
            )
            current, paragraph = "", paragraph[limit:]
        if len(current) + len(paragraph) + 1 > limit:
            pieces.append(current.strip())
            current = paragraph
        else:
            current = f"{current}\n{paragraph}" if current else paragraph
    if current.strip():
        pieces.append(current.strip())
    return pieces or [""]
