"""Role checks used by actions and queries (never only by templates)."""

from __future__ import annotations

from poise.auth.models import User
from poise.errors import PermissionDenied


def require_admin(actor: User | None) -> None:
    """Only admins manage users, teams and integrations. ``None`` is the trusted CLI."""
    if actor is None:
        return
    if not actor.is_admin:
        raise PermissionDenied("only an admin can do this")


def require_lead(actor: User | None) -> None:
    """Leads (and admins) import data, curate and run rituals. ``None`` is the trusted CLI."""
    if actor is None:
        return
    if not actor.is_lead:
        raise PermissionDenied("only a lead or an admin can do this")


def leads_team(actor: User, team_id: int | None) -> bool:
    """An admin, or a lead of exactly this team (a lead of another team is not enough).

    The one rule for everything a lead may see or run of a team: kudos rounds, alert rules,
    AutoQA shares, team members' practice replies.
    """
    if actor.is_admin:
        return True
    return actor.role == "lead" and team_id is not None and actor.team_id == team_id
