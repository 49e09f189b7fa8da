"""A lead's import may not take the source name of a live sender (a helpdesk connector or a
webhook integration).

Billing's lead imported a file under ``source=helpdesk``, the name Poise's webhook integration
stores under, naming the ids the helpdesk was about to send: the real delivery then found
conversation and message "stored already" and changed nothing, so the conversation the
helpdesk assigned to Care stayed in Billing with the lead's text. A person's import under such
a name is now refused beside its source; admins and ``poise import`` still use it (to backfill
what a connector then goes on with).
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, post_import, sign_in, signed_headers
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.cli import app as cli
from poise.conversations.actions import create_integration
from poise.conversations.models import Conversation, Integration, Message
from poise.settings import Settings

FIELDS = "conversation_id,channel,author_role,body,sent_at,message_id,assignee_email\n"


def _bearer(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def _stored(session: Session, source: str, external_id: str) -> Conversation | None:
    session.expire_all()
    return session.scalars(
        select(Conversation).filter_by(source=source, external_id=external_id)
    ).one_or_none()


def _delivery(assignee: str) -> bytes:
    """The helpdesk's own delivery of T-77's first turn, assigned to ``assignee``."""
    conversation = {"id": "T-77", "channel": "chat", "assignee_email": assignee}
    message = {
        "id": "m-1",
        "author_role": "customer",
        "body": "My parcel never came.",
        "sent_at": "2026-11-20T10:00:00Z",
    }
    return json.dumps({"conversation": conversation, "message": message}).encode()


def test_a_leads_import_may_not_take_a_webhook_integrations_source(
    client: TestClient, session: Session, cli_env: Settings, tmp_path: Path
) -> None:
    secret = create_integration(session, actor=None, name="helpdesk").secret
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    rows = (
        FIELDS + f"T-77,chat,customer,Lead's words,2026-11-20T10:00:00Z,m-1,{olga.email}\n"
    ).encode()
    form = {"format": "csv", "source": "helpdesk"}

    csrf = sign_in(client, bill)
    page = post_import(client, csrf, "early.csv", rows, source="helpdesk")
    assert page.status_code == 400, page.text[:600]
    assert 'aria-invalid="true"' in page.text.split('name="source"')[1].split(">")[0]
    assert "the webhook integration helpdesk stores" in page.text
    # The name suggested is the lead's team's own for the format, as the form's placeholder
    # says (it read "such as helpdesk-export", a name tied to no team).
    assert f"such as csv-team-{bill.team_id}," in page.text
    api = client.post(
        "/api/v1/imports",
        data=form,
        files={"file": ("early.csv", rows, "text/csv")},
        headers=_bearer(session, bill),
    )
    assert api.status_code == 400, api.text
    assert "the webhook integration helpdesk" in api.json()["fields"]["source"]
    assert _stored(session, "helpdesk", "T-77") is None

    # The helpdesk's own delivery is then what decides the conversation.
    delivered = client.post(
        "/api/v1/webhooks/messages",
        content=(body := _delivery(ada.email)),
        headers=signed_headers(body, secret),
    )
    assert delivered.status_code == 201, delivered.text
    conv = _stored(session, "helpdesk", "T-77")
    assert conv is not None and conv.assignee_id == ada.id
    bodies = session.scalars(select(Message.body).filter_by(conversation_id=conv.id)).all()
    assert bodies == ["My parcel never came."]

    # A name of the lead's own is fine; admins and `poise import` still use the sender's.
    own = client.post(
        "/api/v1/imports",
        data={**form, "source": "helpdesk-export"},
        files={"file": ("early.csv", rows, "text/csv")},
        headers=_bearer(session, bill),
    )
    assert own.status_code == 200 and own.json()["status"] == "imported", own.text
    admin = make_user(session, role="admin", name="Ida")
    again = rows.replace(b"T-77", b"T-78")
    done = client.post(
        "/api/v1/imports",
        data=form,
        files={"file": ("backfill.csv", again, "text/csv")},
        headers=_bearer(session, admin),
    )
    assert done.status_code == 200 and done.json()["status"] == "imported", done.text
    path = tmp_path / "backfill.csv"
    path.write_bytes(rows.replace(b"T-77", b"T-79"))
    ran = CliRunner().invoke(cli, ["import", str(path), "-f", "csv", "--source", "helpdesk"])
    assert ran.exit_code == 0, ran.output
    assert _stored(session, "helpdesk", "T-79") is not None


ZENDESK_EXPORT = json.dumps(
    {
        "tickets": [
            {
                "id": 35436,
                "requester_id": 7,
                "comments": [
                    {
                        "id": 1,
                        "author_id": 7,
                        "body": "Refund?",
                        "created_at": "2026-11-20T10:00:00Z",
                    }
                ],
            }
        ]
    }
).encode()


def test_a_leads_import_may_not_take_a_helpdesk_connectors_source(
    client: TestClient, session: Session
) -> None:
    """A connector stores under its helpdesk's name (``zendesk``, ``freshdesk``…), set up or
    not yet: a lead's file under it would stand in for the tickets the connector brings. The
    page's empty source meant the format, ``zendesk`` for a Zendesk export: a lead's Zendesk
    export now goes to their team's own (``zendesk-team-N``) by default, as the page says,
    and a refused file is pointed at that one, not at ``zendesk-export``, a name tied to no
    team."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    headers = _bearer(session, cara)
    for fmt, source, data in [
        ("zendesk", "zendesk", ZENDESK_EXPORT),
        ("csv", "freshdesk", (FIELDS + "F-1,chat,customer,Hi,2026-11-20T10:00:00Z,,\n").encode()),
    ]:
        refused = client.post(
            "/api/v1/imports",
            data={"format": fmt, "source": source},
            files={"file": ("export", data, "text/plain")},
            headers=headers,
        )
        assert refused.status_code == 400, refused.text
        said = refused.json()["fields"]["source"]
        assert f"the {source} helpdesk connector stores" in said, said
        assert f"such as {fmt}-team-{cara.team_id}," in said, said
        assert f"{source}-export" not in said, said

    csrf = sign_in(client, cara)
    form = client.get("/import").text
    assert f"zendesk-team-{cara.team_id}" in form.split('name="source" placeholder="')[1]
    page = post_import(client, csrf, "export.json", ZENDESK_EXPORT, fmt="zendesk", source="")
    assert page.status_code == 303, page.text[:600]
    assert _stored(session, f"zendesk-team-{cara.team_id}", "35436") is not None
    assert _stored(session, "zendesk", "35436") is None

    client.cookies.clear()
    sign_in(client, make_user(session, role="admin", name="Ida"))
    placeholder = "default: the format&#39;s name (csv, jsonl, twcs, zendesk)"
    assert f'placeholder="{placeholder}"' in client.get("/import").text


