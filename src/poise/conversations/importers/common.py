"""What every file parser shares: decoding, limits, time/text/rating checks, rejecting whole groups.

Each check returns a *reason* (a human sentence) instead of raising, so the parsers can turn it
into a :class:`~poise.conversations.records.RowError` and go on with the next row.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String

from poise.auth.actions import normal_email
from poise.conversations.models import THREE_POINT, Conversation, Customer, Message
from poise.conversations.records import ParseResult, RowError

Progress = Callable[[int, int], None]
"""Called as ``progress(rows_done, rows_total)``; ``rows_total`` is 0 when it is not known."""

PROGRESS_EVERY = 1000
PURPOSE_CHARS = 280


@dataclass(frozen=True)
class ImportLimits:
    """How big an import may be: a longer message body or more rows is refused, not truncated.

    ``outsiders`` are the people (lowercased e-mails) the file may not name as assignee,
    rating agent or message author: those outside the importing lead's team, whose
    conversations the lead cannot open (:func:`outsider_problem`). Empty for admins, the
    command line and the connectors, which may name anyone.
    """

    max_message_chars: int = 20_000
    max_rows: int = 2_000_000
    outsiders: frozenset[str] = frozenset()


def _length(model: Any, column: str) -> int:
    kind = model.__table__.columns[column].type
    assert isinstance(kind, String) and kind.length is not None
    return int(kind.length)


# Column sizes come from the tables, so a migration that widens a column widens the check.
COLUMN_LIMITS: dict[str, tuple[str, int]] = {
    # field name in the import -> (table.column named in the error, limit)
    "conversation_id": ("conversations.external_id", _length(Conversation, "external_id")),
    "message_id": ("messages.external_id", _length(Message, "external_id")),
    "subject": ("conversations.subject", _length(Conversation, "subject")),
    "product": ("conversations.product", _length(Conversation, "product")),
    "feature": ("conversations.feature", _length(Conversation, "feature")),
    "customer_id": ("customers.external_id", _length(Customer, "external_id")),
    "customer_name": ("customers.name", _length(Customer, "name")),
    "customer_email": ("customers.email", _length(Customer, "email")),
    "author": ("messages.author_name", _length(Message, "author_name")),
    "author_email": ("customers.email", _length(Customer, "email")),
    "assignee_email": ("customers.email", _length(Customer, "email")),
    "rating_agent_email": ("customers.email", _length(Customer, "email")),
}
SOURCE_MAX = _length(Conversation, "source")


# --- decoding ---------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


class BadLines:
    """Reasons for the lines whose bytes were not UTF-8 (whole file or streamed alike)."""

    __slots__ = ()
    bad_lines: dict[int, int]  # line -> file offset of its first bad byte

    def encoding_reason(self, line: int) -> str:
        return (
            f"not valid UTF-8 at byte {self.bad_lines[line]} (line {line}): save the file as UTF-8"
        )

    def bad_between(self, first: int, last: int) -> int | None:
        """The first line in ``first..last`` holding bytes that are not UTF-8."""
        if not self.bad_lines:
            return None
        for line in range(first, last + 1):
            if line in self.bad_lines:
                return line
        return None


@dataclass(slots=True)
class Decoded(BadLines):
    """The text of a file and, when some bytes were not UTF-8, where they were.

    Undecodable bytes are kept as surrogate escapes (``errors="surrogateescape"``) so the rows
    around them still parse; ``bad_lines`` maps each affected line to the file offset of its
    first bad byte, and the parsers refuse exactly those rows.
    """

    text: str
    bad_lines: dict[int, int] = field(default_factory=dict)


def decode(data: bytes) -> Decoded:
    """Decode strictly as UTF-8 (a BOM is dropped); note the lines holding invalid bytes."""
    skip = 3 if data.startswith(_BOM) else 0
    body = data[skip:] if skip else data
    try:
        return Decoded(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", "surrogateescape")
    bad: dict[int, int] = {}
    position = 0  # characters of ``text`` already counted
    offset = skip  # bytes of ``data`` before ``position``
    line = 1
    for match in _ESCAPED_BYTE.finditer(text):
        chunk = text[position : match.start()]
        offset += len(chunk.encode("utf-8", "surrogateescape"))
        line += chunk.count("\n")
        position = match.start()
        bad.setdefault(line, offset)
    return Decoded(text, bad)


def protect_bare_cr(text: str) -> tuple[str, str | None]:
    """Hide carriage returns that are content, not line ends, from the csv module.

    In a file whose lines end with ``\\n`` (or ``\\r\\n``), a lone ``\\r`` is part of a value
    (twcs tweet 3399 holds two); left alone, the csv module would cut the record there. Each is
    swapped for a private-use character absent from the file, returned so the parser can turn
    it back into a newline inside values. A file with no ``\\n`` at all uses ``\\r`` as line
    end (old Mac) and is converted.
    """
    cr = text.count("\r")
    if not cr or cr == text.count("\r\n"):
        return text, None
    if "\n" not in text:
        return text.replace("\r", "\n"), None
    mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    return re.sub("\r(?!\n)", mark, text), mark


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a parser builds its records.

    A parse allocates hundreds of thousands of small objects that all stay alive, so the
    collector's repeated scans find nothing to free yet cost a third of the time. The records
    hold no reference cycles; the collector resumes (if it was on) as soon as the parse ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def csv_field_limit(limits: ImportLimits) -> Iterator[int]:
    """Let the csv module read fields a little past the body limit, then restore its setting.

    A longer field (typically a quote that is never closed) makes the csv module stop with an
    error, which the parsers report on that record instead of reading the rest of the file
    into one value.
    """
    wanted = limits.max_message_chars * 2 + 1024
    previous = csv.field_size_limit(wanted)
    try:
        yield wanted
    finally:
        csv.field_size_limit(previous)


def csv_error_reason(error: csv.Error, field_limit: int) -> str:
    message = str(error)
    if "field larger than field limit" in message:
        return (
            f"a value is longer than {field_limit:,} characters, so the record was not read "
            "(is a closing quote missing?)"
        )
    return f"not valid CSV: {message}"


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One CSV record and the physical lines it spans; ``error`` when it could not be read."""

    first: int
    last: int
    values: list[str]
    error: str | None = None


