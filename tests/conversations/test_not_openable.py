"""A conversation the reader may not open is answered exactly as one that does not exist.

A 403 for another team's conversation and a 404 for a missing one told an outsider which ids
exist (and so how many conversations another team has); every page, form and API call that
takes a conversation id now answers both with the same 404 and the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from knowledge.kb_manual import publish_manual
from sqlalchemy.orm import Session

from builders import csrf_from, make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.morale import actions as morale
from support import said

Ask = Callable[[int], httpx.Response]


@dataclass
class Stage:
    client: TestClient
    theirs: int  # a conversation of team Care
    missing: int  # an id no conversation has
    article_id: int
    scorecard_id: int
    csrf: str
    bearer: dict[str, str]


@pytest.fixture
def stage(client: TestClient, session: Session) -> Stage:
    ada = make_user(session, team="Care", name="Ada")
    conv = make_conversation(session, assignee_email=ada.email)
    billing_lead = make_user(session, role="lead", team="Billing")
    article = next(iter(publish_manual(session, billing_lead).values()))
    card = morale.create_scorecard(
        session, actor=billing_lead, name="Tough calls", categories=[("Empathy", 5)]
    )
    outsider = make_user(session, team="Billing", name="Olga")
    token = create_api_token(session, actor=None, user=outsider)
    csrf = sign_in(client, outsider)
    return Stage(
        client=client,
        theirs=conv.id,
        missing=conv.id + 10_000,
        article_id=article.id,
        scorecard_id=card.id,
        csrf=csrf,
        bearer={"Authorization": f"Bearer {token}"},
    )


def _asks(s: Stage) -> dict[str, Ask]:
    c, api, form = s.client, s.bearer, {"csrf_token": s.csrf}
    return {
        "conversation page": lambda i: c.get(f"/conversations/{i}"),
        "assist panel": lambda i: c.get(f"/assist/{i}"),
        "assist purpose": lambda i: c.post(f"/assist/{i}/purpose", data={**form, "purpose": "x"}),
        "manual suggestions": lambda i: c.get(f"/manual/suggestions/{i}"),
        "manual use": lambda i: c.post(
            "/manual/use", data={**form, "conversation_id": i, "article_id": s.article_id}
        ),
        "article flag": lambda i: c.post(
            f"/manual/{s.article_id}/flag", data={**form, "kind": "stale", "conversation_id": i}
        ),
        "peer review": lambda i: c.post(
            "/morale/reviews",
            data={**form, "conversation_id": str(i), "scorecard_id": str(s.scorecard_id)},
        ),
        "API conversation": lambda i: c.get(f"/api/v1/conversations/{i}", headers=api),
        "API suggestions": lambda i: c.get(f"/api/v1/kb/suggestions/{i}", headers=api),
        "API assist": lambda i: c.post("/api/v1/assist", headers=api, json={"conversation_id": i}),
        "API use": lambda i: c.post(
            "/api/v1/kb/uses", headers=api, json={"conversation_id": i, "article_id": s.article_id}
        ),
        "API flag": lambda i: c.post(
            f"/api/v1/kb/articles/{s.article_id}/flags",
            headers=api,
            json={"kind": "stale", "conversation_id": i},
        ),
    }


ASKS = (
    "conversation page",
    "assist panel",
    "assist purpose",
    "manual suggestions",
    "manual use",
    "article flag",
    "peer review",
    "API conversation",
    "API suggestions",
    "API assist",
    "API use",
    "API flag",
)


@pytest.mark.parametrize("what", ASKS)
def test_another_teams_conversation_is_answered_as_a_missing_one(stage: Stage, what: str) -> None:
    ask = _asks(stage)[what]
    theirs, missing = ask(stage.theirs), ask(stage.missing)
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert said(theirs, stage.theirs) == said(missing, stage.missing)
    assert f"no conversation with id {stage.theirs}" in theirs.text
    assert "another team" not in theirs.text


def test_every_conversation_route_is_asked(stage: Stage) -> None:
    assert set(_asks(stage)) == set(ASKS)
    api = stage.client.get(f"/api/v1/conversations/{stage.theirs}", headers=stage.bearer)
    assert api.json() == {"detail": f"no conversation with id {stage.theirs}"}


def test_a_role_refusal_stays_a_403(client: TestClient, session: Session) -> None:
    """What a role may not do at all is still said so: it reveals no record."""
    sign_in(client, make_user(session, team="Billing"))
    assert client.get("/manual/proposals").status_code == 403
    assert client.get("/alerts").status_code == 403


def test_the_team_still_opens_it(client: TestClient, session: Session) -> None:
    ada = make_user(session, team="Care")
    conv = make_conversation(session, assignee_email=ada.email)
    sign_in(client, make_user(session, team="Care"))
    assert client.get(f"/conversations/{conv.id}").status_code == 200
    assert client.get(f"/assist/{conv.id}").status_code == 200
    html = client.get(f"/conversations/{conv.id}").text
    assert csrf_from(html)
