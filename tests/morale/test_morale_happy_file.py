"""The Happy File: collected idempotently, private to its owner everywhere, kind on a bad day."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from morale_builders import api_headers, heated_conversation, post_form, praised_conversation
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import make_user, sign_in
from poise.cli import app as cli
from poise.conversations.models import Message
from poise.conversations.scoring import ScoreCounts
from poise.db.base import utcnow
from poise.insights.weeks import build
from poise.morale import actions, praise
from poise.morale.actions import collect_happy_items
from poise.morale.models import HappyItem, Nudge, ThanksVerdict
from poise.repeats import REPEAT_WINDOW
from poise.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
WEBP = b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def test_collection_finds_each_kind_once_and_can_run_again(session: Session) -> None:
    agent = make_user(session, name="Maya Lopez", team="Care")
    conv = praised_conversation(session, agent, thanks="Thanks a million, that was brilliant!")
    conv.turnaround = True
    session.commit()
    praised_conversation(session, agent, thanks="ok.", comment="")  # no comment, no thanks
    heated_conversation(session, agent)

    first = collect_happy_items(session)
    again = collect_happy_items(session)

    assert (first.ratings, first.messages, first.turnarounds, first.nudges) == (1, 1, 1, 1)
    assert (again.ratings, again.messages, again.turnarounds, again.nudges) == (0, 0, 0, 0)
    kinds = sorted(session.scalars(select(HappyItem.kind).where(HappyItem.owner_id == agent.id)))
    assert kinds == ["message", "rating", "turnaround"]


def test_satisfied_turns_without_gratitude_or_with_negativity_are_not_praise(
    session: Session,
) -> None:
    agent = make_user(session)
    praised_conversation(session, agent, thanks="Fine, the parcel came.", comment="")
    collect_happy_items(session)
    assert session.scalar(select(func.count(HappyItem.id))) == 0


@pytest.mark.parametrize(
    "text",
    [
        "My order never arrived and nobody answers my emails. Thanks, Sarah",  # signed off
        "Could you check my order status? Thanks in advance",
        "Thanks in advance",
        "Thanks! Any update on my refund?",
        "Thanks! It's PX-915519.",  # the details of a case still open
        "Thank you! My account number is 123",
        # an e-mail address is the account's details too, however an "@" reads elsewhere
        "Thanks! The account email is pierre.ndlovu@inbox.example. Both charges were on Monday.",
        "Thanks. Still no refund.",
    ],
)
def test_thanks_that_ask_or_tell_an_open_problem_stay_out_of_the_happy_file(
    session: Session, text: str
) -> None:
    """The signals call these satisfied and they say thanks, but an agent would not be glad
    to find them among their praise."""
    agent = make_user(session)
    praised_conversation(session, agent, thanks=text, comment="")
    assert collect_happy_items(session).messages == 0


@pytest.mark.parametrize(
    "text",
    [
        "It works! Sorry for losing my temper earlier. Thank you for being so patient.",
        "Update just landed! Will check it out. Thanks",  # "Will" opens no question here
        "I hard restarted my system. That worked. Thank you!",
        "Thanks, that worked!",
    ],
)
def test_real_thanks_reach_the_happy_file(session: Session, text: str) -> None:
    agent = make_user(session)
    praised_conversation(session, agent, thanks=text, comment="")
    assert collect_happy_items(session).messages == 1


def test_a_turn_judged_once_is_not_judged_again_while_its_scores_stand(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judging runs the feeling model: every scoring job's collection would otherwise judge
    each turned-down thank-you again. A re-score makes the verdict stale."""
    agent = make_user(session)
    praised_conversation(session, agent, thanks="Thanks! Any update on my refund?", comment="")
    kept = praised_conversation(session, agent, thanks="Thanks, that worked!", comment="")
    judged: list[str] = []
    real = praise.is_thanks
    monkeypatch.setattr(praise, "is_thanks", lambda text: judged.append(text) or real(text))

    assert collect_happy_items(session).messages == 1
    assert sorted(judged) == ["Thanks! Any update on my refund?", "Thanks, that worked!"]
    verdicts = dict(session.execute(select(ThanksVerdict.message_id, ThanksVerdict.thanks)).all())
    assert sorted(verdicts.values()) == [False, True]

    judged.clear()
    assert collect_happy_items(session).messages == 0
    assert judged == []  # the turned-down one is not even read, the kept one not judged

    session.execute(
        update(Message)
        .where(Message.conversation_id == kept.id, Message.author_role == "customer")
        .values(signal_version="test-2")
    )
    session.commit()
    collect_happy_items(session)
    assert judged == ["Thanks, that worked!"]  # re-scored: judged once more


