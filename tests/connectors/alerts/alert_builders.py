"""Builders for alert tests: a team with its lead and an agent, rules, flagged conversations."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.auth.models import User
from poise.connectors.alerts.actions import RuleForm, create_rule
from poise.connectors.alerts.channels import Sender
from poise.connectors.alerts.models import AlertRule
from poise.connectors.alerts.targets import TargetGuard
from poise.conversations.models import Conversation
from poise.mail import Mailer

BASE_URL = "https://poise.example.com"
PUBLIC_ADDRESS = "93.184.215.14"  # what a public receiver's name resolves to in these tests


def offline_dns(host: str, port: int) -> Sequence[str]:
    """Name resolution without the network: the example names (RFC 2606) are public hosts,
    every other name is unknown. Tests never resolve a public name for real."""
    if host == "example.com" or host.endswith(".example.com"):
        return [PUBLIC_ADDRESS]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


PUBLIC_ONLY = TargetGuard(resolve=offline_dns)  # the default check, with the offline DNS
ON_PREMISES = TargetGuard(
    allow_private=True
)  # POISE_ALERTS_ALLOW_PRIVATE_HOSTS: the loopback receiver


@dataclass
class Crew:
    lead: User
    agent: User
    other_lead: User


def make_crew(session: Session) -> Crew:
    return Crew(
        lead=make_user(session, role="lead", team="A", name="Lee Lead"),
        agent=make_user(session, team="A", name="Ada Agent"),
        other_lead=make_user(session, role="lead", team="B", name="Bo Lead"),
    )


def make_rule(
    session: Session, lead: User, *, guard: TargetGuard = PUBLIC_ONLY, **fields: Any
) -> AlertRule:
    """A rule of the lead's team; a rule posting to the loopback receiver passes
    ``guard=ON_PREMISES``, the operator's opt-in for internal hosts."""
    form = RuleForm(**{"name": "VIP openings", "tag": "vip", **fields})
    assert lead.team_id is not None
    return create_rule(session, actor=lead, team_id=lead.team_id, form=form, guard=guard)


def flagged_conversation(
    session: Session, agent: User, *, early: bool = True, risk: float = 0.2, **fields: Any
) -> Conversation:
    """A conversation of the agent's with its signals already worked out (as scoring would)."""
    fields.setdefault("tags", ["vip"])
    conv = make_conversation(session, assignee_email=agent.email, **fields)
    conv.early_warning, conv.escalation_risk = early, risk
    session.commit()
    return conv


def sender(smtp_url: str | None = None, *, guard: TargetGuard = PUBLIC_ONLY) -> Sender:
    """The real channels: HTTP over a real client, e-mail through a real SMTP server.

    Sending to the loopback receiver needs ``guard=ON_PREMISES`` (the operator's opt-in).
    """
    mailer = Mailer.from_url(smtp_url, "Poise <poise@example.com>")
    return Sender(httpx.Client(timeout=5), mailer, guard)
