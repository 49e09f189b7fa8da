"""Generic CSV and JSON Lines: one row per message, conversation fields on any of its rows."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any, BinaryIO

from poise.conversations.importers.common import (
    PROGRESS_EVERY,
    ImportLimits,
    Outcome,
    Progress,
    body_problem,
    choice_problem,
    csv_error_reason,
    csv_field_limit,
    derive_message_id,
    email_problem,
    file_error,
    json_error_reason,
    length_problem,
    outsider_problem,
    parse_rating,
    parse_tags,
    parse_time,
    purpose_from,
    show,
    tags_problem,
    too_many_rows,
)
from poise.conversations.importers.stream import (
    CR_MARK,
    ESCAPED_BYTE,
    TextLines,
    protected,
    shown_raw,
)
from poise.conversations.models import AUTHOR_ROLES, CHANNELS, STATUSES
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    ParseResult,
    RatingRecord,
)
from poise.jsonbounds import TooDeep, loads_bounded
from poise.textcontrols import TEXT_CONTROLS, without_controls, without_controls_in

REQUIRED = ("conversation_id", "channel", "author_role", "body", "sent_at")
MESSAGE_FIELDS = ("message_id", "author", "author_email")
CONVERSATION_FIELDS = (
    "channel",
    "customer_id",
    "customer_name",
    "customer_email",
    "subject",
    "purpose",
    "product",
    "feature",
    "tags",
    "status",
    "assignee_email",
    "resolved_at",
    "rating",
    "rating_comment",
    "rated_at",
    "rating_agent_email",
)
KNOWN = frozenset(REQUIRED + MESSAGE_FIELDS + CONVERSATION_FIELDS)
_ROLES = frozenset(AUTHOR_ROLES)
_EMAILS = frozenset(("customer_email", "assignee_email", "rating_agent_email"))
_TIMES = frozenset(("resolved_at", "rated_at"))
_SHORT = frozenset(("customer_id", "customer_name", "subject", "product", "feature"))

Problems = list[tuple[str, str]]
_message_fields = itemgetter(
    "conversation_id", "author_role", "body", "sent_at", "author", "author_email", "message_id"
)
_conversation_fields = itemgetter(*CONVERSATION_FIELDS)
_BLANK_ROW = dict.fromkeys(KNOWN, "")


@dataclass(slots=True)
class _Group:
    """The rows of one conversation seen so far."""

    external_id: str
    first_line: int
    lines: list[int] = field(default_factory=list)
    failed: set[int] = field(default_factory=set)
    messages: list[MessageRecord] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # field -> normalised value
    given_on: dict[str, int] = field(default_factory=dict)  # field -> line first given
    raws: dict[str, Any] = field(default_factory=dict)  # field -> raw value last accepted
    message_ids: dict[str, int] = field(default_factory=dict)  # id -> line
    repeats: dict[str, int] = field(default_factory=dict)  # derived id -> times seen
    last_given: tuple[Any, ...] = ()  # the conversation fields of the last row, all accepted


class _Rows:
    """Turns rows (field -> raw value) into conversations; shared by CSV and JSON Lines."""

    def __init__(self, outcome: Outcome, limits: ImportLimits, *, keep: bool = False) -> None:
        self.outcome = outcome
        self.limits = limits
        self.keep = keep  # build the messages (the second pass) or only check them (the first)
        self.groups: dict[str, _Group] = {}
        self.checked: set[str] = set()  # author names and emails already found fine

    def take(self, row: dict[str, Any], line: int) -> None:
        """Check one row: every field of :data:`KNOWN` as text (``""`` when not given;
        ``tags`` may also be a list)."""
        problems: Problems = []
        conversation_id, role, body, raw_time, author, email, message_id = _message_fields(row)
        conversation_id = conversation_id.strip()
        if not conversation_id:
            self._refuse(line, None, [("conversation_id", "is required")])
            return
        group = self.groups.get(conversation_id)
        if group is None:
            group = self.groups[conversation_id] = _Group(conversation_id, line)
            if reason := length_problem("conversation_id", conversation_id):
                problems.append(("conversation_id", reason))
        group.lines.append(line)

        given = _conversation_fields(row)
        if given != group.last_given and any(given):
            self._conversation(group, given, line, problems)

        role = role.strip().lower()
        if role not in _ROLES:
            reason = choice_problem(role, AUTHOR_ROLES) if role else "is required"
            problems.append(("author_role", reason or ""))
        body = body.strip()
        if reason := body_problem(body, self.limits):
            problems.append(("body", reason))
        sent_at = parse_time(raw_time) if raw_time else "is required"
        if isinstance(sent_at, str):
            problems.append(("sent_at", sent_at))
        if author:
            author = author.strip()
            if author not in self.checked:
                if reason := length_problem("author", author):
                    problems.append(("author", reason))
                else:
                    self.checked.add(author)
        if email:
            email = email.strip()
            if email not in self.checked:
                if reason := email_problem("author_email", email) or outsider_problem(
                    "author_email", email, self.limits
                ):
                    problems.append(("author_email", reason))
                else:
                    self.checked.add(email)
        if message_id:
            message_id = message_id.strip()
            if reason := length_problem("message_id", message_id):
                problems.append(("message_id", reason))
            elif message_id in group.message_ids:
                problems.append(
                    (
                        "message_id",
                        f"{show(message_id)} repeats the message on line "
                        f"{group.message_ids[message_id]} of this conversation",
                    )
                )
            else:
                group.message_ids[message_id] = line
        if problems or isinstance(sent_at, str):
            self._refuse(line, group, problems)
            return
        if not self.keep:
            return
        if not message_id:
            derived = derive_message_id(conversation_id, sent_at, role, body)
            seen = group.repeats.get(derived, 0) + 1
            group.repeats[derived] = seen
            message_id = derived if seen == 1 else f"{derived}-{seen}"
        group.messages.append(MessageRecord(message_id, role, body, sent_at, author, email or None))

    def _conversation(
        self, group: _Group, given: tuple[Any, ...], line: int, problems: Problems
    ) -> None:
        """Take the conversation fields of a row: new ones are kept, different ones conflict."""
        before = len(problems)
        raws = group.raws
        for name, raw in zip(CONVERSATION_FIELDS, given, strict=True):
            if not raw or raws.get(name) == raw:
                continue  # not given, or given as before
            value = self._conversation_value(name, raw, problems)
            if value is None:
                continue
            if name not in group.values:
                group.values[name] = value
                group.given_on[name] = line
                raws[name] = raw
            elif group.values[name] != value:
                problems.append((name, _conflict(group, name, value, raw)))
        if len(problems) == before:
            group.last_given = given

    def _conversation_value(self, name: str, raw: Any, problems: Problems) -> Any:
        """The normalised value of a conversation field, or ``None`` after noting a problem."""
        if name == "tags":
            return _tags(raw, problems)
        text = raw.strip()
        if not text:
            return None
        reason: str | None
        value: Any = text
        if name == "channel":
            value = text.lower()
            reason = choice_problem(value, CHANNELS)
        elif name == "status":
            value = text.lower()
            reason = choice_problem(value, STATUSES)
        elif name in _SHORT:
            reason = length_problem(name, text)
        elif name in _EMAILS:
            reason = email_problem(name, text) or outsider_problem(name, text, self.limits)
        elif name in _TIMES:
            value = parse_time(text)
            reason = value if isinstance(value, str) else None
        elif name == "rating":
            value = parse_rating(text)
            reason = value if isinstance(value, str) else None
        elif name in ("purpose", "rating_comment"):
            reason = body_problem(text, self.limits)
        else:  # pragma: no cover - every field has a rule above
            raise AssertionError(name)
        if reason:
            problems.append((name, reason))
            return None
        return value

    def _refuse(self, line: int, group: _Group | None, problems: Problems) -> None:
        for name, reason in problems:
            self.outcome.fail(line, name, reason)
        if group is not None:
            group.failed.add(line)

    def finish(self) -> _Checked:
        """After the first pass: refuse incomplete or partly invalid conversations.

        Returns where each good conversation ends (its last line) and every refused line,
        which is all the second pass needs; the groups themselves are let go.
        """
        ends: set[int] = set()
        messages = 0
        for group in self.groups.values():
            if not group.failed and "channel" not in group.values:
                self.outcome.fail(
                    group.first_line,
                    "channel",
                    f"is required: no row of conversation {show(group.external_id)} gives it",
                )
                group.failed.add(group.first_line)
            if not group.failed and (reason := _customer_key_problem(group.values)):
                line = group.given_on["customer_email"]
                self.outcome.fail(line, "customer_email", reason)
                group.failed.add(line)
            if group.failed:
                what = f"conversation {show(group.external_id)}"
                self.outcome.reject_group(what, group.lines, group.failed)
            else:
                ends.add(group.lines[-1])
                messages += len(group.lines)
        self.groups.clear()
        refused = {e.line for e in self.outcome.result.errors}
        return _Checked(ends, refused, messages)

    def completed(self, external_id: str) -> ConversationRecord:
        """The second pass reached the last row of a good conversation: its record."""
        return _conversation(self.groups.pop(external_id))


def _customer_key_problem(values: dict[str, Any]) -> str | None:
    """Why the customer cannot be keyed by its e-mail, or None.

    Without ``customer_id`` the e-mail is the customer's id: an address fits 254 characters
    and an id 128, and a longer one reached the id column, where PostgreSQL refused it (a 500
    for the whole file).
    """
    email = values.get("customer_email")
    if "customer_id" in values or not email:
        return None
    reason = length_problem("customer_id", email)
    return f"keys the customer, as no customer_id is given: {reason}" if reason else None


@dataclass(frozen=True, slots=True)
class _Checked:
    """What the first pass leaves for the second: where good conversations end, what was refused."""

    ends: set[int]
    refused: set[int]
    messages: int


def _conversation(group: _Group) -> ConversationRecord:
    values = group.values
    messages = group.messages
    messages.sort(key=_sent_at)
    last_time = messages[-1].sent_at
    purpose = values.get("purpose", "")
    if not purpose:
        purpose = next((purpose_from(m.body) for m in messages if m.author_role == "customer"), "")
    status: str | None = values.get("status")
    resolved_at: datetime | None = values.get("resolved_at")
    if status is None and resolved_at is not None:
        status = "resolved"
    if status == "resolved" and resolved_at is None:
        resolved_at = last_time
    customer = None
    customer_id = values.get("customer_id") or values.get("customer_email")
    if customer_id:
        customer = CustomerRecord(
            customer_id, values.get("customer_name", ""), values.get("customer_email")
        )
    rating = None
    if "rating" in values:
        scale, score = values["rating"]
        rating = RatingRecord(
            scale,
            score,
            values.get("rated_at", last_time),
            values.get("rating_comment", ""),
            values.get("rating_agent_email"),
        )
    return ConversationRecord(
        external_id=group.external_id,
        channel=values["channel"],
        messages=messages,
        subject=values.get("subject", ""),
        purpose=purpose,
        product=values.get("product"),
        feature=values.get("feature"),
        tags=list(values.get("tags", ())),
        status=status,
        resolved_at=resolved_at,
        customer=customer,
        assignee_email=values.get("assignee_email"),
        rating=rating,
    )


def _conflict(group: _Group, name: str, value: Any, raw: Any) -> str:
    old = group.values[name]
    if name == "rating":  # normalised to (scale, score): show the ratings as written
        value, old = raw.strip(), group.raws[name].strip()
    shown = show(";".join(value) if isinstance(value, tuple) else str(value))
    was = show(";".join(old) if isinstance(old, tuple) else str(old))
    return (
        f"{shown} conflicts with {was} first given on line {group.given_on[name]} "
        f"for conversation {show(group.external_id)}; a conversation has one {name}"
    )


def _sent_at(message: MessageRecord) -> datetime:
    return message.sent_at


def _text(value: Any) -> str:
    """A cell as text: CSV gives strings; JSON may give numbers for ids and ratings."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise AssertionError(value)  # _wrong_kinds refused it before