def test_verdicts_the_insights_rollup_judged_are_not_judged_again_by_collection(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = make_user(session)
    praised_conversation(session, agent, thanks="Thanks! Any update on my refund?", comment="")
    praised_conversation(session, agent, thanks="Thanks, that worked!", comment="")
    build(session)  # the rollup counts praise received with the same test
    session.commit()
    judged: list[str] = []
    real = praise.is_thanks
    monkeypatch.setattr(praise, "is_thanks", lambda text: judged.append(text) or real(text))
    assert collect_happy_items(session).messages == 1
    assert judged == []


def test_nobody_else_reads_a_happy_file_through_the_api(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, name="Maya Lopez", team="Care")
    praised_conversation(session, owner, comment="Maya saved my wedding order, thank you!")
    collect_happy_items(session)
    item_id = session.scalar(select(HappyItem.id).where(HappyItem.owner_id == owner.id))
    mine = client.get("/api/v1/happy-file", headers=api_headers(session, owner)).json()
    assert mine["total"] >= 1 and "wedding" in str(mine["items"])

    for role in ("agent", "lead", "admin"):
        other = make_user(session, role=role, team="Care")
        headers = api_headers(session, other)
        listing = client.get("/api/v1/happy-file", headers=headers).json()
        assert listing == {"items": [], "total": 0, "page": 1, "page_size": 20, "pages": 1}, role
        response = client.get(f"/api/v1/happy-file/{item_id}", headers=headers)
        assert response.status_code == 404, role  # never 403: existence must not leak
        assert client.get("/api/v1/happy-file/999999", headers=headers).status_code == 404


def test_nobody_else_reads_a_happy_file_on_the_web(
    client: TestClient, session: Session, settings: Settings
) -> None:
    owner = make_user(session, name="Maya Lopez")
    praised_conversation(session, owner, comment="Maya saved my wedding order, thank you!")
    collect_happy_items(session)  # as the scoring job does after an import
    csrf = sign_in(client, owner)
    upload = {"screenshot": ("praise.png", PNG, "image/png")}
    assert post_form(client, "/morale/happy-file", csrf, {"text": "a tweet"}, files=upload)
    page = client.get("/morale/happy-file").text
    assert "wedding" in page
    screenshot_id = session.scalar(select(HappyItem.id).where(HappyItem.kind == "screenshot"))
    assert client.get(f"/morale/happy-file/{screenshot_id}/screenshot").content == PNG

    client.cookies.clear()
    sign_in(client, make_user(session, role="admin"))
    assert "wedding" not in client.get("/morale/happy-file").text
    assert client.get(f"/morale/happy-file/{screenshot_id}/screenshot").status_code == 404


def test_api_adds_and_pages_own_items(client: TestClient, session: Session) -> None:
    agent = make_user(session)
    headers = api_headers(session, agent)
    for n in range(25):
        created = client.post(
            "/api/v1/happy-file", json={"text": f"kind word {n}"}, headers=headers
        )
        assert created.status_code == 201
    one = client.get(f"/api/v1/happy-file/{created.json()['id']}", headers=headers)
    assert one.json()["text"] == "kind word 24"
    second = client.get("/api/v1/happy-file?page=2", headers=headers).json()
    assert second["total"] == 25 and len(second["items"]) == 5
    assert client.post("/api/v1/happy-file", json={"text": ""}, headers=headers).status_code == 422
    assert client.get("/api/v1/happy-file").status_code == 401


def test_screenshots_are_checked_by_content_and_size(
    client: TestClient, session: Session, settings: Settings
) -> None:
    csrf = sign_in(client, make_user(session))
    ok = post_form(
        client, "/morale/happy-file", csrf, files={"screenshot": ("a.webp", WEBP, "image/webp")}
    )
    assert ok.status_code == 303
    stored = list((settings.data_dir / "happy-file").rglob("*.webp"))
    assert len(stored) == 1 and stored[0].read_bytes() == WEBP

    fake = post_form(
        client,
        "/morale/happy-file",
        csrf,
        files={"screenshot": ("evil.png", b"<script>alert(1)</script>", "image/png")},
    )
    assert fake.status_code == 400 and "PNG, JPEG or WebP" in fake.text
    huge = post_form(
        client,
        "/morale/happy-file",
        csrf,
        files={"screenshot": ("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")},
    )
    assert huge.status_code == 400 and "5 MB" in huge.text
    assert len(list(Path(settings.data_dir).rglob("*.png"))) == 0


def test_a_screenshot_keeps_the_link_sent_with_it_or_refuses_it_beside_its_box(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """The form offers words, a link and a screenshot together; with a screenshot the link
    was dropped without a word, even one the form refuses alone (javascript:…). Now it is
    kept with the screenshot, or refused beside its box with no file left behind."""
    csrf = sign_in(client, make_user(session))
    upload = {"screenshot": ("review.png", PNG, "image/png")}
    link = "https://reviews.example/our-shop/123"
    data = {"text": "Five stars on the review site", "link": link}
    assert post_form(client, "/morale/happy-file", csrf, data, files=upload).status_code == 303
    item = session.scalars(select(HappyItem).where(HappyItem.kind == "screenshot")).one()
    assert item.link_url == link
    assert f'href="{link}"' in client.get("/morale/happy-file").text
    bad = {"text": "Another one", "link": "javascript:alert(1)"}
    refused = post_form(client, "/morale/happy-file", csrf, bad, files=upload)
    assert refused.status_code == 400 and 'id="link-error"' in refused.text
    assert 'value="javascript:alert(1)"' in refused.text
    assert "Another one</textarea>" in refused.text
    assert len(list((settings.data_dir / "happy-file").rglob("*.png"))) == 1


def test_search_star_and_pick_me_up(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session))
    for text in ("You were so patient with me", "Quick and clear", "Best support ever"):
        post_form(client, "/morale/happy-file", csrf, {"text": text})
    found = client.get("/morale/happy-file?q=patient").text
    assert "so patient" in found and "Quick and clear" not in found
    item_id = session.scalar(select(HappyItem.id).where(HappyItem.text == "Quick and clear"))
    post_form(client, f"/morale/happy-file/{item_id}/star", csrf)
    starred = client.get("/morale/happy-file?starred=true").text
    assert "Quick and clear" in starred and "so patient" not in starred
    assert "Quick and clear" in client.get("/morale/happy-file/pick-me-up").text  # starred first
    assert client.get("/morale/happy-file?kind=bogus").status_code == 400


def test_praise_links_only_to_conversations_its_owner_may_still_open(
    client: TestClient, session: Session
) -> None:
    """Praise stays in the file when its conversation goes to another team's agent, but a
    link to it answered "this conversation belongs to another team"."""
    agent = make_user(session, team="Care")
    kept = praised_conversation(session, agent, comment="Kept: so patient!", thanks="ok.")
    moved = praised_conversation(session, agent, comment="Moved: fixed it!", thanks="ok.")
    collect_happy_items(session)
    other_team = make_user(session, team="Billing")
    moved.assignee_id = other_team.id
    session.commit()
    sign_in(client, agent)
    assert client.get(f"/conversations/{moved.id}").status_code == 404  # as if missing
    for path in ("/morale/happy-file", "/morale/happy-file/pick-me-up"):
        page = client.get(path).text
        assert "Moved: fixed it" in page and f'href="/conversations/{moved.id}"' not in page
        assert "gone to another team" in page
    assert f'href="/conversations/{kept.id}"' in client.get("/morale/happy-file").text


def test_words_that_show_nothing_are_refused_like_no_words(
    client: TestClient, session: Session
) -> None:
    """A zero-width space alone was kept as a note in the Happy File: a card with nothing on
    it."""
    csrf = sign_in(client, make_user(session))
    refused = post_form(client, "/morale/happy-file", csrf, {"text": "\u200b\u2060 \ufeff"})
    assert refused.status_code == 400 and 'id="text-error"' in refused.text
    assert session.scalars(select(HappyItem)).all() == []


def test_empty_states_are_kind(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session))
    empty = client.get("/morale/happy-file").text
    assert "waiting for its first smile" in empty
    assert "0 in all" not in empty and 'class="pagination"' not in empty  # no pager for nothing
    assert "Nothing matches" in client.get("/morale/happy-file?q=zzz").text
    assert "Nothing here yet" in client.get("/morale/happy-file/pick-me-up").text


