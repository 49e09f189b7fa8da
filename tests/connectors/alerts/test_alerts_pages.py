"""The alert pages through HTTP: who may manage rules, the form's errors, a test alert."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import csrf_from, make_user, sign_in
from connectors.alerts.alert_builders import (
    BASE_URL,
    ON_PREMISES,
    Crew,
    flagged_conversation,
    make_crew,
    make_rule,
    sender,
)
from connectors.alerts.conftest import Receiver
from poise.connectors.alerts import actions
from poise.connectors.alerts.actions import record_conversation_alerts
from poise.connectors.alerts.delivery import MAX_ATTEMPTS, deliver_due
from poise.connectors.alerts.models import AlertDelivery, AlertRule

PAGES = ("/alerts", "/alerts/log", "/alerts/new")
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def _count(session: Session) -> tuple[int, int]:
    session.expire_all()
    rules = session.scalar(select(func.count(AlertRule.id))) or 0
    deliveries = session.scalar(select(func.count(AlertDelivery.id))) or 0
    return rules, deliveries


def test_agents_cannot_manage_alerts(client: TestClient, session: Session) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target="https://hooks.example.com/x")
    token = sign_in(client, crew.agent)
    for page in (*PAGES, f"/alerts/rules/{rule.id}/edit"):
        assert client.get(page).status_code == 403, page
    for action in ("test", "delete", "edit"):
        answer = client.post(f"/alerts/rules/{rule.id}/{action}", data={"csrf_token": token})
        assert answer.status_code == 403, action
    created = client.post(
        "/alerts/rules", data={"csrf_token": token, "team": rule.team_id, "name": "x"}
    )
    assert created.status_code == 403
    assert _count(session) == (1, 0)
    assert 'href="/alerts"' not in client.get("/conversations").text  # not offered either


def test_a_lead_manages_only_their_own_team(client: TestClient, session: Session) -> None:
    crew = make_crew(session)
    theirs = make_rule(session, crew.other_lead, target="https://hooks.example.com/b")
    token = sign_in(client, crew.lead)
    assert client.get(f"/alerts?team={theirs.team_id}").status_code == 403
    assert client.get(f"/alerts/log?team={theirs.team_id}").status_code == 403
    # Another team's rule is answered as a missing one (tests/web/test_records_not_openable.py).
    assert client.get(f"/alerts/rules/{theirs.id}/edit").status_code == 404
    for action in ("test", "delete"):
        answer = client.post(f"/alerts/rules/{theirs.id}/{action}", data={"csrf_token": token})
        assert answer.status_code == 404
    into_theirs = {"csrf_token": token, "team": theirs.team_id, "name": "sneaky"}
    assert client.post("/alerts/rules", data=into_theirs).status_code == 403
    assert _count(session) == (1, 0)
    own = client.get("/alerts")  # their own team without asking
    assert own.status_code == 200 and "Alerts · A" in own.text and "No alert rules yet" in own.text
    log = client.get("/alerts/log").text
    assert "No alerts yet" in log and "The newest 0 alerts" not in log


def test_an_admin_chooses_a_team_then_sees_its_rules(client: TestClient, session: Session) -> None:
    crew = make_crew(session)
    make_rule(session, crew.other_lead, name="B's VIPs", target="https://hooks.example.com/b")
    sign_in(client, make_user(session, role="admin"))
    choice = client.get("/alerts")
    assert choice.status_code == 200 and 'href="/alerts?team=' in choice.text
    page = client.get(f"/alerts?team={crew.other_lead.team_id}")
    assert "B&#39;s VIPs" in page.text and "Send test alert" in page.text


def test_the_form_keeps_the_input_and_shows_each_error_beside_its_field(
    client: TestClient, session: Session
) -> None:
    crew = make_crew(session)
    sign_in(client, crew.lead)
    form = client.get("/alerts/new")
    assert form.status_code == 200
    fields = {
        "csrf_token": csrf_from(form.text),
        "team": str(crew.lead.team_id),
        "name": "VIP openings",
        "event": "early_warning",
        "channel": "slack",
        "target": "hooks.slack.com/no-scheme",
        "tag": "vip",
        "threshold": "50",
        "timezone": "Europe/Paris",
        "hourly_limit": "10",
        "enabled": "1",
    }
    cases = {
        "target": {},
        "quiet_end": {"target": "https://hooks.example.com/a", "quiet_start": "22:00"},
        "quiet_start": {"target": "https://hooks.example.com/a", "quiet_start": "25:99"},
        "timezone": {"target": "https://hooks.example.com/a", "timezone": "Mars/Olympus"},
        "hourly_limit": {"target": "https://hooks.example.com/a", "hourly_limit": "0"},
        "name": {"target": "https://hooks.example.com/a", "name": "  "},
    }
    for field, changes in cases.items():
        refused = client.post("/alerts/rules", data={**fields, **changes})
        assert refused.status_code == 400, field
        assert f'id="{field}-error"' in refused.text, field
        assert 'value="hooks.slack.com/no-scheme"' in refused.text or field != "target"
        assert 'value="vip"' in refused.text  # what was typed is kept
    empty_window = {"target": "https://hooks.example.com/a", "quiet_start": "22:00"}
    refused = client.post("/alerts/rules", data={**fields, **empty_window, "quiet_end": "22:00"})
    assert refused.status_code == 400 and 'id="quiet_end-error"' in refused.text
    assert "must end at another time than they start" in refused.text
    assert _count(session) == (0, 0)
    good = {**fields, "target": "https://hooks.example.com/a", "quiet_start": "22:00"}
    saved = client.post("/alerts/rules", data={**good, "quiet_end": "7:00"}, follow_redirects=False)
    assert saved.status_code == 303
    rule = session.scalars(select(AlertRule)).one()
    assert (rule.quiet_start, rule.quiet_end, rule.timezone) == ("22:00", "07:00", "Europe/Paris")
    page = client.get(saved.headers["location"]).text
    assert "VIP openings" in page and "22:00–07:00 Europe/Paris" in page


# Six mistakes in one rule: a blank name, a target without a scheme, a threshold over 100, an
# hour that does not exist, an unknown time zone and a limit of 0.
REFUSED_RULE = {
    "name": " ",
    "event": "early_warning",
    "channel": "slack",
    "target": "hooks.slack.com/no-scheme",
    "threshold": "150",
    "quiet_start": "25:99",
    "quiet_end": "07:00",
    "timezone": "Mars/Olympus",
    "hourly_limit": "0",
}


def _refused_rule(
    client: TestClient, session: Session, **more: str
) -> tuple[Crew, dict[str, str], Response]:
    """A team lead posts a new rule of ``REFUSED_RULE`` (and ``more`` fields) as the form does:
    the lead's crew, the fields posted and the answer."""
    crew = make_crew(session)
    sign_in(client, crew.lead)
    form = client.get("/alerts/new").text
    data = {**REFUSED_RULE, **more, "csrf_token": csrf_from(form), "team": str(crew.lead.team_id)}
    return crew, data, client.post("/alerts/rules", data=data)