def _tags(raw: Any, problems: Problems) -> tuple[str, ...] | None:
    if isinstance(raw, str):
        tags = parse_tags(raw)
    elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        tags = tuple(dict.fromkeys(t.strip() for t in raw if t.strip()))
    else:
        problems.append(("tags", "must be text separated by ';' or a list of texts"))
        return None
    if reason := tags_problem(tags):
        problems.append(("tags", reason))
        return None
    return tags or None


def _wrong_kinds(row: dict[str, Any]) -> Problems:
    """Fields a JSON line gives as objects, lists or booleans where text is expected."""
    problems: Problems = []
    for name, value in row.items():
        if name == "tags" or name not in KNOWN or value is None:
            continue
        text_like = isinstance(value, str | int) or (
            isinstance(value, float) and value.is_integer()
        )
        if text_like and not isinstance(value, bool):
            continue
        problems.append((name, f"must be text, not {json.dumps(value)[:40]}"))
    return problems


# --- reading rows ---------------------------------------------------------------------------


CSV_NOT_JSONL = (
    "it reads as CSV: its first line is a header of column names, not a JSON object. "
    "Choose CSV as its format"
)
JSON_NOT_CSV = (
    "it reads as JSON: choose JSON Lines (one message per line) or Zendesk (a ticket "
    "export) as its format"
)