def test_an_integration_may_not_take_a_source_that_holds_imported_conversations(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    """The other way round: Billing's lead imported a file under ``helpdesk-eu``, a name of
    their own, and an admin then added a webhook integration named ``helpdesk-eu``. Its
    deliveries would land among the lead's rows (the same source and ids: stored already,
    nothing changed). Adding it is refused beside the name, with the name kept; the command
    line's ``poise integrations add`` is refused alike, and a free name is still taken."""
    olga = make_user(session, team="Billing", name="Olga")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    rows = FIELDS + f"E-1,chat,customer,Lead's words,2026-11-20T10:00:00Z,m-1,{olga.email}\n"
    imported = client.post(
        "/api/v1/imports",
        data={"format": "csv", "source": "helpdesk-eu"},
        files={"file": ("mine.csv", rows.encode(), "text/csv")},
        headers=_bearer(session, bill),
    )
    assert imported.status_code == 200 and imported.json()["status"] == "imported", imported.text

    csrf = sign_in(client, make_user(session, role="admin", name="Ida"))
    refused = client.post("/admin/integrations", data={"csrf_token": csrf, "name": " Helpdesk-EU "})
    assert refused.status_code == 400, refused.text[:600]
    assert 'aria-invalid="true"' in refused.text.split('name="name"')[1].split(">")[0]
    beside = refused.text.split('id="name-error">')[1].split("<")[0]
    assert "conversations are stored under helpdesk-eu already" in beside, beside
    assert "such as helpdesk-eu-live" in beside, beside
    assert 'value=" Helpdesk-EU "' in refused.text
    session.expire_all()
    assert session.scalars(select(Integration.name)).all() == []

    ran = CliRunner().invoke(cli, ["integrations", "add", "helpdesk-eu"])
    assert ran.exit_code != 0 and "stored under helpdesk-eu already" in ran.output, ran.output
    added = client.post(
        "/admin/integrations",
        data={"csrf_token": csrf, "name": "helpdesk-eu-live"},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text[:600]
    session.expire_all()
    assert session.scalars(select(Integration.name)).all() == ["helpdesk-eu-live"]


def test_an_integration_may_not_take_a_helpdesk_connectors_source(
    client: TestClient, session: Session
) -> None:
    """An integration ``zendesk`` added before the Zendesk connector's first sync would
    deliver among the conversations the connector then brings (the same source): refused
    beside the name, pointing to the connectors page and a free name of its own."""
    csrf = sign_in(client, make_user(session, role="admin", name="Ida"))
    refused = client.post("/admin/integrations", data={"csrf_token": csrf, "name": "Zendesk"})
    assert refused.status_code == 400, refused.text[:600]
    beside = refused.text.split('id="name-error">')[1].split("<")[0]
    assert "zendesk helpdesk connector stores its conversations" in beside, beside
    assert "such as zendesk-live" in beside, beside
    assert 'value="Zendesk"' in refused.text
    session.expire_all()
    assert session.scalars(select(Integration.name)).all() == []


def test_the_command_line_may_not_add_an_integration_under_a_helpdesk_connectors_source(
    session: Session, cli_env: Settings
) -> None:
    """The page refused an integration ``zendesk`` while ``poise integrations add zendesk``
    stored it (the command was not told the connectors' sources): the Zendesk connector's
    first sync then brought its conversations among the sender's deliveries. The command is
    refused alike, saying what to do instead, and a name of its own is still taken."""
    refused = CliRunner().invoke(cli, ["integrations", "add", "Zendesk"])
    assert refused.exit_code != 0, refused.output
    said = " ".join(refused.output.split())
    assert "zendesk helpdesk connector stores its conversations" in said, said
    assert "poise connect zendesk" in said and "such as zendesk-live" in said, said
    session.expire_all()
    assert session.scalars(select(Integration.name)).all() == []

    added = CliRunner().invoke(cli, ["integrations", "add", "zendesk-live"])
    assert added.exit_code == 0, added.output
    session.expire_all()
    assert session.scalars(select(Integration.name)).all() == ["zendesk-live"]


def test_an_integration_may_not_take_the_name_an_import_stores_under_by_default(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    """An admin added a webhook integration ``csv``: an admin's or ``poise import``'s file
    with no source given stores under the format's name, so it went among the sender's
    deliveries. A file format's name (and a team's own default, ``csv-team-3``) is refused
    beside the name with what was typed kept, on the page and the command line alike."""
    csrf = sign_in(client, make_user(session, role="admin", name="Ida"))
    for typed in (" CSV ", "jsonl", "twcs-team-3", "csv-lead-12"):
        refused = client.post("/admin/integrations", data={"csrf_token": csrf, "name": typed})
        assert refused.status_code == 400, refused.text[:600]
        assert 'aria-invalid="true"' in refused.text.split('name="name"')[1].split(">")[0]
        beside = refused.text.split('id="name-error">')[1].split("<")[0]
        name = typed.strip().lower()
        assert f"{name} is the source an import with no source given stores under" in beside
        assert f"such as {name}-live" in beside, beside
        assert f'value="{typed}"' in refused.text
    ran = CliRunner().invoke(cli, ["integrations", "add", "twcs"])
    said = " ".join(ran.output.split())
    assert ran.exit_code != 0 and "twcs is the source an import with no source" in said, said
    session.expire_all()
    assert session.scalars(select(Integration.name)).all() == []
    added = CliRunner().invoke(cli, ["integrations", "add", "csv-live"])
    assert added.exit_code == 0, added.output


def test_an_integration_named_after_a_format_keeps_its_deliveries_apart_from_imports(
    client: TestClient, session: Session, cli_env: Settings, tmp_path: Path
) -> None:
    """An integration ``csv`` added before such names were refused still receives its
    deliveries under ``csv``; an admin's and the command line's files with no source given
    store under ``csv-export`` instead (they went among the sender's conversations), and one
    imported again stores nothing twice. A source given by name is still the admin's choice."""
    session.add(Integration(name="csv", secret="s3cret-of-an-older-install"))
    session.commit()
    ada = make_user(session, team="Care", name="Ada")
    delivered = client.post(
        "/api/v1/webhooks/messages",
        content=(body := _delivery(ada.email)),
        headers=signed_headers(body, "s3cret-of-an-older-install", name="csv"),
    )
    assert delivered.status_code == 201, delivered.text
    admin = make_user(session, role="admin", name="Ida")
    rows = FIELDS + f"T-77,chat,customer,File's words,2026-11-20T10:00:00Z,m-1,{ada.email}\n"
    for _ in range(2):
        done = client.post(
            "/api/v1/imports",
            data={"format": "csv"},
            files={"file": ("file.csv", rows.encode(), "text/csv")},
            headers=_bearer(session, admin),
        )
        assert done.status_code == 200 and done.json()["status"] == "imported", done.text
    path = tmp_path / "more.csv"
    path.write_text(rows.replace("T-77", "T-78"))
    ran = CliRunner().invoke(cli, ["import", str(path), "--no-score"])
    assert ran.exit_code == 0, ran.output
    session.expire_all()
    assert [
        c.external_id for c in session.scalars(select(Conversation).filter_by(source="csv"))
    ] == ["T-77"]
    sender = _stored(session, "csv", "T-77")
    assert sender is not None
    assert session.scalars(select(Message.body).filter_by(conversation_id=sender.id)).all() == [
        "My parcel never came."
    ]
    filed = session.scalars(
        select(Conversation.external_id).filter_by(source="csv-export").order_by("external_id")
    ).all()
    assert filed == ["T-77", "T-78"]
    sign_in(client, admin)
    assert 'placeholder="default: csv-export, jsonl, twcs, zendesk"' in client.get("/import").text
