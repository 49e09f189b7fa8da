"""Import uploads of odd files through the API: each is refused row by row or as a file, with a
message, and stores nothing of what was refused."""

from __future__ import annotations

import gzip
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.actions import create_api_token
from poise.conversations.models import Conversation, Message
from support import serving

TWCS_HEADER = (
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
)


def lead_headers(session: Session) -> dict[str, str]:
    lead = make_user(session, role="lead")
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}


def upload(client: TestClient, headers: dict[str, str], fmt: str, data: bytes) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        "/api/v1/imports", headers=headers, data={"format": fmt}, files={"file": ("f", data)}
    )
    assert answer.status_code in (200, 422), answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "created_at",
    [
        "Mon Jan 01 00:10:47 +0100 0001",  # before the first UTC day: was an OverflowError, a 500
        "Fri Dec 31 23:59:59 -0100 9999",  # after the last one
        "Tue Oct 31 22:10:47 +9999 2017",  # no such offset (99 hours, 99 minutes)
    ],
)
def test_a_twcs_time_with_no_utc_equivalent_is_a_row_error(
    client: TestClient, session: Session, created_at: str
) -> None:
    data = (
        TWCS_HEADER
        + f"1,sam,True,{created_at},my order is late,2,\n"
        + "2,AcmeHelp,False,Tue Oct 31 22:12:47 +0000 2017,Sorry! Checking now.,,1\n"
    ).encode()
    report = upload(client, lead_headers(session), "twcs", data)
    assert report["status"] == "rejected"
    assert any(e["field"] == "created_at" and e["line"] == 2 for e in report["errors"]), report
    assert session.scalar(select(func.count()).select_from(Conversation)) == 0
    assert session.scalar(select(func.count()).select_from(Message)) == 0


CSV_HEADER = "conversation_id,channel,author_role,body,sent_at\n"
ZENDESK_FUTURE = (
    '{"tickets": [{"id": 7, "comments": [{"id": 71, "author_id": 5, "body": "Still broken",'
    ' "created_at": "2062-11-01T09:00:00Z"}]}]}'
)

TWCS_FUTURE = "1,sam,True,Wed Nov 01 09:00:00 +0000 2062,Still broken,,\n"


@pytest.mark.parametrize(
    ("fmt", "data", "field"),
    [
        ("csv", CSV_HEADER + "A1,chat,customer,Still broken,2062-11-01T09:00:00Z\n", "sent_at"),
        ("zendesk", ZENDESK_FUTURE, "comments[1].created_at"),
        ("twcs", TWCS_HEADER + TWCS_FUTURE, "created_at"),
    ],
)
def test_a_turn_dated_in_the_future_is_a_row_error(
    client: TestClient, session: Session, fmt: str, data: str, field: str
) -> None:
    """2062 for 2026: the turn stayed the conversation's newest for ever, so no later turn (a
    webhook's, a sync's) could change its status again, and it headed every newest-first list.
    The webhooks refuse such a turn; a file now does too."""
    report = upload(client, lead_headers(session), fmt, data.encode())
    assert report["status"] == "rejected", report
    assert [(e["field"], "future" in e["reason"]) for e in report["errors"]] == [(field, True)]
    assert session.scalar(select(func.count()).select_from(Message)) == 0


LONG_EMAIL = "robin." + "x" * 150 + "@example.com"  # a valid address, longer than an id


