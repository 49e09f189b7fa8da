"""Builders for alert tests: a team with its lead and an agent, rules, flagged conversations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.auth.models import User
from poise.connectors.alerts.actions import RuleForm, create_rule
from poise.connectors.alerts.channels import Sender
from poise.connectors.alerts.models import AlertRule
from poise.conversations.models import Conversation
from poise.mail import Mailer

BASE_URL = "https://poise.example.com"


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


def make_rule(session: Session, lead: User, **fields: Any) -> AlertRule:
    form = RuleForm(**{"name": "VIP openings", "tag": "vip", **fields})
    assert lead.team_id is not None
    return create_rule(session, actor=lead, team_id=lead.team_id, form=form)


def flagged_conversation(
    session: Session, agent: User, *, early: bool = True, risk: float = 0.2, **fields: Any
) -> Conversation:
    """A conversation of the agent's with its signals already worked out (as scoring would)."""
    fields.setdefault("tags", ["vip"])
    conv = make_conversation(session, assignee_email=agent.email, **fields)
    conv.early_warning, conv.escalation_risk = early, risk
    session.commit()
    return conv


def sender(smtp_url: str | None = None) -> Sender:
    """The real channels: HTTP over a real client, e-mail through a real SMTP server."""
    return Sender(httpx.Client(timeout=5), Mailer.from_url(smtp_url, "Poise <poise@example.com>"))
