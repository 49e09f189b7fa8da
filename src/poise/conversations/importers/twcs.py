"""Customer Support on Twitter (Kaggle ``twcs.csv``): tweets linked into threads by reply."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from poise.conversations.importers.common import (
    CsvRecords,
    ImportLimits,
    LineIndex,
    Outcome,
    Progress,
    body_problem,
    csv_field_limit,
    decode,
    file_error,
    length_problem,
    not_in_future,
    parse_time,
    protect_bare_cr,
    purpose_from,
    show,
    too_many_rows,
)
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    ParseResult,
)
from poise.textcontrols import without_controls

REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_TRUE = frozenset(("true", "1"))
_FALSE = frozenset(("false", "0"))


@dataclass(slots=True)
class _Tweet:
    line: int
    tweet_id: str
    parent: str | None
    author: str
    inbound: bool
    created_at: datetime
    text: str


def tweet_id(value: str) -> str | None:
    """``"3"`` or pandas' ``"3.0"`` -> ``"3"``; ``None`` when it is not a tweet id."""
    value = value.strip()
    if value.endswith(".0"):
        value = value[:-2]
    return value if value.isdigit() and value.isascii() else None


def twitter_time(value: str) -> datetime | str:
    """``Tue Oct 31 22:10:47 +0000 2017`` (or ISO 8601) as aware UTC, or the refusal reason.

    The offset must be one a clock can have (under 24 hours, minutes under 60), and the time
    must fall within years 1 to 9999 once in UTC: ``Mon Jan 01 00:10:47 +0100 0001`` does not,
    and failed the whole upload with an OverflowError (a 500).
    """
    parts = value.split()
    if len(parts) != 6 or parts[1] not in _MONTHS:
        parsed = parse_time(value)
        if isinstance(parsed, str):
            return f"{show(value)} is not a time like 'Tue Oct 31 22:10:47 +0000 2017'"
        return parsed
    try:
        hour, minute, second = parts[3].split(":")
        zone = parts[4]
        if len(zone) != 5 or zone[0] not in "+-" or not (zone[1:].isascii() and zone[1:].isdigit()):
            raise ValueError(zone)
        if int(zone[1:3]) > 23 or int(zone[3:5]) > 59:
            raise ValueError(zone)
        shift = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        local = datetime(
            int(parts[5]),
            _MONTHS[parts[1]],
            int(parts[2]),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        return f"{show(value)} is not a time like 'Tue Oct 31 22:10:47 +0000 2017'"
    try:
        return not_in_future(local - shift if zone[0] == "+" else local + shift, value)
    except OverflowError:
        return f"{show(value)} has no time in UTC (it falls outside years 1 to 9999)"


class _Threads:
    """Union–find over tweet ids."""

    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def add(self, node: str) -> None:
        self.up.setdefault(node, node)

    def find(self, node: str) -> str:
        up = self.up
        while up[node] != node:
            up[node] = up[up[node]]
            node = up[node]
        return node

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[ra] = rb


def parse_twcs(data: bytes, limits: ImportLimits, progress: Progress | None) -> ParseResult:
    decoded = decode(data)
    text = decoded.text
    if not text.strip():
        return file_error("the file is empty: expected the twcs header and one row per tweet")
    lines = LineIndex(text)
    ends: dict[int, int] = {}
    outcome = Outcome(lambda line: lines.get(line, ends.get(line, line)))
    text, mark = protect_bare_cr(text)
    tweets: dict[str, _Tweet] = {}
    first_line: dict[str, int] = {}  # tweet id -> line it first appears on, valid or not
    stray: dict[int, str] = {}  # line of a refused row -> tweet id it belongs with
    failed: set[int] = set()
    with csv_field_limit(limits) as field_limit:
        reader = csv.reader(io.StringIO(text, newline="\n"))
        try:
            header = next(reader)
        except (csv.Error, StopIteration) as error:
            return file_error(f"the header row: {error}")
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
        outcome.result.rejected_lines[0] = lines.get(1, reader.line_num)
        width = len(names)
        at = {name: names.index(name) for name in REQUIRED}
        records = CsvRecords(reader, lambda: reader.line_num, ends, limits, field_limit, progress)
        for row in records:
            first, last, record = row.first, row.last, row.values
            if row.error is not None:
                outcome.fail(first, "", row.error)
                failed.add(first)
                continue
            if mark is not None:
                record = [v.replace(mark, "\n") if mark in v else v for v in record]
            problems: list[tuple[str, str]] = []
            if decoded.bad_lines and (bad := decoded.bad_between(first, last)):
                problems.append(("encoding", decoded.encoding_reason(bad)))
            elif len(record) != width:
                problems.append(
                    (
                        "",
                        f"has {len(record)} values but the header has {width} columns "
                        "(is a quote or a delimiter missing?)",
                    )
                )
            if problems:
                _refuse(outcome, failed, first, problems)
                continue
            tweet = _tweet(record, at, first, limits, problems)
            own = tweet_id(record[at["tweet_id"]])
            if own is not None and own in first_line:
                problems.append(
                    ("tweet_id", f"tweet {own} already appears on line {first_line[own]}")
                )
            if problems or tweet is None:
                _refuse(outcome, failed, first, problems)
                if own is not None:
                    stray[first] = own
                    first_line.setdefault(own, first)
                else:
                    parent = tweet_id(record[at["in_response_to_tweet_id"]])
                    if parent is not None:
                        stray[first] = parent
                continue
            tweets[tweet.tweet_id] = tweet
            first_line[tweet.tweet_id] = first
    if records.too_many:
        return too_many_rows(limits)
    count = records.count
    if count == 0:
        return file_error("the file has a header but no tweets")
    if progress is not None:
        progress(count, count)
    _threads(outcome, tweets, stray, failed)
    result = outcome.finish()
    result.rows_total = count
    if len(result.rejected_lines) == 1:
        del result.rejected_lines[0]
    return result


def _refuse(outcome: Outcome, failed: set[int], line: int, problems: list[tuple[str, str]]) -> None:
    for name, reason in problems:
        outcome.fail(line, name, reason)
    failed.add(line)


def _tweet(
    record: list[str],
    at: dict[str, int],
    line: int,
    limits: ImportLimits,
    problems: list[tuple[str, str]],
) -> _Tweet | None:
    record = [without_controls(v) for v in record]  # dropped as every import drops them
    raw_id = record[at["tweet_id"]]
    own = tweet_id(raw_id)
    if own is None:
        problems.append(("tweet_id", f"{show(raw_id)} is not a tweet id (a whole number)"))
    raw_parent = record[at["in_response_to_tweet_id"]].strip()
    parent = tweet_id(raw_parent) if raw_parent else None
    if raw_parent and parent is None:
        problems.append(
            ("in_response_to_tweet_id", f"{show(raw_parent)} is not a tweet id (a whole number)")
        )
    author = record[at["author_id"]].strip()
    # The author keys the customer too, whose id column is narrower than an author's name.
    reason = length_problem("customer_id", author) if author else "is required"
    if reason:
        problems.append(("author_id", reason))
    flag = record[at["inbound"]].strip().lower()
    if flag not in _TRUE and flag not in _FALSE:
        problems.append(("inbound", f"{show(flag)} is not True or False"))
    created_at = twitter_time(record[at["created_at"]])
    if isinstance(created_at, str):
        problems.append(("created_at", created_at))
    body = record[at["text"]].strip()
    if "&" in body:
        body = html.unescape(body)
    if reason := body_problem(body, limits):
        problems.append(("text", reason))
    if problems or own is None or isinstance(created_at, str):
        return None
    return _Tweet(line, own, parent, author, flag in _TRUE, created_at, body)


def _threads(
    outcome: Outcome, tweets: dict[str, _Tweet], stray: dict[int, str], failed: set[int]
) -> None:
    """Link replies to the tweets they answer; reject whole every thread with a refused row."""
    threads = _Threads()
    for tweet in tweets.values():
        threads.add(tweet.tweet_id)
        if tweet.parent is not None and tweet.parent in tweets:
            threads.add(tweet.parent)
            threads.join(tweet.tweet_id, tweet.parent)
    members: dict[str, list[_Tweet]] = {}
    for tweet in tweets.values():
        members.setdefault(threads.find(tweet.tweet_id), []).append(tweet)
    refused: dict[str, list[int]] = {}
    for line, linked in stray.items():
        if linked in tweets:
            refused.setdefault(threads.find(linked), []).append(line)
    conversations = outcome.result.conversations
    for key, thread in members.items():
        thread.sort(key=_created_at)
        roots = [t for t in thread if t.parent is None or t.parent not in tweets]
        root = roots[0] if roots else thread[0]
        bad = refused.get(key)
        if bad:
            lines = [t.line for t in thread] + bad
            outcome.reject_group(f"the thread of tweet {root.tweet_id}", lines, failed)
            continue
        conversations.append(_conversation(root, thread))


def _created_at(tweet: _Tweet) -> datetime:
    return tweet.created_at


def _conversation(root: _Tweet, thread: list[_Tweet]) -> ConversationRecord:
    messages = [
        MessageRecord(
            t.tweet_id, "customer" if t.inbound else "agent", t.text, t.created_at, t.author
        )
        for t in thread
    ]
    first_in = next((t for t in thread if t.inbound), None)
    company = next((t.author for t in thread if not t.inbound), None)
    last = thread[-1]
    resolved = not last.inbound
    return ConversationRecord(
        external_id=root.tweet_id,
        channel="social",
        messages=messages,
        purpose=purpose_from(first_in.text) if first_in else "",
        product=company[:120] if company else None,
        status="resolved" if resolved else "open",
        resolved_at=last.created_at if resolved else None,
        customer=CustomerRecord(first_in.author, first_in.author) if first_in else None,
    )
