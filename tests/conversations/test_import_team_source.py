"""A lead's import stays within their team: by default it stores under a source of the team's
own, and it may not take a source another team's imports are stored under.

Every lead's file with no source went under the format's name (``csv``). Conversations and
customers are known by source and id, so Care's customer ``c42`` and Billing's ``c42`` were
one customer: Billing's lead read Care's customer's name on their own conversation, and
Billing's contact counted as Care's customer coming back, so Care's conversation lost its
first contact resolution. A conversation id both teams used was Care's: Billing's file was
refused for naming it, or, while it was unassigned, took it over (its assignee became
Billing's, and Care's lead could no longer open it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, post_import, sign_in
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.cli import app as cli
from poise.conversations.actions import import_file
from poise.conversations.models import Conversation, ImportRun, Integration, Message
from poise.knowledge.fcr import outcomes_for
from poise.settings import Settings

FIELDS = "conversation_id,channel,author_role,body,sent_at,message_id,customer_id,customer_name"
FIELDS += ",status,assignee_email\n"


def _rows(
    conv: str, customer: str, words: str, day: int, assignee: str = "", name: str = "Robin"
) -> bytes:
    """One resolved chat of customer ``customer`` (called ``name``): their ``words``, then
    the agent's answer, on ``day``."""
    said = f"{conv},chat,customer,{words},2026-11-{day:02d}T10:00:00Z,{conv}-{day}-1,{customer}"
    answer = f"{conv},chat,agent,Done.,2026-11-{day:02d}T10:05:00Z,{conv}-{day}-2,{customer}"
    tail = f",{name},resolved,{assignee}\n"
    return (FIELDS + said + tail + answer + tail).encode()


def _imported(client: TestClient, lead: User, filename: str, rows: bytes, source: str = "") -> None:
    client.cookies.clear()
    posted = post_import(client, sign_in(client, lead), filename, rows, source=source)
    assert posted.status_code == 303, posted.text[:800]


def _conversation(session: Session, external_id: str, assignee: User) -> Conversation:
    session.expire_all()
    return session.scalars(
        select(Conversation).filter_by(external_id=external_id, assignee_id=assignee.id)
    ).one()


def test_two_teams_customers_of_one_id_stay_apart(client: TestClient, session: Session) -> None:
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    cara = make_user(session, role="lead", team="Care", name="Cara")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    refund = "My refund never arrived"
    _imported(client, cara, "care.csv", _rows("T-1", "c42", refund, 2, ada.email, "Ann Care"))
    _imported(client, bill, "billing.csv", _rows("B-7", "c42", refund, 4, olga.email, "Bo Bill"))

    care, billing = _conversation(session, "T-1", ada), _conversation(session, "B-7", olga)
    assert care.customer_id != billing.customer_id, "one customer row for two teams' customers"
    # Billing's contact two days later is not Care's customer coming back.
    assert outcomes_for(session, [care.id], window_days=7) == {care.id: True}
    # Billing's lead reads their own customer's name, never Care's.
    page = client.get(f"/conversations/{billing.id}")
    assert page.status_code == 200
    customer = page.text.split("<dt>Customer</dt><dd>")[1].split("<")[0]
    assert customer == "Bo Bill", customer


@pytest.mark.parametrize("care_assigned", [False, True], ids=["unassigned", "assigned"])
def test_a_conversation_id_another_team_imported_stays_theirs(
    client: TestClient, session: Session, care_assigned: bool
) -> None:
    """Billing's file naming ``T-1`` (Care's, imported before) is stored as Billing's own
    ``T-1``; Care's is left as it was. It was refused whole when Care's was assigned, and took
    Care's over when it was not. Billing's file imported again stores nothing twice."""
    ada = make_user(session, team="Care", name="Ada")
    olga = make_user(session, team="Billing", name="Olga")
    cara = make_user(session, role="lead", team="Care", name="Cara")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    care_rows = _rows("T-1", "c1", "My parcel is lost", 2, ada.email if care_assigned else "")
    _imported(client, cara, "care.csv", care_rows)
    billing_rows = _rows("T-1", "c1", "Lead's words", 3, olga.email)
    for _ in range(2):
        _imported(client, bill, "billing.csv", billing_rows)

    session.expire_all()
    stored = session.scalars(select(Conversation).filter_by(external_id="T-1")).all()
    assert len(stored) == 2, [(c.source, c.assignee_id) for c in stored]
    care = next(c for c in stored if c.assignee_id != olga.id)
    assert care.assignee_id == (ada.id if care_assigned else None)
    bodies = session.scalars(select(Message.body).filter_by(conversation_id=care.id)).all()
    assert sorted(bodies) == ["Done.", "My parcel is lost"]
    billing = _conversation(session, "T-1", olga)
    assert session.query(Message).filter_by(conversation_id=billing.id).count() == 2
    client.cookies.clear()
    sign_in(client, cara)
    assert client.get(f"/conversations/{care.id}").status_code == 200


