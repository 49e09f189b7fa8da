"""File parsers: outside formats in, validated :mod:`poise.conversations.records` out.

No database access here: :func:`parse_file` reads bytes and returns a
:class:`~poise.conversations.records.ParseResult`; the writer stores it. Formats and their
error behaviour are documented in ``docs/importing.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from poise.conversations.importers.common import ImportLimits, Progress, gc_paused
from poise.conversations.importers.csv_jsonl import parse_csv, parse_jsonl
from poise.conversations.importers.twcs import parse_twcs
from poise.conversations.importers.zendesk import parse_zendesk
from poise.conversations.records import ParseResult

__all__ = ["FORMATS", "ImportLimits", "Progress", "parse_file"]

FORMATS = ("csv", "jsonl", "twcs", "zendesk")

_Parser = Callable[[bytes, ImportLimits, "Progress | None"], ParseResult]
_PARSERS: dict[str, _Parser] = {
    "csv": parse_csv,
    "jsonl": parse_jsonl,
    "twcs": parse_twcs,
    "zendesk": parse_zendesk,
}


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
    with gc_paused():
        return parser(data, limits, progress)
