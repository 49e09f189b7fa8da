"""File parsers: outside formats in, validated :mod:`poise.conversations.records` out.

No database access here. :func:`read_import` reads a binary stream in two passes (check, then
yield the good conversations) so a large CSV or JSON Lines file is never held in memory;
:func:`parse_file` does both over bytes and returns a whole
:class:`~poise.conversations.records.ParseResult`. Formats and their error behaviour are
documented in ``docs/importing.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from poise.conversations.import_formats import FORMATS
from poise.conversations.importers.common import ImportLimits, Progress, file_error, gc_paused
from poise.conversations.importers.csv_jsonl import (
    check_rows,
    good_conversations,
    parse_csv,
    parse_jsonl,
)
from poise.conversations.importers.twcs import parse_twcs
from poise.conversations.importers.zendesk import parse_zendesk
from poise.conversations.records import ConversationRecord, ParseResult

__all__ = ["FORMATS", "ImportLimits", "ImportPlan", "Progress", "parse_file", "read_import"]

_Parser = Callable[[bytes, ImportLimits, "Progress | None"], ParseResult]
_PARSERS: dict[str, _Parser] = {
    "csv": parse_csv,
    "jsonl": parse_jsonl,
    "twcs": parse_twcs,
    "zendesk": parse_zendesk,
}


STREAMED = ("csv", "jsonl")  # read a line at a time; twcs threads and Zendesk JSON need it all


@dataclass
class ImportPlan:
    """A file checked: its refusals, its SHA-256, and the way to its good conversations.

    ``result`` has the errors and ``rows_total`` at once; ``conversations()`` reads the file
    again (it must still be open) and yields each good conversation, completing
    ``result.rejected_lines`` as it goes. Call it at most once.
    """

    result: ParseResult
    sha256: str
    messages: int  # how many messages ``conversations()`` yields in all
    _conversations: Callable[[], Iterator[ConversationRecord]]

    def conversations(self) -> Iterator[ConversationRecord]:
        return self._conversations()


# Files that are not text, by their first bytes: a workbook or a PDF exported instead of a
# CSV was told to "save the file as UTF-8", or had "%PDF-1.4" listed as its columns.
NOT_TEXT = {
    b"PK\x03\x04": "a spreadsheet or another zipped file (an Excel .xlsx, a .zip)",
    b"%PDF": "a PDF",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls or Word file",
    b"\x1f\x8b": "a gzip-compressed file (.gz)",  # was refused row by row as "not UTF-8"
}
EXPORT_AGAIN = "save or export the conversations as CSV (UTF-8) or JSON, and import that file"
DECOMPRESS = "decompress it (gunzip, or open it with your archive tool) and import the file inside"


def not_text(head: bytes) -> ParseResult | None:
    """The refusal of a file whose first bytes say it is not text, else None."""
    found = next((magic for magic in NOT_TEXT if head.startswith(magic)), None)
    if found is None:
        return None
    advice = DECOMPRESS if found == b"\x1f\x8b" else EXPORT_AGAIN
    return file_error(f"this is {NOT_TEXT[found]}, not a text export: {advice}", "file")


def read_import(
    binary: BinaryIO,
    fmt: str,
    *,
    limits: ImportLimits = ImportLimits(),
    progress: Progress | None = None,
) -> ImportPlan:
    """Check a file of format ``fmt`` from a seekable binary stream; see :class:`ImportPlan`.

    CSV and JSON Lines are read a line at a time, twice, so memory does not grow with the
    file; twcs and Zendesk files are read whole (threads link across the file).
    """
    start = binary.tell()
    refused = not_text(binary.read(8))
    binary.seek(start)
    if refused is not None:
        sha256 = hashlib.file_digest(binary, "sha256").hexdigest()  # type: ignore[arg-type]
        return ImportPlan(refused, sha256, 0, lambda: iter(()))
    if fmt not in STREAMED:
        data = binary.read()
        whole = parse_file(data, fmt, limits=limits, progress=progress)
        found, whole.conversations = whole.conversations, []
        messages = sum(len(c.messages) for c in found)
        return ImportPlan(whole, hashlib.sha256(data).hexdigest(), messages, lambda: iter(found))
    with gc_paused():
        result, checked, sha256 = check_rows(binary, fmt, limits, progress)
    if checked is None:
        return ImportPlan(result, sha256, 0, lambda: iter(()))

    def second_pass() -> Iterator[ConversationRecord]:
        binary.seek(start)
        return good_conversations(binary, fmt, limits, result, checked)

    return ImportPlan(result, sha256, checked.messages, second_pass)


def parse_file(
    data: bytes,
    fmt: str,
    *,
    limits: ImportLimits = ImportLimits(),
    progress: Progress | None = None,
) -> ParseResult:
    """Parse a whole file of format ``fmt`` (one of :data:`FORMATS`).

    Problems in the file never raise: each is a ``RowError`` in the result (``line=0`` for the
    whole file). ``progress(rows_done, rows_total)`` is called about every 1000 rows, with
    ``rows_total=0`` when the total is not known in advance (CSV, twcs), and once at the end.

    ``rejected_lines`` maps each refused row's line to its raw text (a CSV record as in the
    file, a JSON line, or a Zendesk ticket re-serialised as one JSON line). For CSV and twcs,
    ``rejected_lines[0]`` is the header row whenever a row was refused, so the values in key
    order rebuild a CSV file the user can fix and import again. Bytes that were not UTF-8 are
    shown as U+FFFD, so the text is always writable as UTF-8.
    """
    try:
        parser = _PARSERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown import format {fmt!r}: use one of {', '.join(FORMATS)}"
        ) from None
    refused = not_text(data[:8])
    if refused is not None:
        return refused
    with gc_paused():
        return parser(data, limits, progress)
