"""Kudos rounds: a ranked board for the collector, kind to quiet months, only for the team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from morale_builders import in_month, months_back, post_form, praised_conversation
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.models import Team
from poise.db.base import utcnow
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.morale import actions, queries
from poise.morale.models import KudosPick, KudosRound
from poise.morale.ranking import rank_comments, score_comment

SPECIFIC = (
    "Maya stayed on the phone while my dad found his password, explained every step "
    "and even called back the next day to check. I'm so grateful, she made my day!"
)
GENERIC = ("thanks", "Great service", "ok thank you", "Thanks!")


def test_specific_heartfelt_comments_outrank_generic_thanks() -> None:
    ranked = rank_comments([(g, None) for g in GENERIC] + [(SPECIFIC, "rating:1")], "Maya")
    assert ranked[0].source_key == "rating:1"
    best = ranked[0].reasons
    assert any("names the agent" in r for r in best) and any("heartfelt" in r for r in best)
    assert score_comment("thanks").reasons == ["very short (1 word)", "generic thanks"]


def test_the_same_thanks_signed_by_different_customers_is_offered_once() -> None:
    """Canned thanks under each customer's own name filled the board with one comment thrice."""
    month = [
        ("Amazing, you're a star. Thank you Carlos!\nPierre", "message:1"),
        ("Amazing, you're a star. Thank you Carlos!\nSipho", "message:2"),
        ("amazing, you're a star.  Thank you Carlos!\n— Anna Lee", "message:3"),
        ("Carlos fixed it.\nThe refund came in 3 days.", "message:4"),
        ("Carlos fixed it.\nThe refund came in 5 days.", "message:5"),
    ]
    keys = [c.source_key for c in rank_comments(month, "Carlos")]
    assert sorted(keys) == ["message:1", "message:4", "message:5"]


def test_a_constructed_month_orders_comments_as_a_person_would() -> None:
    month = [
        ("Thank you.", None),
        ("Helpful.", None),
        ("Sorted quickly, thanks.", None),
        ("Ben fixed the billing error and explained why it happened.", None),
        (
            "Ben was so patient when I was upset, walked me through the refund because I "
            "was confused, and I'm truly relieved. Above and beyond!",
            None,
        ),
    ]
    order = [c.text for c in rank_comments(month, "Ben")]
    assert order[0].startswith("Ben was so patient")
    assert order[1].startswith("Ben fixed")
    assert set(order[-2:]) == {"Thank you.", "Helpful."}


def _team(session: Session) -> tuple[Team, list[object]]:
    people = [
        make_user(session, name="Maya Lopez", team="Care"),
        make_user(session, name="Ben Okoro", team="Care"),
        make_user(session, name="Quiet Quinn", team="Care"),
    ]
    team = session.scalars(select(Team).where(Team.name == "Care")).one()
    return team, people


def test_the_collector_prepares_a_ranked_board_and_publishes(
    client: TestClient, session: Session
) -> None:
    team, (maya, ben, quinn) = _team(session)
    month, at = months_back(1), in_month(months_back(1))
    praised_conversation(session, maya, comment="thanks", thanks="ok", at=at)
    praised_conversation(session, maya, comment=SPECIFIC, thanks="ok", at=at)
    praised_conversation(
        session, ben, comment="Ben sorted my invoice, thank you!", thanks="ok", at=at
    )
    praised_conversation(session, ben, comment="old news", thanks="ok", at=in_month(months_back(3)))
    collector = actions.rotating_collector(team, month)
    assert collector is not None
    kudos = actions.prepare_round(session, actor=collector, team_id=team.id, month=month)

    board = {
        line.member.name: line
        for line in queries.kudos_board(session, actor=collector, round_id=kudos.id)
    }
    assert board["Maya Lopez"].green_robots == 2
    assert board["Maya Lopez"].proposed is not None
    assert board["Maya Lopez"].proposed.text == SPECIFIC
    assert [c.text for c in board["Ben Okoro"].comments] == ["Ben sorted my invoice, thank you!"]
    assert board["Quiet Quinn"].comments == []

    csrf = sign_in(client, collector)
    page = client.get(f"/morale/kudos/{kudos.id}").text
    assert "How the board is ranked" in page and "No green robots" in page
    assert page.index("stayed on the phone") < page.index("thanks</q>")
    published = post_form(
        client,
        f"/morale/kudos/{kudos.id}/publish",
        csrf,
        {
            f"choice_{quinn.id}": "custom",
            f"custom_{quinn.id}": "Quinn covered every night shift. Thank you!",
            "note": "What a month, team.",
        },
    )
    assert published.status_code == 303
    client.cookies.clear()
    sign_in(client, quinn)
    team_view = client.get(f"/morale/kudos/{kudos.id}").text
    assert "stayed on the phone" in team_view and "covered every night shift" in team_view
    assert "What a month" in team_view
    assert KudosRound(month=month).label in client.get("/morale/kudos").text


