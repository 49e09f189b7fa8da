"""File parsers, through ``parse_file``, on real sample files (good and bad)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from poise.conversations.importers import FORMATS, ImportLimits, parse_file
from poise.conversations.records import ParseResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test saying why."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared/data is only beside CI's and developers' clones")
    return path


def parse(name: str, fmt: str, **kwargs: ImportLimits) -> ParseResult:
    return parse_file((FIXTURES / name).read_bytes(), fmt, **kwargs)


def errors(result: ParseResult) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.reason) for e in result.errors]


def ids(result: ParseResult) -> list[str]:
    return [c.external_id for c in result.conversations]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- the API ----------------------------------------------------------------------------------


def test_unknown_format_names_the_formats() -> None:
    with pytest.raises(ValueError, match="use one of csv, jsonl, twcs, zendesk"):
        parse_file(b"", "xlsx")
    assert FORMATS == ("csv", "jsonl", "twcs", "zendesk")


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file_is_one_clear_file_error(fmt: str) -> None:
    result = parse("empty.csv", fmt)
    assert result.fatal
    assert len(result.errors) == 1
    assert "the file is empty" in result.errors[0].reason
    assert result.conversations == []


def test_progress_is_reported_every_thousand_rows() -> None:
    lines = ["conversation_id,channel,author_role,body,sent_at"]
    lines += [f"C{i},chat,customer,hello {i},2024-05-01T10:00:00Z" for i in range(2500)]
    calls: list[tuple[int, int]] = []
    result = parse_file(
        "\n".join(lines).encode(), "csv", progress=lambda d, t: calls.append((d, t))
    )
    assert result.rows_total == 2500
    assert calls == [(1000, 0), (2000, 0), (2500, 2500)]


def test_too_many_rows_is_a_file_error() -> None:
    result = parse("good.csv", "csv", limits=ImportLimits(max_rows=5))
    assert errors(result) == [(0, "", "the file has more than 5 rows: split it into smaller files")]


# --- generic CSV ------------------------------------------------------------------------------


def test_good_csv() -> None:
    result = parse("good.csv", "csv")
    assert result.errors == []
    assert result.rejected_lines == {}
    assert result.rows_total == 8
    assert ids(result) == ["T-1001", "T-1002", "T-1003"]
    billing, app, phone = result.conversations

    assert billing.channel == "email"
    assert [m.external_id for m in billing.messages] == ["m1", "m2", "m3"]
    assert billing.subject == "Charged twice in March"
    assert billing.purpose == billing.messages[0].body
    assert (billing.product, billing.feature) == ("Billing", "Invoices")
    assert billing.tags == ["refund", "double-charge"]
    assert billing.status == "resolved"
    assert billing.resolved_at == at("2024-03-04T09:41:00Z")  # the last message
    assert billing.customer is not None
    assert (billing.customer.external_id, billing.customer.email) == ("cust-77", "dana@example.com")
    assert billing.assignee_email == "sam@poise.test"
    assert billing.rating is not None
    assert (billing.rating.scale, billing.rating.score) == ("three", 3)
    assert billing.rating.rated_at == at("2024-03-04T09:41:00Z")
    assert billing.rating.comment == "Quick and friendly - thank you!"
    assert billing.messages[1].author_email == "sam@poise.test"

    # a quoted multi-line body, naive time taken as UTC, +01:00 honoured, sorted by time
    assert app.messages[0].body == "The app logs me out every five minutes.\nIt's driving me mad."
    assert [m.sent_at for m in app.messages] == [
        at("2024-03-05T14:00:00Z"),
        at("2024-03-05T14:02:00Z"),
        at("2024-03-05T14:05:00Z"),
    ]
    assert all(m.sent_at.tzinfo is UTC for c in result.conversations for m in c.messages)
    assert [m.author_role for m in app.messages] == ["customer", "agent", "customer"]
    assert app.subject == ""
    assert app.status == "pending"
    assert app.rating is None

    # case-insensitive channel and role; a 1-5 rating
    assert phone.channel == "phone"
    assert phone.messages[0].author_role == "customer"
    assert phone.rating is not None
    assert (phone.rating.scale, phone.rating.score) == ("five", 2)


def test_derived_message_ids_are_stable_and_count_exact_repeats() -> None:
    first = parse("good.csv", "csv")
    again = parse("good.csv", "csv")
    derived = [m.external_id for m in first.conversations[1].messages]
    assert derived == [m.external_id for m in again.conversations[1].messages]
    assert all(len(i) == 40 for i in derived)
    assert len(set(derived)) == 3

    row = "C1,chat,customer,same words,2024-05-01T10:00:00Z"
    data = f"conversation_id,channel,author_role,body,sent_at\n{row}\n{row}\n".encode()
    one, two = parse_file(data, "csv").conversations[0].messages
    assert two.external_id == f"{one.external_id}-2"


def test_csv_semicolon_delimiter_bom_and_crlf() -> None:
    data = (
        "\ufeffconversation_id;channel;author_role;body;sent_at\r\n"
        "C1;chat;customer;Bonjour, j'ai un problème;2024-05-01T10:00:00Z\r\n"
    ).encode()
    result = parse_file(data, "csv")
    assert result.errors == []
    assert result.conversations[0].messages[0].body == "Bonjour, j'ai un problème"


def test_unknown_columns_are_ignored() -> None:
    data = (
        b"conversation_id,channel,author_role,body,sent_at,mood\nC1,chat,agent,Hi,2024-05-01,ok\n"
    )
    result = parse_file(data, "csv")
    assert result.errors == []
    assert result.conversations[0].purpose == ""  # no customer message


def test_missing_required_columns_is_one_file_error() -> None:
    result = parse("missing_column.csv", "csv")
    assert errors(result) == [
        (
            0,
            "columns",
            "missing required columns body, sent_at "
            "(found: conversation_id, channel, author_role, message)",
        )
    ]
    assert result.fatal


def test_bad_time() -> None:
    result = parse("bad_time.csv", "csv")
    assert errors(result) == [
        (
            2,
            "sent_at",
            "'2024-13-45T10:00:00Z' is not an ISO 8601 time such as 2024-03-01T14:05:00Z",
        )
    ]
    assert result.rejected_lines == {
        0: "conversation_id,channel,author_role,body,sent_at",
        2: "C-1,email,customer,Hello,2024-13-45T10:00:00Z",
    }


def test_a_tag_too_long_or_too_many_tags_refuse_the_row() -> None:
    """A tag of a megabyte, or thousands of tags, were stored whole in the conversation."""
    header = "conversation_id,channel,author_role,body,sent_at,tags"
    rows = [
        f"C-1,email,customer,Hello,2024-03-01T10:00:00Z,{'x' * 121}",
        f"C-2,email,customer,Hello,2024-03-01T10:00:00Z,{';'.join(f't{n}' for n in range(51))}",
        f"C-3,email,customer,Hello,2024-03-01T10:00:00Z,{'y' * 120};billing",
    ]
    result = parse_file("\n".join([header, *rows]).encode(), "csv")
    assert errors(result) == [
        (2, "tags", "a tag is at most 120 characters; one has 121"),
        (3, "tags", "at most 50 tags, not 51"),
    ]
    assert ids(result) == ["C-3"]
    assert result.conversations[0].tags == ["y" * 120, "billing"]


def test_bad_channel_and_role_list_the_allowed_values() -> None:
    result = parse("bad_channel.csv", "csv")
    assert errors(result) == [
        (2, "channel", "'pigeon' is not one of email, chat, phone, social"),
        (3, "author_role", "'robot' is not one of customer, agent, system"),
    ]


def test_conflicting_channel_rejects_the_whole_conversation() -> None:
    result = parse("conflicting_channel.csv", "csv")
    assert ids(result) == ["C-10"]
    assert errors(result) == [
        (2, "", "not imported: conversation 'C-9' has invalid rows (line 4)"),
        (3, "", "not imported: conversation 'C-9' has invalid rows (line 4)"),
        (
            4,
            "channel",
            "'email' conflicts with 'chat' first given on line 3 for conversation 'C-9'; "
            "a conversation has one channel",
        ),
    ]
    assert sorted(result.rejected_lines) == [0, 2, 3, 4]
    assert result.rows_rejected == 3


def test_conflicting_ratings_name_both_as_written() -> None:
    """Found by fuzzing: two ratings for one conversation raised TypeError (a 500)."""
    data = (
        b"conversation_id,channel,author_role,body,sent_at,rating\n"
        b"A1,chat,customer,Hello,2026-11-01T09:00:00Z,Good\n"
        b"A1,chat,agent,Hi,2026-11-01T09:01:00Z,4\n"
    )
    result = parse_file(data, "csv")
    assert result.conversations == []
    assert (
        3,
        "rating",
        "'4' conflicts with 'Good' first given on line 2 for conversation 'A1'; "
        "a conversation has one rating",
    ) in errors(result)


def test_duplicate_message_id_names_the_first_line() -> None:
    result = parse("duplicate_id.csv", "csv")
    assert ids(result) == ["C-2"]
    assert (4, "message_id", "'m-1' repeats the message on line 2 of this conversation") in errors(
        result
    )
    assert result.rows_rejected == 3


def test_bad_encoding_refuses_only_the_rows_with_bad_bytes() -> None:
    result = parse("bad_encoding.csv", "csv")
    assert errors(result) == [
        (3, "encoding", "not valid UTF-8 at byte 121 (line 3): save the file as UTF-8")
    ]
    assert ids(result) == ["C-1", "C-3"]
    # the rejected text stays writable as UTF-8: the bad byte is shown as U+FFFD
    assert (
        result.rejected_lines[3]
        == "C-2,email,customer,Caf\ufffd au lait please,2024-05-01T10:00:00Z"
    )


def test_bad_encoding_in_the_header_is_fatal() -> None:
    result = parse_file(b"conversation_id,ch\xffannel\n", "csv")
    assert errors(result) == [
        (0, "", "the header row is not valid UTF-8 at byte 18 (line 1): save the file as UTF-8")
    ]


def test_a_nul_character_is_dropped_as_every_control_character() -> None:
    """The database cannot store a NUL: it is dropped with the other control characters
    (``poise.textcontrols``), as the connectors drop it, instead of refusing the row."""
    result = parse("nul.csv", "csv")
    assert errors(result) == []
    assert ids(result) == ["C-1", "C-2"]
    assert result.conversations[0].messages[0].body == "Helloworld"


def test_huge_body_and_too_long_column() -> None:
    result = parse("huge_field.csv", "csv")
    assert errors(result) == [
        (2, "body", "20,399 characters, longer than the limit of 20,000 characters per message"),
        (3, "subject", "301 characters, longer than the 300 allowed by conversations.subject"),
    ]
    assert ids(result) == ["C-3"]
    assert result.rejected_lines[2].startswith('C-1,email,customer,"I am very upset.')


def test_field_over_the_csv_limit_is_reported_not_raised() -> None:
    result = parse("unclosed_quote.csv", "csv", limits=ImportLimits(max_message_chars=50))
    assert errors(result) == [
        (
            3,
            "",
            "a value is longer than 1,124 characters, so the record was not read "
            "(is a closing quote missing?)",
        )
    ]
    assert ids(result) == ["C-1", "C-3"]


def test_bad_import_keeps_good_conversations_and_rejects_bad_ones_whole() -> None:
    result = parse("bad_import.csv", "csv")
    assert result.rows_total == 11
    assert ids(result) == ["C-1", "C-6"]
    assert result.rows_rejected == 7
    assert sorted(result.rejected_lines) == [0, 4, 5, 6, 7, 8, 9, 10]
    assert {(e.line, e.field) for e in result.errors} == {
        (4, "channel"),
        (5, "channel"),
        (6, "sent_at"),
        (7, ""),
        (8, ""),
        (9, "channel"),
        (10, "rating"),
    }
    # the rejected rows and the header rebuild a CSV the user can fix and import again
    rebuilt = "\n".join(result.rejected_lines.values()) + "\n"
    assert len(list(csv.reader(io.StringIO(rebuilt)))) == 8


# --- JSON Lines -------------------------------------------------------------------------------


def test_good_jsonl() -> None:
    result = parse("good.jsonl", "jsonl")
    assert result.errors == []
    assert result.rows_total == 5  # the blank line is not a row
    receipts, playlists = result.conversations
    assert receipts.customer is not None
    assert receipts.customer.external_id == "501"  # a JSON number becomes text
    assert receipts.tags == ["receipts", "self-serve"]
    assert receipts.rating is not None
    assert (receipts.rating.scale, receipts.rating.score) == ("five", 5)
    assert playlists.channel == "social"
    assert playlists.tags == ["update", "data-loss"]
    assert playlists.messages[0].sent_at == at("2024-04-02T23:00:00Z")  # -04:00 honoured
    assert [m.author_role for m in playlists.messages] == ["customer", "agent", "system"]
    assert playlists.rating is not None
    assert (playlists.rating.scale, playlists.rating.score) == ("three", 1)
    assert playlists.rating.rated_at == at("2024-04-03T10:00:00Z")


def test_malformed_json_line() -> None:
    result = parse("malformed_line.jsonl", "jsonl")
    assert errors(result) == [(2, "", "not valid JSON: Expecting ',' delimiter at column 119")]
    assert result.rejected_lines[2].startswith('{"conversation_id": "J-1"')
    # the line could not be read, so it cannot be tied to J-1: J-1 keeps its good row
    assert ids(result) == ["J-1", "J-2"]


def test_lone_surrogate_is_refused() -> None:
    result = parse("lone_surrogate.jsonl", "jsonl")
    assert errors(result) == [
        (
            1,
            "body",
            "contains a lone surrogate U+D83D at character 14, which is not valid Unicode "
            "and cannot be stored: fix the text or its escape",
        )
    ]
    assert result.conversations[0].messages[0].body == "a real emoji 😀 is fine"


def test_jsonl_wrong_kinds_and_non_objects() -> None:
    data = (
        b"[1, 2]\n"
        b'{"conversation_id": "J", "channel": "chat", "author_role": "customer", '
        b'"body": {"x": 1}, "sent_at": "2024-05-01"}\n'
    )
    result = parse_file(data, "jsonl")
    assert errors(result) == [
        (1, "", "expected a JSON object {…} for one message"),
        (2, "body", 'must be text, not {"x": 1}'),
    ]


# --- twcs -------------------------------------------------------------------------------------


def test_twcs_quirks() -> None:
    result = parse("twcs_quirks.csv", "twcs")
    assert result.rows_total == 9
    assert ids(result) == ["10", "20"]
    parcel, orphan = result.conversations

    assert parcel.channel == "social"
    assert [m.external_id for m in parcel.messages] == ["10", "11", "12"]
    assert parcel.messages[0].body == "@AcmeHelp my parcel > 2 weeks late & no reply"
    assert parcel.messages[2].body == "@AcmeHelp done\n\nthanks"  # bare CRs kept as newlines
    assert [m.author_role for m in parcel.messages] == ["customer", "agent", "customer"]
    assert parcel.messages[1].author_name == "AcmeHelp"
    assert parcel.product == "AcmeHelp"
    assert parcel.customer is not None
    assert parcel.customer.external_id == "101"
    assert (parcel.status, parcel.resolved_at) == ("open", None)  # the customer spoke last

    # its parent 19 is not in the file: tweet 20 starts its own conversation
    assert orphan.messages[0].sent_at == at("2017-10-31T10:00:00Z")  # +0100 honoured
    assert (orphan.status, orphan.resolved_at) == ("resolved", orphan.messages[-1].sent_at)

    assert errors(result) == [
        (7, "", "not imported: the thread of tweet 30 has invalid rows (lines 9, 10)"),
        (8, "", "not imported: the thread of tweet 30 has invalid rows (lines 9, 10)"),
        (9, "tweet_id", "tweet 31 already appears on line 8"),
        (10, "inbound", "'maybe' is not True or False"),
        (10, "created_at", "'someday' is not a time like 'Tue Oct 31 22:10:47 +0000 2017'"),
    ]
    assert result.rejected_lines[0].startswith(",tweet_id,author_id")


def _independent_threads(path: Path) -> tuple[int, int, int]:
    """Conversations, messages and customer messages, counted without the parser.

    Line ends (``\\n`` or ``\\r\\n``) are made ``\\n``; the bare ``\\r`` characters left
    (twcs_first5000.csv has two, inside tweet 3399) are blanked out before the csv module sees
    them.
    """
    text = path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", " ")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    tweet_ids = {int(float(r["tweet_id"])) for r in rows}
    parent: dict[int, int] = {t: t for t in tweet_ids}

    def root(t: int) -> int:
        while parent[t] != t:
            t = parent[t]
        return t

    for r in rows:
        if r["in_response_to_tweet_id"]:
            answered = int(float(r["in_response_to_tweet_id"]))
            if answered in tweet_ids:
                parent[root(int(r["tweet_id"]))] = root(answered)
    threads = {root(t) for t in tweet_ids}
    inbound = sum(1 for r in rows if r["inbound"].lower() == "true")
    return len(threads), len(rows), inbound


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["twcs_first5000.csv", "kaggle_sample.csv"])
def test_real_twcs_files(name: str) -> None:
    path = shared_data("twcs-sample", name)
    threads, tweets, inbound = _independent_threads(path)
    result = parse_file(path.read_bytes(), "twcs")
    assert result.errors == []
    assert result.rows_total == tweets
    assert len(result.conversations) == threads
    messages = [m for c in result.conversations for m in c.messages]
    assert len(messages) == tweets
    assert sum(1 for m in messages if m.author_role == "customer") == inbound
    for conversation in result.conversations:
        times = [m.sent_at for m in conversation.messages]
        assert times == sorted(times)
        assert conversation.external_id in {m.external_id for m in conversation.messages}


@pytest.mark.shared_data
def test_real_twcs_counts_and_tweet_3399() -> None:
    path = shared_data("twcs-sample", "twcs_first5000.csv")
    result = parse_file(path.read_bytes(), "twcs")
    # the numbers the sample's README gives, computed there with the csv module
    assert (result.rows_total, len(result.conversations)) == (5000, 1312)
    by_id = {m.external_id: m for c in result.conversations for m in c.messages}
    assert by_id["3399"].body == (
        "@AskPayPal \n\nI just love the start of email 😁 https://t.co/8u1Pf5rJoN"
    )
    assert len({m.author_name for m in by_id.values() if m.author_role == "agent"}) == 76
    assert not any("&gt;" in m.body or "&amp;" in m.body for m in by_id.values())


# --- zendesk ----------------------------------------------------------------------------------


def test_a_zendesk_tickets_tags_are_cut_as_a_connector_cuts_them() -> None:
    """A helpdesk's own ticket is not refused for its tags: at most 50, each 120 characters."""
    data = json.loads((FIXTURES / "zendesk_export.json").read_text())
    data["tickets"][0]["tags"] = ["x" * 300, *(f"t{n}" for n in range(60))]
    result = parse_file(json.dumps(data).encode(), "zendesk")
    assert result.errors == []
    tags = result.conversations[0].tags
    assert len(tags) == 50 and tags[0] == "x" * 120 and tags[1] == "t0"


