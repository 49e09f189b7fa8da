"""The Signals page says whose open conversations it lists, in words that say something."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in


def test_all_i_can_open_says_whose_conversations_it_lists(
    client: TestClient, session: Session
) -> None:
    """An agent's Signals page read "Open conversations you can open": the list is their own,
    their team's and the unassigned ones (the visibility rule), so it says that."""
    sign_in(client, make_user(session, team="Billing"))
    page = client.get("/signals").text
    assert "you can open, riskiest first" not in page
    assert "Your own, your team&#39;s and unassigned open conversations, riskiest first" in page
    assert "None of your own, your team&#39;s or unassigned open conversations shows" in page


def test_without_a_team_the_list_is_ones_own_and_the_unassigned(
    client: TestClient, session: Session
) -> None:
    """Someone in no team opens only their own and the unassigned conversations."""
    sign_in(client, make_user(session))
    page = client.get("/signals").text
    assert "Your own and unassigned open conversations, riskiest first" in page
    assert "None of your own or unassigned open conversations shows" in page
