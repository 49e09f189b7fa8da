"""AutoQA's permissions: opt-in per team by its lead (or an admin), an agent's feedback is
their own, a lead sees their own team's shares only, and reading the page writes nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.models import Team, User
from poise.conversations.models import Message
from poise.db import make_engine, make_sessionmaker
from poise.errors import NotFound, PermissionDenied
from poise.training import actions, autoqa

BLAME = "You should have read the terms before booking, the fare was non-refundable."
SORRY = "I'm so sorry about the double charge, I've refunded it and will email you today."


def _reply(
    session: Session,
    agent: User,
    body: str,
    at: datetime = datetime(2026, 11, 2, 9, 6, tzinfo=UTC),
    **conversation: Any,
) -> None:
    conv = make_conversation(session, **conversation)
    session.add(
        Message(
            conversation_id=conv.id,
            external_id=f"r-{agent.id}-{len(body)}",
            author_role="agent",
            author_user_id=agent.id,
            body=body,
            sent_at=at,
        )
    )
    session.commit()


def _team(session: Session, name: str) -> Team:
    return session.scalars(select(Team).where(Team.name == name)).one()


def test_feedback_is_opt_in_and_each_agent_sees_only_their_own(session: Session) -> None:
    lead = make_user(session, role="lead", team="Care")
    maya = make_user(session, team="Care")
    ben = make_user(session, team="Care")
    _reply(session, maya, BLAME)
    _reply(session, ben, SORRY)
    assert autoqa.my_feedback(session, actor=maya) == []  # off by default
    with pytest.raises(PermissionDenied):
        actions.set_autoqa(session, actor=maya, team_id=_team(session, "Care").id, enabled=True)
    actions.set_autoqa(session, actor=lead, team_id=_team(session, "Care").id, enabled=True)
    mine = autoqa.my_feedback(session, actor=maya)
    assert [r.body for r in mine] == [BLAME]
    verdicts = {v.label: v.present for v in mine[0].verdicts}
    assert verdicts["blames_customer"] and not verdicts["apologizes"]
    assert [r.body for r in autoqa.my_feedback(session, actor=ben)] == [SORRY]


def test_a_lead_sees_shares_of_their_own_team_only(session: Session) -> None:
    care_lead = make_user(session, role="lead", team="Care")
    other_lead = make_user(session, role="lead", team="Billing")
    admin = make_user(session, role="admin")
    agent = make_user(session, team="Care")
    _reply(session, agent, BLAME)
    care = _team(session, "Care")
    actions.set_autoqa(session, actor=admin, team_id=care.id, enabled=True)
    shares = autoqa.team_shares(session, actor=care_lead, team_id=care.id)
    assert shares.replies == 1 and shares.shares["blames_customer"] == 1.0
    for outsider in (other_lead, agent):
        with pytest.raises(PermissionDenied):
            autoqa.team_shares(session, actor=outsider, team_id=care.id)
    with pytest.raises(NotFound):  # another team is answered as a missing one
        actions.set_autoqa(session, actor=other_lead, team_id=care.id, enabled=False)


def test_the_page_writes_nothing_and_only_a_lead_may_switch_it(
    client: TestClient, session: Session
) -> None:
    make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    care = _team(session, "Care")
    csrf = sign_in(client, agent)
    before = session.scalar(select(Team.autoqa).where(Team.id == care.id))
    assert client.get("/training/autoqa").status_code == 200
    refused = client.post(
        f"/training/autoqa/teams/{care.id}",
        data={"csrf_token": csrf, "enabled": "1"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    session.expire_all()
    assert session.scalar(select(Team.autoqa).where(Team.id == care.id)) is before is False


def test_the_page_says_who_can_turn_it_on_and_when_there_is_nothing_to_share(
    client: TestClient, session: Session
) -> None:
    """The lead read "Your lead can turn it on" about the button below, an agent in no team
    read about "your team", and a team with no replies yet got a table of 0 % shares."""
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    loner = make_user(session)
    csrf = sign_in(client, lead)
    page = client.get("/training/autoqa").text
    assert "Turn it on below" in page and "Your lead can turn it on" not in page
    care = _team(session, "Care")
    client.post(f"/training/autoqa/teams/{care.id}", data={"csrf_token": csrf, "enabled": "1"})
    page = client.get("/training/autoqa").text
    assert "No replies from Care's agents yet" in page and "0 latest replies" not in page
    client.post(f"/training/autoqa/teams/{care.id}", data={"csrf_token": csrf, "enabled": "0"})
    client.cookies.clear()
    sign_in(client, agent)
    assert "Your lead can turn it on" in client.get("/training/autoqa").text
    client.cookies.clear()
    sign_in(client, loner)
    page = client.get("/training/autoqa").text
    assert "not on a team yet" in page and "off for your team" not in page
    client.cookies.clear()
    sign_in(client, make_user(session, role="admin"))
    page = client.get("/training/autoqa").text
    assert "Every team's shares are below" in page and "an admin can add you" not in page


def test_a_reply_whose_conversation_went_to_another_team_is_not_linked(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    elsewhere = make_user(session, team="Billing")
    _reply(session, agent, SORRY, subject="Moved to billing", assignee_email=elsewhere.email)
    _reply(session, agent, BLAME, subject="Still with care", assignee_email=agent.email)
    actions.set_autoqa(session, actor=lead, team_id=_team(session, "Care").id, enabled=True)
    sign_in(client, agent)
    page = client.get("/training/autoqa").text
    (moved, _), (kept, reply) = (
        session.execute(select(Message.conversation_id, Message.id).where(Message.body == b)).one()
        for b in (SORRY, BLAME)
    )
    assert client.get(f"/conversations/{moved}").status_code == 404  # as if missing
    assert "Moved to billing" in page and f'href="/conversations/{moved}?' not in page
    # the link lands on the reply itself, however long the thread around it
    assert f'href="/conversations/{kept}?message={reply}#m{reply}"' in page


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The replies AutoQA reads with the model from now on (its memory emptied first)."""
    read: list[str] = []
    label_replies = autoqa.label_replies

    def counting(replies: list[str], **options: bool) -> list[dict[str, autoqa.LabelVerdict]]:
        read.extend(replies)
        return label_replies(replies, **options)

    monkeypatch.setattr(autoqa, "label_replies", counting)
    autoqa._verdicts.clear()
    return read