def _is_csv_header(line: str) -> bool:
    """Whether a line that is not JSON names the required CSV columns (a CSV file sent as
    JSON Lines: every row would be refused as "not valid JSON", one by one)."""
    names = {n.strip().strip('"').lower() for n in re.split(r"[,;\t]", line)}
    return all(name in names for name in REQUIRED)


class FileRefused(Exception):  # noqa: N818 - reads as the refusal it is
    """The file as a whole cannot be read (no header, a missing column, too many rows)."""

    def __init__(self, result: ParseResult) -> None:
        super().__init__(str(result.errors[0]))
        self.result = result


@dataclass(frozen=True, slots=True)
class _Row:
    """One record of the file: its fields, or why it was refused before looking at them.

    ``conversation_id`` ties a refused record to its conversation when it can still be read.
    """

    first: int
    values: dict[str, Any] | None
    problems: Problems
    conversation_id: str
    raw: list[str]


class _CsvReader:
    """The records of a CSV file after its header, read a line at a time."""

    def __init__(self, lines: TextLines, limits: ImportLimits, progress: Progress | None) -> None:
        self.lines = lines
        self.limits = limits
        self.progress = progress
        self.count = 0  # records, including those that could not be read
        self.too_many = False
        self.header_raw = ""
        self._raw: list[str] = []  # the physical lines of the record being read
        self._marked = False  # a carriage return inside a value was hidden from the csv module

    def shown(self, row: _Row) -> str:
        return shown_raw(row.raw)

    def _feed(self, source: Iterator[str]) -> Iterator[str]:
        for line in source:
            self._raw.append(line)
            if "\r" in line:
                line = protected(line)
                self._marked = CR_MARK in line or self._marked
            yield line

    def __iter__(self) -> Iterator[_Row]:
        source = iter(self.lines)
        ahead: list[str] = []
        for line in source:
            ahead.append(line)
            if line.strip():
                break
        else:
            raise FileRefused(
                file_error("the file is empty: expected a header row and one row per message")
            )
        delimiter = _delimiter(ahead[0].rstrip("\r\n"))
        with csv_field_limit(self.limits) as field_limit:
            reader = csv.reader(self._feed(chain(ahead, source)), delimiter=delimiter)
            names = self._header(reader, field_limit, ahead[-1])
            yield from self._records(reader, names, field_limit)

    def _header(self, reader: Iterator[list[str]], field_limit: int, first: str) -> list[str]:
        try:
            header = next(reader)
        except csv.Error as error:
            raise FileRefused(
                file_error(f"the header row: {csv_error_reason(error, field_limit)}")
            ) from None
        if bad_header := self.lines.bad_between(1, self.lines.number):
            raise FileRefused(
                file_error(f"the header row is {self.lines.encoding_reason(bad_header)}")
            )
        names = [h.strip().lower() for h in header]
        missing = [name for name in REQUIRED if name not in names]
        if missing and first.lstrip().startswith(("{", "[")):
            raise FileRefused(file_error(JSON_NOT_CSV, "format"))
        if missing:
            raise FileRefused(
                file_error(
                    f"missing required column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)} (found: {', '.join(h for h in header if h) or 'none'})",
                    "columns",
                )
            )
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            raise FileRefused(
                file_error(f"column {', '.join(repeated)} appears more than once", "columns")
            )
        self.header_raw = shown_raw(self._raw)
        return names

    def _records(
        self, reader: Iterator[list[str]], names: list[str], field_limit: int
    ) -> Iterator[_Row]:
        width = len(names)
        padding = [name for name in KNOWN if name not in names]
        keys = names + padding  # rows get every known field, "" when the file lacks it
        blanks = [""] * len(padding)
        id_at = names.index("conversation_id")
        last = self.lines.number
        while True:
            raw: list[str] = []
            self._raw = raw
            self._marked = False
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                first, last = last + 1, self.lines.number
                self.count += 1
                yield _Row(first, None, [("", csv_error_reason(error, field_limit))], "", raw)
                continue
            first, last = last + 1, self.lines.number
            if not record:
                continue  # a blank line
            self.count += 1
            if self.count > self.limits.max_rows:
                self.too_many = True
                return
            if self.progress is not None and self.count % PROGRESS_EVERY == 0:
                self.progress(self.count, 0)
            conversation_id = record[id_at].strip() if id_at < len(record) else ""
            if self.lines.bad_lines and (bad := self.lines.bad_between(first, last)):
                reason = self.lines.encoding_reason(bad)
                yield _Row(first, None, [("encoding", reason)], conversation_id, raw)
                continue
            if len(record) != width:
                reason = (
                    f"has {len(record)} values but the header has {width} columns "
                    "(is a quote or a delimiter missing?)"
                )
                yield _Row(first, None, [("", reason)], conversation_id, raw)
                continue
            if self._marked:
                record = [v.replace(CR_MARK, "\n") if CR_MARK in v else v for v in record]
            if any(TEXT_CONTROLS.search(line) for line in raw):  # rare: search, then drop
                record = [without_controls(v) for v in record]
            yield _Row(first, dict(zip(keys, record + blanks, strict=False)), [], "", raw)