@pytest.mark.parametrize(
    ("fmt", "data", "field"),
    [
        (
            "csv",
            CSV_HEADER.replace("\n", ",customer_email\n")
            + f"A1,chat,customer,Hello,2026-11-01T09:00:00Z,{LONG_EMAIL}\n",
            "customer_email",
        ),
        (
            "jsonl",
            '{"conversation_id": "A1", "channel": "chat", "author_role": "customer", "body": '
            f'"Hello", "sent_at": "2026-11-01T09:00:00Z", "customer_email": "{LONG_EMAIL}"}}\n',
            "customer_email",
        ),
        ("twcs", TWCS_HEADER + f"1,{'r' * 150},True,2026-11-01T09:00:00Z,Hello,,\n", "author_id"),
    ],
)
def test_a_customer_id_longer_than_its_column_is_a_row_error(
    client: TestClient, session: Session, fmt: str, data: str, field: str
) -> None:
    """The customer is keyed by the e-mail when no customer_id is given (by the author in
    twcs): an address of 168 characters passed as an e-mail (254) and reached
    customers.external_id (128), where PostgreSQL refuses it: a 500 for the whole file."""
    report = upload(client, lead_headers(session), fmt, data.encode())
    assert report["status"] == "rejected", report
    assert [e["field"] for e in report["errors"]] == [field], report
    assert "128" in report["errors"][0]["reason"]
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_long_email_is_kept_when_the_customer_has_an_id(
    client: TestClient, session: Session
) -> None:
    data = (
        CSV_HEADER.replace("\n", ",customer_id,customer_email\n")
        + f"A1,chat,customer,Hello,2026-11-01T09:00:00Z,cust-1,{LONG_EMAIL}\n"
    )
    report = upload(client, lead_headers(session), "csv", data.encode())
    assert report["status"] == "imported" and report["messages_created"] == 1, report


@pytest.mark.parametrize("field", ["source", "format"])
def test_a_refused_source_or_format_is_quoted_short(
    client: TestClient, session: Session, field: str
) -> None:
    """A source of 10,000 characters came back whole in the refusal."""
    form = {"format": "csv", field: "x" * 10_000}
    answer = client.post(
        "/api/v1/imports",
        headers=lead_headers(session),
        data=form,
        files={"file": ("f.csv", (CSV_HEADER + "A1,chat,customer,Hi,2026-11-01\n").encode())},
    )
    assert answer.status_code == 400, answer.text[:300]
    said = answer.json()["detail"]
    assert "xxxxxxxx…" in said or "at most 64 characters (this one has 10,000)" in said
    assert "x" * 100 not in answer.text and len(answer.text) < 400  # nor in ``fields``


def test_the_same_file_imported_three_times_at_once_is_stored_once(
    app: FastAPI, session: Session
) -> None:
    """A double-clicked upload, or two leads importing one export: the imports that lost the
    race on the unique keys answered 500. Each now answers its report, and together they
    store the file once."""
    headers = lead_headers(session)
    rows = [CSV_HEADER]
    for n in range(2000):
        rows.append(f"C{n},chat,customer,Where is order {n}?,2026-11-01T09:00:00Z\n")
        rows.append(f"C{n},chat,agent,On its way: order {n}.,2026-11-01T09:01:00Z\n")
    data = "".join(rows).encode()
    with serving(app) as base:

        def upload_once(name: str) -> httpx.Response:
            files = {"file": (name, data)}
            return httpx.post(
                f"{base}/api/v1/imports",
                headers=headers,
                data={"format": "csv"},
                files=files,
                timeout=120,
            )

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(upload_once, ["a.csv", "b.csv", "c.csv"]))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text[:200] for a in answers]
    assert sum(a.json()["conversations_created"] for a in answers) == 2000
    assert sum(a.json()["messages_created"] for a in answers) == 4000
    assert session.scalar(select(func.count()).select_from(Conversation)) == 2000
    assert session.scalar(select(func.count()).select_from(Message)) == 4000


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "zendesk", "twcs"])
def test_a_gzipped_file_is_refused_as_one_saying_so(
    client: TestClient, session: Session, fmt: str
) -> None:
    """A .csv.gz read as text was refused row by row as "not valid UTF-8", or its header as
    missing columns."""
    data = gzip.compress((CSV_HEADER + "A1,chat,customer,Hi,2026-11-01T09:00:00Z\n").encode())
    report = upload(client, lead_headers(session), fmt, data)
    assert report["status"] == "rejected"
    assert len(report["errors"]) == 1 and report["errors"][0]["line"] == 0
    assert "gzip" in report["errors"][0]["reason"], report["errors"]