def test_every_refused_field_is_shown_at_once_beside_it(
    client: TestClient, session: Session
) -> None:
    """The form showed one error per post: six mistakes took six rounds."""
    crew, _, refused = _refused_rule(client, session, tag="vip")
    typed = {**REFUSED_RULE, "tag": "vip"}
    assert refused.status_code == 400
    for field in ("name", "target", "threshold", "quiet_start", "timezone", "hourly_limit"):
        assert f'<span class="field-error" role="alert" id="{field}-error">' in refused.text
        assert f'aria-describedby="{field}-error"' in refused.text
    assert "write a percentage from 1 to 99" in refused.text
    assert "&#39;Mars/Olympus&#39; is not a time zone name" in refused.text
    for field in ("target", "tag", "threshold", "quiet_start", "timezone", "hourly_limit"):
        assert f'name="{field}" value="{typed[field]}"' in refused.text, field
    rule = make_rule(session, crew.lead, name="VIPs", target="https://hooks.example.com/a")
    edit = client.get(f"/alerts/rules/{rule.id}/edit").text
    changed = {**typed, "name": "VIPs", "channel": "email", "csrf_token": csrf_from(edit)}
    again = client.post(f"/alerts/rules/{rule.id}/edit", data=changed)
    assert again.status_code == 400
    errors = re.findall(r'class="field-error" role="alert" id="([a-z_]+)-error"', again.text)
    assert errors == ["threshold", "target", "quiet_start", "timezone", "hourly_limit"]
    assert "write one e-mail address" in again.text