def _delimiter(header: str) -> str:
    """Comma, unless the header plainly uses semicolons or tabs (spreadsheet exports)."""
    if "," in header:
        return ","
    for candidate in (";", "\t"):
        if candidate in header:
            return candidate
    return ","


class _JsonlReader:
    """The objects of a JSON Lines file, one message each, read a line at a time."""

    def __init__(self, lines: TextLines, limits: ImportLimits, progress: Progress | None) -> None:
        self.lines = lines
        self.limits = limits
        self.progress = progress
        self.count = 0
        self.too_many = False
        self.header_raw = ""

    def shown(self, row: _Row) -> str:
        text = row.raw[0].rstrip("\n").rstrip("\r")
        return text if text.isascii() else ESCAPED_BYTE.sub("\ufffd", text)

    def __iter__(self) -> Iterator[_Row]:
        for line in self.lines:
            if not line.strip():
                continue
            self.count += 1
            if self.count > self.limits.max_rows:
                self.too_many = True
                return
            if self.progress is not None and self.count % PROGRESS_EVERY == 0:
                self.progress(self.count, 0)
            yield self._row(self.lines.number, line)
        if not self.count:
            raise FileRefused(
                file_error("the file is empty: expected one JSON object per line, per message")
            )

    def _row(self, number: int, line: str) -> _Row:
        if self.lines.bad_lines and number in self.lines.bad_lines:
            reason = self.lines.encoding_reason(number)
            return _Row(number, None, [("encoding", reason)], "", [line])
        try:
            row = loads_bounded(line[:-1] if line.endswith("\n") else line)
        except TooDeep as error:
            return _Row(number, None, [("", str(error))], "", [line])
        except ValueError as error:  # a syntax error, or a number too long to read
            if self.count == 1 and _is_csv_header(line):
                raise FileRefused(file_error(CSV_NOT_JSONL, "format")) from None
            return _Row(number, None, [("", json_error_reason(error))], "", [line])
        if not isinstance(row, dict):
            reason = "expected a JSON object {…} for one message"
            return _Row(number, None, [("", reason)], "", [line])
        row = {str(k).strip().lower(): v for k, v in row.items()}
        problems = _wrong_kinds(row)
        if problems:
            # A conversation_id that is itself refused (true, an object) names no group.
            refused = any(name == "conversation_id" for name, _ in problems)
            conversation_id = "" if refused else _text(row.get("conversation_id"))
            if "\x00" in conversation_id:
                conversation_id = ""
            return _Row(number, None, problems, conversation_id, [line])
        given = {k: v if k == "tags" else _text(v) for k, v in row.items() if k in KNOWN}
        given = without_controls_in(given)  # JSON spells them as escapes: after parsing
        return _Row(number, {**_BLANK_ROW, **given}, [], "", [line])


