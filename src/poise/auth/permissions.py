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
