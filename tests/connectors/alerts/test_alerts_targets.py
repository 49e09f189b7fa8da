"""An alert rule cannot make Poise post inside its own network (SSRF): internal addresses are
refused when the rule is saved and again when an alert is sent, unless the operator allowed
them. Nothing here resolves a public name: IP literals, ``localhost``, or an offline resolver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import csrf_from, sign_in
from connectors.alerts.alert_builders import (
    BASE_URL,
    ON_PREMISES,
    PUBLIC_ADDRESS,
    PUBLIC_ONLY,
    flagged_conversation,
    make_crew,
    make_rule,
)
from connectors.alerts.conftest import Receiver
from poise.connectors.alerts.actions import record_conversation_alerts
from poise.connectors.alerts.channels import Sender
from poise.connectors.alerts.delivery import deliver_due
from poise.connectors.alerts.models import AlertDelivery, AlertRule
from poise.connectors.alerts.targets import TargetGuard, internal, system_resolver
from poise.settings import Settings

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)

REFUSED = {
    "http://127.0.0.1:8080/hook": "127.0.0.1 is a loopback address",
    "http://10.1.2.3/hook": "10.1.2.3 is a private address",
    "https://192.168.0.10/hook": "a private address",
    "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a link-local address",
    "http://[::1]:8000/hook": "::1 is a loopback address",
    "http://[::ffff:127.0.0.1]/hook": "a loopback address",
    "http://[fd00::1]/hook": "a private address",
    "http://0.0.0.0:8000/hook": "0.0.0.0 is an unspecified address",
    "http://224.0.0.1/hook": "a multicast address",
    "http://240.0.0.1/hook": "a reserved address",
    "http://100.64.0.1/hook": "not a public address",  # shared (carrier-grade NAT)
}


def _rules(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AlertRule.id))) or 0


def _form(client: TestClient, team_id: int | None, target: str) -> dict[str, str]:
    token = csrf_from(client.get("/alerts/new").text)
    return {
        "csrf_token": token,
        "team": str(team_id),
        "name": "VIP openings",
        "event": "early_warning",
        "channel": "slack",
        "target": target,
        "tag": "vip",
        "threshold": "50",
        "timezone": "UTC",
        "hourly_limit": "10",
        "enabled": "1",
    }


def test_saving_a_rule_refuses_internal_addresses_beside_the_field_keeping_the_input(
    client: TestClient, session: Session
) -> None:
    crew = make_crew(session)
    sign_in(client, crew.lead)
    for target, why in REFUSED.items():
        refused = client.post("/alerts/rules", data=_form(client, crew.lead.team_id, target))
        assert refused.status_code == 400, target
        assert 'id="target-error"' in refused.text, target
        assert why in refused.text, (target, why)
        assert "POISE_ALERTS_ALLOW_PRIVATE_HOSTS" in refused.text
        assert f'name="target" value="{target}"' in refused.text  # what was typed is kept
    for target in ("file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://10.0.0.1/x"):
        refused = client.post("/alerts/rules", data=_form(client, crew.lead.team_id, target))
        assert refused.status_code == 400 and 'id="target-error"' in refused.text, target
    assert _rules(session) == 0
    public = _form(client, crew.lead.team_id, "https://hooks.example.com/services/T0/B0")
    assert client.post("/alerts/rules", data=public, follow_redirects=False).status_code == 303
    assert _rules(session) == 1


def test_a_name_is_resolved_and_judged_by_its_addresses(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    """``localhost`` through the system's resolver; a name whose DNS leads inside through a
    resolver that answers for it; an unknown name is said so."""
    crew = make_crew(session)
    sign_in(client, crew.lead)
    app.state.alert_resolver = system_resolver
    refused = client.post(
        "/alerts/rules", data=_form(client, crew.lead.team_id, "http://localhost:8000/hook")
    )
    assert refused.status_code == 400
    assert "localhost resolves to" in refused.text and "a loopback address" in refused.text
    for short in ("http://127.1/hook", "http://2130706433/hook"):  # 127.0.0.1 in other words
        refused = client.post("/alerts/rules", data=_form(client, crew.lead.team_id, short))
        assert refused.status_code == 400 and "a loopback address" in refused.text, short

    def intranet(host: str, port: int) -> Sequence[str]:
        return [PUBLIC_ADDRESS, "10.20.30.40"] if host == "chat.example.com" else []

    app.state.alert_resolver = intranet
    data = _form(client, crew.lead.team_id, "https://chat.example.com/hook")
    refused = client.post("/alerts/rules", data=data)
    assert refused.status_code == 400
    assert "chat.example.com resolves to 10.20.30.40, which is a private address" in refused.text
    unknown = client.post(
        "/alerts/rules", data=_form(client, crew.lead.team_id, "https://nx.test/x")
    )
    assert unknown.status_code == 400 and "no address found for nx.test" in unknown.text
    assert _rules(session) == 0


def test_editing_a_rule_to_an_internal_address_is_refused(
    client: TestClient, session: Session
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target="https://hooks.example.com/a")
    token = sign_in(client, crew.lead)
    data = {**_form(client, crew.lead.team_id, "http://169.254.169.254/"), "csrf_token": token}
    refused = client.post(f"/alerts/rules/{rule.id}/edit", data=data)
    assert refused.status_code == 400 and "a link-local address" in refused.text
    assert 'value="http://169.254.169.254/"' in refused.text
    session.refresh(rule)
    assert rule.target == "https://hooks.example.com/a"


def test_an_address_whose_name_now_leads_inside_is_not_posted_to(
    session: Session, receiver: Receiver
) -> None:
    """DNS can change after a rule is saved: the send checks again and posts nothing."""
    crew = make_crew(session)
    port = httpx.URL(receiver.url).port
    answers = {"chat.example.com": [PUBLIC_ADDRESS]}

    def dns(host: str, port: int) -> Sequence[str]:
        return answers[host]

    guard = TargetGuard(resolve=dns)
    rule = make_rule(session, crew.lead, target=f"http://chat.example.com:{port}/hook", guard=guard)
    answers["chat.example.com"] = ["127.0.0.1"]  # now the name points at this very host
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    with httpx.Client(timeout=5) as client:
        deliver_due(session, Sender(client, None, guard), base_url=BASE_URL, now=NOW)
    assert receiver.requests == []  # nothing reached the loopback receiver
    session.refresh(rule)
    assert rule.last_error.startswith(
        "not sent: chat.example.com resolves to 127.0.0.1, which is a loopback address"
    )
    delivery = session.scalars(select(AlertDelivery)).one()
    assert delivery.status == "pending" and delivery.attempts == 1  # retried, checked again


def test_a_rule_saved_while_internal_hosts_were_allowed_is_not_sent_once_they_are_not(
    session: Session, receiver: Receiver
) -> None:
    crew = make_crew(session)
    rule = make_rule(session, crew.lead, target=receiver.url, guard=ON_PREMISES)
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    with httpx.Client(timeout=5) as client:
        deliver_due(session, Sender(client, None, PUBLIC_ONLY), base_url=BASE_URL, now=NOW)
    assert receiver.requests == []
    session.refresh(rule)
    assert "127.0.0.1 is a loopback address" in rule.last_error


def test_the_post_goes_to_the_checked_address_with_the_name_in_host_and_tls(
    session: Session,
) -> None:
    """The name is not resolved a second time by the client, where DNS could answer otherwise:
    the request goes to the address that was checked, and falls back to the next one."""
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == PUBLIC_ADDRESS:
            raise httpx.ConnectError("unreachable", request=request)
        return httpx.Response(200, text="ok")

    crew = make_crew(session)
    other = "151.101.1.69"

    def dns(host: str, port: int) -> Sequence[str]:
        return [PUBLIC_ADDRESS, other]

    guard = TargetGuard(resolve=dns)
    rule = make_rule(session, crew.lead, target="https://chat.example.com:8443/hook", guard=guard)
    conv = flagged_conversation(session, crew.agent)
    record_conversation_alerts(session, [conv.id], base_url=BASE_URL, now=NOW)
    with httpx.Client(transport=httpx.MockTransport(receiver)) as client:
        report = deliver_due(session, Sender(client, None, guard), base_url=BASE_URL, now=NOW)
    assert report.sent == 1
    assert [r.url.host for r in seen] == [PUBLIC_ADDRESS, other]
    last = seen[-1]
    assert str(last.url) == f"https://{other}:8443/hook"
    assert last.headers["host"] == "chat.example.com:8443"
    assert last.extensions["sni_hostname"] == "chat.example.com"
    session.refresh(rule)
    assert rule.last_error == ""


@pytest.mark.on_premises
def test_the_operators_opt_in_allows_an_internal_chat_server(
    client: TestClient, session: Session, settings: Settings, receiver: Receiver
) -> None:
    assert settings.alerts_allow_private_hosts
    crew = make_crew(session)
    token = sign_in(client, crew.lead)
    saved = client.post(
        "/alerts/rules", data=_form(client, crew.lead.team_id, receiver.url), follow_redirects=False
    )
    assert saved.status_code == 303
    rule = session.scalars(select(AlertRule)).one()
    client.post(f"/alerts/rules/{rule.id}/test", data={"csrf_token": token})
    (got,) = receiver.wait_for(1)
    assert got.json()["text"].startswith("Test alert from Poise")
    scheme = client.post("/alerts/rules", data=_form(client, crew.lead.team_id, "file:///x"))
    assert scheme.status_code == 400  # the opt-in is about hosts, never other schemes


def test_the_opt_in_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POISE_ALERTS_ALLOW_PRIVATE_HOSTS", raising=False)
    assert Settings().alerts_allow_private_hosts is False
    monkeypatch.setenv("POISE_ALERTS_ALLOW_PRIVATE_HOSTS", "true")
    assert Settings().alerts_allow_private_hosts is True


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("93.184.215.14", ""),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""),
        ("127.0.0.53", "a loopback address"),
        ("172.16.5.4", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("::", "an unspecified address"),
        ("ff02::1", "a multicast address"),
        ("2002:7f00:1::1", "a loopback address"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "a link-local address"),  # NAT64 around 169.254.169.254
        ("192.0.2.1", "a private address"),  # documentation range: routes nowhere public
    ],
)
def test_what_counts_as_internal(address: str, why: str) -> None:
    assert internal(address) == why
