"""Imports through the CLI, the upload page and the API: idempotent and all-or-nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import finished_job, make_conversation, make_user, post_import, sign_in
from poise.auth.actions import create_api_token
from poise.cli import app as cli
from poise.conversations import actions
from poise.conversations.models import Conversation, ImportRun, Message, Rating
from poise.conversations.queries import counts
from poise.jobs import JobRun
from poise.jobs.kinds import SCORE
from poise.settings import Settings
from support import shared_data

HEADER = "conversation_id,channel,author_role,body,sent_at,product,rating,rating_comment\n"
GOOD = HEADER + (
    "A1,chat,customer,My invoice is wrong,2026-11-01T09:00:00Z,Billing,,\n"
    "A1,chat,agent,Fixed it for you.,2026-11-01T09:03:00Z,Billing,good,Quick and kind\n"
    "B2,email,customer,How do I export reports?,2026-11-01T10:00:00Z,Reports,,\n"
    "B2,email,agent,Use Export in the menu.,2026-11-01T12:00:00Z,Reports,4,\n"
)
BAD = HEADER + (
    "C3,chat,customer,Hello there,2026-11-01T09:00:00Z,,,\n"
    "C3,fax,agent,Hi!,2026-11-01T09:01:00Z,,,\n"
    "D4,chat,robot,beep,not-a-time,,,\n"
    "E5,chat,customer,Fine row,2026-11-01T09:00:00Z,,,\n"
)


def twcs_expected(path: Path) -> tuple[int, int, int]:
    """Threads, tweets and inbound (customer) tweets in a twcs file, derived here without
    Poise's parser."""
    text = path.read_bytes().decode("utf-8")
    # A bare CR (no LF after it) inside a tweet is content, not a record end.
    text = "".join(
        " " if ch == "\r" and text[i + 1 : i + 2] != "\n" else ch for i, ch in enumerate(text)
    )
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    ids = {str(int(float(r["tweet_id"]))) for r in rows}
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in rows:
        reply_to = r["in_response_to_tweet_id"]
        if reply_to and str(int(float(reply_to))) in ids:
            parent[root(str(int(float(r["tweet_id"]))))] = root(str(int(float(reply_to))))
    inbound = sum(r["inbound"] == "True" for r in rows)
    return len({root(i) for i in ids}), len(rows), inbound


