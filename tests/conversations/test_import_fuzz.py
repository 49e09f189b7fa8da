"""Property-based fuzzing of every importer: any file is imported or refused with a message.

Hypothesis builds files from the pieces importers care about (known columns, ids shared with
what is already stored, quotes, carriage returns, NUL, bytes that are not UTF-8, deep JSON,
wrong JSON kinds) as well as plain random bytes. For each file, ``parse_file`` must not
raise, and ``import_file`` must either store it or refuse it with reasons, our own error type
at most, while every row already stored stays as it was.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from poise.conversations.actions import import_file
from poise.conversations.importers import FORMATS, ImportLimits, parse_file, stream
from poise.conversations.importers.csv_jsonl import KNOWN, REQUIRED
from poise.conversations.models import Conversation, Customer, Message, Rating
from poise.db import make_engine, make_sessionmaker
from poise.errors import PoiseError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_DB = settings(FUZZ, max_examples=25)
LIMITS = ImportLimits(max_message_chars=200, max_rows=40)

# Values an importer must tell apart: valid ones, near misses and hostile ones.
WORDS = [
    "A1", "B2", "c-9", "chat", "email", "fax", "customer", "agent", "robot", "good", "bad",
    "5", "0", "3.0", "resolved", "open", "x@example.com", "not an email", "Billing",
    "2026-11-01T09:00:00Z", "2026-11-01", "not-a-time", "9999-12-31T23:59:59+14:00",
    "Tue Oct 31 22:10:47 +0000 2017", "a; b;;a", "", " ", '"', '""', "'", ",", ";", "\t",
    "\r", "\n", "\r\n", "\x00", "\x0b", "\u2028", "é", "😀", "[[[[", "{", "}", "null",
    "true", "9" * 30, "x" * 300,
]  # fmt: skip
CELL = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
CSV_COLUMNS = sorted(KNOWN)
JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.sampled_from(WORDS)
)
JSON = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(WORDS), inner, max_size=3)
    ),
    max_leaves=8,
)


def _damaged(data: bytes, draw: st.DrawFn) -> bytes:
    """Sometimes cut the file short or splice in bytes that are not UTF-8."""
    how = draw(_mostly(["keep"], st.sampled_from(["cut", "bytes", "bom"])))
    if how == "cut" and data:
        return data[: draw(st.integers(0, len(data)))]
    if how == "bytes":
        at = draw(st.integers(0, len(data)))
        return (
            data[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]))
            + data[at:]
        )
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    return data


def _mostly(good: list[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Good values three times in four, so files get past the first check and deeper."""
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), other)


TIMES = ["2026-11-01T09:00:00Z", "2026-11-01T09:05:00+02:00", "2026-11-02 10:00"]
CSV_GOOD: dict[str, list[str]] = {
    "conversation_id": ["A1", "B2", "C3"],
    "message_id": ["m1", "m2", "m3", ""],
    "channel": ["chat", "email", "phone", ""],
    "author_role": ["customer", "agent"],
    "body": ["My invoice is wrong", "Fixed it.", "Thanks!"],
    "sent_at": TIMES,
    "rating": ["good", "bad", "4", ""],
    "status": ["open", "resolved", ""],
    "customer_email": ["x@example.com", ""],
    "tags": ["billing; late", ""],
    "resolved_at": TIMES,
    "rated_at": TIMES,
}
TWCS_GOOD: dict[str, list[str]] = {
    "tweet_id": ["1", "2", "3", "4.0"],
    "author_id": ["AskPayPal", "115712"],
    "inbound": ["True", "False"],
    "created_at": ["Tue Oct 31 22:10:47 +0000 2017", "Tue Oct 31 22:15:00 +0000 2017"],
    "text": ["@AskPayPal help", "@115712 sure"],
    "response_tweet_id": ["", "2", "2,3"],
    "in_response_to_tweet_id": ["", "1", "1.0", "2"],
}