@dataclass(slots=True)
class CsvRecords:
    """The data records after the header, as the CSV parsers need them.

    Records are numbered by the physical line they start on (quoted newlines make a record
    span several), multi-line spans go into ``ends`` so refused rows can be quoted whole,
    blank lines are skipped, and progress is reported. Past ``limits.max_rows`` the reading
    stops and ``too_many`` is set. ``count`` includes records that could not be read.
    """

    reader: Iterator[list[str]]
    line_num: Callable[[], int]
    ends: dict[int, int]
    limits: ImportLimits
    field_limit: int
    progress: Progress | None = None
    count: int = 0
    too_many: bool = False

    def __iter__(self) -> Iterator[CsvRow]:
        last = self.line_num()
        while True:
            try:
                record = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                first, last = self._span(last)
                self.count += 1
                yield CsvRow(first, last, [], csv_error_reason(error, self.field_limit))
                continue
            first, last = self._span(last)
            if not record:
                continue  # a blank line
            self.count += 1
            if self.count > self.limits.max_rows:
                self.too_many = True
                return
            if self.progress is not None and self.count % PROGRESS_EVERY == 0:
                self.progress(self.count, 0)
            yield CsvRow(first, last, record)

    def _span(self, previous_last: int) -> tuple[int, int]:
        first, last = previous_last + 1, self.line_num()
        if last > first:
            self.ends[first] = last
        return first, last


def too_many_rows(limits: ImportLimits) -> ParseResult:
    return file_error(
        f"the file has more than {limits.max_rows:,} rows: split it into smaller files"
    )


# --- values -----------------------------------------------------------------------------------


def show(value: str, width: int = 40) -> str:
    """A value quoted for an error message, shortened when long."""
    if len(value) > width:
        value = value[: width - 1] + "…"
    return repr(value)


MAX_TAGS = 50
MAX_TAG_CHARS = 120  # as a connector's tags are cut


def tags_problem(tags: tuple[str, ...] | list[str]) -> str | None:
    """Why these (trimmed, distinct) tags cannot be stored, or ``None``: too many, one too
    long (a file's tag of a megabyte was stored whole), or text the database refuses."""
    if len(tags) > MAX_TAGS:
        return f"at most {MAX_TAGS} tags, not {len(tags)}"
    for tag in tags:
        if len(tag) > MAX_TAG_CHARS:
            return f"a tag is at most {MAX_TAG_CHARS} characters; one has {len(tag):,}"
        if reason := text_problem(tag):
            return reason
    return None