def test_a_heated_conversation_nudges_until_the_pick_me_up_is_opened(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    heated_conversation(session, agent, subject="Third time asking")
    heated_conversation(session, make_user(session), subject="Someone else's")
    csrf = sign_in(client, agent)
    assert "That was a tough one" not in client.get("/morale").text  # a view collects nothing
    assert post_form(client, "/morale/happy-file/collect", csrf).status_code == 303
    home = client.get("/morale").text
    assert "That was a tough one" in home and "Third time asking" in home
    assert "Someone else" not in home
    client.get("/morale/happy-file")
    assert "That was a tough one" in client.get("/morale").text  # reading dismisses nothing
    opened = post_form(
        client, "/morale/nudges/dismiss", csrf, {"next": "/morale/happy-file/pick-me-up"}
    )
    assert opened.headers["location"] == "/morale/happy-file/pick-me-up"
    assert "That was a tough one" not in client.get("/morale").text
    collect_happy_items(session)  # the other agent's nudge waits for them
    waiting = session.scalars(select(Nudge.user_id).where(Nudge.dismissed_at.is_(None))).all()
    assert agent.id not in waiting and len(waiting) == 1


def test_the_nudge_links_its_conversation_only_while_the_agent_may_open_it(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session, team="Care")
    conv = heated_conversation(session, agent, subject="Third time asking")
    collect_happy_items(session)
    sign_in(client, agent)
    assert f'href="/conversations/{conv.id}"' in client.get("/morale").text
    conv.assignee_id = make_user(session, team="Billing").id  # escalated to another team
    session.commit()
    home = client.get("/morale").text
    assert "Third time asking" in home and f'href="/conversations/{conv.id}"' not in home


def test_right_to_left_praise_reads_in_its_own_direction(
    client: TestClient, session: Session
) -> None:
    """Kind words in Arabic or Hebrew sat flush left with their punctuation on the wrong side."""
    csrf = sign_in(client, make_user(session))
    words = "شكرا جزيلا على مساعدتك!"
    assert post_form(client, "/morale/happy-file", csrf, {"text": words}).status_code == 303
    page = client.get("/morale/happy-file").text
    assert f'<blockquote dir="auto">{words}</blockquote>' in page
    assert '<textarea name="text" dir="auto"' in page


def test_a_refused_note_or_link_marks_its_own_box(client: TestClient, session: Session) -> None:
    """The message stood beside the box, but the box itself was not marked invalid nor tied
    to it, so a screen reader heard nothing wrong and the focus stayed at the top."""
    csrf = sign_in(client, make_user(session))
    empty = post_form(client, "/morale/happy-file", csrf, {"text": " "})
    assert empty.status_code == 400 and "the note cannot be empty" in empty.text
    box = empty.text.split('<textarea name="text"')[1].split(">")[0]
    assert 'aria-invalid="true" aria-describedby="text-error" autofocus' in box
    odd = post_form(client, "/morale/happy-file", csrf, {"text": "Kind", "link": "not a link"})
    assert odd.status_code == 400 and 'value="not a link"' in odd.text
    link = odd.text.split('<input type="text" name="link"')[1].split(">")[0]
    assert 'aria-invalid="true" aria-describedby="link-error" autofocus' in link
    assert "aria-invalid" not in odd.text.split('<textarea name="text"')[1].split(">")[0]


def test_the_nudge_comforts_without_a_score(client: TestClient, session: Session) -> None:
    """The nudge read "got heated (peak negativity 0.85)", then "(its most negative message
    85% likely negative)": a model's number in a message meant to comfort reads clinical. The
    conversation it links shows the figure for whoever wants it."""
    agent = make_user(session)
    heated_conversation(session, agent, subject="Third time asking", peak=0.85)
    csrf = sign_in(client, agent)
    post_form(client, "/morale/happy-file/collect", csrf)
    nudge = client.get("/morale").text.split("That was a tough one")[1].split("</aside>")[0]
    assert "got heated. It wasn't about you." in nudge
    assert "%" not in nudge and "0.85" not in nudge and "likely negative" not in nudge
    lede = client.get("/morale/balance").text
    assert "50% or more likely negative" in lede and "negativity 0.5" not in lede


def test_the_nudge_quotes_the_subject_it_names(client: TestClient, session: Session) -> None:
    """The note read "Refund status? got heated": a subject run into the sentence around it
    reads as part of it. Quoted as the product quotes a customer's words elsewhere; a
    conversation without a subject is named in plain words, unquoted."""
    agent = make_user(session)
    conv = heated_conversation(session, agent, subject="Refund status?")
    csrf = sign_in(client, agent)
    post_form(client, "/morale/happy-file/collect", csrf)
    nudge = client.get("/morale").text.split("That was a tough one")[1].split("</aside>")[0]
    link = f'<a href="/conversations/{conv.id}">Refund status?</a>'
    assert f"\u201c{link}\u201d got heated." in nudge
    conv.assignee_id = make_user(session, team="Billing").id  # no longer theirs to open
    session.commit()
    nudge = client.get("/morale").text.split("That was a tough one")[1].split("</aside>")[0]
    assert "\u201cRefund status?\u201d got heated." in nudge
    conv.subject = ""
    session.commit()
    nudge = client.get("/morale").text.split("That was a tough one")[1].split("</aside>")[0]
    assert "A conversation got heated." in nudge and "\u201c" not in nudge


def test_not_now_keeps_the_agent_on_the_page_they_were_reading(
    client: TestClient, session: Session
) -> None:
    """Not now on the reviews or balance page sent the agent to the morale home page."""
    agent = make_user(session)
    heated_conversation(session, agent, subject="Third time asking")
    csrf = sign_in(client, agent)
    post_form(client, "/morale/happy-file/collect", csrf)
    page = client.get("/morale/reviews").text
    nudge = page.split("That was a tough one")[1].split("</aside>")[0]
    kept = re.findall(r'name="next" value="([^"]*)"', nudge)
    assert kept == ["/morale/happy-file/pick-me-up", "/morale/reviews"]
    dismissed = post_form(client, "/morale/nudges/dismiss", csrf, {"next": kept[1]})
    assert dismissed.headers["location"] == "/morale/reviews"


def test_morale_pages_write_nothing_and_collecting_is_a_request(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    praised_conversation(session, agent, thanks="Thanks a million, that was brilliant!")
    heated_conversation(session, agent)
    csrf = sign_in(client, agent)
    before = _row_counts(session)
    for url in ["/morale", "/morale/happy-file", "/morale/happy-file/pick-me-up"]:
        assert client.get(url).status_code == 200, url
    assert _row_counts(session) == before
    collected = post_form(client, "/morale/happy-file/collect", csrf)
    assert collected.status_code == 303
    assert "brilliant" in client.get("/morale/happy-file").text
    assert _row_counts(session)["happy_items"] > before["happy_items"]


def _row_counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        "happy_items": session.scalar(select(func.count(HappyItem.id))) or 0,
        "nudges": session.scalar(select(func.count(Nudge.id))) or 0,
        "dismissed": session.scalar(
            select(func.count(Nudge.id)).where(Nudge.dismissed_at.is_not(None))
        )
        or 0,
    }


def test_forms_need_the_csrf_token(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session))
    refused = client.post("/morale/happy-file", data={"text": "hi"}, follow_redirects=False)
    assert refused.status_code == 403