def test_zendesk_export() -> None:
    result = parse("zendesk_export.json", "zendesk")
    assert result.errors == []
    assert result.rows_total == 3
    printer, refund, password = result.conversations

    assert printer.external_id == "35436"
    assert printer.channel == "email"  # via web
    assert printer.status == "resolved"
    assert printer.resolved_at == at("2024-02-01T11:30:00Z")
    assert printer.opened_at == at("2024-02-01T09:00:00Z")
    assert (printer.product, printer.feature) == ("Printers", "Toner")
    assert printer.tags == ["hardware", "urgent"]
    # the private note (1003) is skipped; plain_body is used when body is absent
    assert [m.external_id for m in printer.messages] == ["1001", "1002", "1004"]
    assert printer.messages[2].body == "Unplugged. Thank you for the quick help!"
    assert [m.author_role for m in printer.messages] == ["customer", "agent", "customer"]
    assert printer.messages[1].author_name == "Ana Lopez"
    assert printer.messages[1].author_email == "ana@poise.test"
    assert printer.customer is not None
    assert (printer.customer.name, printer.customer.email) == ("Chris Doe", "chris@example.com")
    assert printer.assignee_email == "ana@poise.test"
    assert printer.rating is not None
    assert (printer.rating.scale, printer.rating.score) == ("three", 3)
    assert printer.rating.comment == "Calm and fast, thanks Ana!"

    assert refund.channel == "chat"  # native_messaging
    assert refund.product == "Billing"
    assert refund.customer is not None
    assert refund.customer.name == "Marta Ruiz"  # from the embedded requester
    assert refund.messages[0].author_name == "Marta Ruiz"
    # an end-user who is not the requester is still a customer
    assert refund.messages[2].author_role == "customer"
    assert refund.assignee_email == "ben@poise.test"
    assert refund.rating is not None
    assert (refund.rating.score, refund.rating.rated_at) == (1, at("2024-02-03T17:00:00Z"))

    assert (password.channel, password.status) == ("phone", "pending")  # voice, hold
    assert password.rating is None  # offered, never answered


