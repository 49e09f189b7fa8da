"""Comments on practice replies: the team's lead always, teammates once shared, strangers and
other teams' leads never."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.training import actions
from poise.training.models import PracticeAttempt, PracticeComment

REPLY = "As I said, refunds take 30 days."


def _attempt(session: Session, author: User) -> PracticeAttempt:
    scenario = actions.create_scenario(
        session, actor=None, title="Late refund", customer_text="Three weeks and no refund!"
    )
    return actions.practise(session, actor=author, scenario_id=scenario.id, reply=REPLY)


def _as(client: TestClient, user: User) -> str:
    client.cookies.clear()
    return sign_in(client, user)


def test_teammates_comment_only_after_the_author_shares(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, name="Maya Lopez", team="Billing")
    teammate = make_user(session, name="Sam Ortiz", team="Billing")
    stranger = make_user(session, name="Kim Lee", team="Shipping")
    attempt = _attempt(session, author)
    page = f"/training/practice/replies/{attempt.id}"

    csrf = _as(client, teammate)
    assert client.get(page).status_code == 404
    assert "Nothing shared for comments" in client.get("/training/practice/review").text
    early = client.post(f"{page}/comments", data={"body": "Nice", "csrf_token": csrf})
    assert early.status_code == 404

    csrf = _as(client, author)
    shared = client.post(f"{page}/share", data={"shared": "1", "csrf_token": csrf})
    assert "Shared with your team for comments" in shared.text

    csrf = _as(client, teammate)
    queue = client.get("/training/practice/review").text
    assert "Maya Lopez" in queue and "Late refund" in queue
    assert "Maya Lopez's reply" in client.get(page).text
    blank = client.post(f"{page}/comments", data={"body": "  ", "csrf_token": csrf})
    assert blank.status_code == 400 and "write a comment first" in blank.text
    client.post(f"{page}/comments", data={"body": "Try owning the delay.", "csrf_token": csrf})

    _as(client, stranger)
    assert client.get(page).status_code == 404
    assert "Maya Lopez" not in client.get("/training/practice/review").text

    csrf = _as(client, author)
    today = client.get("/training").text
    assert "New comments on your practice" in today and "Try owning the delay." in today
    opened = client.get(page).text
    assert "Sam Ortiz" in opened and "Try owning the delay." in opened
    assert "Mark 1 new comment read" in opened
    assert "New comments on your practice" in client.get("/training").text  # a read wrote nothing
    marked = client.post(f"{page}/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert marked.status_code == 303
    assert "New comments on your practice" not in client.get("/training").text
    assert "new comment" not in client.get(page).text


def test_the_teams_lead_comments_on_any_reply_and_the_author_can_stop_sharing(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, team="Billing")
    teammate = make_user(session, team="Billing")
    lead = make_user(session, role="lead", name="Lee Park", team="Billing")
    other_lead = make_user(session, role="lead", team="Shipping")
    admin = make_user(session, role="admin")
    attempt = _attempt(session, author)
    actions.share_practice(session, actor=author, attempt_id=attempt.id)
    page = f"/training/practice/replies/{attempt.id}"

    csrf = _as(client, lead)
    client.post(f"{page}/comments", data={"body": "Lead here: good start.", "csrf_token": csrf})
    assert "good start" in client.get(page).text

    csrf = _as(client, teammate)
    owner_only = client.post(f"{page}/share", data={"shared": "0", "csrf_token": csrf})
    assert owner_only.status_code == 404

    csrf = _as(client, author)
    client.post(f"{page}/share", data={"shared": "0", "csrf_token": csrf})
    _as(client, teammate)
    assert client.get(page).status_code == 404
    _as(client, lead)
    assert client.get(page).status_code == 200
    _as(client, other_lead)
    assert client.get(page).status_code == 404
    _as(client, admin)
    assert client.get(page).status_code == 200


def test_another_teams_lead_neither_opens_nor_is_offered_a_reply(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, name="Maya Lopez", team="Billing")
    other_lead = make_user(session, role="lead", team="Shipping")
    attempt = _attempt(session, author)
    actions.share_practice(session, actor=author, attempt_id=attempt.id)
    page = f"/training/practice/replies/{attempt.id}"

    csrf = _as(client, other_lead)
    assert client.get(page).status_code == 404
    assert "Maya Lopez" not in client.get("/training/practice/review").text
    comment = client.post(f"{page}/comments", data={"body": "Hi", "csrf_token": csrf})
    assert comment.status_code == 404
    token = create_api_token(session, actor=None, user=other_lead)
    api = f"/api/v1/training/practice/replies/{attempt.id}"
    assert client.get(api, headers={"Authorization": f"Bearer {token}"}).status_code == 404

    _as(client, make_user(session, role="lead", team="Billing"))
    assert "Maya Lopez" in client.get("/training/practice/review").text


def test_the_api_shares_comments_and_hides_replies_from_strangers(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, team="Billing")
    teammate = make_user(session, name="Sam Ortiz", team="Billing")
    attempt = _attempt(session, author)
    mine = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=author)}"}
    theirs = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=teammate)}"}
    url = f"/api/v1/training/practice/replies/{attempt.id}"

    assert client.get(url, headers=theirs).status_code == 404
    shared = client.put(f"{url}/share", json={"shared": True}, headers=mine)
    assert shared.status_code == 200 and shared.json()["shared"] is True
    made = client.post(f"{url}/comments", json={"body": "Own the delay."}, headers=theirs)
    assert made.status_code == 201 and made.json()["author"] == "Sam Ortiz"
    too_long = client.post(f"{url}/comments", json={"body": "x" * 2001}, headers=theirs)
    assert too_long.status_code == 400 and "2000" in too_long.json()["detail"]
    got = client.get(url, headers=mine).json()
    assert [(c["body"], c["read"]) for c in got["comments"]] == [("Own the delay.", False)]
    assert client.put(f"{url}/read", headers=theirs).status_code == 404  # only the author's
    read = client.put(f"{url}/read", headers=mine).json()
    assert [c["read"] for c in read["comments"]] == [True]
    assert got["labels"]["dismissive"]["present"] is True


def test_sharing_a_reply_needs_no_body(client: TestClient, session: Session) -> None:
    author = make_user(session, team="Billing")
    attempt = _attempt(session, author)
    mine = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=author)}"}
    url = f"/api/v1/training/practice/replies/{attempt.id}/share"
    bare = client.put(url, headers=mine)  # no body, no content type: the defaults
    assert bare.status_code == 200, bare.text
    assert bare.json()["shared"] is True
    stopped = client.put(url, json={"shared": False}, headers=mine)
    assert stopped.json()["shared"] is False
    assert client.put(url, json={}, headers=mine).json()["shared"] is True
    assert client.put(url, json={"shared": "maybe"}, headers=mine).status_code == 422


def test_a_refused_comment_keeps_its_words_beside_the_box(
    client: TestClient, session: Session
) -> None:
    """A comment over the limit (or only spaces) answered a bare error page, and the lead's
    words were gone."""
    author = make_user(session, team="Billing")
    lead = make_user(session, role="lead", team="Billing")
    attempt = _attempt(session, author)
    page = f"/training/practice/replies/{attempt.id}"
    csrf = _as(client, lead)
    long = "Name what works first. " * 100
    refused = client.post(f"{page}/comments", data={"body": long, "csrf_token": csrf})
    assert refused.status_code == 400
    assert 'id="body-error"' in refused.text and "under 2000 characters" in refused.text
    assert long.strip() in refused.text and REPLY in refused.text
    blank = client.post(f"{page}/comments", data={"body": "   ", "csrf_token": csrf})
    assert blank.status_code == 400 and 'id="body-error"' in blank.text
    session.expire_all()
    assert session.get(PracticeAttempt, attempt.id).comments == []  # type: ignore[union-attr]


def test_the_replies_waiting_for_comments_are_paged(client: TestClient, session: Session) -> None:
    """The list stopped at the newest 50 shares; older ones could not be reached from it."""
    lead = make_user(session, role="lead", team="Billing")
    scenario = actions.create_scenario(
        session, actor=None, title="Late refund", customer_text="Three weeks and no refund!"
    )
    authors = [make_user(session, name=f"Author {n:02d}", team="Billing") for n in range(21)]
    for author in authors:
        made = actions.practise(session, actor=author, scenario_id=scenario.id, reply=REPLY)
        actions.share_practice(session, actor=author, attempt_id=made.id)
    _as(client, lead)
    first = client.get("/training/practice/review").text
    assert "Author 20" in first and "Author 00" not in first
    assert "21 shared · page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get("/training/practice/review?page=2").text
    assert "Author 00" in second and "Author 20" not in second
    assert "the list ends at page 2" in client.get("/training/practice/review?page=5").text


def test_todays_new_comments_are_paged(client: TestClient, session: Session) -> None:
    """Today listed every unread comment on one page, however many a shared reply gathered."""
    author = make_user(session, name="Maya Lopez", team="Billing")
    lead = make_user(session, role="lead", team="Billing")
    attempt = _attempt(session, author)
    for n in range(21):
        actions.comment_on_practice(
            session, actor=lead, attempt_id=attempt.id, body=f"Comment number {n:02d}."
        )
    _as(client, author)
    first = client.get("/training").text
    assert "Comment number 20." in first and "Comment number 00." not in first
    assert "21 new comments · page 1 of 2" in first and 'href="?comments=2"' in first
    second = client.get("/training?comments=2").text
    assert "Comment number 00." in second and "Comment number 20." not in second
    assert "the list ends at page 2" in client.get("/training?comments=7").text


def test_a_comment_sent_twice_at_once_is_added_once(client: TestClient, session: Session) -> None:
    """Comment clicked twice added the comment twice; the repeat now adds nothing."""
    author = make_user(session, name="Maya Lopez", team="Billing")
    page = f"/training/practice/replies/{_attempt(session, author).id}"
    csrf = _as(client, author)
    for _ in range(2):
        client.post(f"{page}/comments", data={"body": "Own the delay.", "csrf_token": csrf})
    assert len(session.scalars(select(PracticeComment)).all()) == 1


def test_the_author_s_box_is_not_a_reply_before_anyone_has_commented(
    client: TestClient, session: Session
) -> None:
    """The author's own reply with no comments yet offered "Reply to the comments": to
    nothing. It is a note until someone comments, then a reply."""
    author = make_user(session, team="Care")
    lead = make_user(session, role="lead", team="Care")
    attempt = _attempt(session, author)
    _as(client, author)
    page = client.get(f"/training/practice/replies/{attempt.id}").text
    assert "Reply to the comments" not in page and "A note on your reply" in page
    actions.comment_on_practice(session, actor=lead, attempt_id=attempt.id, body="Good start.")
    page = client.get(f"/training/practice/replies/{attempt.id}").text
    assert "Reply to the comments" in page and "A note on your reply" not in page
