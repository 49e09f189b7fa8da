"""A drill's launch dates lie ahead: up to a week past, at most a year ahead.

Any date was accepted (a launch in 1999 or in 2099); the form now says, beside the field, which
days may be chosen and keeps what was typed, and the API refuses the same values (400). A date
a drill already has is kept on an edit, however old, so a past drill can still be corrected.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.actions import create_api_token
from poise.db.base import utcnow
from poise.errors import InvalidFields
from poise.training.drills import actions
from poise.training.models import Drill


def _bounds() -> tuple[date, date, date]:
    """Today as the action reads it (UTC), read as each test runs, not at import: a run that
    crosses midnight UTC then still agrees with the action. With it the earliest and the latest
    launch day that may be chosen."""
    today = utcnow().date()
    return today, today - timedelta(days=7), today + timedelta(days=366)  # actions.LAUNCH_*


def _years_ahead(today: date) -> date:
    """Far past the latest day, whatever today is (a fixed 2099 would come within a year)."""
    return today + timedelta(days=5 * 365)


def _soon() -> str:
    return (utcnow().date() + timedelta(days=30)).isoformat()


# (field, which date is typed): see _refusal for the date and the words beside the field
REFUSED = [
    ("launch_on", "long past"),
    ("launch_on", "a day too early"),
    ("launch_on", "years ahead"),
    ("launch_on", "a day too late"),
    ("launch_until", "years ahead"),
]


def _refusal(case: str) -> tuple[str, str]:
    """The date typed for ``case`` and the words said beside it, from today's bounds."""
    today, earliest, latest = _bounds()
    return {
        "long past": (
            "1900-01-01",
            f"is past: a drill prepares for a launch, so choose {earliest}",
        ),
        "a day too early": (
            (earliest - timedelta(days=1)).isoformat(),
            f"choose {earliest} or later",
        ),
        "years ahead": (
            _years_ahead(today).isoformat(),
            f"is more than a year ahead: choose {latest} or earlier",
        ),
        "a day too late": ((latest + timedelta(days=1)).isoformat(), "is more than a year ahead"),
    }[case]


def _form(**overrides: str) -> dict[str, str]:
    return {"product": "Poise Mobile", "launch_on": _soon(), "launch_until": "", **overrides}


def _post(client: TestClient, url: str, csrf: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _beside(page: str, field: str) -> str:
    """The message shown right after the input named ``field`` ('' when none)."""
    after = page.split(f'name="{field}"', 1)[1]
    error = re.search(r'<span class="field-error"[^>]*id="(\w+)-error">([^<]*)</span>', after)
    return error.group(2) if error is not None and error.group(1) == field else ""


def _drills(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Drill)) or 0


@pytest.mark.parametrize(("field", "case"), REFUSED)
def test_a_launch_date_out_of_bounds_is_said_beside_the_field_with_what_was_typed_kept(
    client: TestClient, session: Session, field: str, case: str
) -> None:
    typed, said = _refusal(case)
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    refused = _post(client, "/training/drills", csrf, **_form(**{field: typed}))
    assert refused.status_code == 400
    assert said in _beside(refused.text, field)
    assert f'value="{typed}"' in refused.text and 'value="Poise Mobile"' in refused.text
    assert _drills(session) == 0

    drill_id = int(
        _post(client, "/training/drills", csrf, **_form()).headers["location"].rsplit("/", 1)[1]
    )
    edited = _post(client, f"/training/drills/{drill_id}/edit", csrf, **_form(**{field: typed}))
    assert edited.status_code == 400 and said in _beside(edited.text, field)
    assert f'value="{typed}"' in edited.text


@pytest.mark.parametrize(("field", "case"), REFUSED)
def test_the_api_refuses_the_same_dates(
    client: TestClient, session: Session, field: str, case: str
) -> None:
    typed, said = _refusal(case)
    lead = make_user(session, role="lead")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    body = {"product": "Poise Mobile", "launch_on": _soon(), field: typed}
    created = client.post("/api/v1/training/drills", json=body, headers=headers)
    assert created.status_code == 400 and said in created.json()["detail"]
    assert _drills(session) == 0
    drill = client.post("/api/v1/training/drills", json={**body, field: _soon()}, headers=headers)
    assert drill.status_code == 201
    put = client.put(f"/api/v1/training/drills/{drill.json()['id']}", json=body, headers=headers)
    assert put.status_code == 400 and said in put.json()["detail"]


def test_both_ends_of_the_bounds_are_accepted(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    for day in _bounds():
        made = _post(client, "/training/drills", csrf, **_form(launch_on=day.isoformat()))
        assert made.status_code == 303, made.text
    assert _drills(session) == 3


def test_two_dates_out_of_bounds_are_both_said_at_once(session: Session) -> None:
    lead = make_user(session, role="lead")
    far = _years_ahead(utcnow().date())
    fields = actions.DrillFields(
        product="Poise Mobile", launch_on=date(1999, 1, 1), launch_until=far
    )
    with pytest.raises(InvalidFields) as refused:
        actions.open_drill(session, actor=lead, fields=fields)
    assert set(refused.value.problems) == {"launch_on", "launch_until"}


def test_a_past_drill_may_still_be_corrected_keeping_its_date(
    client: TestClient, session: Session
) -> None:
    """A drill of a launch two months ago: fixing its product name leaves its date alone."""
    lead = make_user(session, role="lead")
    today = utcnow().date()
    drill = actions.open_drill(
        session, actor=lead, fields=actions.DrillFields(product="Poise Mobil", launch_on=today)
    )
    old = today - timedelta(days=60)
    drill.launch_on = old
    session.commit()
    csrf = sign_in(client, lead)
    fixed = _post(
        client,
        f"/training/drills/{drill.id}/edit",
        csrf,
        **_form(product="Poise Mobile", launch_on=old.isoformat()),
    )
    assert fixed.status_code == 303, fixed.text
    session.refresh(drill)
    assert (drill.product, drill.launch_on) == ("Poise Mobile", old)
    moved = _post(
        client,
        f"/training/drills/{drill.id}/edit",
        csrf,
        **_form(launch_on=(old + timedelta(days=1)).isoformat()),
    )
    assert moved.status_code == 400 and "is past" in _beside(moved.text, "launch_on")
