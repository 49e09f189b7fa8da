"""Team views for a reader in no team (an admin): a choice of teams, never a bare 400."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in

TEAM_VIEWS = [
    "/morale/balance/team",
    "/insights/exposure/team",
    "/insights/digest",
    "/alerts",
    "/alerts/log",
    "/alerts/new",
]


@pytest.mark.parametrize("path", TEAM_VIEWS)
def test_an_admin_chooses_the_team(client: TestClient, session: Session, path: str) -> None:
    make_user(session, team="Billing")
    make_user(session, team="Devices")
    sign_in(client, make_user(session, role="admin"))
    page = client.get(path)
    assert page.status_code == 200
    choices = re.findall(rf'href="{re.escape(path)}\?team=(\d+)">(\w+)</a>', page.text)
    assert [name for _, name in choices] == ["Billing", "Devices"]
    for team_id, name in choices:
        shown = client.get(f"{path}?team={team_id}")
        assert shown.status_code == 200 and name in shown.text


def test_a_lead_goes_straight_to_their_team(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="lead", team="Billing"))
    for path in TEAM_VIEWS:
        page = client.get(path)
        assert page.status_code == 200 and "choose the team" not in page.text, path
