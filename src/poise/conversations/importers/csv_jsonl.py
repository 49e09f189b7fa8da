"""Generic CSV and JSON Lines: one row per message, conversation fields on any of its rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from poise.conversations.importers.common import (
    PROGRESS_EVERY,
    CsvRecords,
    ImportLimits,
    LineIndex,
    Outcome,
    Progress,
    body_problem,
    choice_problem,
    csv_error_reason,
    csv_field_limit,
    decode,
    derive_message_id,
    email_problem,
    file_error,
    json_error_reason,
    length_problem,
    parse_rating,
    parse_tags,
    parse_time,
    protect_bare_cr,
    purpose_from,
    show,
    text_problem,
    too_many_rows,
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

    def __init__(self, outcome: Outcome, limits: ImportLimits) -> None:
        self.outcome = outcome
        self.limits = limits
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
                if reason := email_problem("author_email", email):
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
                problems.append((name, _conflict(group, name, value)))
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
            reason = email_problem(name, text)
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

    def finish(self) -> ParseResult:
        conversations = self.outcome.result.conversations
        for group in self.groups.values():
            if not group.failed and "channel" not in group.values:
                self.outcome.fail(
                    group.first_line,
                    "channel",
                    f"is required: no row of conversation {show(group.external_id)} gives it",
                )
                group.failed.add(group.first_line)
            if group.failed:
                what = f"conversation {show(group.external_id)}"
                self.outcome.reject_group(what, group.lines, group.failed)
            else:
                conversations.append(_conversation(group))
        return self.outcome.finish()


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


def _conflict(group: _Group, name: str, value: Any) -> str:
    old = group.values[name]
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
    for tag in tags:
        if reason := text_problem(tag):
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


# --- CSV --------------------------------------------------------------------------------------


def parse_csv(data: bytes, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    decoded = decode(data)
    text = decoded.text
    if not text.strip():
        return file_error("the file is empty: expected a header row and one row per message")
    lines = LineIndex(text)
    ends: dict[int, int] = {}  # first line -> last line, for records over several lines

    def raw_of(line: int) -> str:
        return lines.get(line, ends.get(line, line))

    outcome = Outcome(raw_of, decoded)
    text, mark = protect_bare_cr(text)
    header_line, _, _ = text.partition("\n")
    delimiter = _delimiter(header_line)
    stream = io.StringIO(text, newline="\n")
    with csv_field_limit(limits) as field_limit:
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            header = next(reader)
        except csv.Error as error:
            return file_error(f"the header row: {csv_error_reason(error, field_limit)}")
        if bad_header := decoded.bad_between(1, reader.line_num):
            return file_error(f"the header row is {decoded.encoding_reason(bad_header)}")
        names = [h.strip().lower() for h in header]
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            return file_error(
                f"missing required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (found: {', '.join(h for h in header if h) or 'none'})",
                "columns",
            )
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            return file_error(f"column {', '.join(repeated)} appears more than once", "columns")
        outcome.result.rejected_lines[0] = lines.get(1, reader.line_num)
        width = len(names)
        padding = [name for name in KNOWN if name not in names]
        keys = names + padding  # rows get every known field, "" when the file lacks it
        blanks = [""] * len(padding)
        rows = _Rows(outcome, limits)
        records = CsvRecords(reader, lambda: reader.line_num, ends, limits, field_limit, progress)
        for row in records:
            first, record = row.first, row.values
            if row.error is not None:
                outcome.fail(first, "", row.error)
                continue
            if decoded.bad_lines and (bad := decoded.bad_between(first, row.last)):
                outcome.fail(first, "encoding", decoded.encoding_reason(bad))
                _mark_failed(rows, record, names, first)
                continue
            if len(record) != width:
                outcome.fail(
                    first,
                    "",
                    f"has {len(record)} values but the header has {width} columns "
                    "(is a quote or a delimiter missing?)",
                )
                _mark_failed(rows, record, names, first)
                continue
            if mark is not None:
                record = [v.replace(mark, "\n") if mark in v else v for v in record]
            rows.take(dict(zip(keys, record + blanks, strict=False)), first)
    if records.too_many:
        return too_many_rows(limits)
    count = records.count
    if count == 0:
        return file_error("the file has a header but no rows")
    if progress is not None:
        progress(count, count)
    result = rows.finish()
    result.rows_total = count
    if len(result.rejected_lines) == 1:  # only the header: nothing was rejected
        del result.rejected_lines[0]
    return result


def _delimiter(header: str) -> str:
    """Comma, unless the header plainly uses semicolons or tabs (spreadsheet exports)."""
    if "," in header:
        return ","
    for candidate in (";", "\t"):
        if candidate in header:
            return candidate
    return ","


def _mark_failed(rows: _Rows, record: list[str], names: list[str], line: int) -> None:
    """Tie a row that could not be read to its conversation, when its id can still be found."""
    if "conversation_id" not in names:
        return
    index = names.index("conversation_id")
    if index >= len(record):
        return
    conversation_id = record[index].strip()
    if not conversation_id:
        return
    group = rows.groups.get(conversation_id)
    if group is None:
        group = rows.groups[conversation_id] = _Group(conversation_id, line)
    group.lines.append(line)
    group.failed.add(line)


# --- JSON Lines -------------------------------------------------------------------------------


def parse_jsonl(data: bytes, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    decoded = decode(data)
    if not decoded.text.strip():
        return file_error("the file is empty: expected one JSON object per line, per message")
    lines = decoded.text.split("\n")
    outcome = Outcome(lambda line: lines[line - 1].rstrip("\r"), decoded)
    rows = _Rows(outcome, limits)
    total = sum(1 for line in lines if line.strip())
    count = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        count += 1
        if count > limits.max_rows:
            return too_many_rows(limits)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, total)
        if decoded.bad_lines and number in decoded.bad_lines:
            outcome.fail(number, "encoding", decoded.encoding_reason(number))
            continue
        try:
            row = loads_bounded(line)
        except json.JSONDecodeError as error:
            outcome.fail(number, "", json_error_reason(error))
            continue
        except TooDeep as error:
            outcome.fail(number, "", str(error))
            continue
        if not isinstance(row, dict):
            outcome.fail(number, "", "expected a JSON object {…} for one message")
            continue
        row = {str(k).strip().lower(): v for k, v in row.items()}
        problems = _wrong_kinds(row)
        if problems:
            for name, reason in problems:
                outcome.fail(number, name, reason)
            # A conversation_id that is itself refused (true, an object) names no group.
            refused = any(name == "conversation_id" for name, _ in problems)
            conversation_id = "" if refused else _text(row.get("conversation_id"))
            if conversation_id and "\x00" not in conversation_id:
                _mark_failed(rows, [conversation_id], ["conversation_id"], number)
            continue
        given = {k: v if k == "tags" else _text(v) for k, v in row.items() if k in KNOWN}
        rows.take({**_BLANK_ROW, **given}, number)
    if progress is not None:
        progress(count, total)
    result = rows.finish()
    result.rows_total = count
    return result