def test_zendesk_bare_array() -> None:
    tickets = json.loads((FIXTURES / "zendesk_export.json").read_text())["tickets"]
    result = parse_file(json.dumps(tickets).encode(), "zendesk")
    assert ids(result) == ["35436", "35437", "35438"]
    # no users list: names are unknown, and only the requester's comments are the customer's
    assert result.conversations[1].messages[2].author_role == "agent"


def test_zendesk_duplicate_ticket_in_a_document_names_the_ticket() -> None:
    tickets = json.loads((FIXTURES / "zendesk_export.json").read_text())["tickets"]
    result = parse_file(json.dumps({"tickets": [*tickets, tickets[0]]}).encode(), "zendesk")
    assert errors(result) == [(4, "id", "ticket '35436' already appears as ticket 1")]
    assert json.loads(result.rejected_lines[4])["id"] == 35436


def test_zendesk_ndjson_errors_by_line() -> None:
    result = parse("zendesk_tickets.ndjson", "zendesk")
    assert result.rows_total == 7
    assert ids(result) == ["1", "6"]
    assert errors(result) == [
        (2, "", "not valid JSON: Expecting value at column 50"),
        (3, "id", "ticket '1' already appears as line 1"),
        (4, "comments[2].id", "comment 31 already appears as comments[1]"),
        (5, "status", "'archived' is not one of new, open, pending, hold, solved, closed"),
        (
            5,
            "satisfaction_rating.score",
            "'great' is not one of good, bad, offered, unoffered",
        ),
        (6, "comments", "the ticket has no public comments to import"),
    ]
    assert result.rejected_lines[3].startswith('{"id": 1, "subject": "Same id again"')
    twitter, sms = result.conversations
    assert (twitter.channel, sms.channel) == ("social", "email")


