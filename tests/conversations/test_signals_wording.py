"""The Signals page says whose open conversations it lists, in words that say something."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.web import weeks


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


@pytest.fixture
def tuesday(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fix the day at the weeks' clock: Tuesday 8 Dec 2026, two days into the running week."""
    monkeypatch.setattr(weeks, "clock", lambda: datetime(2026, 12, 8, 15, tzinfo=UTC))
    yield


def _intro(page: str) -> str:
    return page.split("<h1>Signals</h1>")[1].split("</p>")[0]


@pytest.mark.usefixtures("tuesday")
def test_the_period_says_so_far_once(client: TestClient, session: Session) -> None:
    """The intro read "this one so far (16 Nov – Tue 8 Dec 2026, so far)": once is enough."""
    sign_in(client, make_user(session, role="lead", team="Billing"))
    intro = _intro(client.get("/signals").text)
    assert "this one so far (16 Nov – Tue 8 Dec 2026)" in intro
    assert intro.count("so far") == 1


@pytest.mark.usefixtures("tuesday")
def test_an_agent_is_not_pointed_at_insights(client: TestClient, session: Session) -> None:
    """Agents cannot open the Insights dashboard, so the intro does not name it to them;
    a lead, who can, gets the period named with a link to it."""
    sign_in(client, make_user(session, team="Billing"))
    assert "Insights" not in _intro(client.get("/signals").text)

    sign_in(client, make_user(session, role="lead", team="Billing"))
    intro = _intro(client.get("/signals").text)
    assert 'the default period of <a href="/insights">Insights</a>' in intro
