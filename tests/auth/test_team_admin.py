"""Renaming a team and deleting an empty one on Admin → Teams."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.actions import create_team
from poise.auth.models import Team
from poise.connectors.alerts.models import AlertRule
from poise.conversations.models import ImportRun
from poise.morale.models import KudosRound, Scorecard
from poise.training.models import Drill


def error_of(html: str, key: str) -> str:
    found = re.search(rf'<span class="field-error" role="alert" id="{key}-error">([^<]*)<', html)
    return found.group(1) if found else ""


def names(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Team.name).order_by(Team.name)))


def test_an_admin_renames_a_team(client: TestClient, session: Session) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    team = create_team(session, actor=None, name="Billing")
    member = make_user(session, team="Billing")
    renamed = client.post(
        f"/admin/teams/{team.id}/rename",
        data={"name": "  Billing &  Accounts ", "csrf_token": token},
    )
    assert renamed.status_code == 200 and renamed.url.path == "/admin/teams"
    assert "Renamed team “Billing” to “Billing &amp; Accounts”." in renamed.text
    assert names(session) == ["Billing & Accounts"]
    session.refresh(member)
    assert member.team_id == team.id, "its people stay in it"
    again = client.post(
        f"/admin/teams/{team.id}/rename", data={"name": "billing & accounts", "csrf_token": token}
    )
    assert again.status_code == 200, "a team may take its own name in another case"
    assert names(session) == ["billing & accounts"]


def test_a_refused_new_name_stands_beside_its_row_as_typed(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    create_team(session, actor=None, name="Care")
    billing = create_team(session, actor=None, name="Billing")
    key = f"name-{billing.id}"
    cases = {
        "  CARE ": "a team named “Care” already exists",
        "   ": "a team needs a name of 1 to 120 characters",
        "x" * 121: "a team needs a name of 1 to 120 characters",
    }
    for typed, said in cases.items():
        refused = client.post(
            f"/admin/teams/{billing.id}/rename", data={"name": typed, "csrf_token": token}
        )
        assert refused.status_code == 400, typed
        assert error_of(refused.text, key) == said
        field = re.search(rf'<input[^>]*aria-describedby="{key}-error"[^>]*>', refused.text)
        assert field and f'value="{typed}"' in field.group(0), "what was typed is kept"
        assert f'<tr role="row" id="team-{billing.id}"><td role="cell">Billing</td>' in refused.text
        assert "<details open>" in refused.text, "the refused form is left open"
    assert names(session) == ["Billing", "Care"]


def test_an_admin_deletes_an_empty_team(client: TestClient, session: Session) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    team_id = create_team(session, actor=None, name="Launch crew").id
    create_team(session, actor=None, name="Care")
    confirmed = {"csrf_token": token, "confirm": "true"}
    deleted = client.post(f"/admin/teams/{team_id}/delete", data=confirmed)
    assert deleted.status_code == 200 and deleted.url.path == "/admin/teams"
    assert "Deleted team Launch crew." in deleted.text
    assert names(session) == ["Care"]
    gone = client.post(f"/admin/teams/{team_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 404


def test_a_delete_without_its_box_ticked_deletes_nothing_and_says_why_beside_it(
    client: TestClient, session: Session
) -> None:
    """Delete deleted the team at the first click: a mis-click on the row lost it. The row's
    "Yes, delete" box must be ticked too (a plain form field: no script needed)."""
    token = sign_in(client, make_user(session, role="admin"))
    team = create_team(session, actor=None, name="Launch crew")
    page = client.get("/admin/teams")
    row = page.text.split(f'<tr role="row" id="team-{team.id}">', 1)[1].split("</tr>", 1)[0]
    assert '<input type="checkbox" name="confirm" value="true">' in row
    assert "Yes, delete Launch crew" in row
    for form in ({"csrf_token": token}, {"csrf_token": token, "confirm": ""}):
        refused = client.post(f"/admin/teams/{team.id}/delete", data=form)
        assert refused.status_code == 400
        assert error_of(refused.text, f"delete-{team.id}") == (
            "tick “Yes, delete Launch crew” beside Delete to delete it: nothing was deleted"
        )
        row = refused.text.split(f'<tr role="row" id="team-{team.id}">', 1)[1].split("</tr>", 1)[0]
        assert f'id="delete-{team.id}-error"' in row, "beside its row"
        assert 'name="confirm" value="true" aria-invalid="true"' in row
        assert names(session) == ["Launch crew"]


def test_a_team_with_people_in_it_is_not_deleted_and_the_row_says_why(
    client: TestClient, session: Session
) -> None:
    token = sign_in(client, make_user(session, role="admin"))
    make_user(session, role="lead", team="Billing")
    make_user(session, role="agent", team="Billing")
    away = make_user(session, role="agent", team="Billing")
    away.is_active = False  # inactive people are still in it: they would come back teamless
    session.commit()
    team = session.scalars(select(Team).where(Team.name == "Billing")).one()
    refused = client.post(f"/admin/teams/{team.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 400
    assert error_of(refused.text, f"delete-{team.id}") == (
        "“Billing” has 3 members, 1 lead among them: move them to another team on "
        "Admin → Users before deleting it"
    )
    row = refused.text.split(f'<tr role="row" id="team-{team.id}">', 1)[1].split("</tr>", 1)[0]
    assert f'id="delete-{team.id}-error"' in row, "beside its row"
    assert names(session) == ["Billing"]


def test_a_team_that_others_need_is_not_deleted_saying_which(
    client: TestClient, session: Session
) -> None:
    """Deleting would take its alert rules, kudos rounds and scorecards along (the database
    cascades) and turn its drills into everyone's."""
    token = sign_in(client, make_user(session, role="admin"))
    team = create_team(session, actor=None, name="Night shift")
    session.add_all(
        [
            AlertRule(
                team_id=team.id, name="Angry", event="early_warning", channel="email",
                target="leads@example.com",
            ),
            AlertRule(
                team_id=team.id, name="Risky", event="escalating", channel="email",
                target="leads@example.com",
            ),
            KudosRound(team_id=team.id, month="2026-11"),
            Scorecard(name="Night reviews", team_id=team.id),
            Drill(product="Poise Mobile", launch_on=date(2026, 12, 1), team_id=team.id),
        ]
    )  # fmt: skip
    session.commit()
    refused = client.post(f"/admin/teams/{team.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 400
    assert error_of(refused.text, f"delete-{team.id}") == (
        "“Night shift” still has 2 alert rules, 1 kudos round, 1 peer-review scorecard and "
        "1 drill, which need it: rename the team instead to keep them"
    )
    assert names(session) == ["Night shift"]
    assert len(session.scalars(select(AlertRule)).all()) == 2
    assert session.scalars(select(Drill.team_id)).one() == team.id


def test_deleting_a_team_lets_go_of_its_imports(client: TestClient, session: Session) -> None:
    """An import remembers its uploader's team for that team's leads; an empty team has none,
    so its imports simply belong to no team (their uploader and admins still see them)."""
    token = sign_in(client, make_user(session, role="admin"))
    team = create_team(session, actor=None, name="Old desk")
    run = ImportRun(
        filename="tickets.csv", format="csv", source="test", sha256="0" * 64, status="done",
        team_id=team.id,
    )  # fmt: skip
    session.add(run)
    session.commit()
    confirmed = {"csrf_token": token, "confirm": "true"}
    deleted = client.post(f"/admin/teams/{team.id}/delete", data=confirmed)
    assert deleted.status_code == 200
    assert (
        "Deleted team Old desk. Its 1 import now belongs to no team (their uploaders and admins "
        "still see them)." in deleted.text
    )
    session.expire_all()
    assert session.get(ImportRun, run.id) is not None
    assert session.scalars(select(ImportRun.team_id)).one() is None
    assert names(session) == []


def test_only_an_admin_renames_or_deletes_and_only_by_a_post_with_its_token(
    client: TestClient, session: Session
) -> None:
    team = create_team(session, actor=None, name="Care")
    lead = make_user(session, role="lead")
    token = sign_in(client, lead)
    rename = client.post(f"/admin/teams/{team.id}/rename", data={"name": "M", "csrf_token": token})
    assert rename.status_code == 403
    delete = client.post(f"/admin/teams/{team.id}/delete", data={"csrf_token": token})
    assert delete.status_code == 403
    admin = TestClient(client.app)
    sign_in(admin, make_user(session, role="admin"))
    assert admin.post(f"/admin/teams/{team.id}/delete", data={}).status_code == 403, "no token"
    assert admin.get(f"/admin/teams/{team.id}/delete").status_code == 405, "a GET deletes nothing"
    page = admin.get("/admin/teams")
    assert f'action="/admin/teams/{team.id}/rename"' in page.text
    assert f'action="/admin/teams/{team.id}/delete"' in page.text
    assert names(session) == ["Care"]
