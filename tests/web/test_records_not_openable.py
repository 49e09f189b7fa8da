"""Another team's (or another person's) record is answered exactly as one that does not exist.

The rule conversations follow (tests/conversations/test_not_openable.py), for the other records
a page takes by id: a lead of another team asking for Care's alert rule, kudos round (or to
prepare one) or AutoQA switch, and someone other than the reviewee acknowledging a peer review,
get the same 404 and the same words as for an id nothing has, so nobody learns which ids another
team holds. What a role may not do at all (an agent on a lead's page) stays a 403, whatever the
id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.connectors.alerts.actions import RuleForm, create_rule
from poise.connectors.alerts.targets import TargetGuard
from poise.db.base import utcnow
from poise.morale import actions as morale
from support import said

Ask = Callable[[int], httpx.Response]
HOOK = "http://127.0.0.1:9/hook"  # nothing is sent: the rule is only looked up
RULE_FORM = {
    "name": "VIP openings",
    "event": "early_warning",
    "channel": "slack",
    "target": HOOK,
    "tag": "vip",
    "threshold": "50",
    "timezone": "UTC",
    "hourly_limit": "10",
    "enabled": "1",
}


@dataclass
class Stage:
    client: TestClient
    csrf: str
    ids: dict[str, int]  # what of team Care each route is asked about
    collector_id: int  # a member of Care
    month: str  # a month with no round of Care yet


@pytest.fixture
def stage(client: TestClient, session: Session) -> Stage:
    """Team Care's alert rule, kudos round and a submitted peer review of Ada's; signed in as
    the lead of another team, Billing."""
    lead = make_user(session, role="lead", team="Care", name="Cara")
    ada = make_user(session, team="Care", name="Ada")
    ben = make_user(session, team="Care", name="Ben")
    assert lead.team_id is not None
    rule = create_rule(
        session,
        actor=lead,
        team_id=lead.team_id,
        form=RuleForm(name="VIP openings", tag="vip", target=HOOK),
        guard=TargetGuard(allow_private=True),
    )
    month = (utcnow().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    kudos = morale.prepare_round(session, actor=lead, team_id=lead.team_id, month=month)
    card = morale.create_scorecard(session, actor=lead, name="Care", categories=[("Tone", 5)])
    conv = make_conversation(session, assignee_email=ada.email)
    review = morale.start_review(session, actor=ben, conversation_id=conv.id, scorecard_id=card.id)
    morale.submit_review(
        session,
        actor=ben,
        review_id=review.id,
        scores={card.categories[0].id: 4},
        strengths="Warm and clear.",
        try_next="Name the next step.",
    )
    csrf = sign_in(client, make_user(session, role="lead", team="Billing", name="Bill"))
    ids = {"rule": rule.id, "round": kudos.id, "review": review.id, "team": lead.team_id}
    earlier = (utcnow().date().replace(day=1) - timedelta(days=40)).strftime("%Y-%m")
    return Stage(client, csrf, ids, collector_id=ada.id, month=earlier)


def _asks(s: Stage) -> dict[str, tuple[str, Ask]]:
    """Each route, with the kind of record it takes (a key of ``Stage.ids``)."""
    c, form = s.client, {"csrf_token": s.csrf}
    return {
        "alert rule edit page": ("rule", lambda i: c.get(f"/alerts/rules/{i}/edit")),
        "alert rule edit": (
            "rule",
            lambda i: c.post(f"/alerts/rules/{i}/edit", data={**form, **RULE_FORM}),
        ),
        "alert rule test": ("rule", lambda i: c.post(f"/alerts/rules/{i}/test", data=form)),
        "alert rule delete": ("rule", lambda i: c.post(f"/alerts/rules/{i}/delete", data=form)),
        "kudos collector": (
            "round",
            lambda i: c.post(
                f"/morale/kudos/{i}/collector", data={**form, "collector_id": s.collector_id}
            ),
        ),
        "kudos prepare": (
            "team",
            lambda i: c.post(
                "/morale/kudos/prepare", data={**form, "team_id": i, "month": s.month}
            ),
        ),
        "peer review acknowledge": (
            "review",
            lambda i: c.post(f"/morale/reviews/{i}/acknowledge", data={**form, "reply": "Thanks"}),
        ),
        "team AutoQA": (
            "team",
            lambda i: c.post(f"/training/autoqa/teams/{i}", data={**form, "enabled": "1"}),
        ),
    }


ASKS = (
    "alert rule edit page",
    "alert rule edit",
    "alert rule test",
    "alert rule delete",
    "kudos collector",
    "kudos prepare",
    "peer review acknowledge",
    "team AutoQA",
)


@pytest.mark.parametrize("what", ASKS)
def test_another_teams_record_is_answered_as_a_missing_one(stage: Stage, what: str) -> None:
    kind, ask = _asks(stage)[what]
    theirs_id = stage.ids[kind]
    missing_id = theirs_id + 10_000
    theirs, missing = ask(theirs_id), ask(missing_id)
    assert (theirs.status_code, missing.status_code) == (404, 404), theirs.text[:600]
    assert said(theirs, theirs_id) == said(missing, missing_id)
    assert "another team" not in theirs.text
    assert "this team" not in theirs.text


def test_every_changed_route_is_asked(stage: Stage) -> None:
    assert set(_asks(stage)) == set(ASKS)


def test_a_role_refusal_stays_a_403_whatever_the_id(
    client: TestClient, session: Session, stage: Stage
) -> None:
    """An agent may manage no alert rule and no kudos collector at all: said so (403), the
    same for a rule or round that exists and for one that does not."""
    client.cookies.clear()
    csrf = sign_in(client, make_user(session, team="Billing", name="Olga"))
    for path, data in (
        ("/alerts/rules/{}/delete", {}),
        ("/morale/kudos/{}/collector", {"collector_id": stage.collector_id}),
        ("/training/autoqa/teams/{}", {"enabled": "1"}),
    ):
        kind = {"alerts": "rule", "morale": "round", "training": "team"}[path.split("/")[1]]
        record_id = stage.ids[kind]
        answers = [
            client.post(path.format(i), data={"csrf_token": csrf, **data})
            for i in (record_id, record_id + 10_000)
        ]
        assert [a.status_code for a in answers] == [403, 403], path
        assert said(answers[0], record_id) == said(answers[1], record_id + 10_000)
    assert client.get(f"/alerts/rules/{stage.ids['rule']}/edit").status_code == 403


def test_the_team_lead_still_manages_them(
    client: TestClient, session: Session, stage: Stage
) -> None:
    client.cookies.clear()
    lead = make_user(session, role="lead", team="Care", name="Cleo")
    csrf = sign_in(client, lead)
    assert client.get(f"/alerts/rules/{stage.ids['rule']}/edit").status_code == 200
    moved = client.post(
        f"/morale/kudos/{stage.ids['round']}/collector",
        data={"csrf_token": csrf, "collector_id": stage.collector_id},
        follow_redirects=False,
    )
    assert moved.status_code == 303