def _bearer(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def test_a_lead_may_not_import_under_a_source_holding_another_teams_imports(
    client: TestClient, session: Session, cli_env: Settings, tmp_path: Path
) -> None:
    """A source named by hand is refused when another team's import is stored under it:
    beside the source, the form as typed, naming the team's own source instead. Care's other
    lead, admins and ``poise import`` may still use it."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    _imported(client, cara, "care.csv", _rows("T-1", "c1", "Hello", 2), source="helpdesk-eu")

    client.cookies.clear()
    csrf = sign_in(client, bill)
    refused = post_import(client, csrf, "b.csv", _rows("B-1", "c1", "Hi", 3), source="helpdesk-eu")
    assert refused.status_code == 400, refused.text[:600]
    assert 'aria-invalid="true"' in refused.text.split('name="source"')[1].split(">")[0]
    beside = refused.text.split('id="source-error">')[1].split("<")[0]
    assert "another team" in beside and "helpdesk-eu" in beside, beside
    assert f"such as csv-team-{bill.team_id}" in beside, beside
    assert 'value="helpdesk-eu"' in refused.text
    api = client.post(
        "/api/v1/imports",
        data={"format": "csv", "source": "helpdesk-eu"},
        files={"file": ("b.csv", _rows("B-1", "c1", "Hi", 3), "text/csv")},
        headers=_bearer(session, bill),
    )
    assert api.status_code == 400 and "another team" in api.json()["fields"]["source"], api.text
    session.expire_all()
    assert session.scalars(select(Conversation.external_id)).all() == ["T-1"]

    cleo = make_user(session, role="lead", team="Care", name="Cleo")
    _imported(client, cleo, "more.csv", _rows("T-2", "c2", "Hello", 2), source="helpdesk-eu")
    admin = make_user(session, role="admin", name="Ida")
    _imported(client, admin, "admin.csv", _rows("T-3", "c3", "Hello", 2), source="helpdesk-eu")
    path = tmp_path / "nightly.csv"
    path.write_bytes(_rows("T-4", "c4", "Hello", 2))
    ran = CliRunner().invoke(cli, ["import", str(path), "--source", "helpdesk-eu", "--no-score"])
    assert ran.exit_code == 0, ran.output
    session.expire_all()
    sources = session.scalars(select(Conversation.source).order_by(Conversation.external_id))
    assert sources.all() == ["helpdesk-eu"] * 4


def test_the_form_names_the_source_a_leads_import_will_use(
    client: TestClient, session: Session
) -> None:
    """The lead's team's own source, per format, where the field is (past a sender's source
    of that name, added before such names were refused, and one another team's lead took by
    hand first); an admin's is still the format's name."""
    bill = make_user(session, role="lead", team="Billing", name="Bill")
    team = bill.team_id
    session.add(Integration(name=f"twcs-team-{team}", secret="of-an-older-install"))
    session.commit()
    cara = make_user(session, role="lead", team="Care", name="Cara")
    taken = f"zendesk-team-{team}"
    done = import_file(
        session,
        actor=cara,
        data=_rows("T-1", "c1", "Hi", 2),
        filename="c.csv",
        fmt="csv",
        source=taken,
    )
    assert done.status == "imported"
    csrf = sign_in(client, bill)
    form = client.get("/import").text
    placeholder = form.split('name="source" placeholder="')[1].split('"')[0]
    expected = f"csv-team-{team}, jsonl-team-{team}, twcs-team-{team}-export, {taken}-export"
    assert placeholder == f"default: {expected}", placeholder
    posted = post_import(client, csrf, "b.csv", _rows("B-1", "c1", "Hi", 3))
    assert posted.status_code == 303, posted.text[:600]
    session.expire_all()
    stored = select(Conversation.source).filter_by(external_id="B-1")
    assert session.scalars(stored).all() == [f"csv-team-{team}"]
    client.cookies.clear()
    sign_in(client, make_user(session, role="admin", name="Ida"))
    placeholder = "default: the format&#39;s name (csv, jsonl, twcs, zendesk)"
    assert f'placeholder="{placeholder}"' in client.get("/import").text


def test_a_team_that_alone_imported_under_the_formats_name_keeps_it(
    client: TestClient, session: Session
) -> None:
    """Before teams had sources of their own, a lead's file went under ``csv``. A team whose
    imports alone are stored there keeps it as its default, so a file imported before the
    upgrade and again after it stores nothing twice; once another team's import is recorded
    under it, a lead's default is the team's own."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    rows = _rows("T-1", "c1", "My parcel is lost", 2)
    _imported(client, cara, "care.csv", rows, source="csv")  # as every lead's file went
    _imported(client, cara, "care.csv", rows)
    session.expire_all()
    assert session.scalars(select(Conversation.source)).all() == ["csv"]

    bill = make_user(session, role="lead", team="Billing", name="Bill")
    run = session.scalars(select(ImportRun).filter_by(source="csv")).first()
    assert run is not None
    session.add(ImportRun(**{**_run_fields(run), "team_id": bill.team_id}))
    session.commit()  # a Billing import recorded under csv, as before the fix
    _imported(client, cara, "care.csv", rows)
    session.expire_all()
    stored = session.scalars(select(Conversation.source).order_by(Conversation.source))
    assert stored.all() == ["csv", f"csv-team-{cara.team_id}"]


def _run_fields(run: ImportRun) -> dict[str, object]:
    """An import run's columns but its id."""
    return {
        column.key: getattr(run, column.key)
        for column in ImportRun.__table__.columns
        if column.key != "id"
    }


def test_the_import_history_names_the_source_each_import_stored_under(
    client: TestClient, session: Session
) -> None:
    """A lead's file with no source goes to their team's own (``csv-team-3``) and the form's
    placeholder lists one per format, but neither the report nor the history said which one
    it took: the lead could not tell where a file went, nor name it in the API or a command."""
    cara = make_user(session, role="lead", team="Care", name="Cara")
    _imported(client, cara, "care.csv", _rows("T-1", "c1", "Hello", 2))
    _imported(client, cara, "named.csv", _rows("T-2", "c2", "Hello", 3), source="care-desk")
    history = client.get("/import").text.split('id="history"')[1]
    cells = [cell.split("</td>")[0] for cell in history.split('data-label="Source">')[1:]]
    assert cells == ["care-desk", f"csv-team-{cara.team_id}"]  # newest first
