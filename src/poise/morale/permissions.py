"""Who may do what in morale: small predicates the actions and queries share."""

from __future__ import annotations

from poise.auth.models import User
from poise.auth.permissions import leads_team
from poise.errors import PermissionDenied
from poise.morale.models import Hug, KudosRound


def may_run_round(actor: User, kudos_round: KudosRound) -> bool:
    """The round's collector, or a lead of that team, or an admin."""
    if kudos_round.collector_id == actor.id:
        return True
    return leads_team(actor, kudos_round.team_id)


def may_see_round(actor: User, kudos_round: KudosRound) -> bool:
    """A published round is for its team; a round in preparation only for who runs it."""
    if may_run_round(actor, kudos_round):
        return True
    return kudos_round.status == "published" and actor.team_id == kudos_round.team_id


def require_run_round(actor: User, kudos_round: KudosRound) -> None:
    if not may_run_round(actor, kudos_round):
        raise PermissionDenied(
            "only this month's collector or a lead of this team can run its kudos round"
        )


def require_lead_of(actor: User, team_id: int | None) -> None:
    if not leads_team(actor, team_id):
        raise PermissionDenied("only a lead of this team (or an admin) can do this")


def may_review_hug(actor: User, hug: Hug) -> bool:
    """A draft holds the customer's unredacted words, so it stays inside the drafter's team as
    conversations do: its drafter, a lead of the drafter's team, or an admin. A draft whose
    drafter was deleted belongs to no team any more: admins only. Once published, the hug is
    everyone's on the public wall (``/wall/{id}``); its review page stays the team's."""
    if not actor.is_lead:
        return False
    if actor.is_admin or hug.created_by_id == actor.id:
        return True
    return hug.created_by is not None and leads_team(actor, hug.created_by.team_id)