def test_a_second_view_reads_no_reply_again(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shares read a team's last 500 replies: a process remembers their verdicts."""
    admin = make_user(session, role="admin")
    agent = make_user(session, team="Care")
    extra = "Thanks for waiting, the replacement ships today and I'll send you the tracking."
    for body in (BLAME, SORRY, extra):
        _reply(session, agent, body)
    actions.set_autoqa(session, actor=admin, team_id=_team(session, "Care").id, enabled=True)
    read = _count_reads(monkeypatch)
    first = autoqa.team_shares(session, actor=admin, team_id=_team(session, "Care").id)
    assert sorted(read) == sorted([BLAME, SORRY, extra])
    read.clear()
    again = autoqa.team_shares(session, actor=admin, team_id=_team(session, "Care").id)
    assert again.shares == first.shares and first.shares["blames_customer"] == pytest.approx(1 / 3)
    assert read == []


def test_warming_reads_the_opted_in_teams_replies_ahead_of_their_first_view(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``warm`` (run as a server starts and as a lead opts in), the lead's shares and
    the agent's own page read no reply again; a team that did not opt in is not read."""
    admin = make_user(session, role="admin")
    agent = make_user(session, team="Care")
    other = make_user(session, team="Sales")
    aside = "Let me check with billing and come back to you before noon."
    for body in (BLAME, SORRY):
        _reply(session, agent, body)
    _reply(session, other, aside)
    actions.set_autoqa(session, actor=admin, team_id=_team(session, "Care").id, enabled=True)
    read = _count_reads(monkeypatch)
    assert autoqa.warm(make_sessionmaker(engine)) == 2
    assert sorted(read) == sorted([BLAME, SORRY])  # Sales did not opt in
    read.clear()
    shares = autoqa.team_shares(session, actor=admin, team_id=_team(session, "Care").id)
    mine = autoqa.my_feedback(session, actor=agent)
    assert read == []
    assert shares.replies == 2 and len(mine) == 2
    assert autoqa.warm(make_sessionmaker(engine), [_team(session, "Sales").id]) == 0


def test_while_a_team_is_read_ahead_its_lead_s_page_answers_at_once(
    client: TestClient, session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Turning AutoQA on starts reading the team's replies on a thread, then lands on the
    AutoQA page, which read the same 500 replies again at the same time: the lead's first view
    waited 42 s on a busy two-core server. While the team is read ahead, the page says so at
    once and reads nothing; once the reading is done, the shares are there."""
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    for body in (BLAME, SORRY):
        _reply(session, agent, body)
    care = _team(session, "Care")
    actions.set_autoqa(session, actor=lead, team_id=care.id, enabled=True)
    read = _count_reads(monkeypatch)
    sign_in(client, lead)
    autoqa.mark_reading(session, [care.id])  # as the opt-in does, before it starts the thread
    page = client.get("/training/autoqa").text
    assert read == [] and "Reading the team" in page and 'data-label="apologizes"' not in page
    autoqa.warm_quietly(make_sessionmaker(engine), [care.id], True)  # the thread's work
    assert sorted(read) == sorted([BLAME, SORRY]) and not autoqa.reading_ahead(session, care.id)
    page = client.get("/training/autoqa").text
    assert "Reading the team" not in page and "Of the team's 2 replies:" in page
    assert sorted(read) == sorted([BLAME, SORRY])  # the page read nothing again


def test_while_a_server_reads_ahead_at_start_the_agent_s_page_answers_at_once(
    client: TestClient, session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after a restart the server reads the opted-in teams' replies ahead, and a view
    meanwhile read them again beside it: 9 s for an agent's own page and 25 s for the lead's
    on the demo. The start-up reading marks the teams too, and the agent's own page says it
    is reading instead of reading its replies twice."""
    agent = make_user(session, team="Care")
    for body in (BLAME, SORRY):
        _reply(session, agent, body)
    care = _team(session, "Care")
    actions.set_autoqa(
        session, actor=make_user(session, role="admin"), team_id=care.id, enabled=True
    )
    read = _count_reads(monkeypatch)
    marked_while_reading: list[bool] = []
    counting = autoqa.label_replies

    def watching(replies: list[str], **options: bool) -> list[dict[str, autoqa.LabelVerdict]]:
        marked_while_reading.append(autoqa.reading_ahead(session, care.id))
        return counting(replies, **options)

    monkeypatch.setattr(autoqa, "label_replies", watching)
    assert autoqa.warm(make_sessionmaker(engine)) == 2  # as a server starts: every team
    assert marked_while_reading == [True] and not autoqa.reading_ahead(session, care.id)
    sign_in(client, agent)
    autoqa.mark_reading(session, [care.id])
    autoqa._verdicts.clear()
    read.clear()
    page = client.get("/training/autoqa").text
    assert read == [] and "Reading your latest replies" in page
    autoqa.mark_reading(session, [care.id], -1)
    page = client.get("/training/autoqa").text
    assert "Reading your latest replies" not in page and sorted(read) == sorted([BLAME, SORRY])


def test_a_team_read_ahead_in_one_database_is_not_marked_in_another(
    client: TestClient,
    session: Session,
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The marks were kept by team id alone, per process: while one app read its team 1's
    replies ahead, another app of the process (tests build many, each on its own database)
    said "Reading the team" for its own, different team 1 and showed no shares."""
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    _reply(session, agent, SORRY)
    care = _team(session, "Care")
    actions.set_autoqa(session, actor=lead, team_id=care.id, enabled=True)
    shutil.copy(sqlite_template, tmp_path / "other.db")
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    other_sessions = make_sessionmaker(other)
    with other_sessions() as elsewhere:
        other_lead = make_user(elsewhere, role="lead", team="Sales")
        _reply(elsewhere, make_user(elsewhere, team="Sales"), BLAME)
        sales = _team(elsewhere, "Sales")
        actions.set_autoqa(elsewhere, actor=other_lead, team_id=sales.id, enabled=True)
        assert sales.id == care.id  # the same id names another team in the other database
    sign_in(client, lead)
    pages: list[str] = []
    counting = autoqa.label_replies

    def viewing(replies: list[str], **options: bool) -> list[dict[str, autoqa.LabelVerdict]]:
        if replies == [BLAME] and not pages:  # the other database's team, read ahead
            pages.append(client.get("/training/autoqa").text)
        return counting(replies, **options)

    monkeypatch.setattr(autoqa, "label_replies", viewing)
    autoqa._verdicts.clear()
    try:
        assert autoqa.warm(other_sessions) == 1
    finally:
        other.dispose()
    assert len(pages) == 1
    assert "Reading the team" not in pages[0] and "Of the team's one reply:" in pages[0]


def test_the_team_shares_say_how_many_replies_they_read(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead read "Of the team's 1 latest replies" (and "latest" about every reply the team
    ever sent): one reply is one, and "latest" is said only when the reading left older ones
    out (it reads the team's latest ``TEAM_SAMPLE``)."""
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, team="Care")
    _reply(session, agent, BLAME)
    actions.set_autoqa(session, actor=lead, team_id=_team(session, "Care").id, enabled=True)
    sign_in(client, lead)
    assert "Of the team's one reply:" in client.get("/training/autoqa").text
    _reply(session, agent, SORRY)
    assert "Of the team's 2 replies:" in client.get("/training/autoqa").text
    monkeypatch.setattr(autoqa, "TEAM_SAMPLE", 1)
    assert "Of the team's latest reply:" in client.get("/training/autoqa").text
    monkeypatch.setattr(autoqa, "TEAM_SAMPLE", 2)
    _reply(session, agent, "Thanks for waiting, it is sorted now.")
    assert "Of the team's 2 latest replies:" in client.get("/training/autoqa").text


def test_a_teams_latest_replies_merge_its_members_newest_first(session: Session) -> None:
    """Each member's latest come from their own index range; the team's are the newest of
    all of them, in time order, whoever wrote them."""
    maya, ben = make_user(session, team="Care"), make_user(session, team="Care")
    for minute, agent in enumerate([maya, maya, ben, maya, ben, ben, maya]):
        at = datetime(2026, 11, 2, 10, minute, tzinfo=UTC)
        _reply(session, agent, f"reply at minute {minute}", at)
    latest = autoqa._agent_replies(session, [maya.id, ben.id, maya.id], 4)
    assert [m.body for m in latest] == [f"reply at minute {m}" for m in (6, 5, 4, 3)]
    assert autoqa._agent_replies(session, [], 4) == []


def test_verdicts_on_replies_are_the_authors_own_and_only_once_the_team_opted_in(
    session: Session,
) -> None:
    admin = make_user(session, role="admin")
    agent = make_user(session, team="Care")
    mate = make_user(session, team="Care")
    _reply(session, agent, BLAME)
    _reply(session, mate, SORRY)
    messages = list(session.scalars(select(Message).where(Message.author_role == "agent")))
    mine = next(m.id for m in messages if m.author_user_id == agent.id)
    assert autoqa.verdicts_on_replies(session, author=agent, messages=messages) == {}
    actions.set_autoqa(session, actor=admin, team_id=_team(session, "Care").id, enabled=True)
    found = autoqa.verdicts_on_replies(session, author=agent, messages=messages)
    assert list(found) == [mine]
    assert {v.label for v in found[mine] if v.present} >= {"blames_customer"}
