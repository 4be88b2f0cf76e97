"""Enrol a cohort from a CSV of Slack user ids or e-mail addresses."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.reflection.participants import Participants

# Slack user ids are U or W and at least eight more characters; "UWV" or "USER" are not.
USER_ID = re.compile(r"^[UW][A-Z0-9]{8,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CsvImportError(Exception):
    """The CSV cannot be read; one line that says why."""


@dataclass
class ImportResult:
    enrolled: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)  # rows with neither id nor e-mail


def read_entries(path: Path) -> list[str]:
    """Every cell that looks like a Slack user id or an e-mail address."""
    return read_rows(path)[0]


def read_rows(path: Path) -> tuple[list[str], list[int]]:
    """Every cell that looks like a Slack user id or an e-mail address, and the numbers of
    the lines (after a header) that hold text but neither."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CsvImportError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise CsvImportError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    entries: list[str] = []
    skipped: list[int] = []
    for number, row in enumerate(csv.reader(text.splitlines(), dialect), start=1):
        found = [
            cell.strip() for cell in row if USER_ID.match(cell.strip()) or EMAIL.match(cell.strip())
        ]
        entries += found
        if not found and any(cell.strip() for cell in row) and number > 1:
            skipped.append(number)  # line 1 without an id is the header
    if not entries:
        raise CsvImportError(f"{path}: no Slack user ids or e-mail addresses found")
    return entries, skipped


EmailLookup = Callable[[str], str]  # e-mail address → Slack user id; raises when unknown


def import_csv(
    path: Path,
    participants: Participants,
    lookup_factory: Callable[[], EmailLookup],
    cohort: str,
) -> ImportResult:
    """Enrol everyone in the CSV; `lookup_factory` is only called when there are e-mails."""
    entries, skipped = read_rows(path)
    result = ImportResult(skipped_lines=skipped)
    lookup = lookup_factory() if any("@" in entry for entry in entries) else None
    for entry in entries:
        user_id = entry
        if "@" in entry and lookup is not None:
            try:
                user_id = lookup(entry)
            except Exception:  # users_not_found, or Slack unreachable for this one
                result.not_found.append(entry)
                continue
        participants.enrol(user_id, cohort=cohort)
        if user_id not in result.enrolled:  # a row may give both the id and the address
            result.enrolled.append(user_id)
    return result
