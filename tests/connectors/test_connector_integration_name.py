"""A connector keeps its webhook secret in an integration of a name no one else has.

It took ``{vendor}-connector`` unchecked: an admin's own webhook integration of that name was
taken over (the connector's secret replaced the sender's, whose deliveries were refused from
then on), and a name a lead had imported under became a sender's, so deliveries signed with
the connector's secret landed among the lead's rows. The connector now takes the first free
name (``zendesk-connector-2``…), by the same check as a new integration, and the connectors
page says which.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, sign_in
from poise.auth.actions import create_api_token
from poise.cli import app as cli
from poise.connectors.models import Connector
from poise.conversations.actions import create_integration
from poise.conversations.models import Integration
from poise.settings import Settings

PAGE = "/admin/connectors"


def _integrations(session: Session) -> dict[str, str]:
    session.expire_all()
    return dict(session.execute(select(Integration.name, Integration.secret)).tuples().all())


def _connectors_integration(session: Session, vendor: str) -> str | None:
    session.expire_all()
    connector = session.scalars(select(Connector).filter_by(vendor=vendor)).one()
    return connector.integration.name if connector.integration else None


def test_a_connector_does_not_take_over_an_integration_of_its_name(
    client: TestClient, session: Session
) -> None:
    theirs = create_integration(session, actor=None, name="zendesk-connector").secret
    csrf = sign_in(client, make_user(session, role="admin"))
    form = {
        "csrf_token": csrf,
        "subdomain": "acme",
        "email": "ana@poise.test",
        "api_token": "t",
        "webhook_secret": "the-helpdesks-own-secret",
    }
    saved = client.post(f"{PAGE}/zendesk", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:600]
    assert _integrations(session) == {
        "zendesk-connector": theirs,
        "zendesk-connector-2": "the-helpdesks-own-secret",
    }
    assert _connectors_integration(session, "zendesk") == "zendesk-connector-2"
    page = client.get(PAGE).text
    assert "<code>zendesk-connector-2</code>" in page

    # Saved again, it keeps its own integration and changes nobody else's.
    form["webhook_secret"] = "a-newer-secret"
    assert client.post(f"{PAGE}/zendesk", data=form, follow_redirects=False).status_code == 303
    assert _integrations(session) == {
        "zendesk-connector": theirs,
        "zendesk-connector-2": "a-newer-secret",
    }


def test_a_connector_does_not_take_a_name_conversations_are_stored_under(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    lead = make_user(session, role="lead", team="Billing")
    token = create_api_token(session, actor=None, user=lead)
    rows = "conversation_id,channel,author_role,body,sent_at\n"
    rows += "E-1,chat,customer,Hi,2026-11-20T10:00:00Z\n"
    imported = client.post(
        "/api/v1/imports",
        data={"format": "csv", "source": "freshdesk-connector"},
        files={"file": ("mine.csv", rows.encode(), "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert imported.status_code == 200 and imported.json()["status"] == "imported", imported.text

    args = ["connect", "freshdesk", "--set", "domain=acme", "--set", "api_key=k3y", "--no-sync"]
    ran = CliRunner().invoke(cli, args)
    assert ran.exit_code == 0, ran.output
    assert list(_integrations(session)) == ["freshdesk-connector-2"]
    assert _connectors_integration(session, "freshdesk") == "freshdesk-connector-2"
