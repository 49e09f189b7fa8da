"""A refused form comes back as typed, with the message beside the field at fault, never as
the bare "Something is not right" page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.conversations.actions import create_integration
from poise.conversations.models import Integration
from poise.db.base import utcnow
from poise.errors import InvalidInput
from poise.morale import actions as morale
from poise.training import actions as training

QUIZ = "? What comes first?\n* Empathy\n- Policy"


def refused(response: Response, field: str, message: str, *typed: str) -> None:
    """400, the message beside ``field``, each typed value kept, no bare error page."""
    assert response.status_code == 400, response.text
    assert "Something is not right" not in response.text
    shown = re.search(
        rf'<span class="field-error" role="alert" id="{field}-error">([^<]*)</span>', response.text
    )
    assert shown, f"no error beside {field}"
    assert message in unescape(shown.group(1))
    for value in typed:
        assert value in response.text, value


def test_a_lesson_keeps_its_text_when_the_quiz_or_title_is_wrong(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    form = {"csrf_token": csrf, "title": "Saying sorry", "body": "Say it **once**."}
    bad_quiz = client.post("/training/lessons", data={**form, "quiz": "? Why\nwhat now"})
    refused(bad_quiz, "quiz", "quiz line 2", "Saying sorry", "Say it **once**.", "what now")
    no_title = client.post("/training/lessons", data={**form, "title": " ", "quiz": QUIZ})
    refused(no_title, "title", "a lesson needs a title", "Say it **once**.", "* Empathy")
    made = client.post("/training/lessons", data={**form, "quiz": QUIZ}, follow_redirects=False)
    assert made.status_code == 303
    lesson_id = made.headers["location"].rsplit("/", 1)[1]
    edited = client.post(
        f"/training/lessons/{lesson_id}/edit", data={**form, "title": "New title", "quiz": "- x"}
    )
    refused(edited, "quiz", "start a question with '?'", "New title")


def test_an_assignment_without_a_due_date_keeps_the_choice(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead", team="Care")
    make_user(session, team="Care")
    lesson = training.create_lesson(session, actor=lead, title="Sorry", body="b", quiz=QUIZ)
    csrf = sign_in(client, lead)
    target = f"team:{lead.team_id}"
    response = client.post(
        f"/training/lessons/{lesson.id}/assign",
        data={"csrf_token": csrf, "target": target, "due": ""},
    )
    refused(response, "due", "choose a due date", f'value="{target}" selected')
    due = (utcnow().date() + timedelta(days=30)).isoformat()  # a due day may not have passed
    nobody = client.post(
        f"/training/lessons/{lesson.id}/assign",
        data={"csrf_token": csrf, "target": "", "due": due},
    )
    refused(nobody, "target", "choose an agent or a team", f'value="{due}"')


def test_a_duplicate_email_keeps_the_new_user_form(client: TestClient, session: Session) -> None:
    taken = make_user(session)
    team = make_user(session, team="Care").team_id
    csrf = sign_in(client, make_user(session, role="admin"))
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "name": "Robin New",
            "email": taken.email,
            "role": "lead",
            "team": str(team),
            "password": "long-enough-password",
        },
    )
    refused(response, "email", "already exists", 'value="Robin New"', "<option selected>lead")
    assert f'value="{team}" selected' in response.text
    assert "long-enough-password" not in response.text  # a password is never echoed
    duplicate_team = client.post("/admin/teams", data={"csrf_token": csrf, "name": "Care"})
    refused(duplicate_team, "name", "already exists", 'value="Care"')


def test_a_bad_scorecard_scale_keeps_the_categories(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    typed = "Empathy | 5\nClarity | eleven"
    response = client.post(
        "/morale/scorecards", data={"csrf_token": csrf, "name": "Tough", "categories": typed}
    )
    refused(response, "categories", "'Clarity'", 'value="Tough"', "Clarity | eleven")
    too_big = client.post(
        "/morale/scorecards", data={"csrf_token": csrf, "name": "Tough", "categories": "A | 11"}
    )
    refused(too_big, "categories", "between 2 and 10", "A | 11")
    superscript = client.post(
        "/morale/scorecards", data={"csrf_token": csrf, "name": "Tough", "categories": "A | ²"}
    )
    refused(superscript, "categories", "a number from 2 to 10")


def test_a_bad_upload_keeps_the_import_choices(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    form = {"csrf_token": csrf, "format": "jsonl", "source": "helpdesk", "skip_invalid": "true"}
    empty = client.post("/import", data=form, files={"file": ("a.jsonl", b"")})
    refused(empty, "file", "the file is empty", 'value="jsonl" selected', 'value="helpdesk"')
    assert 'value="true" checked' in empty.text
    bad_source = client.post(
        "/import", data={**form, "source": "Bad Source"}, files={"file": ("a.jsonl", b"{}\n")}
    )
    refused(bad_source, "source", "lowercase letters", 'value="Bad Source"')


def test_an_article_without_a_title_keeps_what_was_written(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, make_user(session))
    response = client.post(
        "/manual/new",
        data={
            "csrf_token": csrf,
            "title": "",
            "issue": "My refund is late",
            "resolution": "1. Check the bank",
            "phrasings": "where is my money",
            "tags": "billing, refunds",
        },
    )
    refused(
        response,
        "title",
        "needs a title",
        "My refund is late",
        "1. Check the bank",
        "where is my money",
        'value="billing, refunds"',
    )


def test_a_happy_file_note_with_a_bad_link_is_kept(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session))
    response = client.post(
        "/morale/happy-file",
        data={"csrf_token": csrf, "text": "You made my day", "link": "ftp://x"},
    )
    refused(response, "link", "https://", "You made my day", 'value="ftp://x"')
    image = client.post(
        "/morale/happy-file",
        data={"csrf_token": csrf, "text": "Caption kept"},
        files={"screenshot": ("a.png", b"not an image", "image/png")},
    )
    refused(image, "screenshot", "PNG, JPEG or WebP", "Caption kept")


def test_a_peer_review_keeps_its_ratings_and_words(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead", team="Care")
    reviewer = make_user(session, team="Care")
    reviewee = make_user(session, team="Care")
    conv = make_conversation(session, assignee_email=reviewee.email)
    card = morale.create_scorecard(
        session, actor=lead, name="Tough", categories=[("Empathy", 5), ("Clarity", 3)]
    )
    review = morale.start_review(
        session, actor=reviewer, conversation_id=conv.id, scorecard_id=card.id
    )
    empathy, _ = (c.id for c in card.categories)
    csrf = sign_in(client, reviewer)
    response = client.post(
        f"/morale/reviews/{review.id}/submit",
        data={"csrf_token": csrf, f"score_{empathy}": "4", "strengths": "Stayed calm"},
    )
    refused(response, "scores", "Clarity", "Stayed calm")
    assert f'name="score_{empathy}" value="4" required checked' in response.text


def test_a_scenario_and_an_integration_keep_what_was_typed(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, make_user(session, role="admin"))
    scenario = client.post(
        "/training/practice/scenarios",
        data={
            "csrf_token": csrf,
            "title": "Angry refund",
            "customer_text": " ",
            "model_answer": "Sorry",
        },
    )
    refused(scenario, "customer_text", "the customer's message", 'value="Angry refund"', "Sorry")
    first = client.post(
        "/admin/integrations",
        data={"csrf_token": csrf, "name": "zendesk-eu"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    again = client.post("/admin/integrations", data={"csrf_token": csrf, "name": "zendesk-eu"})
    refused(again, "name", "already exists", 'value="zendesk-eu"')
    bad = client.post("/admin/integrations", data={"csrf_token": csrf, "name": "Zen Desk!"})
    refused(bad, "name", "lowercase letters", 'value="Zen Desk!"')


def test_an_integration_name_is_quoted_as_typed_and_an_invisible_character_is_named(
    client: TestClient, session: Session
) -> None:
    """ "Bad Name" was refused as 'bad name', a name nobody typed; and a pasted direction
    override or zero-width space was quoted as an escape code beside a rule it seemed to meet."""
    csrf = sign_in(client, make_user(session, role="admin"))
    bad = client.post("/admin/integrations", data={"csrf_token": csrf, "name": "Bad Name"})
    refused(bad, "name", "'Bad Name' is not a source name", 'value="Bad Name"')
    for typed, code in (("help\u202edesk", "U+202E"), ("helpdesk\u200b", "U+200B")):
        response = client.post("/admin/integrations", data={"csrf_token": csrf, "name": typed})
        refused(response, "name", f"the name holds an invisible character ({code})", typed)
    with pytest.raises(InvalidInput, match=r"invisible character \(U\+0007\)") as caught:
        create_integration(session, actor=None, name="help\adesk")  # the command line's way in
    assert caught.value.field == "name"
    assert session.scalars(select(Integration)).all() == []


def test_a_source_name_far_too_long_is_refused_by_its_length_not_echoed_whole(
    client: TestClient, session: Session
) -> None:
    """A 20,000-character source name came back whole inside the message, in quotes: the
    unbroken line made the admin page 170,000 pixels wide. The message now says how long it is."""
    csrf = sign_in(client, make_user(session, role="admin"))
    typed = "zendesk-" + "x" * 20_000
    response = client.post("/admin/integrations", data={"csrf_token": csrf, "name": typed})
    refused(response, "name", "at most 64 characters (this one has 20,008)", f'value="{typed}"')
    assert typed not in re.search(r'id="name-error">([^<]*)<', response.text).group(1)  # type: ignore[union-attr]


def test_an_empty_launch_date_asks_for_one_instead_of_quoting_nothing(
    client: TestClient, session: Session
) -> None:
    """An empty launch date said "must be a date like 2026-11-02, not ''": it quoted nothing."""
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    response = client.post(
        "/training/drills",
        data={"csrf_token": csrf, "product": "Poise Mobile", "launch_on": "", "launch_until": ""},
    )
    refused(response, "launch_on", "enter the launch date, e.g. 2026-11-02", 'value="Poise Mobile"')
    assert "''" not in response.text
