"""The Signals page says whose open conversations it lists, in words that say something."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import conversation_record, make_user, sign_in
from poise.conversations.writer import write_conversations
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


@pytest.mark.usefixtures("tuesday")
def test_mine_with_none_of_ones_own_does_not_say_there_is_nothing_to_open(
    client: TestClient, session: Session
) -> None:
    """A lead, who is rarely assigned, opening "Mine" read "No conversations opened in the
    last four weeks that you can open … import a file of them" while the team's were there
    one tab away: the tab's empty state says none is theirs and points back to all."""
    agent = make_user(session, team="Billing")
    lead = make_user(session, role="lead", team="Billing")
    opened = datetime(2026, 12, 7, 9, tzinfo=UTC)
    write_conversations(
        session, "test", [conversation_record(assignee_email=agent.email, start=opened)]
    )
    session.commit()
    sign_in(client, lead)
    mine = client.get("/signals?assignee=me").text
    assert 'id="signals-first-run"' not in mine and "import a file of them" not in mine
    assert "None of your conversations was opened in the last four weeks" in mine
    assert '<a href="/signals">See all you can open</a>' in mine
    assert 'id="signals-first-run"' not in client.get("/signals").text


def test_an_unknown_tab_is_named_beside_the_tabs_not_a_bare_error_page(
    client: TestClient, session: Session
) -> None:
    """``/signals?assignee=mine`` (a hand-made or old link) answered the bare 400 page; the
    page shows everything the reader can open and says why beside the tabs, as "My team"
    without a team does."""
    sign_in(client, make_user(session, team="Billing"))
    response = client.get("/signals?assignee=mine")
    assert response.status_code == 200
    assert re.search(r'id="assignee-error">There is no tab &#39;mine&#39;', response.text)
    assert '<a href="/signals" aria-current="page">All I can open</a>' in response.text