@st.composite
def csv_files(draw: st.DrawFn, good: dict[str, list[str]], required: list[str]) -> bytes:
    optional = sorted({*good, *CSV_COLUMNS, "extra"} - set(required))
    extra = draw(st.lists(st.sampled_from(optional), max_size=4, unique=True))
    if draw(st.integers(0, 9)) == 0:
        extra.append(draw(st.sampled_from(["Channel ", "", *WORDS])))
    header = [*required, *extra] if draw(_mostly([True], st.just(False))) else extra
    cells = [_mostly(good.get(name, [""]), CELL) for name in header]
    rows = draw(st.lists(st.tuples(*cells).map(list), min_size=1, max_size=8))
    if rows and draw(st.booleans()):  # a row of the wrong width
        rows.append(draw(st.lists(CELL, max_size=len(header) + 1)))
    delimiter = draw(_mostly([","], st.sampled_from([";", "\t"])))
    end = draw(_mostly(["\n"], st.sampled_from(["\r\n", "\r"])))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=end).writerows([header, *rows])
    text = out.getvalue()
    if draw(st.integers(0, 5)) == 0:  # hand-written, quotes and all unbalanced
        text = "\n".join(delimiter.join(r) for r in [header, *rows])
    return _damaged(text.encode("utf-8", "surrogatepass"), draw)


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    message = st.fixed_dictionaries(
        {name: _mostly(CSV_GOOD[name], JSON) for name in REQUIRED},
        optional={
            name: _mostly(CSV_GOOD.get(name, [""]), JSON)
            for name in CSV_COLUMNS
            if name not in REQUIRED
        },
    )
    line = _mostly([None], st.one_of(JSON.map(json.dumps), CELL))
    lines = draw(st.lists(st.tuples(message, line), max_size=6))
    text = "\n".join(json.dumps(m) if other is None else other for m, other in lines)
    return _damaged(text.encode("utf-8", "surrogatepass"), draw)


@st.composite
def zendesk_files(draw: st.DrawFn) -> bytes:
    ids = st.integers(1, 4)
    comment = st.fixed_dictionaries(
        {
            "author_id": _mostly([1, 2], JSON),
            "body": _mostly(["My invoice is wrong", "Fixed it."], JSON),
            "created_at": _mostly(TIMES, JSON),
        },
        optional={"public": JSON, "plain_body": JSON, "via": JSON},
    )
    ticket = st.fixed_dictionaries(
        {
            "id": st.one_of(ids, ids, JSON),
            "created_at": _mostly(TIMES, JSON),
            "comments": st.lists(comment, max_size=3),
        },
        optional={
            "subject": _mostly(["Invoice"], JSON),
            "status": _mostly(["solved", "open", "pending"], JSON),
            "via": _mostly([{"channel": "email"}, {"channel": "web"}], JSON),
            "requester_id": _mostly([1], JSON),
            "assignee_id": _mostly([2], JSON),
            "tags": _mostly([["billing"], []], JSON),
            "satisfaction_rating": _mostly([{"score": "good"}, {"score": "bad"}], JSON),
            "description": JSON, "requester": JSON, "assignee": JSON, "custom_fields": JSON,
            "solved_at": _mostly(TIMES, JSON), "updated_at": _mostly(TIMES, JSON),
        },
    )  # fmt: skip
    user = st.fixed_dictionaries(
        {"id": _mostly([1, 2], JSON)},
        optional={
            "name": _mostly(["Ann"], JSON),
            "email": _mostly(["ann@example.com"], JSON),
            "role": _mostly(["end-user", "agent"], JSON),
        },
    )
    tickets = st.lists(ticket, max_size=4)
    shape = draw(st.sampled_from(["export", "export", "array", "ndjson", "one", "json"]))
    if shape == "export":
        text = json.dumps({"tickets": draw(tickets), "users": draw(st.lists(user, max_size=3))})
    elif shape == "array":
        text = json.dumps(draw(tickets))
    elif shape == "ndjson":
        text = "\n".join(json.dumps(t) for t in draw(tickets))
    elif shape == "one":
        text = json.dumps(draw(ticket))
    else:
        text = json.dumps(draw(JSON))
    return _damaged(text.encode("utf-8", "surrogatepass"), draw)


