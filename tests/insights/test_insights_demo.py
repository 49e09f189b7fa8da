"""The demo's firmware incident is a true hotspot: the real scorer reads its customers' words,
and the default hotspot page (the last four weeks) finds it without being told where to look.

Nothing here names the incident to the page: the demo is generated and stored as ``poise demo``
stores it, its customer turns are scored by the shipped negativity model, and the page and the
API compare every product, feature and tag with the rest. Scoring is the cost (a few thousand
turns), so one SQLite database serves the whole module; the figures' SQL is checked on both
databases by the other insights tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import PASSWORD, sign_in
from poise.app import create_app
from poise.auth.actions import create_api_token
from poise.auth.models import Team, User
from poise.conversations.models import Conversation
from poise.conversations.scoring import score_messages
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.demo.catalogue import DEVICES
from poise.demo_loader import load_demo
from poise.insights.filters import parse_filters
from poise.insights.rollup import count_queued
from poise.settings import Settings

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
DEFAULT = parse_filters(today=NOW.date())  # what the page shows without dates
PERIOD = f"start={DEFAULT.start}&end={DEFAULT.end}"
PLANTED = ("feature", "Router X2", "firmware")
PLANTED_PRODUCT = ("product", None, "Router X2")


@dataclass(frozen=True)
class Demo:
    admin: TestClient
    lead: TestClient  # the lead of the team that answers Router X2
    admin_token: str
    lead_token: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The default demo (seed 7, 3,000 conversations), with the window the default page reads
    and the period before it (for "pervasive") scored by the real model."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'poise.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        load_demo(session, seed=7, conversations=3000, now=NOW)
        since = DEFAULT.previous().begin
        ids = session.scalars(select(Conversation.id).where(Conversation.opened_at >= since))
        score_messages(session, conversation_ids=list(ids))
        count_queued(session, window_days=Settings.model_fields["fcr_window_days"].default)
        hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        admin = session.scalars(select(User).where(User.role == "admin")).one()
        lead = session.scalars(
            select(User)
            .join(Team, Team.id == User.team_id)
            .where(User.role == "lead", Team.name == DEVICES)
        ).one()
        for user in (admin, lead):
            user.password_hash = hashed
        session.commit()
        tokens = [create_api_token(session, actor=None, user=u) for u in (admin, lead)]
    settings = Settings(
        environment="test",
        data_dir=folder / "data",
        database_url=url,
        secret_key="test-secret-key-for-signing-sessions",
    )
    app = create_app(settings)
    with TestClient(app) as admin_client, TestClient(app) as lead_client:
        sign_in(admin_client, admin)
        sign_in(lead_client, lead)
        yield Demo(admin_client, lead_client, *tokens)
    engine.dispose()


def _report(client: TestClient, token: str) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/insights/hotspots?{PERIOD}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _key(group: dict[str, Any]) -> tuple[str, str | None, str]:
    return (group["kind"], group["product"] if group["kind"] == "feature" else None, group["value"])


def _alarms(report: dict[str, Any]) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    return {_key(g): g for g in report["groups"] if g["unhappy_alarm"] or g["low_alarm"]}


def _p(value: float | None) -> float:
    return 1.0 if value is None else value


def _figures(report: dict[str, Any]) -> str:
    """The report as a lead would read it, for a failing assertion's message."""
    return (
        "\n".join(
            f"{g['kind']:8} {g['product'] or '':16} {g['value']:16} n={g['conversations']:4} "
            f"unhappy={g['unhappy_rate']} rest={g['rest_unhappy_rate']} p={g['unhappy_p']} "
            f"low={g['low']}/{g['rated']} p={g['low_p']} "
            f"alarm={g['unhappy_alarm'] or g['low_alarm']}"
            for g in report["groups"]
        )
        + f"\npervasive: {report['pervasive']}"
    )


def test_the_default_window_holds_the_incident(demo: Demo) -> None:
    """The release went wrong within the last four weeks, so the default page can see it:
    Monday to Sunday, as every page's weeks, this one (holding ``NOW``) the last."""
    assert (DEFAULT.end - DEFAULT.start).days == 27 and DEFAULT.start.weekday() == 0
    assert DEFAULT.start <= NOW.date() <= DEFAULT.end < NOW.date() + timedelta(days=7)
    report = _report(demo.admin, demo.admin_token)
    assert 800 < report["conversations"] < 1300


def test_the_admin_page_finds_the_firmware_incident(demo: Demo) -> None:
    report = _report(demo.admin, demo.admin_token)
    alarms = _alarms(report)
    why = _figures(report)
    firmware = alarms.get(PLANTED)
    assert firmware is not None, why
    assert firmware["unhappy_alarm"], why
    assert firmware["unhappy_p"] < 1e-6, why
    assert firmware["unhappy_rate"] > 1.5 * firmware["rest_unhappy_rate"], why
    assert firmware["low_rate"] > 1.5 * firmware["rest_low_rate"], why
    # The strongest finding of the period is the incident.
    strongest = min(report["groups"], key=lambda g: _p(g["unhappy_p"]))
    assert _key(strongest) == PLANTED, why
    # No other product alarms: their customers are as unhappy as ever. (Router X2 as a whole
    # may alarm on low ratings: the incident's ratings are its ratings.)
    assert {key for key in alarms if key[0] == "product"} <= {PLANTED_PRODUCT}, why
    # One product's incident is specific, not pervasive.
    assert report["pervasive"]["pervasive"] is False, why

    page = demo.admin.get(f"/insights/hotspots?{PERIOD}").text
    row = page.split("Router X2 · firmware</a>")[1].split("</tr>")[0]
    assert "Hotspot: early warnings" in row
    assert "Not pervasive" in page


def test_the_lead_of_the_router_team_sees_only_the_incident(demo: Demo) -> None:
    """In the team that answers Router X2, the incident is the one finding (the firmware, and
    the router it belongs to), and nothing else (wifi, setup, the smart plug) alarms."""
    report = _report(demo.lead, demo.lead_token)
    why = _figures(report)
    alarms = _alarms(report)
    assert PLANTED in alarms and alarms[PLANTED]["unhappy_alarm"], why
    assert set(alarms) <= {PLANTED, PLANTED_PRODUCT}, why
    assert report["pervasive"]["pervasive"] is False, why
    page = demo.lead.get(f"/insights/hotspots?{PERIOD}").text
    assert page.count('<tr role="row" class="alarm">') == len(alarms)
    detail = demo.lead.get(
        f"/insights/hotspot?{PERIOD}&kind=feature&value=firmware&of=Router+X2"
    ).text
    assert "Hotspot: early warnings stand above the rest." in detail
    assert "2.6.0" in detail  # the examples are the bad release's conversations
    assert '<svg class="trend"' in detail


def test_the_incident_is_recent_and_the_weeks_before_were_quiet(demo: Demo) -> None:
    """The trend shows the release: firmware complaints pile up in one or two recent weeks."""
    earlier = DEFAULT.previous()
    quiet = demo.admin.get(
        f"/api/v1/insights/hotspots?start={earlier.start}&end={earlier.end}",
        headers={"Authorization": f"Bearer {demo.admin_token}"},
    ).json()
    assert PLANTED not in _alarms(quiet), _figures(quiet)