def test_a_cleared_threshold_refuses_only_an_escalation_rule(
    client: TestClient, session: Session
) -> None:
    """The escalation risk (%) is read by escalation rules only, as the form's hint says; a
    lead who cleared it on a digest rule was refused "write a percentage" for a field that
    rule ignores. Left empty there, it is saved with the default; an escalation rule with
    it empty is still refused beside it, with what was typed kept."""
    crew = make_crew(session)
    sign_in(client, crew.lead)
    fields = {
        "csrf_token": csrf_from(client.get("/alerts/new").text),
        "team": str(crew.lead.team_id),
        "name": "Monday digest",
        "event": "digest",
        "channel": "slack",
        "target": "https://hooks.example.com/a",
        "threshold": "",
        "timezone": "UTC",
        "hourly_limit": "10",
        "enabled": "1",
    }
    refused = client.post("/alerts/rules", data={**fields, "event": "escalating"})
    assert refused.status_code == 400 and 'id="threshold-error"' in refused.text
    assert 'value="Monday digest"' in refused.text and _count(session) == (0, 0)
    saved = client.post("/alerts/rules", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    rule = session.scalars(select(AlertRule)).one()
    assert (rule.event, rule.threshold) == ("digest", 0.5)


@pytest.mark.on_premises
def test_a_lead_edits_deletes_and_sends_a_test_alert_without_waiting_for_it(
    client: TestClient, session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES, channel="webhook")
    token = sign_in(client, crew.lead)
    before = _count(session)
    for page in (*PAGES, f"/alerts/rules/{rule.id}/edit"):
        assert client.get(page).status_code == 200, page
    assert _count(session) == before  # reading never writes
    edit = client.get(f"/alerts/rules/{rule.id}/edit").text
    assert rule.secret in edit and "X-Poise-Signature" in edit

    sent = client.post(
        f"/alerts/rules/{rule.id}/test", data={"csrf_token": token}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/alerts/log")
    (got,) = receiver.wait_for(1)
    assert got.json()["event"] == "test" and got.json()["title"].startswith("Test alert")
    logged = client.get(sent.headers["location"]).text
    assert "Test alert from Poise" in logged and "1 alert in all · page 1 of 1" in logged

    changed = client.post(
        f"/alerts/rules/{rule.id}/edit",
        data={
            "csrf_token": token,
            "name": "Escalations",
            "event": "escalating",
            "channel": "email",
            "target": "leads@example.com",
            "threshold": "70",
            "timezone": "UTC",
            "hourly_limit": "5",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    session.refresh(rule)
    assert (rule.name, rule.channel, rule.threshold, rule.enabled) == (
        "Escalations",
        "email",
        0.7,
        False,
    )
    # one stray click deleted the rule and its log for good: "Yes, delete" is ticked first
    edit = client.get(f"/alerts/rules/{rule.id}/edit").text
    assert 'name="confirm" value="true"' in edit and "Yes, delete Escalations" in edit
    assert '<h2 id="delete-rule">Delete this rule</h2>' in edit  # apart from Save
    assert '<button type="submit" class="danger">Delete this rule and its log' in edit
    kept = client.post(f"/alerts/rules/{rule.id}/delete", data={"csrf_token": token})
    assert kept.status_code == 400 and 'id="confirm-error"' in kept.text
    assert "tick “Yes, delete Escalations” beside the button" in kept.text
    assert _count(session) == (1, 1)
    gone = client.post(
        f"/alerts/rules/{rule.id}/delete",
        data={"csrf_token": token, "confirm": "true"},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert _count(session) == (0, 0)


@pytest.mark.on_premises
def test_a_failing_channel_shows_its_reason_on_the_rules_page(
    client: TestClient, session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    receiver.statuses = [404]
    token = sign_in(client, crew.lead)
    client.post(f"/alerts/rules/{rule.id}/test", data={"csrf_token": token})
    receiver.wait_for(1)
    for _ in range(100):
        session.expire_all()
        if session.get(AlertRule, rule.id).last_error:  # type: ignore[union-attr]
            break
        __import__("time").sleep(0.05)
    page = client.get("/alerts").text
    assert "127.0.0.1 refused it: 404 Not Found" in page and "gave up after 1 try" in page


@pytest.mark.on_premises
def test_the_log_says_when_a_failed_alert_was_given_up(
    client: TestClient, session: Session, receiver: Receiver
) -> None:
    """The log's Sent column was blank for an alert whose every try was refused: nothing
    said when Poise gave up, beside the reason under Problem."""
    crew = make_crew(session)
    make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    receiver.statuses = [403] * MAX_ATTEMPTS
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    sign_in(client, crew.lead)
    now = NOW
    deliver = sender(guard=ON_PREMISES)  # the receiver listens on 127.0.0.1
    with deliver.client:
        deliver_due(session, deliver, base_url=BASE_URL, now=now)
        retrying = client.get("/alerts/log").text
        for wait in (1, 2, 4, 8):
            now += timedelta(minutes=wait)
            deliver_due(session, deliver, base_url=BASE_URL, now=now)
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert "waiting until 2026-12-03 14:01 UTC" in retrying and '"Sent">not yet</td>' in retrying
    logged = client.get("/alerts/log").text
    assert '"Sent">not sent: gave up at 2026-12-03 14:15 UTC after 5 tries</td>' in logged
    assert "127.0.0.1 refused it: 403 Forbidden" in logged


def test_the_log_pages_past_its_newest_page(client: TestClient, session: Session) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target="https://hooks.example.com/x")
    for _ in range(21):  # one more than the test app's page size (20), none sent
        actions.queue_test(session, actor=crew.lead, rule_id=rule.id, base_url="http://poise")
    sign_in(client, crew.lead)
    first = client.get(f"/alerts/log?team={rule.team_id}").text
    assert first.count("Test alert from Poise") == 20
    assert "21 alerts in all · page 1 of 2" in first
    assert f'href="?team={rule.team_id}&amp;page=2"' in first
    assert client.get("/alerts/log?page=2").text.count("Test alert from Poise") == 1
    past = client.get("/alerts/log?page=4").text
    assert "Nothing on page 4: the list ends at page 2." in past


def test_an_e_mail_rule_saved_without_a_mail_server_says_it_cannot_send(
    client: TestClient, session: Session
) -> None:
    """An e-mail rule saved where no mail server is set up was "saved" like any other, and
    every alert then failed: only the delivery log said why, after the fact."""
    crew = make_crew(session)
    sign_in(client, crew.lead)
    form = client.get("/alerts/new").text
    data = {
        "csrf_token": csrf_from(form),
        "team": str(crew.lead.team_id),
        "name": "Escalations by mail",
        "event": "escalating",
        "channel": "email",
        "target": "leads@example.com",
        "threshold": "60",
        "hourly_limit": "10",
    }
    saved = client.post("/alerts/rules", data=data)
    assert saved.status_code == 200 and "“Escalations by mail” saved" in saved.text
    assert "E-mail alerts need a mail server (POISE_SMTP_URL), and none is set up" in saved.text
    # the flash is said once; the rules page went on saying "Problem: none" for the rule
    later = client.get("/alerts").text
    assert "no mail server is set up, so its alerts fail until one is" in later
    settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"smtp_url": "smtp://127.0.0.1:2525"}
    )
    rule = session.scalars(select(AlertRule)).one()
    edit = client.get(f"/alerts/rules/{rule.id}/edit").text
    again = client.post(
        f"/alerts/rules/{rule.id}/edit", data={**data, "csrf_token": csrf_from(edit)}
    )
    assert "“Escalations by mail” saved" in again.text and "POISE_SMTP_URL" not in again.text
    assert "no mail server is set up" not in client.get("/alerts").text


def test_only_the_first_refused_field_takes_the_focus(client: TestClient, session: Session) -> None:
    """Every refused field carried ``autofocus``: five at once on a refused rule, which HTML
    forbids. The first refused field in the page's order takes it, not the first checked (the
    form checks its channel and quiet hours before its name)."""
    _, data, refused = _refused_rule(client, session)
    assert refused.status_code == 400
    focused = re.findall(r'name="([a-z_]+)"[^>]*\bautofocus\b', refused.text)
    assert focused == ["name"], focused
    again = client.post("/alerts/rules", data={**data, "name": "VIPs"})
    focused = re.findall(r'name="([a-z_]+)"[^>]*\bautofocus\b', again.text)
    assert focused == ["threshold"], focused


def test_five_thousand_characters_in_every_field_are_refused_beside_each_field(
    client: TestClient, session: Session
) -> None:
    """A pasted run of 5,000 digits in the threshold or the hourly limit was read as a
    number, beyond what Python converts, and answered with the bare error page (500)."""
    crew = make_crew(session)
    sign_in(client, crew.lead)
    form = client.get("/alerts/new").text
    typed = {
        "name": "n" * 5000,
        "event": "early_warning",
        "channel": "slack",
        "target": "https://hooks.example.com/" + "a" * 5000,
        "tag": "t" * 5000,
        "threshold": "0" * 4997 + "150",
        "quiet_start": "2" * 5000,
        "quiet_end": "07:00",
        "timezone": "z" * 5000,
        "hourly_limit": "1" * 5000,
    }
    data = {**typed, "csrf_token": csrf_from(form), "team": str(crew.lead.team_id)}
    refused = client.post("/alerts/rules", data=data)
    assert refused.status_code == 400
    errors = re.findall(r'class="field-error" role="alert" id="([a-z_]+)-error"', refused.text)
    expected = ["name", "target", "tag", "threshold", "quiet_start", "timezone", "hourly_limit"]
    assert sorted(errors) == sorted(expected)
    assert "write a percentage from 1 to 99" in refused.text
    assert f"write a whole number from 1 to {actions.MAX_HOURLY}" in refused.text
    assert f'name="hourly_limit" value="{typed["hourly_limit"]}"' in refused.text  # kept
    assert _count(session) == (0, 0)