@pytest.mark.parametrize("command", ["import", "signals score"])
def test_the_commands_that_score_fill_happy_files(
    cli_env: Settings, session: Session, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """``poise import`` and ``poise signals score`` collect the praise the new scores reveal,
    as the server's scoring job does: the face wires morale's reaction to a finished scoring
    into the commands (conversations never import morale)."""
    # the model is another area's concern: stand in for it (the commands import it as they run)
    monkeypatch.setattr(
        "poise.conversations.scoring.score_messages", lambda session, **_: ScoreCounts()
    )
    agent = make_user(session, email="sam@poise.test", name="Sam Ortiz")
    good = str(FIXTURES / "good.csv")
    score = ["--no-score"] if command != "import" else []
    imported = CliRunner().invoke(cli, ["import", good, "--format", "csv", *score])
    assert imported.exit_code == 0, imported.output
    result = imported if command == "import" else CliRunner().invoke(cli, command.split())
    assert result.exit_code == 0, result.output
    assert "happy file: 1 green robot," in " ".join(result.output.split())
    kept = session.scalars(select(HappyItem.text).where(HappyItem.owner_id == agent.id)).all()
    assert kept == ["Quick and friendly - thank you!"]


def test_the_scoring_job_after_an_import_fills_happy_files(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The model is another area's concern: stand in for it, keep the job and the wiring real.
    monkeypatch.setattr(
        "poise.conversations.scoring.score_messages", lambda session, **_: ScoreCounts()
    )
    # the lead's import may name only their own team (conversations.actions.outsiders)
    agent = make_user(session, email="sam@poise.test", name="Sam Ortiz", team="Care")
    lead_headers = api_headers(session, make_user(session, role="lead", team="Care"))
    csv = (FIXTURES / "good.csv").read_bytes()
    report = client.post(
        "/api/v1/imports",
        headers=lead_headers,
        data={"format": "csv"},
        files={"file": ("good.csv", csv)},
    ).json()
    for _ in range(100):
        job = client.get(f"/api/v1/jobs/{report['scoring_job_id']}", headers=lead_headers).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done" and "happy file: 1 green robot," in job["detail"]
    mine = client.get("/api/v1/happy-file", headers=api_headers(session, agent)).json()
    assert [i["text"] for i in mine["items"]] == ["Quick and friendly - thank you!"]


def test_old_heated_conversations_do_not_nudge(session: Session) -> None:
    agent = make_user(session)
    heated_conversation(session, agent, at=utcnow() - timedelta(days=30))
    assert collect_happy_items(session).nudges == 0


def test_only_the_owner_removes_an_item(client: TestClient, session: Session) -> None:
    owner, other = make_user(session), make_user(session)
    created = client.post(
        "/api/v1/happy-file", json={"text": "keep me"}, headers=api_headers(session, owner)
    ).json()
    csrf = sign_in(client, other)
    assert post_form(client, f"/morale/happy-file/{created['id']}/delete", csrf).status_code == 404
    assert post_form(client, f"/morale/happy-file/{created['id']}/star", csrf).status_code == 404
    client.cookies.clear()
    csrf = sign_in(client, owner)
    assert post_form(client, f"/morale/happy-file/{created['id']}/delete", csrf).status_code == 303
    assert session.get(HappyItem, created["id"]) is None


def test_a_note_sent_twice_at_once_is_kept_once(client: TestClient, session: Session) -> None:
    """ "Keep it" clicked twice (or the form re-posted) kept the note twice; the repeat now
    reads as a success and keeps nothing new, while a later or another agent's note stays."""
    maya, quinn = make_user(session), make_user(session)
    csrf = sign_in(client, maya)
    note = {"text": "You made my day, thank you!", "link": "https://example.com/tweet"}
    for _ in range(2):
        sent = post_form(client, "/morale/happy-file", csrf, note)
        assert sent.status_code == 303 and sent.headers["location"] == "/morale/happy-file"
    assert "Kept in your Happy File." in client.get("/morale/happy-file").text
    kept = select(func.count()).select_from(HappyItem).where(HappyItem.owner_id == maya.id)
    assert session.scalar(kept) == 1

    actions.add_happy_note(session, actor=quinn, text=note["text"], link=note["link"])
    assert session.scalar(select(func.count()).select_from(HappyItem)) == 2, "not across agents"
    earlier = utcnow() - REPEAT_WINDOW - timedelta(seconds=1)
    session.execute(
        update(HappyItem).where(HappyItem.owner_id == maya.id).values(created_at=earlier)
    )
    session.commit()
    post_form(client, "/morale/happy-file", csrf, note)
    assert session.scalar(kept) == 2, "the same words kept again later are a new note"


def test_a_link_over_the_limit_is_refused_as_too_long_not_as_the_wrong_start(
    client: TestClient, session: Session
) -> None:
    """A link of 2,001 characters starting with https:// was refused with "a link must start
    with https:// or http://", which it did: it says the link is too long, and by how much."""
    csrf = sign_in(client, make_user(session))
    link = "https://example.com/" + "a" * 1981  # 2,001 characters
    refused = post_form(client, "/morale/happy-file", csrf, {"text": "Kind", "link": link})
    assert refused.status_code == 400
    error = re.search(r'id="link-error">(.*?)</span>', refused.text)
    assert error and error[1] == "a link is at most 2,000 characters (this one has 2,001)"
    assert f'value="{link}"' in refused.text, "the link is kept to shorten"
    kept = post_form(client, "/morale/happy-file", csrf, {"text": "Kind", "link": link[:-1]})
    assert kept.status_code == 303
    odd = post_form(client, "/morale/happy-file", csrf, {"text": "Kind", "link": "ftp://x"})
    assert "a link must start with https:// or http://" in odd.text


def test_a_screenshot_sent_twice_at_once_is_kept_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """ "Keep it" double-clicked with a screenshot kept it twice, its file written twice; the
    repeat now reads as a success and keeps nothing new. Another picture, other words, or
    the same one sent again later is a new item."""
    maya = make_user(session)
    csrf = sign_in(client, maya)
    upload = {"screenshot": ("review.png", PNG, "image/png")}
    words = {"text": "Five stars", "link": "https://reviews.example/1"}
    for _ in range(2):
        sent = post_form(client, "/morale/happy-file", csrf, words, files=upload)
        assert sent.status_code == 303 and sent.headers["location"] == "/morale/happy-file"
    screenshots = select(func.count()).select_from(HappyItem).where(HappyItem.kind == "screenshot")
    assert session.scalar(screenshots) == 1
    assert len(list((settings.data_dir / "happy-file").rglob("*.png"))) == 1, "one file"

    other = {"screenshot": ("other.png", PNG + b"\x01", "image/png")}
    post_form(client, "/morale/happy-file", csrf, words, files=other)
    post_form(client, "/morale/happy-file", csrf, {"text": "Five stars!"}, files=upload)
    assert session.scalar(screenshots) == 3
    earlier = utcnow() - REPEAT_WINDOW - timedelta(seconds=1)
    session.execute(update(HappyItem).values(created_at=earlier))
    session.commit()
    post_form(client, "/morale/happy-file", csrf, words, files=upload)
    assert session.scalar(screenshots) == 4, "the same picture kept again later is a new item"
    assert len(list((settings.data_dir / "happy-file").rglob("*.png"))) == 4


def test_removing_a_kept_note_asks_first(client: TestClient, session: Session) -> None:
    """ "Remove" under a note deleted it for good at one click: it now opens a warning, and
    only the button inside it removes."""
    owner = make_user(session)
    client.post("/api/v1/happy-file", json={"text": "keep me"}, headers=api_headers(session, owner))
    sign_in(client, owner)
    page = client.get("/morale/happy-file").text
    warning = re.search(
        r'<details class="remove-item"><summary>Remove…</summary>(.*?)</details>', page
    )
    assert warning and "for good" in warning.group(1)
    assert 'action="/morale/happy-file/' in warning.group(1)
    assert page.count("/delete") == 1  # no other way to remove it in one click


def test_the_form_to_keep_a_note_is_reached_from_the_top(
    client: TestClient, session: Session
) -> None:
    """On a phone the form came after the page's 50 items, with nothing at the top saying it
    was there: the opening line now links to it."""
    owner = make_user(session)
    sign_in(client, owner)
    page = client.get("/morale/happy-file").text
    lede = page.split('class="lede"', 1)[1].split("</p>", 1)[0]
    assert '<a href="#add-happy">' in lede and 'id="add-happy"' in page