def test_twcs_sample_imports_every_thread_once(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    """Threading and idempotency on 5,000 real tweets. Unscored (``--no-score``): scoring
    their 2,778 customer tweets took the test 40 s or more and is no part of what it checks;
    a real sample is scored as it imports in the test below."""
    path = shared_data("twcs-sample", "twcs_first5000.csv")
    threads, tweets, inbound = twcs_expected(path)
    assert (threads, tweets) == (1312, 5000)  # the README's own count agrees
    result = CliRunner().invoke(cli, ["import", str(path), "--format", "twcs", "--no-score"])
    assert result.exit_code == 0, result.output
    assert f"{threads:,} new conversations" in result.output
    first = counts(session)
    assert (first["conversations"], first["messages"]) == (threads, tweets)
    broken = session.query(Message).filter_by(external_id="3399").one()
    assert broken.body.startswith("@AskPayPal") and "love the start of email" in broken.body
    waiting = session.query(Message).filter_by(author_role="customer", signal_version=None)
    assert waiting.count() == inbound  # every inbound tweet is a customer turn, left to score
    again = CliRunner().invoke(cli, ["import", str(path), "--format", "twcs", "--no-score"])
    assert again.exit_code == 0, again.output
    assert "0 new conversations, 0 updated, 0 new messages" in again.output
    assert counts(session) == first


def test_a_real_twcs_sample_is_scored_as_it_imports(cli_env: Settings, session: Session) -> None:
    """Kaggle's own sample of the corpus (93 tweets) through ``poise import`` as it is run,
    scoring included: each inbound tweet becomes a scored customer turn."""
    path = shared_data("twcs-sample", "kaggle_sample.csv")
    threads, tweets, inbound = twcs_expected(path)
    assert (threads, tweets, inbound) == (27, 93, 49)
    result = CliRunner().invoke(cli, ["import", str(path), "--format", "twcs"])
    assert result.exit_code == 0, result.output
    assert f"{threads} new conversations" in " ".join(result.output.split())
    assert f"scored {inbound:,} messages in {threads:,} conversations" in " ".join(
        result.output.split()
    )
    assert session.query(Message).filter_by(author_role="customer").count() == inbound
    assert (
        session.query(Message).filter_by(author_role="customer", signal_version=None).count() == 0
    )


def test_good_csv_imports_ratings_and_is_idempotent(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    result = CliRunner().invoke(cli, ["import", str(path), "--format", "csv", "--source", "desk"])
    assert result.exit_code == 0, result.output
    assert counts(session) | {"users": 0, "teams": 0} == {
        "teams": 0,
        "users": 0,
        "conversations": 2,
        "messages": 4,
        "ratings": 2,
    }
    a1 = session.query(Conversation).filter_by(source="desk", external_id="A1").one()
    assert (a1.channel, a1.product, a1.message_count, a1.purpose) == (
        "chat",
        "Billing",
        2,
        "My invoice is wrong",
    )
    ratings = {r.conversation.external_id: r for r in session.query(Rating)}
    assert ratings["A1"].is_positive and ratings["A1"].comment == "Quick and kind"
    assert (ratings["B2"].scale, ratings["B2"].score, ratings["B2"].is_positive) == (
        "five",
        4,
        True,
    )
    before = counts(session)
    assert (
        CliRunner().invoke(cli, ["import", str(path), "-f", "csv", "--source", "desk"]).exit_code
        == 0
    )
    assert counts(session) == before


def test_bad_csv_writes_nothing_and_reports_every_row(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    existing = make_conversation(session)
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    result = CliRunner().invoke(cli, ["import", str(path), "--format", "csv"])
    assert result.exit_code == 1
    assert "Nothing imported" in result.output
    assert "line 3, channel" in result.output
    assert "line 4, author_role" in result.output
    assert "line 4, sent_at" in result.output
    assert "Traceback" not in result.output
    assert session.query(Conversation).count() == 1
    assert session.get(Conversation, existing.id) is not None
    run = session.query(ImportRun).one()
    assert run.status == "rejected" and run.messages_created == 0


def test_skip_invalid_imports_the_rest_and_sets_bad_rows_aside(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    rejected = tmp_path / "rejected.csv"
    result = CliRunner().invoke(
        cli, ["import", str(path), "-f", "csv", "--skip-invalid", "--rejected", str(rejected)]
    )
    assert result.exit_code == 0, result.output
    assert {c.external_id for c in session.query(Conversation)} == {"E5"}
    kept = rejected.read_text()
    assert "C3,fax,agent" in kept and "D4,chat,robot" in kept and "E5" not in kept


def test_bad_encoding_and_missing_columns_get_clear_messages(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(
        (HEADER + "A1,chat,customer,Caf\xe9 au lait,2026-11-01T09:00:00Z,,,\n").encode("latin-1")
    )
    result = CliRunner().invoke(cli, ["import", str(latin), "-f", "csv"])
    assert result.exit_code == 1
    assert "UTF-8" in result.output and "Traceback" not in result.output
    missing = tmp_path / "missing.csv"
    missing.write_text("conversation_id,channel,body\nA1,chat,hello\n")
    result = CliRunner().invoke(cli, ["import", str(missing), "-f", "csv", "--skip-invalid"])
    assert result.exit_code == 1
    assert "author_role" in result.output and "sent_at" in result.output
    assert session.query(Message).count() == 0


def test_upload_page_shows_the_error_report(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    token = sign_in(client, lead)
    response = post_import(client, token, "bad.csv", BAD)
    assert response.status_code == 422
    assert "Nothing was imported from bad.csv" in response.text
    assert "author_role" in response.text
    ok = post_import(client, token, "good.csv", GOOD, follow_redirects=True)
    assert ok.status_code == 200
    assert "2 new conversations" in ok.text
    assert session.query(Conversation).count() == 2


def test_an_upload_redirects_to_its_report_so_reloading_does_not_import_again(
    client: TestClient, session: Session
) -> None:
    """The report was the answer to the POST: reloading it uploaded the file again (another
    run in the import history, and the browser's "resubmit the form?")."""
    lead = make_user(session, role="lead", team="Care")
    token = sign_in(client, lead)
    posted = post_import(client, token, "good.csv", GOOD)
    assert posted.status_code == 303
    run = session.query(ImportRun).one()
    assert posted.headers["location"] == f"/import?run={run.id}"
    for _ in range(2):  # the report, and a reload of it
        page = client.get(posted.headers["location"])
        assert page.status_code == 200 and 'id="import-report"' in page.text
        assert "Imported good.csv" in page.text
        assert "2 new conversations, 0 updated, 4 new messages" in page.text
    assert session.query(ImportRun).count() == 1
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead", team="Care"))  # no session's "updated"
    other = client.get(posted.headers["location"]).text
    assert "2 new conversations, 4 new messages" in other
    assert client.get("/import?run=999").status_code == 404
    assert client.get("/import?run=abc").status_code == 400


def test_api_import_returns_the_report_as_json(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    bad = client.post(
        "/api/v1/imports",
        headers=headers,
        data={"format": "csv"},
        files={"file": ("bad.csv", BAD.encode())},
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["status"] == "rejected" and body["messages_created"] == 0
    assert {"line": 3, "field": "channel"}.items() <= body["errors"][0].items() or any(
        e["line"] == 3 and e["field"] == "channel" for e in body["errors"]
    )
    good = client.post(
        "/api/v1/imports",
        headers=headers,
        data={"format": "csv"},
        files={"file": ("good.csv", GOOD.encode())},
    )
    assert good.json()["messages_created"] == 4
    agent_headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=agent)}"}
    refused = client.post(
        "/api/v1/imports",
        headers=agent_headers,
        data={"format": "csv"},
        files={"file": ("good.csv", GOOD.encode())},
    )
    assert refused.status_code == 403


SCATTERED = HEADER + (
    "A1,chat,customer,My invoice is wrong,2026-11-01T09:00:00Z,Billing,,\n"
    "B2,email,customer,How do I export reports?,2026-11-01T10:00:00Z,Reports,,\n"
    "C3,chat,customer,Hello,2026-11-01T11:00:00Z,,,\n"
    "B2,email,agent,Use Export in the menu.,2026-11-01T12:00:00Z,Reports,4,\n"
    "C3,chat,agent,Hi,2026-11-01T11:01:00Z,,,\n"
    "A1,chat,agent,Fixed it for you.,2026-11-01T09:03:00Z,Billing,good,Quick and kind\n"
    "C3,fax,customer,Still there?,2026-11-01T11:02:00Z,,,\n"
)


def test_a_streamed_import_keeps_scattered_conversations_whole(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of one conversation far apart, written a batch of two messages at a time."""
    monkeypatch.setattr(actions, "WRITE_BATCH", 2)
    path = tmp_path / "scattered.csv"
    path.write_text(SCATTERED)
    with path.open("rb") as stream:
        refused = actions.import_file(
            session, actor=None, data=stream, filename="scattered.csv", fmt="csv"
        )
    assert refused.status == "rejected" and counts(session)["messages"] == 0
    with path.open("rb") as stream:
        report = actions.import_file(
            session,
            actor=None,
            data=stream,
            filename="scattered.csv",
            fmt="csv",
            skip_invalid=True,
        )
    assert report.status == "partial"
    c = report.counts
    assert (c.conversations_created, c.messages_created, c.ratings_created) == (2, 4, 2)
    assert [e.line for e in report.errors] == [4, 6, 8]
    assert report.rejected_text == HEADER + "".join(
        line + "\n" for line in SCATTERED.splitlines() if line.startswith("C3")
    )
    a1 = session.query(Conversation).filter_by(external_id="A1").one()
    assert (a1.message_count, a1.purpose, a1.rating.score) == (2, "My invoice is wrong", 3)
    run = session.query(ImportRun).filter_by(status="partial").one()
    assert run.sha256 == hashlib.sha256(SCATTERED.encode()).hexdigest()
    with path.open("rb") as stream:
        again = actions.import_file(
            session, actor=None, data=stream, filename="scattered.csv", fmt="csv", skip_invalid=True
        )
    assert (again.counts.conversations_created, again.counts.messages_created) == (0, 0)


def _signals_cell(html: str, filename: str) -> str:
    """The Signals cell of the import history's row for ``filename``."""
    row = next(
        r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if f">{filename}</a></td>" in r
    )
    cell = re.search(r'<td[^>]*data-label="Signals">(.*?)</td>', row, re.S)
    assert cell, row
    return cell.group(1)


def test_the_import_history_shows_how_cli_imports_were_scored(
    cli_env: Settings, client: TestClient, session: Session, tmp_path: Path
) -> None:
    scored, unscored = tmp_path / "scored.csv", tmp_path / "later.csv"
    scored.write_text(GOOD)
    unscored.write_text(GOOD.replace("A1,", "A9,").replace("B2,", "B9,"))
    assert CliRunner().invoke(cli, ["import", str(scored), "-f", "csv"]).exit_code == 0
    later = CliRunner().invoke(cli, ["import", str(unscored), "-f", "csv", "--no-score"])
    assert later.exit_code == 0, later.output
    sign_in(client, make_user(session, role="admin"))  # a command-line import is an admin's
    page = client.get("/import").text
    assert ">scored<" in _signals_cell(page, "scored.csv")  # the CLI's own job
    assert "not scored yet" in _signals_cell(page, "later.csv")
    assert CliRunner().invoke(cli, ["signals", "score"]).exit_code == 0
    assert _signals_cell(client.get("/import").text, "later.csv").strip() == "scored"


def test_a_cli_import_scores_its_own_conversations_only(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    """As an upload does: turns another import left waiting (``--no-score``) are left to
    ``poise signals score``, so an import's scoring takes as long as its own file."""
    waiting, mine = tmp_path / "waiting.csv", tmp_path / "mine.csv"
    waiting.write_text(GOOD)
    mine.write_text(GOOD.replace("A1,", "A9,").replace("B2,", "B9,"))
    assert (
        CliRunner().invoke(cli, ["import", str(waiting), "-f", "csv", "--no-score"]).exit_code == 0
    )
    result = CliRunner().invoke(cli, ["import", str(mine), "-f", "csv"])
    assert result.exit_code == 0, result.output

    def unscored(external_ids: tuple[str, ...]) -> int:
        session.expire_all()
        return (
            session.query(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .filter(Conversation.external_id.in_(external_ids))
            .filter(Message.author_role == "customer", Message.signal_version.is_(None))
            .count()
        )

    assert unscored(("A9", "B9")) == 0
    assert unscored(("A1", "B2")) > 0, "the other import's turns still wait"


def test_the_import_history_pages_back_to_the_first_import(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """Every import stays reachable: the history is paged, not cut at the newest few."""
    for n in range(settings.page_size + 5):
        session.add(
            ImportRun(
                filename=f"export-{n:02}.csv",
                format="csv",
                source="upload",
                sha256="0" * 64,
                status="imported",
            )
        )
    session.commit()
    sign_in(client, make_user(session, role="admin"))  # no uploader, no team: an admin's
    first = client.get("/import").text
    assert f"{settings.page_size + 5} imports in all · page 1 of 2" in first
    assert "export-00.csv" not in first and 'href="?page=2"' in first
    second = client.get("/import?page=2").text
    assert ">export-00.csv</a></td>" in second


ONE = HEADER + "Z1,chat,customer,My invoice is wrong,2026-11-01T09:00:00Z,,,\n"


def test_the_import_page_counts_one_of_each_in_the_singular_and_no_pager_for_none(
    client: TestClient, session: Session
) -> None:
    """It read "1 problem in 1 rows", "1 new conversations", "1 imports in all", and with no
    import yet "No imports yet" above "0 imports in all · page 1 of 1"."""
    token = sign_in(client, make_user(session, role="lead"))
    empty = client.get("/import").text
    assert "No imports yet." in empty and 'class="pagination"' not in empty
    refused = post_import(client, token, "one.csv", ONE.replace("chat", "fax")).text
    assert "1 problem in 1 row. Fix it and import again" in refused
    assert "1 import in all · page 1 of 1" in refused
    two = ONE + "Y2,fax,customer,Hi,2026-11-01T09:00:00Z,,,\n"

    def report(name: str, text: str) -> str:
        """The report of ``text`` uploaded as ``name``, its bad rows set aside."""
        return post_import(client, token, name, text, skip_invalid=True, follow_redirects=True).text

    done = report("two.csv", two)
    assert "1 new conversation, 0 updated, 1 new message, 0 ratings from 2 rows." in done
    assert "1 row was set aside" in done
    again = report("one.csv", ONE)
    assert "0 new conversations, 0 updated, 0 new messages, 0 ratings from 1 row." in again
    assert "Everything in this file was already imported." in again
    partly = report("two.csv", two)
    assert "Every valid row was already imported." in partly


def test_the_import_command_counts_one_in_the_singular(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(ONE.replace("chat", "fax"))
    refused = CliRunner().invoke(cli, ["import", str(path), "--format", "csv"])
    assert "Nothing imported: 1 problem in 1 row." in refused.output
    aside = CliRunner().invoke(cli, ["import", str(path), "--format", "csv", "--skip-invalid"])
    assert "Nothing imported from one.csv: every row was set aside." in aside.output
    assert "1 rejected row written to" in " ".join(aside.output.split())
    path.write_text(ONE)
    done = CliRunner().invoke(cli, ["import", str(path), "--format", "csv", "--no-score"])
    assert done.exit_code == 0, done.output
    assert "1 new conversation, 0 updated, 1 new message, 0 ratings from 1 row." in " ".join(
        done.output.split()
    )


def test_a_refused_file_keeps_the_format_and_says_when_no_row_can_be_set_aside(
    client: TestClient, session: Session
) -> None:
    """A rejected JSON Lines file came back with the format set to CSV again (the fixed file
    was then read as CSV), and a file that could not be read at all was answered "1 problem in
    0 rows ... or tick 'set bad ones aside'", which sets nothing aside."""
    token = sign_in(client, make_user(session, role="lead"))
    bad_line = b'{"conversation_id": "J1", "channel": "fax", "author_role": "customer", '
    bad_line += b'"body": "Hello", "sent_at": "2026-11-01T09:00:00Z"}\n'
    refused = post_import(client, token, "one.jsonl", bad_line, fmt="jsonl", source="helpdesk-eu")
    assert refused.status_code == 422
    assert '<option value="jsonl" selected>' in refused.text
    assert 'value="helpdesk-eu"' in refused.text
    assert 'tick "set bad ones aside"' in refused.text  # a row: it can be set aside
    unreadable = post_import(client, token, "export.json", b"{not json", fmt="zendesk").text
    assert "not valid JSON at line 1" in unreadable
    assert "The file itself could not be read as a Zendesk export." in unreadable
    assert "set bad ones aside" not in unreadable.split('id="import-report"')[1]
    assert '<option value="zendesk" selected>' in unreadable


def test_a_file_whose_every_row_is_set_aside_says_nothing_was_imported(
    client: TestClient, session: Session
) -> None:
    """It read "Imported huge.csv" and "Every valid row was already imported" for a file
    with no valid row."""
    token = sign_in(client, make_user(session, role="lead"))
    faxes = ONE.replace("chat", "fax")
    page = post_import(client, token, "fax.csv", faxes, skip_invalid=True, follow_redirects=True)
    report = page.text.split('id="import-report"')[1].split('id="history"')[0]
    assert "Nothing was imported from fax.csv" in report and "Imported fax.csv" not in report
    assert "Every row was set aside (1 row)" in report and "/rejected" in report
    assert "already imported" not in report


def test_rows_set_aside_download_under_their_files_name_and_the_report_keeps_the_format(
    client: TestClient, session: Session
) -> None:
    """The rows set aside came as "import-7-rejected.txt", and the report after an upload
    had the format back at CSV for the next file."""
    token = sign_in(client, make_user(session, role="lead"))
    good = b'{"conversation_id": "J1", "channel": "chat", "author_role": "customer", '
    good += b'"body": "Hello", "sent_at": "2026-11-01T09:00:00Z"}\n'
    bad = good.replace(b"J1", b"J2").replace(b"chat", b"fax")
    posted = post_import(client, token, "tickets.jsonl", good + bad, fmt="jsonl", skip_invalid=True)
    report = client.get(posted.headers["location"]).text
    assert "1 row was set aside" in report
    assert '<option value="jsonl" selected>' in report
    run = session.query(ImportRun).one()
    download = client.get(f"/import/{run.id}/rejected")
    assert download.status_code == 200 and b'"fax"' in download.content
    assert 'filename="tickets-rejected.jsonl"' in download.headers["content-disposition"]


def test_cli_import_reads_the_format_from_the_file_s_ending(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    """``poise import chats.csv`` asked for --format although the ending says it."""
    rows = "conversation_id,channel,author_role,body,sent_at\n"
    rows += "C1,chat,customer,Where is my parcel?,2026-11-01T09:00:00Z\n"
    (tmp_path / "chats.CSV").write_text(rows)
    lines = {"conversation_id": "J1", "channel": "chat", "author_role": "customer"}
    lines |= {"body": "Can I change my plan?", "sent_at": "2026-11-01T10:00:00Z"}
    (tmp_path / "chats.jsonl").write_text(json.dumps(lines) + "\n")
    for name in ("chats.CSV", "chats.jsonl"):
        done = CliRunner().invoke(cli, ["import", str(tmp_path / name), "--no-score"])
        assert done.exit_code == 0, done.output
    sources = {c.external_id: c.source for c in session.query(Conversation)}
    assert sources == {"C1": "csv", "J1": "jsonl"}
    # --format still wins over the ending: a .csv read as jsonl is refused line by line.
    (tmp_path / "rows.csv").write_text(rows.replace("C1", "C2"))
    named = CliRunner().invoke(
        cli, ["import", str(tmp_path / "rows.csv"), "-f", "jsonl", "--no-score"]
    )
    assert named.exit_code == 1 and session.query(Conversation).count() == 2
    (tmp_path / "chats.txt").write_text(rows)
    unknown = CliRunner().invoke(cli, ["import", str(tmp_path / "chats.txt"), "--no-score"])
    assert unknown.exit_code == 2
    said = " ".join(unknown.output.split())
    assert "cannot tell the format of chats.txt" in said and "csv, jsonl, twcs, zendesk" in said


def test_a_number_too_long_to_read_refuses_its_line_not_the_page(
    client: TestClient, session: Session
) -> None:
    """A JSON number of 5,000 digits is more than Python reads (a ValueError that is not a
    JSONDecodeError): the upload answered with the bare error page (500)."""
    token = sign_in(client, make_user(session, role="lead"))
    huge = "1" * 5000
    row = '"channel": "chat", "author_role": "customer", "body": "hi", "sent_at": "2024-05-01"'
    files = {
        "jsonl": f'{{"conversation_id": {huge}, {row}}}\n{{"conversation_id": "B", {row}}}\n',
        "zendesk": f'{{"tickets": [{{"id": {huge}}}]}}',
    }
    for fmt, text in files.items():
        answer = post_import(client, token, f"big.{fmt}", text, fmt=fmt)
        assert answer.status_code == 422, fmt
        assert "Nothing was imported from big." in answer.text
        assert "a number in it is longer than 4,300 digits" in answer.text, fmt
    ndjson = f'{{"id": {huge}}}\n{{"id": 2}}\n'
    answer = post_import(client, token, "big.ndjson", ndjson, fmt="zendesk")
    assert answer.status_code == 422
    assert "a number in it is longer than 4,300 digits" in answer.text
    assert session.query(Conversation).count() == 0


def test_a_file_in_the_other_format_says_which_format_to_choose(
    client: TestClient, session: Session
) -> None:
    """A CSV file sent as JSON Lines listed "not valid JSON" once per row and advised to set
    the bad rows aside, which would have set every row aside; a JSON Lines file sent as CSV
    listed its first object as the columns found."""
    token = sign_in(client, make_user(session, role="lead"))
    as_jsonl = post_import(client, token, "good.csv", GOOD, fmt="jsonl")
    assert as_jsonl.status_code == 422
    assert "The file itself could not be read as JSON Lines" in as_jsonl.text
    assert "it reads as CSV: its first line is a header" in as_jsonl.text
    assert as_jsonl.text.count("not valid JSON") == 0
    assert 'tick "set bad ones aside"' not in as_jsonl.text
    jsonl = "".join(
        json.dumps(dict(zip(next(csv.reader([HEADER])), row, strict=True))) + "\n"
        for row in csv.reader(io.StringIO(GOOD.removeprefix(HEADER)))
    )
    as_csv = post_import(client, token, "good.jsonl", jsonl)
    assert as_csv.status_code == 422
    assert "it reads as JSON: choose JSON Lines" in as_csv.text
    assert session.query(Conversation).count() == 0
    right = post_import(client, token, "good.jsonl", jsonl, fmt="jsonl", follow_redirects=True)
    assert right.status_code == 200 and "2 new conversations" in right.text


def test_the_import_history_says_what_each_import_did_and_opens_its_report(
    client: TestClient, session: Session
) -> None:
    """The history showed the bare status ("partial" for an import whose every row was set
    aside, which imported nothing), counts without separators ("87747" beside a report's
    "87,747"), and no way back to an import's report and its rows set aside."""
    token = sign_in(client, make_user(session, role="lead"))
    bad_rows = "".join(f"F{i},fax,customer,Hi,2026-11-01T09:00:00Z,,,\n" for i in range(1000))
    uploads = {
        "all-aside.csv": HEADER + bad_rows,
        "some-aside.csv": ONE + "Y2,fax,customer,Hi,2026-11-01T09:00:00Z,,,\n",
        "refused.csv": BAD,
    }
    for name, text in uploads.items():
        post_import(client, token, name, text, skip_invalid=name != "refused.csv")
    page = client.get("/import").text
    link = '<td role="cell" data-label="File"><a href="/import?run={}#import-report">{}</a></td>'
    rows = {
        run.filename: next(
            (
                r
                for r in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
                if link.format(run.id, run.filename) in r
            ),
            None,
        )
        for run in session.query(ImportRun)
    }
    assert all(rows.values()), page
    history = {name: row for name, row in rows.items() if row}
    assert "nothing imported: every row set aside" in history["all-aside.csv"]
    assert '<td role="cell" class="num" data-label="Rows">1,000</td>' in history["all-aside.csv"]
    assert "imported, 1 row set aside" in history["some-aside.csv"]
    assert re.search(r"nothing imported: \d+ problems", history["refused.csv"])
    assert "partial" not in page and ">rejected<" not in page


def test_a_spreadsheet_or_a_pdf_is_refused_as_not_text_saying_what_to_export(
    client: TestClient, session: Session
) -> None:
    """An Excel workbook was told "not valid UTF-8 at byte 10: save the file as UTF-8", and a
    PDF had "%PDF-1.4" listed as the columns found: neither said the file is not text."""
    token = sign_in(client, make_user(session, role="lead"))
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as workbook:
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    files = {
        "export.xlsx": (
            book.getvalue(),
            "a spreadsheet or another zipped file (an Excel .xlsx, a .zip)",
        ),
        "export.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "a PDF"),
    }
    for fmt in ("csv", "jsonl", "zendesk"):
        for name, (data, said) in files.items():
            answer = post_import(client, token, name, data, fmt=fmt)
            assert answer.status_code == 422, (fmt, name)
            assert f"this is {said}, not a text export" in answer.text, (fmt, name)
            assert "save the file as UTF-8" not in answer.text and "found: %PDF" not in answer.text
    assert session.query(Conversation).count() == 0


ZENDESK_TWICE = json.dumps(
    {
        "id": 17000,
        "requester_id": 9,
        "created_at": "2026-11-01T09:00:00Z",
        "via": {"channel": "email"},
        "comments": [
            {"author_id": 9, "body": "My invoice is wrong", "created_at": "2026-11-01T09:00:00Z"},
            {"author_id": 9, "body": "My invoice is wrong", "created_at": "2026-11-01T09:00:00Z"},
            {"author_id": 2, "body": "Fixed.", "created_at": "2026-11-01T09:05:00Z"},
        ],
    }
)


def test_a_comment_given_twice_without_ids_is_stored_once(session: Session) -> None:
    """Two Zendesk comments without ids, alike in author, time and words, got one derived id
    and broke the import on the unique key (an IntegrityError, a 500): found by the import
    fuzz. (A CSV's two identical lines stay two turns: a line is a turn.)"""
    for _ in range(2):  # and a second import of the same file adds nothing
        report = actions.import_file(
            session, actor=None, data=ZENDESK_TWICE.encode(), filename="t.json", fmt="zendesk"
        )
        assert report.status == "imported", report.errors
    bodies = session.query(Message.body).order_by(Message.sent_at).all()
    assert [b for (b,) in bodies] == ["My invoice is wrong", "Fixed."]


def _unscored(session: Session, *external_ids: str) -> int:
    """How many customer turns of these conversations wait for a score."""
    session.expire_all()
    return (
        session.query(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .filter(Conversation.external_id.in_(external_ids))
        .filter(Message.author_role == "customer", Message.signal_version.is_(None))
        .count()
    )


def test_importing_a_file_again_queues_no_scoring_job(client: TestClient, session: Session) -> None:
    """The same file uploaded again while the first import's job was still queued started a
    second job for the same turns: the report said "Everything in this file was already
    imported." while the Signals column showed a new job to cancel. An import that stores no
    new message queues nothing while a scoring job is under way, and says nothing needed
    scoring; the waiting turns stay the first job's."""
    lead = make_user(session, role="lead", team="Care")
    first = actions.import_file(
        session, actor=lead, data=GOOD.encode(), filename="a.csv", fmt="csv"
    )
    assert first.counts.messages_created == 4 and _unscored(session, "A1", "B2") == 2
    _queued_scoring(session, f"import:{first.run_id}")
    token = sign_in(client, lead)
    page = post_import(client, token, "a.csv", GOOD, follow_redirects=True).text
    again = session.query(ImportRun).order_by(ImportRun.id.desc()).first()
    assert again is not None and again.id != first.run_id
    assert session.query(JobRun).filter_by(subject=f"import:{again.id}").count() == 0
    assert "Everything in this file was already imported." in page
    assert "nothing needed scoring" in page
    assert "Scoring the customer messages" not in page
    assert _signals_cell(client.get("/import").text, "a.csv").strip() == "—"
    assert _unscored(session, "A1", "B2") == 2, "left to the first import's job"


def test_a_file_imported_again_with_no_job_under_way_scores_what_waits(
    client: TestClient, session: Session
) -> None:
    """A re-run after a crash whose scoring job never ran: nothing new is stored, and the
    file's waiting turns are scored, which the page says (not "nothing needed scoring")."""
    lead = make_user(session, role="lead", team="Care")
    actions.import_file(session, actor=lead, data=GOOD.encode(), filename="a.csv", fmt="csv")
    token = sign_in(client, lead)
    page = post_import(client, token, "a.csv", GOOD, follow_redirects=True).text
    again = session.query(ImportRun).order_by(ImportRun.id.desc()).first()
    assert again is not None and again.messages_created == 0
    job = finished_job(session, f"import:{again.id}")
    assert job is not None and job.status == "done", job and job.detail
    assert "Scoring the customer messages" in page
    assert "nothing needed scoring" not in page
    assert _unscored(session, "A1", "B2") == 0


def test_an_import_scores_only_the_conversations_it_added_to(
    client: TestClient, session: Session
) -> None:
    """A file holding conversations imported already (their turns still waiting for the
    first import's job) and a new one scores only the new one's turns."""
    lead = make_user(session, role="lead", team="Care")
    actions.import_file(session, actor=lead, data=GOOD.encode(), filename="a.csv", fmt="csv")
    more = GOOD + "C3,chat,customer,Where is my parcel?,2026-11-02T09:00:00Z,,,\n"
    token = sign_in(client, lead)
    assert post_import(client, token, "more.csv", more).status_code == 303
    run = session.query(ImportRun).order_by(ImportRun.id.desc()).first()
    assert run is not None and run.messages_created == 1
    job = finished_job(session, f"import:{run.id}")
    assert job is not None and job.status == "done", job and job.detail
    assert _unscored(session, "C3") == 0
    assert _unscored(session, "A1", "B2") == 2, "the first import's turns are its job's"


def test_the_import_command_scores_nothing_when_the_file_was_imported_already(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    """As an upload: ``poise import`` of a file stored already runs no scoring job while one
    is under way (its turns are that job's); with none, it scores what waits (a re-run after
    a crash, or after a ``--no-score`` import)."""
    path = tmp_path / "a.csv"
    path.write_text(GOOD)
    assert CliRunner().invoke(cli, ["import", str(path), "--no-score"]).exit_code == 0
    _queued_scoring(session, "import:1")
    again = CliRunner().invoke(cli, ["import", str(path)])
    assert again.exit_code == 0, again.output
    assert "nothing needed scoring" in " ".join(again.output.split()), again.output
    assert session.query(JobRun).count() == 1
    assert _unscored(session, "A1", "B2") == 2
    session.query(JobRun).update({"status": "failed"})
    session.commit()
    third = CliRunner().invoke(cli, ["import", str(path)])
    assert third.exit_code == 0, third.output
    assert "scored 2 messages" in " ".join(third.output.split()), third.output
    assert _unscored(session, "A1", "B2") == 0


def _queued_scoring(session: Session, subject: str) -> None:
    """A scoring job waiting in the queue, as the first import's job before a worker takes it."""
    session.add(JobRun(kind=SCORE, subject=subject, status="queued"))
    session.commit()