def test_zendesk_not_json() -> None:
    result = parse_file(b'{"tickets": [\n  {"id": 1,\n', "zendesk")
    assert result.fatal
    assert result.errors[0].reason.startswith("not valid JSON at line 3, column 1:")


# --- more refusals ----------------------------------------------------------------------------


def test_header_without_rows_is_a_file_error() -> None:
    result = parse_file(b"conversation_id,channel,author_role,body,sent_at\n", "csv")
    assert errors(result) == [(0, "", "the file has a header but no rows")]


def test_wrong_number_of_values_and_channel_never_given() -> None:
    data = (
        b"conversation_id,channel,author_role,body,sent_at\n"
        b"C1,chat,customer,Hello, there,2024-05-01T10:00:00Z\n"
        b"C2,,customer,No channel anywhere,2024-05-01T10:00:00Z\n"
    )
    result = parse_file(data, "csv")
    assert errors(result) == [
        (2, "", "has 6 values but the header has 5 columns (is a quote or a delimiter missing?)"),
        (3, "channel", "is required: no row of conversation 'C2' gives it"),
    ]


def test_jsonl_bad_bytes_refuse_that_line_only() -> None:
    good = b'{"conversation_id": "A", "channel": "chat", "author_role": "customer", '
    data = good + b'"body": "ok", "sent_at": "2024-05-01"}\n' + good.replace(b'"A"', b'"B"')
    data += b'"body": "caf\xe9", "sent_at": "2024-05-01"}\n'
    result = parse_file(data, "jsonl")
    assert ids(result) == ["A"]
    assert errors(result) == [
        (2, "encoding", "not valid UTF-8 at byte 193 (line 2): save the file as UTF-8")
    ]
    assert "\ufffd" in result.rejected_lines[2]


def test_zendesk_surrogate_in_comments_is_refused_and_nul_dropped() -> None:
    ticket = {
        "id": 7,
        "requester_id": 1,
        "comments": [
            {"id": 1, "author_id": 1, "body": "nul \u0000 here", "created_at": "2024-05-01"},
            {"id": 2, "author_id": 2, "body": "half \ud800", "created_at": "2024-05-01"},
        ],
    }
    result = parse_file(json.dumps([ticket]).encode(), "zendesk")
    assert [(e.line, e.field) for e in result.errors] == [(1, "comments[2].body")]
    assert "lone surrogate U+D800" in result.errors[0].reason  # the NUL is dropped, not refused


def test_parsing_restores_the_process_settings_it_touches() -> None:
    import gc

    limit = csv.field_size_limit()
    assert gc.isenabled()
    parse("good.csv", "csv")
    assert csv.field_size_limit() == limit
    assert gc.isenabled()
