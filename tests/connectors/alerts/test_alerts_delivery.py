"""Alerts reach a real local receiver: content, signature, quiet hours, rate limit, retries."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from connectors.alerts.alert_builders import (
    BASE_URL,
    ON_PREMISES,
    PUBLIC_ONLY,
    flagged_conversation,
    make_crew,
    make_rule,
    sender,
)
from connectors.alerts.conftest import Inbox, Receiver
from poise.connectors.alerts.actions import record_conversation_alerts
from poise.connectors.alerts.channels import Sender
from poise.connectors.alerts.delivery import (
    MAX_ATTEMPTS,
    Dispatcher,
    deliver_due,
    running_dispatchers,
)
from poise.connectors.alerts.models import AlertDelivery

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def _deliver(session: Session, now: datetime = NOW, smtp_url: str | None = None) -> str:
    found = sender(smtp_url, guard=ON_PREMISES)  # the receiver listens on 127.0.0.1
    with found.client:
        return str(deliver_due(session, found, base_url=BASE_URL, now=now))


def test_a_vip_unhappy_opening_posts_a_signed_webhook_with_a_link_back(
    session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, channel="webhook", target=receiver.url, guard=ON_PREMISES)
    vip = flagged_conversation(session, crew.agent, subject="Card charged twice")
    calm = flagged_conversation(session, crew.agent, early=False)
    untagged = flagged_conversation(session, crew.agent, tags=["billing"])
    ids = [vip.id, calm.id, untagged.id]
    assert record_conversation_alerts(session, ids, base_url=BASE_URL, now=NOW) == 1
    assert (
        record_conversation_alerts(session, ids, base_url=BASE_URL, now=NOW) == 0
    )  # once per rule
    assert "1 alert sent" in _deliver(session, NOW)

    (got,) = receiver.wait_for(1)
    body = got.json()
    assert body["event"] == "early_warning"
    assert body["title"] == "Early warning: Card charged twice"
    assert body["url"] == f"{BASE_URL}/conversations/{vip.id}"
    assert body["conversation_id"] == vip.id
    assert body["team"]["name"] == "A" and body["rule"]["name"] == "VIP openings"
    assert "#vip" in body["text"] and "Ada Agent" in body["text"]
    stamp = got.headers["X-Poise-Timestamp"]
    assert stamp == str(int(NOW.timestamp()))
    expected = hmac.new(rule.secret.encode(), f"{stamp}.".encode() + got.body, hashlib.sha256)
    assert got.headers["X-Poise-Signature"] == f"sha256={expected.hexdigest()}"
    assert got.headers["X-Poise-Event"] == "early_warning"
    assert got.headers["X-Poise-Delivery"] == str(body["id"])


def test_slack_gets_text_and_blocks_and_escalation_crosses_the_rules_threshold(
    session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    make_rule(
        session,
        crew.lead,
        event="escalating",
        threshold="60",
        target=receiver.url,
        guard=ON_PREMISES,
    )
    low = flagged_conversation(session, crew.agent, early=False, risk=0.59)
    high = flagged_conversation(session, crew.agent, early=False, risk=0.8, subject="<!channel>")
    assert record_conversation_alerts(session, [low.id, high.id], base_url=BASE_URL, now=NOW) == 1
    _deliver(session)
    (got,) = receiver.wait_for(1)
    body = got.json()
    assert body["text"].startswith("Escalating: &lt;!channel&gt;\nEscalation risk 80%")
    assert f"<{BASE_URL}/conversations/{high.id}|Open in Poise>" in body["text"]
    assert body["blocks"][1]["elements"][0]["url"] == f"{BASE_URL}/conversations/{high.id}"


def test_quiet_hours_hold_an_alert_until_they_end_in_the_rules_time_zone(
    session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    make_rule(
        session,
        crew.lead,
        target=receiver.url,
        guard=ON_PREMISES,
        quiet_start="22:00",
        quiet_end="07:00",
        timezone="Europe/Paris",
    )
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    night = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    assert "1 held for quiet hours" in _deliver(session, night)
    delivery = session.scalars(select(AlertDelivery)).one()
    session.refresh(delivery)
    assert delivery.status == "pending"
    assert delivery.due_at == datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # 07:00 in Paris
    assert "0 alerts sent" in _deliver(session, datetime(2026, 12, 4, 5, 59, tzinfo=UTC))
    assert receiver.requests == []
    assert "1 alert sent" in _deliver(session, datetime(2026, 12, 4, 6, 1, tzinfo=UTC))
    assert len(receiver.wait_for(1)) == 1


def test_past_the_hourly_limit_the_rest_are_counted_and_sent_as_one_summary(
    session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES, hourly_limit="2")
    convs = [flagged_conversation(session, crew.agent, subject=f"Case {n}") for n in range(5)]
    record_conversation_alerts(session, [c.id for c in convs], base_url=BASE_URL, now=NOW)
    report = _deliver(session)
    assert "2 alerts sent" in report and "3 over the rate limit" in report
    assert len(receiver.wait_for(2)) == 2
    statuses = session.scalars(select(AlertDelivery.status).order_by(AlertDelivery.id)).all()
    assert list(statuses) == ["sent", "sent", "limited", "limited", "limited"]

    assert "0 alerts sent" in _deliver(session, NOW + timedelta(minutes=30))  # no room yet
    assert "1 alert sent" in _deliver(session, NOW + timedelta(minutes=61))
    summary = receiver.wait_for(3)[2].json()
    assert summary["text"].startswith("3 more alerts held back by the rate limit (2 an hour)")
    assert all(f"Case {n}" in summary["text"] for n in (2, 3, 4))
    assert f"{BASE_URL}/alerts/log?team={crew.lead.team_id}" in summary["text"]
    session.expire_all()
    statuses = session.scalars(select(AlertDelivery.status).order_by(AlertDelivery.id)).all()
    assert list(statuses) == ["sent", "sent", "summarised", "summarised", "summarised", "sent"]


def test_the_limit_sends_the_first_conversations_whatever_order_the_database_keeps_them_in(
    session: Session, receiver: Receiver
) -> None:
    """Alerts are recorded (and so sent) in the order the conversations came in.

    They were recorded in the order the database returned the conversations, which a query
    without ORDER BY leaves to the storage: PostgreSQL scans the table's pages, and a row
    changed after later rows were written (a rescore, a new turn), or written into space a
    vacuum freed, comes back out of order. The first two alerts sent were then not the first
    two conversations, and the summary named another three (the hourly-limit test failed so
    on PostgreSQL under load, when autovacuum had run between tests).
    """
    crew = make_crew(session)
    make_rule(
        session,
        crew.lead,
        channel="webhook",
        target=receiver.url,
        guard=ON_PREMISES,
        hourly_limit="2",
    )
    convs = [flagged_conversation(session, crew.agent, subject=f"Case {n}") for n in range(5)]
    for conv in convs[:2]:  # changed after the others: stored after them
        conv.escalation_risk = 0.3
    session.commit()
    record_conversation_alerts(session, [c.id for c in convs], base_url=BASE_URL, now=NOW)
    assert "2 alerts sent" in _deliver(session)
    sent = [got.json()["title"] for got in receiver.wait_for(2)]
    assert sent == ["Early warning: Case 0", "Early warning: Case 1"]
    _deliver(session, NOW + timedelta(minutes=61))
    summary = receiver.wait_for(3)[2].json()["text"]
    assert all(f"Case {n}" in summary for n in (2, 3, 4)), summary


def test_a_refusing_receiver_is_retried_a_bounded_number_of_times_in_plain_words(
    session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    receiver.statuses = [403] * MAX_ATTEMPTS
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    assert "1 to retry" in _deliver(session)
    session.refresh(rule)
    assert rule.last_error.startswith("127.0.0.1 refused it: 403 Forbidden: invalid_token")
    assert "trying again at 14:01 UTC" in rule.last_error
    now = NOW
    for wait in (1, 2, 4, 8):
        now += timedelta(minutes=wait)
        _deliver(session, now)
    delivery = session.scalars(select(AlertDelivery)).one()
    session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.requests) == MAX_ATTEMPTS
    _deliver(session, now + timedelta(hours=1))
    assert len(receiver.requests) == MAX_ATTEMPTS  # bounded: no sixth try
    session.refresh(rule)
    assert "gave up after 5 tries" in rule.last_error


def test_an_unreachable_receiver_is_said_so(session: Session, receiver: Receiver) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target="http://127.0.0.1:9/hook", guard=ON_PREMISES)
    record_conversation_alerts(
        session, [flagged_conversation(session, crew.agent).id], base_url=BASE_URL, now=NOW
    )
    _deliver(session)
    session.refresh(rule)
    assert rule.last_error.startswith("could not connect to 127.0.0.1")


def test_an_alert_by_e_mail_reaches_a_real_smtp_server(
    session: Session, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    crew = make_crew(session)
    make_rule(session, crew.lead, channel="email", target="leads@example.com")
    conv = flagged_conversation(session, crew.agent, subject="Broken login")
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    assert "1 alert sent" in _deliver(session, smtp_url=url)
    (mail,) = inbox.messages
    assert mail["To"] == "leads@example.com"
    assert mail["Subject"] == "Early warning: Broken login"
    assert f"{BASE_URL}/conversations/{conv.id}" in mail.get_payload(decode=True).decode()


def test_e_mail_without_a_mail_server_says_what_to_set(session: Session) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, channel="email", target="leads@example.com")
    record_conversation_alerts(
        session, [flagged_conversation(session, crew.agent).id], base_url=BASE_URL, now=NOW
    )
    _deliver(session)
    session.refresh(rule)
    assert rule.last_error.startswith("e-mail alerts need POISE_SMTP_URL")


def test_a_receiver_that_never_answers_is_said_so(session: Session) -> None:
    """The outbound seam: an injected client whose transport times out."""

    def silent(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target="https://hooks.example.com/slow")
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    with httpx.Client(transport=httpx.MockTransport(silent)) as client:
        deliver_due(session, Sender(client, None, PUBLIC_ONLY), base_url=BASE_URL, now=NOW)
    session.refresh(rule)
    assert rule.last_error.startswith("hooks.example.com did not answer in time (1 try so far")


PERSONAL = ("maria.gonzalez@example.org", "07700 900123", "PX-287515", "Maria", "Gonzalez")


def test_a_subject_full_of_personal_data_leaves_poise_redacted_on_every_channel(
    session: Session, receiver: Receiver, smtp: tuple[Inbox, str]
) -> None:
    """Chat, webhook and e-mail all send the one redacted message; the link back stays."""
    inbox, url = smtp
    crew = make_crew(session)
    for channel, target in (("slack", receiver.url), ("webhook", receiver.url)):
        make_rule(session, crew.lead, channel=channel, target=target, guard=ON_PREMISES)
    make_rule(session, crew.lead, channel="email", target="leads@example.com")
    words = "Refund for PX-287515, Maria Gonzalez, maria.gonzalez@example.org, 07700 900123"
    conv = flagged_conversation(session, crew.agent, subject=words, customer_text=words)
    assert record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW) == 3
    assert "3 alerts sent" in _deliver(session, smtp_url=url)

    (mail,) = inbox.messages
    assert mail["Subject"] == "Early warning: Refund for [number], [name], [email], [phone]"
    bodies = [r.body.decode() for r in receiver.wait_for(2)]
    bodies.append(mail.get_payload(decode=True).decode())
    for said in [mail["Subject"], *bodies]:
        assert not [p for p in PERSONAL if p in said], said
    for said in bodies:
        assert f"{BASE_URL}/conversations/{conv.id}" in said
        assert "Ada Agent" in said  # who has it: a Poise user, not a customer


def test_an_alert_recorded_before_redaction_leaves_redacted_all_the_same(
    session: Session, receiver: Receiver
) -> None:
    """Alerts still pending from before redaction was added (held by quiet hours, retrying)
    were sent with the customers' words as recorded: the subject, kudos and gap searches.
    Such an early warning is titled as it was then ("Unhappy opening: …") and is redacted
    all the same."""
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, channel="webhook", target=receiver.url, guard=ON_PREMISES)
    words = "Refund for PX-287515, Maria Gonzalez, maria.gonzalez@example.org, 07700 900123"
    digest = (
        "- New manual gaps in the team's conversations: 1\n"
        f"    “{words}”\n"
        "- Kudos for Ada Agent: “Ada fixed order PX-287515! Write to maria.gonzalez@example.org”\n"
        f"\nThe digest page: {BASE_URL}/insights/digest?team={rule.team_id}"
    )
    old = {
        "early_warning": (f"Unhappy opening: {words}", "The customer opened unhappy."),
        "digest": ("Poise weekly digest: A, 27 Nov – 03 Dec 2026", digest),
        "summary": ("2 more alerts held back", f"- Escalating: {words}\n- New hotspot: Router"),
    }
    for event, (title, text) in old.items():
        session.add(
            AlertDelivery(
                rule_id=rule.id, key=f"old:{event}", event=event, title=title, text=text,
                link=f"{BASE_URL}/conversations/1", due_at=NOW,
            )
        )  # fmt: skip
    session.commit()
    assert "3 alerts sent" in _deliver(session)
    sent = {r.json()["event"]: r.json() for r in receiver.wait_for(3)}
    for body in sent.values():
        said = f"{body['title']}\n{body['text']}"
        assert not [p for p in PERSONAL if p in said], said
    assert sent["early_warning"]["title"] == (
        "Unhappy opening: Refund for [number], [name], [email], [phone]"
    )
    assert sent["summary"]["text"] == (
        "- Escalating: Refund for [number], [name], [email], [phone]\n- New hotspot: Router"
    )
    text = sent["digest"]["text"]
    assert "- Kudos for Ada Agent: “Ada fixed order [number]! Write to [email]”" in text
    assert f"The digest page: {BASE_URL}/insights/digest?team={rule.team_id}" in text
    logged = session.scalars(
        select(AlertDelivery.title).where(AlertDelivery.key == "old:early_warning")
    )
    assert "PX-287515" not in logged.one(), "the log shows what was sent"


def test_a_stopping_dispatcher_claims_no_further_delivery(
    session: Session, receiver: Receiver
) -> None:
    """A server shutting down sent the rest of its batch after its shutdown returned: in the
    suite, the next test's delivery of the same id was claimed and pushed hours ahead."""
    crew = make_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    conversations = [flagged_conversation(session, crew.agent).id for _ in range(2)]
    record_conversation_alerts(session, conversations, base_url=BASE_URL, now=NOW)
    asked: list[int] = []

    def stops_after_one() -> bool:
        asked.append(1)
        return len(asked) > 1

    found = sender(None, guard=ON_PREMISES)
    with found.client:
        report = deliver_due(session, found, base_url=BASE_URL, now=NOW, stopping=stops_after_one)
    assert report.sent == 1
    assert len(receiver.requests) == 1
    left = session.scalars(select(AlertDelivery).where(AlertDelivery.status == "pending")).one()
    session.refresh(left)
    assert left.attempts == 0 and left.due_at <= NOW  # unclaimed: due for the next dispatcher