_Reader = _CsvReader | _JsonlReader
_READERS: dict[str, type[_CsvReader] | type[_JsonlReader]] = {
    "csv": _CsvReader,
    "jsonl": _JsonlReader,
}


# --- the two passes ---------------------------------------------------------------------------


def check_rows(
    binary: BinaryIO, fmt: str, limits: ImportLimits, progress: Progress | None
) -> tuple[ParseResult, _Checked | None, str]:
    """The first pass: every refusal, the row count, and the file's SHA-256; nothing kept.

    Rows are checked as they are read, so memory holds what each conversation needs for its
    checks (its lines, message ids, conversation fields), never the messages. The result's
    ``rejected_lines`` has the rows refused on their own; rows refused with their
    conversation get their text in the second pass.
    """
    lines = TextLines(binary)
    reader = _READERS[fmt](lines, limits, progress)
    now: list[_Row] = []
    outcome = Outcome(lambda line: reader.shown(now[0]) if now and now[0].first == line else None)
    rows = _Rows(outcome, limits)
    try:
        for row in reader:
            now[:] = [row]
            if row.values is not None:
                rows.take(row.values, row.first)
                continue
            for name, reason in row.problems:
                outcome.fail(row.first, name, reason)
            if row.conversation_id:
                _mark_failed(rows, row.conversation_id, row.first)
    except FileRefused as refused:
        return refused.result, None, lines.drain()
    now.clear()
    if reader.too_many:
        return too_many_rows(limits), None, lines.drain()
    if reader.count == 0:
        return file_error("the file has a header but no rows"), None, lines.drain()
    if progress is not None:
        progress(reader.count, reader.count)
    checked = rows.finish()
    result = outcome.finish()
    result.rows_total = reader.count
    if result.rows_rejected and reader.header_raw:
        result.rejected_lines = {0: reader.header_raw, **result.rejected_lines}
    return result, checked, lines.drain()