def test_the_same_words_are_offered_once_on_the_board(client: TestClient, session: Session) -> None:
    """A rating comment and a thank-you with the same words, or two customers writing the
    same thanks, are one choice: listed twice they would push other praise off the top."""
    team, (maya, _, _) = _team(session)
    same = "Amazing, you're a star. Thank you Maya!"
    month, at = months_back(1), in_month(months_back(1))
    praised_conversation(session, maya, comment=same, thanks="ok", at=at)
    praised_conversation(session, maya, comment="amazing, you're a star.  Thank you Maya!", at=at)
    praised_conversation(session, maya, comment=SPECIFIC, thanks=same, at=at)
    collector = actions.rotating_collector(team, month)
    assert collector is not None
    kudos = actions.prepare_round(session, actor=collector, team_id=team.id, month=month)

    sign_in(client, collector)
    page = client.get(f"/morale/kudos/{kudos.id}").text
    maya_line = page.split(f'data-member="{maya.id}"')[1].split("In my own words")[0]
    assert maya_line.count("a star. Thank you Maya!") == 1
    assert "stayed on the phone" in maya_line


def test_only_the_collector_or_that_teams_lead_runs_a_round(session: Session) -> None:
    team, members = _team(session)
    month = months_back(1)
    collector = actions.rotating_collector(team, month)
    bystander = next(m for m in members if m is not collector)
    with pytest.raises(PermissionDenied):
        actions.prepare_round(session, actor=bystander, team_id=team.id, month=month)
    other_lead = make_user(session, role="lead", team="Billing")
    with pytest.raises(NotFound):  # another team is answered as a missing one
        actions.prepare_round(session, actor=other_lead, team_id=team.id, month=month)
    lead = make_user(session, role="lead", team="Care")
    kudos = actions.prepare_round(session, actor=lead, team_id=team.id, month=month)
    with pytest.raises(NotFound):  # a round in preparation does not exist for other teams
        queries.kudos_board(session, actor=other_lead, round_id=kudos.id)
    with pytest.raises(PermissionDenied):
        actions.publish_round(session, actor=bystander, round_id=kudos.id, picks=[], note="")
    with pytest.raises(NotFound):  # another team's round is answered as a missing one
        actions.change_collector(session, actor=other_lead, round_id=kudos.id, collector_id=1)
    actions.change_collector(session, actor=lead, round_id=kudos.id, collector_id=bystander.id)
    assert queries.kudos_board(session, actor=bystander, round_id=kudos.id)


def test_agents_of_other_teams_cannot_see_or_run_a_round_on_the_web(
    client: TestClient, session: Session
) -> None:
    team, _ = _team(session)
    lead = make_user(session, role="lead", team="Care")
    kudos = actions.prepare_round(session, actor=lead, team_id=team.id, month=months_back(1))
    csrf = sign_in(client, make_user(session, team="Billing"))
    assert client.get(f"/morale/kudos/{kudos.id}").status_code == 404
    refused = post_form(client, f"/morale/kudos/{kudos.id}/publish", csrf, {"note": "hi"})
    assert refused.status_code in (403, 404)
    prepare = post_form(
        client, "/morale/kudos/prepare", csrf, {"team_id": team.id, "month": months_back(0)}
    )
    assert prepare.status_code == 404  # another team is answered as a missing one
    assert session.scalars(select(KudosRound)).one().status == "preparing"