def test_a_send_that_outlived_its_claim_leaves_the_row_to_whoever_claimed_it_next(
    session: Session,
) -> None:
    """A stopped server's thread still in a slow send wrote "sent" over the next test's
    delivery of the same id, which was then never sent; in production, a send that outlived
    its lease would write over the claim of the dispatcher that took the row next."""
    crew = make_crew(session)
    make_rule(session, crew.lead, target="https://hooks.example.com/slow")
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    later = NOW + timedelta(hours=1)

    def claimed_meanwhile(request: httpx.Request) -> httpx.Response:
        with Session(session.get_bind()) as other:  # another dispatcher, its lease newer
            other.execute(update(AlertDelivery).values(due_at=later))
            other.commit()
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(claimed_meanwhile)) as client:
        deliver_due(session, Sender(client, None, PUBLIC_ONLY), base_url=BASE_URL, now=NOW)
    session.expire_all()
    row = session.scalars(select(AlertDelivery)).one()
    assert (row.status, row.attempts, row.due_at) == ("pending", 0, later)


def test_a_running_dispatcher_is_known_until_it_is_shut_down(session: Session) -> None:
    """What lets the suite stop a dispatcher an earlier test's server left running (see
    ``no_dispatcher_left_running``): a started one is listed, a shut-down one is not."""
    found = sender(None, guard=ON_PREMISES)
    maker = sessionmaker(bind=session.get_bind())
    dispatcher = Dispatcher(maker, found, base_url=BASE_URL, poll_seconds=60, clock=lambda: NOW)
    dispatcher.start()
    try:
        assert dispatcher in running_dispatchers()
    finally:
        dispatcher.shutdown()
        found.client.close()
    assert dispatcher not in running_dispatchers()