def good_conversations(
    binary: BinaryIO, fmt: str, limits: ImportLimits, result: ParseResult, checked: _Checked
) -> Iterator[ConversationRecord]:
    """The second pass: each good conversation, yielded once its last row has been read.

    Only conversations still open at a point of the file are in memory, so a file whose
    conversations are contiguous (or close together) is read in constant memory. The rows
    refused with their conversation get their text in ``result.rejected_lines`` here.
    """
    reader = _READERS[fmt](TextLines(binary), limits, None)
    rows = _Rows(Outcome(lambda line: None), limits, keep=True)
    missing = {line for line in checked.refused if line not in result.rejected_lines}
    for row in reader:
        if row.first in checked.refused:
            if row.first in missing:
                result.rejected_lines[row.first] = reader.shown(row)
            continue
        assert row.values is not None
        rows.take(row.values, row.first)
        if row.first in checked.ends:
            yield rows.completed(row.values["conversation_id"].strip())
    if missing:
        result.rejected_lines = dict(sorted(result.rejected_lines.items()))


def _mark_failed(rows: _Rows, conversation_id: str, line: int) -> None:
    """Tie a row that could not be read to its conversation."""
    group = rows.groups.get(conversation_id)
    if group is None:
        group = rows.groups[conversation_id] = _Group(conversation_id, line)
    group.lines.append(line)
    group.failed.add(line)


def parse_csv(data: bytes, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    return _parse_whole(data, "csv", limits, progress)


def parse_jsonl(data: bytes, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    return _parse_whole(data, "jsonl", limits, progress)


def _parse_whole(
    data: bytes, fmt: str, limits: ImportLimits, progress: Progress | None
) -> ParseResult:
    """Both passes over bytes in memory, every conversation collected (tests, small files)."""
    result, checked, _ = check_rows(io.BytesIO(data), fmt, limits, progress)
    if checked is not None:
        found = good_conversations(io.BytesIO(data), fmt, limits, result, checked)
        result.conversations = list(found)
    return result
