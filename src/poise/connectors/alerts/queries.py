"""Named reads of alert rules and their log, each checking who may read them.

A lead manages the rules of their own team, an admin those of every team; agents none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.auth.permissions import leads_team
from poise.connectors.alerts.models import AlertDelivery, AlertRule
from poise.errors import NotFound, PermissionDenied
from poise.pagination import Page, paginate


def may_manage(actor: User, team_id: int | None) -> bool:
    """An admin, or the lead of exactly this team."""
    return leads_team(actor, team_id)


def require_manager(actor: User, team_id: int | None) -> None:
    if not may_manage(actor, team_id):
        raise PermissionDenied("only the team's lead or an admin can manage its alerts")


def managed_teams(session: Session, *, actor: User) -> list[Team]:
    """The teams whose alerts the actor manages: all for an admin, their own for a lead."""
    if not actor.is_lead:
        raise PermissionDenied("alerts are managed by leads and admins")
    query = select(Team).order_by(Team.name)
    if not actor.is_admin:
        query = query.where(Team.id == actor.team_id)
    return list(session.scalars(query))


def team(session: Session, *, actor: User, team_id: int) -> Team:
    require_manager(actor, team_id)
    found = session.get(Team, team_id)
    if found is None:
        raise NotFound(f"no team {team_id}")
    return found


@dataclass(frozen=True)
class TeamRules:
    team: Team
    rules: list[AlertRule]
    sent: Counter[int]  # alerts sent per rule id
    waiting: Counter[int]  # pending or over the limit, per rule id


def team_rules(session: Session, *, actor: User, team_id: int) -> TeamRules:
    """A team's rules with what each has sent and has waiting."""
    found = team(session, actor=actor, team_id=team_id)
    rules = list(
        session.scalars(
            select(AlertRule).where(AlertRule.team_id == team_id).order_by(AlertRule.name)
        )
    )
    counts = session.execute(
        select(AlertDelivery.rule_id, AlertDelivery.status, func.count(AlertDelivery.id))
        .where(AlertDelivery.rule_id.in_([r.id for r in rules]))
        .group_by(AlertDelivery.rule_id, AlertDelivery.status)
    ).all()
    sent: Counter[int] = Counter()
    waiting: Counter[int] = Counter()
    for rule_id, status, n in counts:
        if status == "sent":
            sent[rule_id] += n
        elif status in ("pending", "limited"):
            waiting[rule_id] += n
    return TeamRules(found, rules, sent, waiting)


def rule(session: Session, *, actor: User, rule_id: int) -> AlertRule:
    """One rule, for its team's lead or an admin.

    Another team's rule is answered as a missing one (the same 404 and words), so a lead
    learns nothing of which ids other teams hold; an agent is refused for the role (403),
    whatever the id.
    """
    if not actor.is_lead:
        raise PermissionDenied("alerts are managed by leads and admins")
    found = session.scalar(
        select(AlertRule).where(AlertRule.id == rule_id).options(selectinload(AlertRule.team))
    )
    if found is None or not may_manage(actor, found.team_id):
        raise NotFound(f"no alert rule {rule_id}")
    return found


def delivery_log(
    session: Session, *, actor: User, team_id: int, page: int = 1, page_size: int = 50
) -> Page[AlertDelivery]:
    """The team's deliveries with their rules, newest first, one page at a time (the log used
    to stop at the newest 200 without saying so)."""
    require_manager(actor, team_id)
    query = (
        select(AlertDelivery)
        .join(AlertRule)
        .where(AlertRule.team_id == team_id)
        .options(selectinload(AlertDelivery.rule))
        .order_by(AlertDelivery.id.desc())
    )
    return paginate(session, query, page=page, page_size=page_size)