def text_problem(value: str) -> str | None:
    """Why the database cannot store this text (NUL, lone surrogate), or ``None``."""
    if "\x00" in value:
        return "contains a NUL character (\\0), which the database cannot store: remove it"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            char = ord(value[error.start])
            return (
                f"contains a lone surrogate U+{char:04X} at character {error.start + 1}, "
                "which is not valid Unicode and cannot be stored: fix the text or its escape"
            )
    return None


def length_problem(name: str, value: str) -> str | None:
    """Why ``value`` does not fit the database column behind ``name``, or ``None``."""
    column, limit = COLUMN_LIMITS[name]
    if len(value) > limit:
        return f"{len(value):,} characters, longer than the {limit} allowed by {column}"
    return text_problem(value)


def email_problem(name: str, value: str) -> str | None:
    if "@" not in value or " " in value:
        return f"{show(value)} is not an email address"
    return length_problem(name, value)


WHAT_NAMING_DOES = {
    "assignee_email": "the conversation would go to a team you do not run",
    "rating_agent_email": "the rating would credit someone of a team you do not run",
    "author_email": "the message would count as the reply of someone of a team you do not run",
}
"""The fields that link a row to a person of Poise, and what naming an outsider would do."""


def outsider_problem(name: str, value: str, limits: ImportLimits) -> str | None:
    """Why this import may not name ``value`` in the person field ``name``, or ``None``.

    A lead's import assigned a conversation to another team's agent (it left the lead's team
    for one they do not run), credited its rating to them or signed its replies with their
    name: only the lead and their team may be named (:data:`ImportLimits.outsiders`).
    """
    if name not in WHAT_NAMING_DOES or normal_email(value) not in limits.outsiders:
        return None
    return (
        f"{show(value)} is not in your team: {WHAT_NAMING_DOES[name]}. Name yourself or a "
        "teammate, leave it out, or ask an admin to import the file"
    )


def body_problem(value: str, limits: ImportLimits) -> str | None:
    if not value:
        return "is empty; every message needs text"
    if len(value) > limits.max_message_chars:
        return (
            f"{len(value):,} characters, longer than the limit of "
            f"{limits.max_message_chars:,} characters per message"
        )
    return text_problem(value)


def choice_problem(value: str, allowed: tuple[str, ...]) -> str | None:
    if value in allowed:
        return None
    return f"{show(value)} is not one of {', '.join(allowed)}"


TIME_EXAMPLE = "2024-03-01T14:05:00Z"


FUTURE_SLACK = timedelta(days=1)
"""How far past now a file's time may fall: a local time written without its zone (read as
UTC) runs up to 14 hours ahead; a year typed wrong (2062 for 2026) runs years ahead."""


def not_in_future(parsed: datetime, value: str) -> datetime | str:
    """``parsed``, or the refusal of a time later than now (with :data:`FUTURE_SLACK`).

    A turn dated in the future stayed its conversation's newest for ever: no later turn (a
    webhook's, a sync's) changed the conversation's status again, and it headed every
    newest-first list. The webhooks refuse such a turn (``refuse_future_turn``); files too.
    """
    if parsed > datetime.now(UTC) + FUTURE_SLACK:
        return f"{show(value)} is in the future: give the time it was written"
    return parsed


