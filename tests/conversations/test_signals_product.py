"""Signals in the product: scored on arrival with the model version, re-scored on demand,
shown on pages, filterable, and turned into guidance by the assist panel."""

from __future__ import annotations

import html
import math
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from test_charts import charts_in, texts
from test_webhook import payload, send
from typer.testing import CliRunner

from builders import (
    conversation_record,
    csrf_from,
    drifting_conversation,
    make_conversation,
    make_user,
    sign_in,
    write_thread,
)
from poise.assist.panel import MAX_BODY_CHARS, _turn_rows, assist, stored_signals
from poise.auth.actions import create_api_token
from poise.cli import app as cli
from poise.conversations import scoring
from poise.conversations.actions import MAX_PURPOSE_CHARS, create_integration
from poise.conversations.models import Conversation, Message
from poise.conversations.records import MessageRecord
from poise.conversations.scoring import score_messages
from poise.conversations.writer import write_conversations
from poise.demo_loader import load_demo
from poise.settings import Settings
from poise.signals import get_scorer
from support import fails_once

ANGRY = "This is the third time I'm writing. You people are useless and I want my money back NOW."
CALM = "Thanks so much, that fixed it. Have a lovely day!"
CSV = (
    "conversation_id,channel,author_role,body,sent_at\n"
    f'A1,chat,customer,"{ANGRY}",2026-11-01T09:00:00Z\n'
    "A1,chat,agent,I'm sorry. I've refunded you just now.,2026-11-01T09:02:00Z\n"
    f'A1,chat,customer,"{CALM}",2026-11-01T09:04:00Z\n'
    "B2,email,customer,How do I export my reports?,2026-11-01T10:00:00Z\n"
)


