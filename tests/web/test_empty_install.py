"""The first pages a new team opens, before any conversation arrives: each says what it will
show and links to the step that fills it, where its reader may take that step, instead of a
page of zeros."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"?#]+)', html))


def test_signals_on_an_empty_install_says_how_conversations_arrive(
    client: TestClient, session: Session
) -> None:
    """It showed six zeros and "Calm waters", as if the team had simply had a quiet month."""
    admin = make_user(session, role="admin")
    sign_in(client, admin)
    page = client.get("/signals")
    assert page.status_code == 200
    assert 'id="signals-first-run"' in page.text
    assert {"/import", "/admin/connectors", "/admin/integrations"} <= _links(page.text)


def test_an_agent_is_not_sent_to_pages_only_leads_and_admins_open(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session, role="agent")
    sign_in(client, agent)
    page = client.get("/signals")
    assert 'id="signals-first-run"' in page.text and "a lead imports them" in page.text
    assert not {"/import", "/admin/connectors", "/admin/integrations"} & _links(page.text)


def test_signals_with_conversations_shows_no_first_run_note(
    client: TestClient, session: Session
) -> None:
    make_conversation(session, start=datetime.now(UTC) - timedelta(days=2))
    sign_in(client, make_user(session, role="admin"))
    assert 'id="signals-first-run"' not in client.get("/signals").text


def test_insights_on_an_empty_install_says_what_fills_them(
    client: TestClient, session: Session
) -> None:
    """It said "Figures not counted yet." above a table of zeros: as if a count were due."""
    lead = make_user(session, role="lead", team="Care")
    sign_in(client, lead)
    page = client.get("/insights")
    assert page.status_code == 200
    assert "Figures not counted yet" not in page.text
    assert 'id="insights-first-run"' in page.text and "/import" in _links(page.text)
    assert "/admin/connectors" not in _links(page.text)  # a lead may not open it


def test_insights_with_conversations_waiting_say_they_wait(
    client: TestClient, session: Session
) -> None:
    make_conversation(session)
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/insights")
    assert 'id="insights-first-run"' not in page.text
    assert "1 changed conversation waits to be counted" in " ".join(page.text.split())