def parse_time(value: str) -> datetime | str:
    """An ISO 8601 time as aware UTC (naive means UTC), or the reason it is refused."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return f"{show(value)} is not an ISO 8601 time such as {TIME_EXAMPLE}"
    if parsed.tzinfo is None:
        return not_in_future(parsed.replace(tzinfo=UTC), value)
    try:
        return not_in_future(parsed.astimezone(UTC), value)
    except OverflowError:  # 0001-01-01T00:00+01:00 falls before the first UTC day
        return f"{show(value)} has no time in UTC (it falls outside years 1 to 9999)"


def parse_rating(value: str) -> tuple[str, int] | str:
    """``good|okay|bad`` (scale three) or ``1``–``5`` (scale five), or the reason it is refused."""
    word = value.strip().lower()
    if word in THREE_POINT:
        return "three", THREE_POINT[word]
    if word in ("1", "2", "3", "4", "5"):
        return "five", int(word)
    return f"{show(value)} is not a rating: use good, okay, bad or a number 1–5"


def parse_tags(value: str) -> tuple[str, ...]:
    """``"a; b;;a"`` -> ``("a", "b")``: trimmed, empty ones dropped, repeats dropped."""
    return tuple(dict.fromkeys(t for t in (p.strip() for p in value.split(";")) if t))


def derive_message_id(conversation_id: str, sent_at: datetime, role: str, body: str) -> str:
    """A stable id for a message given without one, so importing again finds the same message."""
    key = f"{conversation_id}|{sent_at.isoformat()}|{role}|{body}"
    return hashlib.sha1(key.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def purpose_from(body: str) -> str:
    return body[:PURPOSE_CHARS]


def json_raw(value: Any) -> str:
    """A JSON value written back as one line, for ``rejected_lines`` (always valid UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: keep it as its \uXXXX escape
            text = json.dumps(value, separators=(",", ":"))
    return text


def json_error_reason(error: ValueError) -> str:
    """Why a line is not JSON the importer can read. Besides a syntax error (a
    JSONDecodeError), ``json.loads`` raises a bare ValueError for an integer of more digits
    than Python converts (4,300): a 5,000-digit id answered the upload with a 500."""
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON: {error.msg} at column {error.colno}"
    return TOO_LONG_NUMBER


TOO_LONG_NUMBER = (
    "not readable JSON: a number in it is longer than 4,300 digits (an id belongs in quotes)"
)


# --- results ----------------------------------------------------------------------------------


class Outcome:
    """Collects conversations, errors and rejected raw text while a parser runs."""

    def __init__(self, raw_of: Callable[[int], str | None]) -> None:
        self.result = ParseResult()
        self._raw_of = raw_of  # ``None`` when the row's text is not at hand (read it later)

    def fail(self, line: int, field_name: str, reason: str) -> None:
        """Refuse one row (or the file, ``line=0``)."""
        self.result.errors.append(RowError(line, field_name, reason))
        if line and line not in self.result.rejected_lines:
            raw = self._raw_of(line)
            if raw is None:
                return
            if not raw.isascii():  # keep the rejected text writable as UTF-8
                raw = _ESCAPED_BYTE.sub("\ufffd", raw)
            self.result.rejected_lines[line] = raw

    def reject_group(self, what: str, lines: list[int], failed: set[int]) -> None:
        """Refuse the rows of a conversation that had one or more invalid rows.

        ``failed`` holds the lines already refused with their own reason; the others are
        refused as part of the group so no half conversation gets imported.
        """
        bad = ", ".join(str(n) for n in sorted(failed)[:5])
        more = "…" if len(failed) > 5 else ""
        plural = "s" if len(failed) > 1 else ""
        reason = f"not imported: {what} has invalid rows (line{plural} {bad}{more})"
        for line in lines:
            if line not in failed:
                self.fail(line, "", reason)

    def finish(self) -> ParseResult:
        result = self.result
        result.errors.sort(key=lambda e: e.line)
        result.rejected_lines = dict(sorted(result.rejected_lines.items()))
        return result


def file_error(reason: str, field_name: str = "") -> ParseResult:
    """A result holding one file-level error and nothing else."""
    return ParseResult(errors=[RowError(0, field_name, reason)])


class LineIndex:
    """Raw text of a line range, computed only when a row is rejected."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: list[str] | None = None

    def get(self, first: int, last: int) -> str:
        if self._lines is None:
            self._lines = self._text.split("\n")
        lines = self._lines[first - 1 : last]
        if lines and lines[-1].endswith("\r"):
            lines[-1] = lines[-1][:-1]
        return "\n".join(lines)


def priority_tag(priority: object) -> list[str]:
    """The helpdesk's priority as a tag (``priority:urgent``), so an alert rule or a filter can
    pick out urgent or VIP conversations the way it picks any tag; none when absent."""
    if not isinstance(priority, str) or not priority.strip() or text_problem(priority):
        return []
    return [f"priority:{priority.strip().lower()[:100]}"]