def bearer(session: Session, role: str = "lead", **kw: str) -> dict[str, str]:
    user = make_user(session, role=role, **kw)
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def wait_for_job(client: TestClient, headers: dict[str, str], job_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("scoring job did not finish")


def test_imported_customer_turns_are_scored_in_the_background(
    client: TestClient, session: Session
) -> None:
    headers = bearer(session)
    report = client.post(
        "/api/v1/imports",
        headers=headers,
        data={"format": "csv"},
        files={"file": ("x.csv", CSV.encode())},
    ).json()
    job = wait_for_job(client, headers, report["scoring_job_id"])
    assert job["status"] == "done" and job["done"] == job["total"] == 3
    version = get_scorer("negativity").version
    messages = {m.body: m for m in session.query(Message)}
    angry, calm = messages[ANGRY], messages[CALM]
    assert angry.signal_version == version and angry.negativity is not None
    assert calm.negativity is not None
    assert angry.negativity > 0.5 > calm.negativity
    assert angry.emotion in ("angry", "frustrated") and angry.signal_evidence
    agent_turn = next(m for m in messages.values() if m.author_role == "agent")
    assert agent_turn.negativity is None and agent_turn.signal_version is None
    a1 = session.query(Conversation).filter_by(external_id="A1").one()
    assert a1.early_warning and a1.turnaround and a1.signal_trend and len(a1.signal_trend) == 2
    assert a1.signals_version and version in a1.signals_version


def test_webhook_turn_is_scored_on_arrival(client: TestClient, session: Session) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    assert send(client, payload(body=ANGRY), secret).status_code == 201
    message = session.query(Message).one()
    assert message.negativity is not None and message.negativity > 0.5
    assert message.signal_version == get_scorer("negativity").version
    assert session.query(Conversation).one().early_warning


def test_cli_import_scores_and_rescore_follows_a_model_change(
    cli_env: Settings, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(CSV)
    result = CliRunner().invoke(cli, ["import", str(path), "-f", "csv", "--no-score"])
    assert result.exit_code == 0, result.output
    assert session.query(Message).filter(Message.signal_version.is_not(None)).count() == 0
    scored = CliRunner().invoke(cli, ["signals", "score"])
    assert "scored 3 messages in 2 conversations" in scored.output
    session.execute(update(Message).where(Message.body == CALM).values(signal_version="old-1"))
    session.commit()
    again = CliRunner().invoke(cli, ["signals", "rescore"])
    assert "scored 1 message in 1 conversation " in again.output  # not "1 messages"
    session.expire_all()
    assert {m.signal_version for m in session.query(Message).filter_by(author_role="customer")} == {
        get_scorer("negativity").version
    }


def test_rescore_follows_a_drift_model_change(cli_env: Settings, session: Session) -> None:
    """After a drift model change no turn needs a new score, and ``poise signals rescore``
    scored nothing: the conversation kept the old model's drift flag (the list's filter, the
    Signals page's count) while the assist panel worked drift out afresh."""
    drifting_conversation(session)
    score_messages(session)
    conv = session.query(Conversation).filter_by(external_id="dr").one()
    assert conv.drifted and conv.signals_version
    current = get_scorer("drift").version
    assert current in conv.signals_version.split("+")
    # As an older drift model left it: not drifted, and its version stored with the signals.
    old = conv.signals_version.replace(current, "drift-2000.1.1")
    conv.drifted, conv.drift_turn, conv.signals_version = False, None, old
    session.commit()
    again = CliRunner().invoke(cli, ["signals", "rescore"])
    assert again.exit_code == 0, again.output
    assert "scored 0 messages in 1 conversation " in again.output
    session.expire_all()
    conv = session.query(Conversation).filter_by(external_id="dr").one()
    assert conv.drifted and conv.drift_turn == 4
    assert conv.signals_version and current in conv.signals_version.split("+")
    assert "drift-2000.1.1" not in conv.signals_version
    rerun = CliRunner().invoke(cli, ["signals", "rescore"])  # nothing left to do
    assert "scored 0 messages in 0 conversations" in rerun.output


def test_the_assist_panel_names_the_new_matter_of_a_drift_stored_before(
    client: TestClient, session: Session
) -> None:
    """A conversation scored before drift named the matter stores "One more thing, actually."
    as the sentence that drifted; the panel reads stored signals, and quoted it."""
    start = datetime.now(UTC) - timedelta(hours=3)
    said = [
        ("customer", "Aiko joined our team and I can't add her: the Invite button is grey."),
        ("agent", "Are you the account owner or a manager?"),
        ("customer", "I'm the manager."),
        ("agent", "Thanks, I've given you the rights. Try again?"),
        (
            "customer",
            "Ok, thanks. One more thing, actually. The invoice for PX-250001 has my personal "
            "name on it instead of the company.",
        ),
    ]
    write_thread(session, said, external_id="named", start=start, status="open")
    score_messages(session)
    conv = session.query(Conversation).filter_by(external_id="named").one()
    assert conv.drifted and conv.drift_turn == 4
    conv.drift_sentence = "One more thing, actually."  # as stored before
    session.commit()
    sign_in(client, make_user(session))
    panel = client.get(f"/assist/{conv.id}").text
    assert "They then raised “The invoice for PX-250001 has my personal name" in panel
    assert "One more thing, actually.”" not in panel


def test_the_panel_drops_the_first_reply_tip_once_the_agent_has_replied(
    client: TestClient, session: Session
) -> None:
    """An unhappy opening, answered: the panel still said "give a clear plan in your first
    reply"."""
    start = datetime.now(UTC) - timedelta(hours=3)
    said = [("customer", ANGRY), ("agent", "I'm sorry. I'm checking your refund now.")]
    write_thread(session, said, external_id="answered", start=start, status="open")
    score_messages(session)
    conv = session.query(Conversation).filter_by(external_id="answered").one()
    assert conv.early_warning
    sign_in(client, make_user(session))
    panel = client.get(f"/assist/{conv.id}").text
    assert "early warning</span>" in panel
    assert "first reply" not in panel


def seed_scored(session: Session, agent_email: str | None = None) -> dict[str, Conversation]:
    # Recent, so the signals page's last-30-days figures include them whatever today is.
    start = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    angry = conversation_record(
        external_id="angry",
        subject="Angry one",
        customer_text=ANGRY,
        start=start,
        assignee_email=agent_email,
    )
    calm = conversation_record(
        external_id="calm",
        subject="Calm one",
        customer_text="Hi! Could you tell me how to export reports?",
        start=start + timedelta(hours=1),
    )
    write_conversations(session, "test", [angry, calm])
    session.commit()
    score_messages(session)
    return {c.external_id: c for c in session.query(Conversation)}


def test_feeling_badges_use_the_message_levels(client: TestClient, session: Session) -> None:
    """0.75 is "negative" (from 0.50), not "very negative" (from 0.80), on every page."""
    from poise.conversations.models import Message

    angry = seed_scored(session)["angry"]
    first = session.query(Message).filter_by(conversation_id=angry.id, author_role="customer")
    turn = first.first()
    assert turn is not None
    turn.negativity, turn.feeling_level = 0.75, "negative"
    angry.peak_negativity = 0.75
    session.commit()
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{angry.id}").text
    assert (
        'class="neg-badge neg-mid" title="How likely the customer feels negative here: negative'
        in page
    )
    listed = client.get("/conversations").text
    assert "most negative message: negative (0.75)" in listed and "neg-high" not in listed
    # The badges say the feeling in words; the probability is in the tooltip, not the badge.
    badge = r'class="neg-badge neg-mid" title="[^"]*\(0\.75\)[^"]*">negative</span>'
    assert re.search(badge, listed)
    assert re.search(r'class="neg-badge neg-mid" title="[^"]*P 0\.75[^"]*">negative', page)
    assert ">0.75 ·" not in page
    risk = f"{100 * (angry.escalation_risk or 0):.0f}%"  # risk as a percentage everywhere
    assert f"Escalation risk <strong>{risk}</strong>" in page
    assert f"escalation risk {risk}" in listed


def test_the_thread_says_what_its_peak_number_is(client: TestClient, session: Session) -> None:
    """The thread's Signals card read "Most negative customer message: very negative (0.94)": a
    bare probability an agent cannot read. It is a percentage and says what it measures."""
    angry = seed_scored(session)["angry"]
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{angry.id}").text
    peak = angry.peak_negativity or 0
    assert f"</strong> ({100 * peak:.0f}% likely negative)</p>" in page
    assert f"</strong> ({peak:.2f})</p>" not in page


def test_the_page_and_its_badges_name_the_same_feeling(
    client: TestClient, session: Session
) -> None:
    """The page said "Most negative customer message: not negative (0.11)" where the assist
    badge said "neutral": every word, the list's badge too, comes from the message's stored
    level."""
    calm = seed_scored(session)["calm"]
    sign_in(client, make_user(session))
    turn = session.query(Message).filter_by(conversation_id=calm.id, author_role="customer").one()
    assert turn.feeling_level == "neutral" and (turn.negativity or 1) < 0.5
    shown = f"{calm.peak_negativity:.2f}"
    likely = f"({100 * (calm.peak_negativity or 0):.0f}% likely negative)"
    page = client.get(f"/conversations/{calm.id}").text
    assert f"Most negative customer message: <strong>neutral</strong> {likely}" in page
    assert "feels negative here: neutral" in page and "not negative" not in page
    assert ">neutral</span>" in client.get(f"/assist/{calm.id}").text
    assert f"most negative message: neutral ({shown})" in client.get("/conversations").text
    turn.feeling_level = "positive"  # the stored level, not P(negative) alone, is the word
    session.commit()
    page = client.get(f"/conversations/{calm.id}").text
    assert f"Most negative customer message: <strong>positive</strong> {likely}" in page
    assert re.search(r">positive( · \w+)?</span>", client.get(f"/assist/{calm.id}").text)
    # The list's badge said "neutral" here: it knew the peak's score but not its level.
    assert f"most negative message: positive ({shown})" in client.get("/conversations").text


def test_the_words_behind_a_score_leave_out_bare_punctuation(
    client: TestClient, session: Session
) -> None:
    """The conversation page said "why: is anyone, this ?, hello ?, ? is, hello" and the assist
    panel "Words behind it: is anyone, this ?, hello ?, ? is" for a message scored before the
    scorer left bare punctuation out: the model weighs a "?", an agent cannot read it. A word
    a stronger term already showed ("anyone" after "is anyone") is not said twice."""
    angry = seed_scored(session)["angry"]
    turn = session.query(Message).filter_by(conversation_id=angry.id, author_role="customer")
    first = turn.first()
    assert first is not None
    first.body = "Hello? Is anyone looking at this? Hello!"
    first.signal_evidence = ["is anyone", "this ?", "hello ?", "? is", "hello", "!", "anyone"]
    session.commit()
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{angry.id}").text
    assert '<div class="evidence">why: is anyone</div>' in page
    panel = client.get(f"/assist/{angry.id}").text
    assert "Words behind it: is anyone</small>" in panel


def test_an_unhappy_message_with_no_telling_words_says_so(
    client: TestClient, session: Session
) -> None:
    """A message scored before greetings were left out stored "why: hello, hi team, regards":
    with them gone nothing is left, and the pages say so rather than show a greeting or
    nothing at all under a message they call negative."""
    angry = seed_scored(session)["angry"]
    turn = session.query(Message).filter_by(conversation_id=angry.id, author_role="customer")
    first = turn.first()
    assert first is not None
    first.body = "Hello, hi team, as 3 weeks have passed I wonder where my parcel is.\n\nRegards"
    first.signal_evidence = ["hello", "hi team", "regards", "as 0"]
    first.negativity, first.feeling_level = 0.9, "very_negative"
    session.commit()
    sign_in(client, make_user(session))
    note = "no single words stand out; the message reads this way as a whole"
    page = client.get(f"/conversations/{angry.id}").text
    assert f'<div class="evidence">why: {note}</div>' in page and "why: h" not in page
    assert f"Words behind it: {note}</small>" in client.get(f"/assist/{angry.id}").text


def test_a_badge_leaves_out_a_neutral_emotion(client: TestClient, session: Session) -> None:
    """ "The customer feels positive · neutral" read as two verdicts that disagree: the
    emotion is named beside the level only when it says more than "neutral"."""
    calm = seed_scored(session)["calm"]
    turn = session.query(Message).filter_by(conversation_id=calm.id, author_role="customer").one()
    turn.feeling_level, turn.emotion = "positive", "neutral"
    session.commit()
    sign_in(client, make_user(session))
    for url in (f"/conversations/{calm.id}", f"/assist/{calm.id}"):
        page = client.get(url).text
        assert ">positive</span>" in page and "positive · neutral" not in page
    turn.emotion = "satisfied"
    session.commit()
    assert ">positive · satisfied</span>" in client.get(f"/conversations/{calm.id}").text


def test_the_words_behind_a_score_show_only_under_an_unhappy_message(
    client: TestClient, session: Session
) -> None:
    """Under a calm message the words were those that kept it from reading negative: "why: ok,
    i already, summary" under "I already wrote that, but ok." read as nonsense to a lead."""
    calm = seed_scored(session)["calm"]
    turn = session.query(Message).filter_by(conversation_id=calm.id, author_role="customer").one()
    turn.body = "I already wrote that summary, but ok."
    turn.signal_evidence = ["ok", "i already", "summary"]
    session.commit()
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{calm.id}").text
    assert "feels negative here: neutral" in page and "why: ok" not in page
    turn.negativity, turn.feeling_level = 0.9, "very_negative"
    session.commit()
    assert "why: ok, i already, summary" in client.get(f"/conversations/{calm.id}").text


def test_the_signals_page_counts_only_the_readers_unscored_messages(
    client: TestClient, session: Session
) -> None:
    """ "3 customer messages are waiting to be scored" counted every team's backlog, so an
    agent read another team's; the page counts those of the conversations it shows."""
    ours = make_user(session, team="Ours")
    theirs = make_user(session, team="Theirs")
    start = datetime.now(UTC) - timedelta(hours=2)
    records = [
        conversation_record(external_id=f"w{k}", start=start, assignee_email=theirs.email)
        for k in range(3)
    ]
    write_conversations(session, "test", records)  # imported with --no-score: unscored
    session.commit()
    sign_in(client, ours)
    assert "waiting to be scored" not in client.get("/signals").text
    client.cookies.clear()
    sign_in(client, theirs)
    assert "3 customer messages are waiting to be scored" in client.get("/signals").text


def test_list_filters_and_sorts_by_signals(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    seed_scored(session)
    sign_in(client, agent)
    early = client.get("/conversations?signal=early_warning").text
    assert "Angry one" in early and "Calm one" not in early
    by_risk = client.get("/conversations?sort=escalation").text
    assert by_risk.index("Angry one") < by_risk.index("Calm one")
    newest = client.get("/conversations").text
    assert newest.index("Calm one") < newest.index("Angry one")
    assert client.get("/conversations?sort=loudest").status_code == 400


def test_conversation_page_shows_scores_flags_and_trend(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    convs = seed_scored(session)
    sign_in(client, agent)
    page = client.get(f"/conversations/{convs['angry'].id}").text
    assert "Escalation risk" in page and "Most negative customer message: <strong>" in page
    assert "neg-badge neg-" in page and "why:" in page
    assert "early warning</span>" in page
    # One customer turn is no trend: a lone dot on a line read as a broken chart.
    assert 'class="sparkline"' not in page
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    turns = [
        MessageRecord("t1", "customer", ANGRY, start),
        MessageRecord(
            "t2", "agent", "I'm sorry, I've refunded it now.", start + timedelta(minutes=3)
        ),
        MessageRecord("t3", "customer", "Thanks, that's sorted.", start + timedelta(minutes=9)),
    ]
    write_conversations(session, "test", [conversation_record(external_id="trend", messages=turns)])
    session.commit()
    score_messages(session)
    trend = session.query(Conversation).filter_by(external_id="trend").one()
    page = client.get(f"/conversations/{trend.id}").text
    # the line plots negativity (1 at the top), so a caption saying "Feeling" read a calming
    # customer (the line falling) as one whose feeling fell
    assert 'class="sparkline"' in page and "Feeling, customer turn by turn" not in page
    assert "How negative each customer turn read (1 at the top: surely negative):" in page
    # the assist panel drew the same line with no caption, under the escalation risk it is not
    panel = client.get(f"/assist/{trend.id}").text
    assert "How negative each customer turn read (1 at the top: surely negative):" in panel
    # both pages draw the trend on 0 to 1 and say the stored figures, not only a name
    said = ", ".join(f"{v:.2f}" for v in trend.signal_trend or [])
    peak = (trend.signal_trend or []).index(max(trend.signal_trend or [])) + 1
    (detail,) = charts_in(page, "sparkline")
    assert (
        detail.findtext("title") == f"Negativity of each customer turn: {said} (peak turn {peak})"
    )
    (panel,) = charts_in(client.get(f"/assist/{trend.id}").text, "sparkline")
    assert (
        panel.findtext("title")
        == f"How negative each customer turn felt: {said} (peak turn {peak})"
    )
    assert texts(detail) == texts(panel) == ["0", "1", "0.5"]


def test_the_assist_panel_draws_no_trend_of_one_customer_turn(
    client: TestClient, session: Session
) -> None:
    """The conversation page left out a trend of one customer turn, the assist panel beside
    it drew the lone dot on its line."""
    angry = seed_scored(session)["angry"]
    sign_in(client, make_user(session))
    panel = client.get(f"/assist/{angry.id}").text
    assert "Escalation risk" in panel
    assert 'class="sparkline"' not in panel


def test_assist_gives_signals_and_guidance(client: TestClient, session: Session) -> None:
    headers = bearer(session, role="agent")
    convs = seed_scored(session)
    stored = client.post(
        "/api/v1/assist", headers=headers, json={"conversation_id": convs["angry"].id}
    )
    assert stored.status_code == 200, stored.text
    body = stored.json()
    assert body["signals"]["early_warning"] is True
    assert body["signals"]["latest"]["negativity"] > 0.5
    assert body["guidance"]["opening"]
    drifting = client.post(
        "/api/v1/assist",
        headers=headers,
        json={
            "purpose": "My router drops the wifi connection every evening",
            "messages": [
                {
                    "author_role": "customer",
                    "body": "My router drops the wifi connection every evening",
                },
                {"author_role": "agent", "body": "Let's check the firmware version first."},
                {
                    "author_role": "customer",
                    "body": "Also, can I get a student discount on my phone plan? "
                    "And change my billing address?",
                },
            ],
        },
    ).json()
    assert drifting["signals"]["drift"]["purpose"].startswith("My router")
    if drifting["signals"]["drift"]["drifted"]:
        assert "why they came" in drifting["guidance"]["purpose_reminder"]
    abusive = client.post(
        "/api/v1/assist",
        headers=headers,
        json={
            "messages": [
                {
                    "author_role": "customer",
                    "body": "You are a useless idiot, I'll find where you live.",
                },
            ]
        },
    ).json()
    assert abusive["signals"]["latest"]["abusive"] is True
    assert "boundary" in abusive["guidance"]["abuse_note"]


def test_assist_respects_roles_and_validates(
    client: TestClient, session: Session, settings: Settings
) -> None:
    owner = make_user(session, role="agent", team="Billing")
    convs = seed_scored(session, agent_email=owner.email)
    conv_id = convs["angry"].id
    outsider = bearer(session, role="agent", team="Devices")
    teammate = bearer(session, role="agent", team="Billing")
    lead = bearer(session, role="lead", team="Billing")
    other_lead = bearer(session, role="lead", team="Devices")
    admin = bearer(session, role="admin")
    assert client.post("/api/v1/assist", json={"conversation_id": conv_id}).status_code == 401
    for stranger in (outsider, other_lead):  # a lead sees their own team's, as agents do
        refused = client.post("/api/v1/assist", headers=stranger, json={"conversation_id": conv_id})
        assert refused.status_code == 404  # answered as a missing one
    for allowed in (teammate, lead, admin):
        ok = client.post("/api/v1/assist", headers=allowed, json={"conversation_id": conv_id})
        assert ok.status_code == 200
    assert client.post("/api/v1/assist", headers=lead, json={}).status_code == 422
    both = {"conversation_id": conv_id, "messages": [{"author_role": "customer", "body": "x"}]}
    assert client.post("/api/v1/assist", headers=lead, json=both).status_code == 422
    limit = settings.max_message_chars
    turns = [
        {"author_role": "customer", "body": "Still no refund."},
        {"author_role": "customer", "body": "refund " * (limit // 7 + 1)},
    ]
    huge = client.post("/api/v1/assist", headers=lead, json={"messages": turns})
    assert huge.status_code == 400
    assert f"message 2 has {len(turns[1]['body']):,} characters" in huge.text
    beyond = [{"author_role": "customer", "body": "x" * (MAX_BODY_CHARS + 1)}]
    assert client.post("/api/v1/assist", headers=lead, json={"messages": beyond}).status_code == 422


def test_assist_page_renders_for_the_owner_only(client: TestClient, session: Session) -> None:
    owner = make_user(session, role="agent", team="Billing")
    outsider = make_user(session, role="agent", team="Devices")
    convs = seed_scored(session, agent_email=owner.email)
    sign_in(client, owner)
    page = client.get(f"/assist/{convs['angry'].id}")
    assert page.status_code == 200 and 'id="assist-guidance"' in page.text
    client.cookies.clear()
    sign_in(client, outsider)
    assert client.get(f"/assist/{convs['angry'].id}").status_code == 404


def test_assist_says_when_it_shows_only_the_last_turns(
    client: TestClient, session: Session
) -> None:
    """A long real thread (twcs has one of 130 tweets) shows its last turns beside the panel,
    and says so, with the way to the rest: silently cut, its start looks lost."""
    agent = make_user(session, role="agent", team="Billing")
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    turns = [
        MessageRecord(f"m{n}", "customer" if n % 2 else "agent", f"turn number {n}.",
                      start + timedelta(minutes=n))
        for n in range(1, 16)
    ]  # fmt: skip
    long = make_conversation(session, messages=turns, assignee_email=agent.email)
    short = make_conversation(session, assignee_email=agent.email)
    sign_in(client, agent)
    page = client.get(f"/assist/{long.id}").text
    assert "The last 12 of 15 messages" in page
    assert f'<a href="/conversations/{long.id}">the whole thread</a>' in page
    assert "turn number 2." not in page and "turn number 4." in page
    assert 'id="assist-thread-cut"' not in client.get(f"/assist/{short.id}").text


def test_assist_names_a_conversation_without_subject_or_customer_words(
    client: TestClient, session: Session
) -> None:
    """A twcs thread of agent tweets only has no subject and no purpose: the page was headed
    "Assist:" with nothing after it."""
    agent = make_user(session, role="agent", team="Billing")
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    reply = MessageRecord("m1", "agent", "Could you DM us the steps you followed?", at)
    conv = make_conversation(session, subject="", messages=[reply], assignee_email=agent.email)
    sign_in(client, agent)
    page = client.get(f"/assist/{conv.id}").text
    assert f"<h1>Assist: Conversation {conv.id}</h1>" in page
    assert f"<title>Assist · Conversation {conv.id}" in page


def test_agent_turns_do_not_count_toward_negativity(session: Session) -> None:
    record = conversation_record(
        external_id="agent-rant",
        messages=[
            MessageRecord("m1", "customer", CALM, datetime(2026, 11, 2, 9, tzinfo=UTC)),
            MessageRecord("m2", "agent", ANGRY, datetime(2026, 11, 2, 9, 5, tzinfo=UTC)),
        ],
    )
    write_conversations(session, "test", [record])
    session.commit()
    score_messages(session)
    conv = session.query(Conversation).one()
    assert conv.early_warning is False and conv.signal_trend and len(conv.signal_trend) == 1


def test_signals_page_lists_who_needs_attention(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    sign_in(client, agent)
    assert "Calm waters" in client.get("/signals").text
    convs = seed_scored(session)
    convs["angry"].status = "open"
    session.commit()
    page = client.get("/signals").text
    attention = page.split("Needs attention now")[1].split("How customers felt")[0]
    assert "Angry one" in attention and "Calm one" not in attention
    assert 'class="bars"' in page
    # the bars count messages, and say so: beside counts of conversations they read as those
    assert "Customer messages of the last four weeks, by the emotion read in each." in page
    # Agents never see raw model metrics: they live on the admin's Models page.
    assert get_scorer("negativity").version not in page
    # Attribute values (a random CSRF token among them) are not what people read.
    readable = re.sub(r'="[^"]*"', "", page)
    assert not re.search(r"\bauc\b", readable, re.IGNORECASE)
    assert client.get("/admin/models").status_code == 403


def test_needs_attention_says_when_it_shows_only_the_riskiest(
    client: TestClient, session: Session
) -> None:
    """Ten rows of a longer list, without a word, read as "these are all"."""
    agent = make_user(session, team="Billing")
    convs = [
        make_conversation(session, status="open", subject=f"Upset {n}", assignee_email=agent.email)
        for n in range(12)
    ]
    for n, conv in enumerate(convs):
        conv.early_warning, conv.escalation_risk = True, 0.5 + n / 100
    session.commit()
    sign_in(client, agent)
    page = client.get("/signals").text
    attention = page.split("Needs attention now")[1].split("How customers felt")[0]
    assert "riskiest first: the 10 riskiest of 12." in attention
    assert (
        attention.count("Upset ") == 10 and "Upset 11" in attention and "Upset 1<" not in attention
    )
    link = re.search(r'<a href="(/conversations\?[^"]+)">All 12, riskiest first</a>', attention)
    assert link, attention  # the other two are one click away
    every = client.get(link.group(1).replace("&amp;", "&")).text
    assert "12 conversations match these filters" in every and every.count(">Upset ") == 12
    assert every.index(">Upset 11<") < every.index(">Upset 0<")  # riskiest first
    for conv in convs[:3]:
        conv.status = "resolved"
    session.commit()
    fewer = client.get("/signals").text
    assert "riskiest of" not in fewer and "riskiest first." in fewer
    listed = client.get("/conversations?signal=needs_attention").text
    assert "9 conversations match these filters" in listed  # resolved ones need no attention


def test_models_page_shows_versions_and_figures_to_admins(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/models")
    assert page.status_code == 200
    assert get_scorer("negativity").version in page.text
    assert get_scorer("drift").version in page.text
    assert "ROC-AUC" in page.text


def test_models_page_says_what_the_feeling_model_reads_less_well(
    client: TestClient, session: Session
) -> None:
    """An admin read only the sets the model does well on: general tweets, where it reads
    worse than VADER (measured 2026-12-07 on TweetEval), were in no card."""
    sign_in(client, make_user(session, role="admin"))
    limits = client.get("/admin/models").text.split('id="limits"')[1].split("</ul>")[0]
    assert "worse than VADER" in limits and "TweetEval" in limits
    assert "thanks and complains at once" in limits


def test_models_page_has_a_card_for_each_reply_feedback_head(
    client: TestClient, session: Session
) -> None:
    from poise.training.feedback_model import REAL_ARTIFACT, FeedbackHeads

    sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/models").text
    section = page.split('id="reply-feedback"')[1]
    assert "Practice feedback" in section and "AutoQA" in section
    assert "reply-feedback-real.npz" in section and "clean replies called dismissive" in section
    dismissive_bar = FeedbackHeads.load(REAL_ARTIFACT).thresholds[-1]
    assert f"dismissive {dismissive_bar:.2f}" in section.split("<h3>AutoQA")[1]


def test_agents_attention_list_only_links_what_they_may_assist(
    client: TestClient, session: Session
) -> None:
    other = make_user(session, team="Other team")
    agent = make_user(session, team="Mine")
    convs = seed_scored(session, agent_email=other.email)
    convs["angry"].status = "open"
    session.commit()
    sign_in(client, agent)
    page = client.get("/signals").text
    attention = page.split("Needs attention now")[1].split("How customers felt")[0]
    assert "Angry one" not in attention  # another team's: the agent could not open assist
    sign_in(client, other)
    page = client.get("/signals").text
    attention = page.split("Needs attention now")[1].split("How customers felt")[0]
    assert "Angry one" in attention
    href = f"/assist/{convs['angry'].id}"
    assert href in attention and client.get(href).status_code == 200


def _signals_fields(panel: dict[str, Any]) -> dict[str, Any]:
    signals = panel["signals"]
    return {
        "early_warning": signals["early_warning"],
        "turnaround": signals["turnaround"],
        "drifted": signals["drift"]["drifted"],
        "drift_turn": signals["drift"]["turn_index"],
        "purpose": signals["drift"]["purpose"],
    }


def test_assist_reads_stored_signals_only_while_they_are_current(session: Session) -> None:
    load_demo(session, seed=8, conversations=30, now=datetime(2026, 11, 1, tzinfo=UTC))
    score_messages(session)
    convs = session.query(Conversation).order_by(Conversation.id).all()
    drifted = 0
    for conv in convs:
        rows = _turn_rows(conv.messages)
        stored = stored_signals(conv)
        assert stored is not None, conv.id
        fresh = assist(rows, conv.purpose or None)
        read = assist(rows, conv.purpose or None, stored)
        assert _signals_fields(read) == _signals_fields(fresh)
        for key in ("early_score", "escalation_risk"):
            assert read["signals"][key] == pytest.approx(fresh["signals"][key], abs=1e-3)
        assert read["signals"]["trend"] == pytest.approx(fresh["signals"]["trend"], abs=1e-3)
        assert read["signals"]["drift"]["score"] == pytest.approx(
            fresh["signals"]["drift"]["score"], abs=1e-3
        )
        drifted += read["signals"]["drift"]["drifted"]
    assert drifted, "the demo sample should hold a drifting conversation"

    several = next(c for c in convs if sum(m.author_role == "customer" for m in c.messages) > 1)
    several.signals_version = "negativity-old"
    assert stored_signals(several) is None, "drift model changed"

    conv = convs[0]
    last = conv.messages[-1]
    session.add(
        Message(
            conversation=conv,
            external_id="late-turn",
            author_role="customer",
            body="And now the replacement is broken too.",
            sent_at=last.sent_at + timedelta(minutes=1),
        )
    )
    session.flush()
    session.refresh(conv)
    assert stored_signals(conv) is None, "a new turn is not scored yet"
    score_messages(session, conversation_ids=[conv.id])
    session.refresh(conv)
    assert stored_signals(conv) is not None, "scoring refreshed them"

    other = convs[1]
    first = next(m for m in other.messages if m.author_role == "customer")
    first.negativity = 1.0 - (first.negativity or 0.0)
    assert stored_signals(other) is None, "a turn was re-scored alone"


def test_a_team_chooses_its_early_warning_level(client: TestClient, session: Session) -> None:
    from poise.auth.models import Team

    agent = make_user(session, team="Billing")
    convs = seed_scored(session, agent_email=agent.email)
    angry = convs["angry"]
    angry.signal_trend, angry.early_warning = [0.7], True  # negative, not very negative
    opening = next(m for m in angry.messages if m.author_role == "customer")
    opening.negativity = 0.7  # the trend is the turns' scores
    session.commit()
    team = session.query(Team).filter_by(name="Billing").one()
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/admin/teams").text
    token = csrf_from(page)
    response = client.post(
        f"/admin/teams/{team.id}/early-warning",
        data={"level": "very_negative", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    # one conversation changed: it read "1 conversations re-flagged"
    assert (
        "Early warning level saved; 1 conversation re-flagged." in client.get("/admin/teams").text
    )
    session.expire_all()
    assert session.get(Team, team.id).early_warning_level == "very_negative"
    assert session.get(Conversation, angry.id).early_warning is False
    bad = client.post(
        f"/admin/teams/{team.id}/early-warning",
        data={"level": "loud", "csrf_token": token},
        follow_redirects=False,
    )
    assert bad.status_code == 303
    assert "must be" in client.get("/admin/teams").text
    sign_in(client, agent)
    forbidden = client.post(
        f"/admin/teams/{team.id}/early-warning",
        data={"level": "negative", "csrf_token": csrf_from(client.get("/conversations").text)},
    )
    assert forbidden.status_code == 403


def test_saving_a_teams_level_unchanged_reflags_nothing(
    client: TestClient, session: Session
) -> None:
    """An opening scored 0.8243 raised early warning (the bar is 0.82423…); saving the
    team's level, even unchanged, re-flagged it from the trend rounded to 0.824 and took the
    warning away ("1 conversation re-flagged"), until the next refresh raised it again."""
    from poise.auth.models import Team
    from poise.conversations.scoring import refresh_conversation_signals
    from poise.signals.feeling import threshold_for

    bar = threshold_for("negative")
    score = math.ceil(bar * 10_000) / 10_000  # stored turns keep four places
    assert round(score, 3) < bar <= score, "a score that its rounded trend puts under the bar"
    agent = make_user(session, team="Billing")
    angry = seed_scored(session, agent_email=agent.email)["angry"]
    opening = next(m for m in angry.messages if m.author_role == "customer")
    opening.negativity = score
    session.commit()
    refresh_conversation_signals(session, [angry.id])
    session.refresh(angry)
    assert angry.early_warning and angry.signal_trend == [round(score, 3)]
    team = session.query(Team).filter_by(name="Billing").one()
    sign_in(client, make_user(session, role="admin"))
    token = csrf_from(client.get("/admin/teams").text)
    client.post(
        f"/admin/teams/{team.id}/early-warning",
        data={"level": "negative", "csrf_token": token},
        follow_redirects=False,
    )
    assert "Early warning level saved; 0 conversations re-flagged." in (
        client.get("/admin/teams").text
    )
    session.refresh(angry)
    assert angry.early_warning


def test_a_refused_purpose_keeps_the_agents_words_beside_the_error(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, make_user(session))
    conv = seed_scored(session)["calm"]
    before = conv.purpose
    typed = "Wants to export reports " * 20  # 480 characters, over the 300 allowed
    refused = client.post(f"/assist/{conv.id}/purpose", data={"purpose": typed, "csrf_token": csrf})
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.text and "at most 300" in refused.text
    assert f'value="{typed.strip()}' in refused.text, "the agent's words are kept"
    assert '<details class="purpose-fix" open>' in refused.text
    session.refresh(conv)
    assert conv.purpose == before, "nothing was stored"
    saved = client.post(
        f"/assist/{conv.id}/purpose",
        data={"purpose": "Export reports", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.refresh(conv)
    assert conv.purpose == "Export reports"


def test_a_purpose_over_2000_characters_is_refused_in_words_like_a_shorter_one(
    client: TestClient, session: Session
) -> None:
    """The field stops at 300 characters, but a form sent outside a browser with over 2,000
    answered the bare 422 quoting pydantic: it is refused beside the field like any purpose
    over the limit, the words kept, and the field's maxlength is that same limit."""
    csrf = sign_in(client, make_user(session))
    conv = seed_scored(session)["calm"]
    before = conv.purpose
    typed = "Wants a refund " * 200  # 3,000 characters
    refused = client.post(f"/assist/{conv.id}/purpose", data={"purpose": typed, "csrf_token": csrf})
    assert refused.status_code == 400 and "Input should" not in refused.text
    error = re.search(
        r'<span class="field-error" role="alert" id="purpose-error">(.*?)</span>', refused.text
    )
    assert error and error[1] == "the purpose is 2,999 characters; at most 300"
    assert f'value="{typed.strip()}' in refused.text, "the agent's words are kept"
    assert f'maxlength="{MAX_PURPOSE_CHARS}"' in refused.text
    session.refresh(conv)
    assert conv.purpose == before, "nothing was stored"


def test_a_purpose_picked_from_the_customers_sentences_is_not_called_someone_elses(
    client: TestClient, session: Session
) -> None:
    """One click on one of the customer's own sentences, and the panel said the purpose was
    "given, not read from the customer's words"."""
    csrf = sign_in(client, make_user(session))
    angry = seed_scored(session)["angry"]
    panel = client.get(f"/assist/{angry.id}").text
    choice = re.search(r'name="purpose" value="([^"]+)"><button type="submit" class="link', panel)
    assert choice is not None, "the panel offers the customer's sentences"
    picked = html.unescape(choice.group(1))
    client.post(f"/assist/{angry.id}/purpose", data={"purpose": picked, "csrf_token": csrf})
    panel = client.get(f"/assist/{angry.id}").text
    assert f"They came for: <strong>{html.escape(picked)}</strong>" in panel
    assert "not read from the customer's words" not in panel
    assert "(set for this conversation, not Poise's reading)" in panel


def test_mine_and_my_team_say_whose_conversations_are_calm(
    client: TestClient, session: Session
) -> None:
    """ "Mine" with nothing of the reader's read "No open conversation you can open shows an
    unhappy customer" and "No scored customer messages in the last 30 days" while others' did."""
    colleague = make_user(session, team="Billing")
    agent = make_user(session, team="Billing")
    convs = seed_scored(session, agent_email=colleague.email)
    convs["angry"].status = "open"
    session.commit()
    sign_in(client, agent)
    team = client.get("/signals?assignee=team").text
    assert "Your team&#39;s open conversations, riskiest first" in team and "Angry one" in team
    mine = client.get("/signals?assignee=me").text
    assert "Your open conversations, riskiest first" in mine
    assert "None of your open conversations shows an unhappy customer right now" in mine
    assert "No open conversation you can open" not in mine
    assert "No scored customer messages in your conversations of the last four weeks" in mine


def test_a_thread_the_customer_has_not_answered_gets_no_advice_for_their_words() -> None:
    """An outbound thread (only the agent has written) was told to "answer directly and
    completely, and confirm you have understood the request": there was no request."""
    rows = [
        {
            "author_role": "agent",
            "body": "Hello! Your replacement router ships tomorrow; reply here with any questions.",
            "negativity": None,
            "emotion": None,
            "abusive": False,
            "leaving": False,
            "level": None,
            "evidence": [],
        }
    ]
    panel = assist(rows, None)
    assert panel["signals"]["latest"] is None
    assert panel["guidance"]["opening"].startswith("The customer has not written yet")
    assert panel["guidance"]["tips"] == []


def test_the_models_page_gives_each_figure_its_unit(client: TestClient, session: Session) -> None:
    """ "CLINC150 requests read as negative 0.019" was a share without its percent sign and
    "Artifact size (bytes) 14,047,439" a count to decode: each figure reads in its unit."""
    sign_in(client, make_user(session, role="admin"))
    page = html.unescape(client.get("/admin/models").text)
    figures = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', page))
    assert re.fullmatch(r"\d+\.\d%", figures["CLINC150 requests read as negative"]), figures
    assert re.fullmatch(r"\d+\.\d%", figures["CFPB complaint chunks read as negative"])
    assert re.fullmatch(r"\d+\.\d MB", figures["Artifact size"])
    assert re.fullmatch(r"(\d+ min )?\d+ s", figures["Training time"])
    assert "Artifact size (bytes)" not in page


def test_the_thread_names_the_customer_s_words_as_purpose_when_none_was_given(
    client: TestClient, session: Session
) -> None:
    """With no purpose given (or after "Use the customer's words") the thread's details said
    "Purpose —" while its assist panel said "They came for: <the customer's words>"."""
    calm = seed_scored(session)["calm"]
    calm.purpose = ""  # as "Use the customer's words" leaves it
    session.commit()
    assert calm.stated_purpose, "scoring reads the purpose from the first customer turn"
    sign_in(client, make_user(session))
    page = html.unescape(client.get(f"/conversations/{calm.id}").text)
    details = page.split("<h2>Details</h2>")[1]
    purpose = re.search(r"<dt>Purpose</dt><dd>(.*?)</dd>", details, re.S)
    assert purpose and calm.stated_purpose in purpose.group(1), details[:600]
    assert "(the customer's words)" in purpose.group(1)
    assert calm.stated_purpose in client.get(f"/assist/{calm.id}").text


def test_a_threat_to_leave_keeps_its_early_warning_when_a_team_saves_its_level(
    session: Session,
) -> None:
    """Saving a team's level re-flags from the stored opening scores; a threat to leave must
    read there as it did when scored, or saving "negative" again took its warning away."""
    from poise.auth.models import Team
    from poise.conversations.actions import set_early_warning_level

    agent = make_user(session, team="Retention")
    conv = make_conversation(
        session,
        customer_text="Fix it now or I am cancelling my contract",
        assignee_email=agent.email,
    )
    score_messages(session)
    session.refresh(conv)
    assert conv.early_warning and conv.leaving
    team = session.query(Team).filter_by(name="Retention").one()
    admin = make_user(session, role="admin")
    assert set_early_warning_level(session, actor=admin, team_id=team.id, level="negative") == 0
    session.refresh(conv)
    assert conv.early_warning


def test_each_listed_conversation_badges_its_first_most_negative_turn(session: Session) -> None:
    """The list's badge is the peak customer turn's stored level: the most negative scored
    one, the first of equals; agent turns and unscored turns never count."""
    from poise.conversations.feeling import peak_levels

    said = [("customer", "a"), ("agent", "b"), ("customer", "c"), ("customer", "d")]
    write_thread(session, said, external_id="peaks")
    write_thread(session, [("customer", "e")], external_id="unscored")
    peaks = session.query(Conversation).filter_by(external_id="peaks").one()
    unscored = session.query(Conversation).filter_by(external_id="unscored").one()
    stored = [(0.3, "neutral"), (0.99, "very_negative"), (0.9, "negative"), (0.9, "positive")]
    for m, (score, level) in zip(peaks.messages, stored, strict=True):
        m.negativity, m.feeling_level = score, level
    peaks.messages[1].author_role = "agent"  # its 0.99 is an agent's: not the customer's peak
    session.commit()
    assert peak_levels(session, [peaks.id, unscored.id]) == {peaks.id: "negative"}


def _turn(role: str, body: str, *, level: str = "neutral", leaving: bool = False) -> dict[str, Any]:
    negativity = {"negative": 0.85, "positive": 0.05}.get(level, 0.3)
    return {
        "author_role": role, "body": body, "negativity": negativity, "emotion": "neutral",
        "abusive": False, "leaving": leaving, "level": level, "evidence": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("after", "still"),
    [
        (_turn("customer", "Got it, thanks, that works now.", level="positive"), False),
        (_turn("customer", "So when will the engineer come?"), True),
    ],
)
def test_the_retention_note_stays_until_the_customer_settles(
    after: dict[str, Any], still: bool
) -> None:
    """The panel said "the customer is thinking of leaving" after their "Got it, thanks.": it
    read a threat among the last three turns, whatever came after it."""
    rows = [
        _turn(
            "customer", "Fix it now or I am cancelling my contract", level="negative", leaving=True
        ),
        _turn("agent", "I'm sorry. I've booked an engineer for Friday."),
        after,
    ]
    guidance = assist(rows, "Broadband keeps dropping")["guidance"]
    assert (guidance["leaving_note"] is not None) is still, guidance


def test_signals_that_fail_leave_the_turns_pending_for_the_next_run(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scores were committed before the conversation's signals were computed: a failure
    there (a drift model's error) left the turn scored and the conversation calm, with
    nothing pending for a retry, the sweep or a replay to find."""
    write_thread(session, [("customer", ANGRY)], external_id="angry")
    conv = session.query(Conversation).one()
    fails_once(monkeypatch, scoring, "_conversation_values", RuntimeError("drift failed"))
    with pytest.raises(RuntimeError):
        score_messages(session, conversation_ids=[conv.id])
    session.rollback()
    assert session.query(Message).one().signal_version is None, "nothing half done"
    score_messages(session, conversation_ids=[conv.id])  # the retry
    session.refresh(conv)
    assert conv.early_warning and session.query(Message).one().signal_version is not None
