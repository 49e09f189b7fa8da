"""Zendesk-style ticket exports: ``{"tickets": [...], "users": [...]}``, a JSON array, or NDJSON.

A row is a ticket. In a JSON document its ``line`` is the ticket's position (1-based: "ticket
3"); in NDJSON it is the line number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from poise.conversations.importers.common import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    PROGRESS_EVERY,
    TOO_LONG_NUMBER,
    Decoded,
    ImportLimits,
    Outcome,
    Progress,
    body_problem,
    decode,
    derive_message_id,
    email_problem,
    file_error,
    json_error_reason,
    json_raw,
    length_problem,
    outsider_problem,
    parse_time,
    priority_tag,
    purpose_from,
    show,
    tags_problem,
    text_problem,
)
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    ParseResult,
    RatingRecord,
)
from poise.jsonbounds import TooDeep, loads_bounded
from poise.textcontrols import without_controls_in

STATUS = {
    "new": "open",
    "open": "open",
    "pending": "pending",
    "hold": "pending",
    "solved": "resolved",
    "closed": "resolved",
}
CHANNEL = {
    "email": "email",
    "web": "email",
    "mail": "email",
    "chat": "chat",
    "native_messaging": "chat",
    "voice": "phone",
    "phone": "phone",
    "twitter": "social",
    "facebook": "social",
    "instagram": "social",
    "any_channel": "social",
}
RATING = {"good": 3, "bad": 1}
LOCALE_MAX = 35  # customers.language
NO_RATING = frozenset(("offered", "unoffered"))

Problems = list[tuple[str, str]]


@dataclass(slots=True)
class _User:
    name: str = ""
    email: str | None = None
    role: str = ""
    locale: str | None = None  # e.g. "en-US": the customer's language


@dataclass(slots=True)
class _Ticket:
    """Reads one ticket, noting every problem instead of stopping at the first."""

    data: dict[str, Any]
    users: dict[str, _User]
    limits: ImportLimits
    problems: Problems = field(default_factory=list)

    def text(self, value: Any, name: str, *, required: bool = False) -> str:
        if value is None or value == "":
            if required:
                self.problems.append((name, "is required"))
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problems.append((name, f"must be text, not {json_raw(value)[:40]}"))
            return ""
        text = str(value).strip()
        if reason := text_problem(text):
            self.problems.append((name, reason))
        return text

    def body(self, value: Any, name: str) -> str:
        """A message text: required, within the message limit, storable."""
        if isinstance(value, str):
            text = value.strip()
        else:
            text = self.text(value, name, required=True)
            if not text:
                return ""
        if reason := body_problem(text, self.limits):
            self.problems.append((name, reason))
        return text

    def time(self, value: Any, name: str, *, required: bool = False) -> datetime | None:
        text = self.text(value, name, required=required)
        if not text:
            return None
        parsed = parse_time(text)
        if isinstance(parsed, str):
            self.problems.append((name, parsed))
            return None
        return parsed

    def check(self, name: str, column: str, value: str) -> str:
        """``value`` if it fits the database column behind ``column`` (and, for a person,
        is one this import may name), else ``""``."""
        if not value:
            return value
        if column.endswith("email"):
            reason = email_problem(column, value) or outsider_problem(column, value, self.limits)
        else:
            reason = length_problem(column, value)
        if reason:
            self.problems.append((name, reason))
            return ""
        return value

    def user(self, value: Any, name: str) -> tuple[str, _User]:
        """A user id and what the export says about that user."""
        user_id = self.text(value, name)
        return user_id, self.users.get(user_id, _User())


def users_by_id(entries: Any) -> dict[str, _User]:
    users: dict[str, _User] = {}
    if not isinstance(entries, list):
        return users
    for entry in entries:
        if isinstance(entry, dict) and entry.get("id") is not None:
            users[str(entry["id"])] = _user(without_controls_in(entry))
    return users


def _user(entry: dict[str, Any]) -> _User:
    name, email, role = entry.get("name"), entry.get("email"), entry.get("role")
    locale = entry.get("locale")
    return _User(
        name if isinstance(name, str) else "",
        email if isinstance(email, str) and email else None,
        role if isinstance(role, str) else "",
        locale if isinstance(locale, str) and 0 < len(locale) <= LOCALE_MAX else None,
    )


def ticket_record(
    data: dict[str, Any], users: Any, limits: ImportLimits
) -> ConversationRecord | list[tuple[str, str]]:
    """One ticket (with its ``comments`` and the ``users`` they name) as a record, or its problems.

    The live Zendesk connector reads tickets through here, so a ticket from the API and the
    same ticket from an export file become the same conversation, turn for turn.
    """
    ticket = _Ticket(data, users_by_id(users), limits)
    record = _conversation(ticket)
    if ticket.problems or record is None:
        return ticket.problems
    return record


def parse_zendesk(data: bytes, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    decoded = decode(data)
    text = decoded.text
    if not text.strip():
        return file_error("the file is empty: expected a Zendesk ticket export (JSON or NDJSON)")
    try:
        document = loads_bounded(text)
    except TooDeep as error:
        return file_error(str(error))
    except json.JSONDecodeError as error:
        first = text.lstrip().partition("\n")[0]
        if _is_object(first):
            return _parse_ndjson(decoded, limits, progress)
        if decoded.bad_lines:
            return file_error(decoded.encoding_reason(min(decoded.bad_lines)), "encoding")
        return file_error(
            f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        )
    except ValueError:  # a number too long to read: in one NDJSON ticket, or the document
        first = text.lstrip().partition("\n")[0].strip()
        if first.startswith("{") and first.endswith("}") and "\n" in text.strip():
            return _parse_ndjson(decoded, limits, progress)
        return file_error(TOO_LONG_NUMBER)
    if decoded.bad_lines:
        line = min(decoded.bad_lines)
        return file_error(decoded.encoding_reason(line), "encoding")
    if isinstance(document, list):
        tickets, users = document, {}
    elif isinstance(document, dict) and isinstance(document.get("tickets"), list):
        tickets, users = document["tickets"], users_by_id(document.get("users"))
    elif isinstance(document, dict) and "id" in document:
        tickets, users = [document], {}  # a single ticket
    else:
        return file_error(
            'expected {"tickets": [...], "users": [...]}, a JSON array of tickets, '
            "or one ticket per line (NDJSON)"
        )
    if not tickets:
        return file_error("the export holds no tickets")
    if len(tickets) > limits.max_rows:
        return file_error(f"the export has more than {limits.max_rows:,} tickets: split it")
    outcome = Outcome(lambda n: json_raw(tickets[n - 1]))
    reader = _Reader(outcome, users, limits, noun="ticket")
    total = len(tickets)
    for number, ticket in enumerate(tickets, 1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number, total)
        reader.take(ticket, number)
    if progress is not None:
        progress(total, total)
    result = outcome.finish()
    result.rows_total = total
    return result


def _is_object(line: str) -> bool:
    try:
        return isinstance(loads_bounded(line), dict)
    except ValueError:  # not JSON, or nested too deep
        return False


def _parse_ndjson(decoded: Decoded, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    lines = decoded.text.split("\n")
    outcome = Outcome(lambda n: lines[n - 1].rstrip("\r"))
    reader = _Reader(outcome, {}, limits, noun="line")
    total = sum(1 for line in lines if line.strip())
    count = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        count += 1
        if count > limits.max_rows:
            return file_error(f"the file has more than {limits.max_rows:,} tickets: split it")
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, total)
        if number in decoded.bad_lines:
            outcome.fail(number, "encoding", decoded.encoding_reason(number))
            continue
        try:
            ticket = loads_bounded(line)
        except TooDeep as error:
            outcome.fail(number, "", str(error))
            continue
        except ValueError as error:  # a syntax error, or a number too long to read
            outcome.fail(number, "", json_error_reason(error))
            continue
        reader.take(ticket, number)
    if progress is not None:
        progress(count, total)
    result = outcome.finish()
    result.rows_total = count
    return result


class _Reader:
    def __init__(
        self, outcome: Outcome, users: dict[str, _User], limits: ImportLimits, noun: str
    ) -> None:
        self.outcome = outcome
        self.users = users
        self.limits = limits
        self.noun = noun
        self.seen: dict[str, int] = {}

    def take(self, data: Any, line: int) -> None:
        if not isinstance(data, dict):
            self.outcome.fail(line, "", "expected a ticket object {…}")
            return
        ticket = _Ticket(without_controls_in(data), self.users, self.limits)
        record = _conversation(ticket)
        if record is not None and record.external_id in self.seen:
            ticket.problems.append(
                (
                    "id",
                    f"ticket {show(record.external_id)} already appears as "
                    f"{self.noun} {self.seen[record.external_id]}",
                )
            )
        if ticket.problems:
            for name, reason in ticket.problems:
                self.outcome.fail(line, name, reason)
            return
        assert record is not None
        self.seen[record.external_id] = line
        self.outcome.result.conversations.append(record)


def _conversation(ticket: _Ticket) -> ConversationRecord | None:
    data = ticket.data
    external_id = ticket.text(data.get("id"), "id", required=True)
    external_id = ticket.check("id", "conversation_id", external_id)
    subject = ticket.check("subject", "subject", ticket.text(data.get("subject"), "subject"))
    raw_status = ticket.text(data.get("status"), "status").lower()
    status = STATUS.get(raw_status) if raw_status else None
    if raw_status and status is None:
        ticket.problems.append(("status", f"{show(raw_status)} is not one of {', '.join(STATUS)}"))
    opened_at = ticket.time(data.get("created_at"), "created_at")
    updated_at = ticket.time(data.get("updated_at"), "updated_at")
    solved_at = ticket.time(data.get("solved_at"), "solved_at")
    channel = _channel(data.get("via"))
    tags = _tags(ticket)
    tags += [t for t in priority_tag(data.get("priority")) if t not in tags]
    product = ticket.check("product", "product", _custom(ticket, "product"))
    feature = ticket.check("feature", "feature", _custom(ticket, "feature"))

    requester_id, requester = ticket.user(data.get("requester_id"), "requester_id")
    embedded = data.get("requester")
    if isinstance(embedded, dict):
        requester = _user(embedded)
        if not requester_id and embedded.get("id") is not None:
            requester_id = ticket.text(embedded.get("id"), "requester.id")
    customer = None
    if requester_id:
        customer = CustomerRecord(
            ticket.check("requester_id", "customer_id", requester_id),
            ticket.check("requester.name", "customer_name", requester.name),
            ticket.check("requester.email", "customer_email", requester.email or "") or None,
            requester.locale,
        )
    _, assignee = ticket.user(data.get("assignee_id"), "assignee_id")
    if isinstance(data.get("assignee"), dict):
        assignee = _user(data["assignee"])
    assignee_email = ticket.check("assignee", "assignee_email", assignee.email or "") or None

    messages = _messages(ticket, external_id, (requester_id, requester), opened_at)
    rating = _rating(ticket, messages)
    if ticket.problems or not messages:
        if not ticket.problems:
            ticket.problems.append(("comments", "the ticket has no public comments to import"))
        return None
    messages.sort(key=_sent_at)
    resolved_at = None
    if status == "resolved":
        resolved_at = solved_at or updated_at or messages[-1].sent_at
    return ConversationRecord(
        external_id=external_id,
        channel=channel,
        messages=messages,
        subject=subject,
        purpose=next((purpose_from(m.body) for m in messages if m.author_role == "customer"), ""),
        product=product or None,
        feature=feature or None,
        tags=tags,
        status=status,
        opened_at=opened_at,
        resolved_at=resolved_at,
        customer=customer,
        assignee_email=assignee_email,
        rating=rating,
    )


def _sent_at(message: MessageRecord) -> datetime:
    return message.sent_at


def _channel(via: Any) -> str:
    if isinstance(via, dict) and isinstance(via.get("channel"), str):
        return CHANNEL.get(via["channel"].lower(), "email")
    return "email"


def _tags(ticket: _Ticket) -> list[str]:
    tags = ticket.data.get("tags")
    if tags is None:
        return []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        ticket.problems.append(("tags", "must be a list of texts"))
        return []
    # A helpdesk's own tags are cut as a connector cuts them, not refused with the ticket.
    kept = list(dict.fromkeys(t.strip()[:MAX_TAG_CHARS] for t in tags if t.strip()))[:MAX_TAGS]
    if reason := tags_problem(kept):
        ticket.problems.append(("tags", reason))
        return []
    return kept


def _custom(ticket: _Ticket, name: str) -> str:
    """``product``/``feature``: a top-level field, or a custom field named so."""
    data = ticket.data
    if data.get(name):
        return ticket.text(data[name], name)
    fields = data.get("custom_fields")
    if isinstance(fields, dict):
        return ticket.text(fields.get(name), f"custom_fields.{name}")
    if isinstance(fields, list):
        for entry in fields:
            if not isinstance(entry, dict):
                continue
            label = entry.get("name") or entry.get("title") or entry.get("id")
            if isinstance(label, str) and label.lower() == name:
                return ticket.text(entry.get("value"), f"custom_fields.{name}")
    return ""


def _messages(
    ticket: _Ticket,
    external_id: str,
    requester: tuple[str, _User],
    opened_at: datetime | None,
) -> list[MessageRecord]:
    requester_id, requester_user = requester
    comments = ticket.data.get("comments")
    if comments is None and ticket.data.get("description") and opened_at is not None:
        body = ticket.body(ticket.data["description"], "description")
        if ticket.problems:
            return []
        return [MessageRecord(f"{external_id}-description", "customer", body, opened_at)]
    if comments is None:
        return []
    if not isinstance(comments, list):
        ticket.problems.append(("comments", "must be a list of comment objects"))
        return []
    messages: list[MessageRecord] = []
    seen: dict[str, int] = {}
    for index, comment in enumerate(comments, 1):
        where = f"comments[{index}]"
        if not isinstance(comment, dict):
            ticket.problems.append((where, "must be a comment object {…}"))
            continue
        if comment.get("public", True) is False:
            continue  # a private note: the customer never saw it
        comment_id = ticket.check(
            f"{where}.id", "message_id", ticket.text(comment.get("id"), f"{where}.id")
        )
        if comment_id and comment_id in seen:
            again = f"comment {comment_id} already appears as comments[{seen[comment_id]}]"
            ticket.problems.append((f"{where}.id", again))
        elif comment_id:
            seen[comment_id] = index
        raw_body = comment.get("body")
        if raw_body is None or raw_body == "":
            raw_body = comment.get("plain_body")
        body = ticket.body(raw_body, f"{where}.body")
        sent_at = ticket.time(comment.get("created_at"), f"{where}.created_at", required=True)
        author_id, author = ticket.user(comment.get("author_id"), f"{where}.author_id")
        if author_id and author_id == requester_id and author_id not in ticket.users:
            author = requester_user
        if isinstance(comment.get("author"), dict):
            author = _user(comment["author"])
        customer = (author_id and author_id == requester_id) or author.role == "end-user"
        role = "customer" if customer else "agent"
        name = ticket.check(f"{where}.author", "author", author.name)
        email = None
        if role == "agent" and author.email:
            email = ticket.check(f"{where}.author.email", "author_email", author.email) or None
        if sent_at is None or ticket.problems:
            continue
        message_id = comment_id or derive_message_id(external_id, sent_at, role, body)
        messages.append(MessageRecord(message_id, role, body, sent_at, name, email))
    return messages


def _rating(ticket: _Ticket, messages: list[MessageRecord]) -> RatingRecord | None:
    answer = ticket.data.get("satisfaction_rating")
    if answer is None:
        return None
    if not isinstance(answer, dict):
        ticket.problems.append(("satisfaction_rating", "must be an object {score, comment}"))
        return None
    score = ticket.text(answer.get("score"), "satisfaction_rating.score").lower()
    if not score or score in NO_RATING:
        return None
    if score not in RATING:
        ticket.problems.append(
            (
                "satisfaction_rating.score",
                f"{show(score)} is not one of good, bad, offered, unoffered",
            )
        )
        return None
    comment = answer.get("comment") or ""
    if comment:
        comment = ticket.body(comment, "satisfaction_rating.comment")
    rated_at = ticket.time(
        answer.get("updated_at") or answer.get("created_at"), "satisfaction_rating.updated_at"
    )
    if rated_at is None:
        if not messages:
            return None
        rated_at = max(m.sent_at for m in messages)
    return RatingRecord("three", RATING[score], rated_at, comment)