def test_the_collector_rotates_month_by_month(session: Session) -> None:
    team, members = _team(session)
    collectors = {actions.rotating_collector(team, f"2026-{m:02d}") for m in (1, 2, 3)}
    assert collectors == set(members)


def test_a_round_left_unpublished_stays_on_the_page_after_its_month(
    client: TestClient, session: Session
) -> None:
    """The page showed the round of the month it offers and the published ones: a board
    prepared for an earlier month and never published vanished from it."""
    team, _ = _team(session)
    lead = make_user(session, role="lead", team="Care")
    earlier, later = months_back(2), months_back(1)
    earlier_round = actions.prepare_round(session, actor=lead, team_id=team.id, month=earlier)
    sign_in(client, lead)
    page = client.get("/morale/kudos", params={"month": later}).text
    assert "Still being prepared" in page and f'href="/morale/kudos/{earlier_round.id}"' in page
    shown = client.get("/morale/kudos", params={"month": earlier}).text
    assert "Still being prepared" not in shown  # it is the round the page is about
    client.cookies.clear()
    sign_in(client, make_user(session, team="Care"))  # not theirs to run: not listed
    assert f'href="/morale/kudos/{earlier_round.id}"' not in client.get("/morale/kudos").text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2026-13", "a month looks like 2026-11"),
        ("9999-12", "a month looks like 2026-11"),
        ("2999-01", "2999-01 has not started yet"),
    ],
)
def test_a_bad_month_is_said_beside_the_field_with_what_was_typed_kept(
    client: TestClient, session: Session, typed: str, said: str
) -> None:
    team, _ = _team(session)
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    page = client.get("/morale/kudos", params={"month": typed})
    assert page.status_code == 400
    assert f'value="{typed}"' in page.text and 'id="month-error"' in page.text
    assert said in page.text and "Care" in page.text  # the default month is shown meanwhile
    prepared = post_form(
        client, "/morale/kudos/prepare", csrf, {"team_id": team.id, "month": typed}
    )
    assert prepared.status_code == 400 and said in prepared.text
    assert f'value="{typed}"' in prepared.text
    assert session.scalars(select(KudosRound)).all() == []


@pytest.mark.parametrize("typed", ["1900-01", "0001-01", months_back(13)])
def test_a_month_too_far_back_is_said_beside_the_field_with_what_was_typed_kept(
    client: TestClient, session: Session, typed: str
) -> None:
    """Any past month was accepted (1900-01 opened a round with an empty board): a round
    goes back at most a year, and the month refused says which may be chosen."""
    team, _ = _team(session)
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    said = f"{typed} is too far back: kudos rounds go back at most 12 months"
    earliest = f"choose {months_back(12)} or a later month"
    page = client.get("/morale/kudos", params={"month": typed})
    assert page.status_code == 400
    assert f'value="{typed}"' in page.text and 'id="month-error"' in page.text
    assert said in page.text and earliest in page.text
    prepared = post_form(
        client, "/morale/kudos/prepare", csrf, {"team_id": team.id, "month": typed}
    )
    assert prepared.status_code == 400 and said in prepared.text
    assert f'value="{typed}"' in prepared.text
    assert session.scalars(select(KudosRound)).all() == []
    with pytest.raises(InvalidInput, match="too far back"):
        actions.prepare_round(session, actor=lead, team_id=team.id, month=typed)


def test_a_round_a_year_back_may_still_be_prepared(session: Session) -> None:
    team, _ = _team(session)
    lead = make_user(session, role="lead", team="Care")
    month = months_back(12)
    kudos = actions.prepare_round(session, actor=lead, team_id=team.id, month=month)
    assert kudos.month == month