FILES: dict[str, st.SearchStrategy[bytes]] = {
    "csv": csv_files(CSV_GOOD, list(REQUIRED)),
    "jsonl": jsonl_files(),
    "twcs": csv_files(TWCS_GOOD, list(TWCS_GOOD)),
    "zendesk": zendesk_files(),
}
ANY_FILE = st.one_of(st.binary(max_size=200), *FILES.values())
HOSTILE = [
    b"[" * 100_000,
    b'{"conversation_id": true, "channel": "chat"}\n',
    b'{"conversation_id": {"a": 1}}\n',
    b"\xef\xbb\xbf",
    b"\r\r\r",
    b'conversation_id,channel,author_role,body,sent_at\n"A1,chat\n',
]


def _check_result(data: bytes, fmt: str) -> None:
    result = parse_file(data, fmt, limits=LIMITS)
    for error in result.errors:
        assert isinstance(error.reason, str) and error.reason.strip(), error
    for line, raw in result.rejected_lines.items():
        raw.encode("utf-8")  # always writable for the user to fix
        assert line == 0 or any(e.line == line for e in result.errors)
    for conversation in result.conversations:
        assert conversation.messages and all(m.body for m in conversation.messages)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_parser_answers_any_file(fmt: str) -> None:
    @FUZZ
    @given(data=st.one_of(FILES[fmt], st.binary(max_size=200)))
    def check(data: bytes) -> None:
        _check_result(data, fmt)

    for data in HOSTILE:
        _check_result(data, fmt)
    check()


@pytest.fixture(scope="module")
def fuzz_engine(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One SQLite database for every example, holding two conversations imported up front."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed = (
        "conversation_id,channel,author_role,body,sent_at,rating,customer_id\n"
        "A1,chat,customer,My invoice is wrong,2026-11-01T09:00:00Z,,cust-1\n"
        "A1,chat,agent,Fixed it.,2026-11-01T09:03:00Z,good,cust-1\n"
        "B2,email,customer,Export?,2026-11-01T10:00:00Z,,\n"
    )
    with make_sessionmaker(engine)() as session:
        report = import_file(
            session, actor=None, data=seed.encode(), filename="seed.csv", fmt="csv"
        )
        assert report.status == "imported"
        for fmt in ("jsonl", "twcs", "zendesk"):  # the same ids under every source
            report = import_file(
                session, actor=None, data=seed.encode(), filename="seed.csv", fmt="csv", source=fmt
            )
            assert report.status == "imported"
    yield engine
    engine.dispose()


def _stored(session: Session) -> list[Any]:
    """Every stored conversation, message, customer and rating, in a comparable form."""
    rows: list[Any] = []
    for model in (Conversation, Message, Customer, Rating):
        table = model.__table__
        for row in session.execute(select(table).order_by(*table.primary_key.columns)):
            rows.append((table.name, tuple(row)))
    return rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_refused_import_changes_nothing_stored(fuzz_engine: Engine, fmt: str) -> None:
    maker = make_sessionmaker(fuzz_engine)

    @FUZZ_DB
    @given(data=st.one_of(FILES[fmt], ANY_FILE), skip_invalid=st.booleans())
    @example(data=b"[" * 100_000, skip_invalid=False)
    def check(data: bytes, skip_invalid: bool) -> None:
        with maker() as session:
            before = _stored(session)
            try:
                report = import_file(
                    session,
                    actor=None,
                    data=data,
                    filename="fuzz",
                    fmt=fmt,
                    skip_invalid=skip_invalid,
                    limits=LIMITS,
                )
            except PoiseError as refused:  # our own error type, with its message
                session.rollback()
                assert str(refused).strip()
                assert _stored(session) == before
                return
            if report.status == "rejected":
                assert report.errors and all(e.reason.strip() for e in report.errors)
                assert _stored(session) == before
            else:
                assert report.status in ("imported", "partial")
                assert (report.status == "partial") == bool(report.errors)

    check()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_streamed_formats_read_the_same_in_any_chunk_size(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines, bad-byte offsets and multi-byte characters split across chunks change nothing."""

    @FUZZ
    @given(data=FILES[fmt])
    def check(data: bytes) -> None:
        monkeypatch.setattr(stream, "CHUNK_BYTES", 1 << 20)
        whole = parse_file(data, fmt, limits=LIMITS)
        monkeypatch.setattr(stream, "CHUNK_BYTES", 3)
        assert parse_file(data, fmt, limits=LIMITS) == whole

    check()