def test_own_words_left_empty_are_refused_beside_the_box_with_the_board_kept(
    client: TestClient, session: Session
) -> None:
    """Left empty, "In my own words" quietly published the "quieter month" card nobody chose;
    now the board comes back saying so, and the quieter month is a choice of its own."""
    team, (maya, ben, quinn) = _team(session)
    month, at = months_back(1), in_month(months_back(1))
    praised_conversation(session, maya, comment=SPECIFIC, thanks="ok", at=at)
    praised_conversation(session, maya, comment="Maya fixed it, thanks!", thanks="ok", at=at)
    collector = actions.rotating_collector(team, month)
    assert collector is not None
    kudos = actions.prepare_round(session, actor=collector, team_id=team.id, month=month)
    maya_line = next(
        line
        for line in queries.kudos_board(session, actor=collector, round_id=kudos.id)
        if line.member.id == maya.id
    )
    second = maya_line.comments[1].source_key
    csrf = sign_in(client, collector)
    typed = {
        f"choice_{maya.id}": second,
        f"choice_{ben.id}": "custom",
        f"custom_{ben.id}": "Ben took the late shift all month.",
        f"choice_{quinn.id}": "custom",
        f"custom_{quinn.id}": " \u200b ",
        "note": "What a month, team.",
    }
    refused = post_form(client, f"/morale/kudos/{kudos.id}/publish", csrf, typed)
    assert refused.status_code == 400
    page = refused.text
    assert f'id="custom_{quinn.id}-error">write a few words for Quiet, or choose' in page
    assert f'id="custom_{ben.id}-error"' not in page
    assert f'value="{second}" checked' in page  # the comment chosen, not the proposed one
    assert ">Ben took the late shift all month.</textarea>" in page
    assert ">What a month, team.</textarea>" in page
    assert session.scalars(select(KudosRound)).one().status == "preparing"
    quieter = {**typed, f"choice_{quinn.id}": "none"}
    done = post_form(client, f"/morale/kudos/{kudos.id}/publish", csrf, quieter)
    assert done.status_code == 303
    cards = client.get(f"/morale/kudos/{kudos.id}").text
    assert "Ben took the late shift" in cards and "A quieter month for kind words" in cards


@pytest.mark.parametrize("note", ["What a month, team.", ""])
def test_a_round_published_twice_at_once_reads_as_published(
    client: TestClient, session: Session, note: str
) -> None:
    """Publish clicked twice showed "this round is already published" to the collector who had
    just published it; the repeat now reads as published and changes nothing. A lead sending
    the same, other words, or the same later are still told it is published."""
    team, (maya, _ben, quinn) = _team(session)
    month = months_back(1)
    praised_conversation(session, maya, comment=SPECIFIC, thanks="ok", at=in_month(month))
    collector = actions.rotating_collector(team, month)
    assert collector is not None
    kudos = actions.prepare_round(session, actor=collector, team_id=team.id, month=month)
    csrf = sign_in(client, collector)
    url = f"/morale/kudos/{kudos.id}/publish"
    form = {f"choice_{quinn.id}": "custom", f"custom_{quinn.id}": "Thank you!", "note": note}
    sent = [post_form(client, url, csrf, form) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[1].headers["location"] == f"/morale/kudos/{kudos.id}"
    assert "Published to the team" in client.get(sent[1].headers["location"]).text
    assert len(session.scalars(select(KudosPick)).all()) == 3
    other = post_form(client, url, csrf, {**form, f"custom_{quinn.id}": "Other words."})
    assert other.status_code == 400 and "already published" in other.text
    client.cookies.clear()
    lead = sign_in(client, make_user(session, role="lead", team="Care"))
    assert post_form(client, url, lead, form).status_code == 400
    client.cookies.clear()
    csrf = sign_in(client, collector)
    published = session.scalars(select(KudosRound)).one()
    published.published_at = utcnow() - timedelta(minutes=3)
    session.commit()
    assert post_form(client, url, csrf, form).status_code == 400
    session.expire_all()
    texts = session.scalars(select(KudosPick.text).where(KudosPick.member_id == quinn.id)).all()
    assert texts == ["Thank you!"]
