"""Rude-question drills through the pages and the API: from opening to endorsed answers
turned into practice scenarios, a lesson and draft articles of the manual."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.actions import create_api_token
from poise.auth.models import Team, User
from poise.db.base import utcnow
from poise.knowledge.models import Article
from poise.training.drills import actions
from poise.training.drills.lesson import Pair, lesson_text
from poise.training.models import (
    Drill,
    DrillAnswer,
    DrillQuestion,
    DrillVote,
    Lesson,
    PracticeScenario,
)

# A launch next month (a drill prepares for one ahead: tests/training/test_drill_dates.py).
ON = (utcnow().date() + timedelta(days=30)).isoformat()
UNTIL = (utcnow().date() + timedelta(days=34)).isoformat()
DAY_BEFORE = (utcnow().date() + timedelta(days=29)).isoformat()
LAUNCH = {
    "product": "Poise Mobile",
    "feature": "Offline mode",
    "changes": "Sync moves to a paid plan; free accounts keep 7 days offline.",
    "launch_on": ON,
    "launch_until": UNTIL,
}
RUDE = "Why are you charging me for something that used to be free?"
RUDER = "Is this a scam to squeeze more money out of loyal customers?"
ANSWER = (
    "I understand why this feels like a step back. Offline sync for 7 days stays free; "
    "longer history moves to the paid plan, and I can show you how to export your data today."
)
BETTER = (
    "You're right to ask. Nothing you have now disappears: 7 days of offline sync stay free, "
    "and I'll walk you through exporting older notes so you lose nothing."
)
SCAM = "It is not: every plan you are on keeps working, and I will confirm your price in writing."


def _switch(client: TestClient, user: User) -> str:
    """Sign ``user`` in on the same client; returns the page CSRF token."""
    client.cookies.clear()
    return sign_in(client, user)


def _bearer(session: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def _post(client: TestClient, url: str, csrf: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _beside(page: str, field: str, message: str) -> bool:
    """Whether ``message`` is shown right after the input named ``field``."""
    after = page.split(f'name="{field}"', 1)[1]
    error = re.search(r'<span class="field-error"[^>]*id="(\w+)-error">([^<]*)</span>', after)
    return error is not None and error.group(1) == field and message in error.group(2)


def _open(client: TestClient, csrf: str, **overrides: str) -> int:
    response = _post(client, "/training/drills", csrf, **{**LAUNCH, **overrides})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _ask(client: TestClient, csrf: str, drill_id: int, text: str, anonymous: bool = False) -> Any:
    data = {"text": text, "anonymous": "1"} if anonymous else {"text": text}
    return _post(client, f"/training/drills/{drill_id}/questions", csrf, **data)


def _question_id(session: Session, text: str) -> int:
    session.expire_all()
    return session.scalars(select(DrillQuestion.id).where(DrillQuestion.text == text)).one()


def _answer_id(session: Session, text: str) -> int:
    session.expire_all()
    return session.scalars(select(DrillAnswer.id).where(DrillAnswer.text == text)).one()


def _count(session: Session, model: type[Any]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_drill_goes_from_opening_to_training_through_the_pages(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead", name="Lena Lead")
    maya = make_user(session, name="Maya Agent")
    omar = make_user(session, name="Omar Agent")
    csrf = sign_in(client, lead)
    assert "No drills yet" in client.get("/training/drills").text
    drill_id = _open(client, csrf)
    page = client.get(f"/training/drills/{drill_id}").text
    assert "Drill: Poise Mobile · Offline mode" in page and f"{ON} – {UNTIL}" in page
    assert "Sync moves to a paid plan" in page and "No questions yet" in page
    assert 'href="/training/drills"' in page and ">Drills</a>" in page

    csrf = _switch(client, maya)
    assert _ask(client, csrf, drill_id, f"  {RUDE}  ").status_code == 303
    csrf = _switch(client, omar)
    assert _ask(client, csrf, drill_id, RUDER, anonymous=True).status_code == 303
    rude, ruder = _question_id(session, RUDE), _question_id(session, RUDER)
    # Omar and Maya both vote for the rudest; Maya changes her mind about her own.
    _post(client, f"/training/drills/{drill_id}/questions/{ruder}/vote", csrf, voted="1")
    csrf = _switch(client, maya)
    for voted in ("1", "1", "0"):  # voting twice counts once; then taken back
        _post(client, f"/training/drills/{drill_id}/questions/{rude}/vote", csrf, voted=voted)
    _post(client, f"/training/drills/{drill_id}/questions/{ruder}/vote", csrf, voted="1")
    page = client.get(f"/training/drills/{drill_id}").text
    assert page.index(RUDER[:30]) < page.index(RUDE[:30]), "most votes first"
    assert re.search(rf'id="q{ruder}".*?class="votes">2<', page, re.S)
    assert re.search(rf'id="q{rude}".*?class="votes">0<', page, re.S)
    refused = _post(client, f"/training/drills/{drill_id}/questions/{rude}/answers", csrf, text="x")
    assert refused.status_code == 400 and "collecting questions" in refused.text

    csrf = _switch(client, lead)
    moved = _post(client, f"/training/drills/{drill_id}/status", csrf, status="answering")
    assert moved.status_code == 303
    csrf = _switch(client, maya)
    late = _ask(client, csrf, drill_id, "One more?")
    assert late.status_code == 400 and "posting a question is not possible now" in late.text
    too_long = "Because " * 400
    refused = _post(
        client, f"/training/drills/{drill_id}/questions/{rude}/answers", csrf, text=too_long
    )
    assert refused.status_code == 400, "a refused answer shows beside its form, typed text kept"
    answer_form = refused.text.split(f'/questions/{rude}/answers"')[1].split("</form>")[0]
    assert too_long.strip() in answer_form and 'class="field-error"' in answer_form
    for question, text in ((rude, ANSWER), (rude, BETTER), (ruder, SCAM)):
        url = f"/training/drills/{drill_id}/questions/{question}/answers"
        assert _post(client, url, csrf, text=text).status_code == 303
    page = client.get(f"/training/drills/{drill_id}").text
    assert "Endorse</button>" not in page and "Turn into training" not in page

    csrf = _switch(client, lead)
    for text in (ANSWER, BETTER, SCAM):  # endorsing BETTER replaces ANSWER
        url = f"/training/drills/{drill_id}/answers/{_answer_id(session, text)}/endorse"
        assert _post(client, url, csrf).status_code == 303
    session.expire_all()
    endorsed = session.scalars(select(DrillAnswer.text).where(DrillAnswer.endorsed_at.is_not(None)))
    assert sorted(endorsed) == sorted([BETTER, SCAM])
    converted = client.post(f"/training/drills/{drill_id}/convert", data={"csrf_token": csrf})
    assert "Turned into training: 2 practice scenarios, 2 draft articles" in converted.text

    scenarios = session.scalars(select(PracticeScenario).order_by(PracticeScenario.id)).all()
    assert [(s.customer_text, s.model_answer) for s in scenarios] == [(RUDER, SCAM), (RUDE, BETTER)]
    assert scenarios[0].title.startswith("Poise Mobile · Offline mode: Is this a scam")
    articles = session.scalars(select(Article).order_by(Article.id)).all()
    assert [(a.issue, a.resolution, a.status) for a in articles] == [
        (RUDER, SCAM, "draft"),
        (RUDE, BETTER, "draft"),
    ]
    assert {(a.product, a.feature) for a in articles} == {("Poise Mobile", "Offline mode")}
    drill = session.get(Drill, drill_id)
    assert drill is not None and drill.lesson_id is not None
    lesson = session.get(Lesson, drill.lesson_id)
    assert lesson is not None
    version = lesson.current
    assert version.title == "Rude questions: Poise Mobile · Offline mode"
    assert RUDER in version.body and SCAM in version.body and BETTER in version.body
    assert ANSWER not in version.body and f"between {ON} and {UNTIL}" in version.body
    assert [(q["kind"], q["model_answer"]) for q in version.quiz] == [
        ("text", SCAM),
        ("text", BETTER),
    ]
    assert RUDER in version.quiz[0]["prompt"]

    page = converted.text
    assert f'href="/training/lessons/{lesson.id}"' in page
    assert f'href="/training/practice/{scenarios[0].id}"' in page
    assert f'href="/manual/{articles[0].id}"' in page
    assert client.get(f"/training/lessons/{lesson.id}").status_code == 200
    assert client.get(f"/training/practice/{scenarios[1].id}").status_code == 200
    # Agents practise the scenarios and take the lesson; the drafts are for leads to curate.
    _switch(client, omar)
    assert f'href="/training/practice/{scenarios[0].id}"' in client.get("/training/practice").text
    assert f'href="/manual/{articles[0].id}"' not in client.get(f"/training/drills/{drill_id}").text
    listing = client.get("/training/drills").text
    assert "Poise Mobile · Offline mode" in listing and "answering" in listing


def test_converting_twice_through_the_api_makes_nothing_twice(
    client: TestClient, session: Session
) -> None:
    lead, agent = make_user(session, role="lead"), make_user(session)
    as_lead, as_agent = _bearer(session, lead), _bearer(session, agent)
    base = "/api/v1/training/drills"
    created = client.post(base, json={**LAUNCH, "feature": ""}, headers=as_lead)
    assert created.status_code == 201, created.text
    drill = created.json()
    assert drill["status"] == "collecting" and drill["feature"] is None and drill["questions"] == []
    drill_id = drill["id"]

    asked = [
        client.post(f"{base}/{drill_id}/questions", json={"text": t}, headers=as_agent)
        for t in (RUDE, RUDER, "Who signed off on this?")
    ]
    assert [r.status_code for r in asked] == [201, 201, 201]
    ids = [r.json()["id"] for r in asked]
    vote = client.put(f"{base}/{drill_id}/questions/{ids[1]}/vote", headers=as_agent)
    assert vote.json() == {"question_id": ids[1], "voted": True, "votes": 1}
    again = client.put(f"{base}/{drill_id}/questions/{ids[1]}/vote", headers=as_agent)
    assert again.json()["votes"] == 1
    client.put(f"{base}/{drill_id}/questions/{ids[1]}/vote", headers=as_lead)
    client.put(f"{base}/{drill_id}/questions/{ids[2]}/vote", headers=as_lead)
    back = client.delete(f"{base}/{drill_id}/questions/{ids[2]}/vote", headers=as_lead)
    assert back.json() == {"question_id": ids[2], "voted": False, "votes": 0}
    shown = client.get(f"{base}/{drill_id}", headers=as_agent).json()
    assert [q["id"] for q in shown["questions"]] == [ids[1], ids[0], ids[2]]
    tallies = [(q["votes"], q["voted"]) for q in shown["questions"]]
    assert tallies == [(2, True), (0, False), (0, False)]

    status = client.post(f"{base}/{drill_id}/status", json={"status": "answering"}, headers=as_lead)
    assert status.status_code == 200 and status.json()["status"] == "answering"
    answers = {}
    for question_id, text in zip(ids, (ANSWER, SCAM, "Our product team did."), strict=True):
        url = f"{base}/{drill_id}/questions/{question_id}/answers"
        reply = client.post(url, json={"text": text}, headers=as_agent)
        assert reply.status_code == 201 and reply.json()["mine"] is True
        answers[question_id] = reply.json()["id"]
    nothing = client.post(f"{base}/{drill_id}/convert", headers=as_lead)
    assert nothing.status_code == 400 and "endorse at least one answer" in nothing.json()["detail"]
    for question_id in ids[:2]:
        url = f"{base}/{drill_id}/answers/{answers[question_id]}/endorse"
        endorsed = client.post(url, headers=as_lead)
        assert endorsed.status_code == 200 and endorsed.json()["answers"][0]["endorsed"] is True

    first = client.post(f"{base}/{drill_id}/convert", headers=as_lead).json()
    assert (first["scenarios_made"], first["articles_made"], first["lesson_written"]) == (
        2,
        2,
        True,
    )
    assert first["lesson_version"] == 1
    counts = (_count(session, PracticeScenario), _count(session, Article), _count(session, Lesson))
    assert counts == (2, 2, 1)
    second = client.post(f"{base}/{drill_id}/convert", headers=as_lead).json()
    assert (second["scenarios_made"], second["articles_made"]) == (0, 0)
    assert second["lesson_written"] is False and second["lesson_id"] == first["lesson_id"]
    assert second["questions"] == first["questions"]
    again = (_count(session, PracticeScenario), _count(session, Article), _count(session, Lesson))
    assert again == counts

    # A pair endorsed later joins the same lesson as a new version, made once.
    client.post(f"{base}/{drill_id}/answers/{answers[ids[2]]}/endorse", headers=as_lead)
    third = client.post(f"{base}/{drill_id}/convert", headers=as_lead).json()
    assert (third["scenarios_made"], third["articles_made"], third["lesson_version"]) == (1, 1, 2)
    assert third["lesson_id"] == first["lesson_id"] and _count(session, Lesson) == 1
    lesson = session.get(Lesson, first["lesson_id"])
    assert lesson is not None and len(lesson.current.quiz) == 3
    closed = client.post(f"{base}/{drill_id}/status", json={"status": "closed"}, headers=as_lead)
    assert closed.json()["lesson_id"] == first["lesson_id"]
    late = client.put(f"{base}/{drill_id}/questions/{ids[0]}/vote", headers=as_agent)
    assert late.status_code == 400 and "closed" in late.json()["detail"]
    fourth = client.post(f"{base}/{drill_id}/convert", headers=as_lead).json()
    assert (fourth["scenarios_made"], fourth["lesson_written"]) == (0, False)

    client.post(base, json={**LAUNCH, "product": "Poise Desk"}, headers=as_lead)
    page = client.get(f"{base}?page_size=1", headers=as_agent).json()
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (2, 1, 1, 1)
    assert page["items"][0]["product"] == "Poise Desk", "open drills come first"
    closed_only = client.get(f"{base}?status=closed", headers=as_agent).json()
    assert [(d["id"], d["questions"], d["endorsed"]) for d in closed_only["items"]] == [
        (drill_id, 3, 3)
    ]
    assert client.get(f"{base}?page_size=0", headers=as_agent).status_code == 422
    spec = client.get("/api/v1/openapi.json").json()
    assert f"{base}/{{drill_id}}/convert" in spec["paths"]
    assert {"DrillCreate", "DrillPublic", "QuestionPublic"} <= set(spec["components"]["schemas"])


def test_an_anonymous_author_is_hidden_from_everyone_even_a_lead(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead", name="Lena Lead")
    sam = make_user(session, name="Secret Sam", email="sam@example.com")
    csrf = sign_in(client, lead)
    drill_id = _open(client, csrf)
    as_sam, as_lead = _bearer(session, sam), _bearer(session, lead)
    url = f"/api/v1/training/drills/{drill_id}/questions"
    posted = client.post(url, json={"text": RUDE, "anonymous": True}, headers=as_sam)
    assert posted.status_code == 201
    assert posted.json()["author"] is None and posted.json()["mine"] is True
    question_id = posted.json()["id"]

    page = client.get(f"/training/drills/{drill_id}").text  # the lead's page
    assert RUDE in page and "Anonymous" in page
    assert "Secret Sam" not in page and "sam@example.com" not in page
    as_json = client.get(f"/api/v1/training/drills/{drill_id}", headers=as_lead)
    assert as_json.json()["questions"][0]["author"] is None
    assert as_json.json()["questions"][0]["mine"] is False
    assert "Secret Sam" not in as_json.text and "sam@example.com" not in as_json.text
    assert f"/questions/{question_id}/edit" not in page

    # Its author still sees it as theirs and may reword or withdraw it.
    csrf = _switch(client, sam)
    own = client.get(f"/training/drills/{drill_id}").text
    assert "<strong>yours</strong>" in own and f"/questions/{question_id}/edit" in own
    reworded = _post(
        client, f"/training/drills/{drill_id}/questions/{question_id}/edit", csrf, text=RUDER
    )
    assert reworded.status_code == 303
    patched = client.patch(f"{url}/{question_id}", json={"text": RUDE + "!"}, headers=as_sam)
    assert patched.status_code == 200 and patched.json()["author"] is None
    someone = make_user(session)
    taken = client.patch(
        f"{url}/{question_id}", json={"text": "mine now"}, headers=_bearer(session, someone)
    )
    assert taken.status_code == 403 and "only its author" in taken.json()["detail"]
    withdrawn = _post(client, f"/training/drills/{drill_id}/questions/{question_id}/delete", csrf)
    assert withdrawn.status_code == 303 and _count(session, DrillQuestion) == 0


def test_agents_may_not_run_a_drill_and_nothing_changes(
    client: TestClient, session: Session
) -> None:
    lead, agent = make_user(session, role="lead"), make_user(session)
    as_lead, as_agent = _bearer(session, lead), _bearer(session, agent)
    base = "/api/v1/training/drills"
    assert client.post(base, json=LAUNCH, headers=as_agent).status_code == 403
    drill_id = client.post(base, json=LAUNCH, headers=as_lead).json()["id"]
    question = client.post(f"{base}/{drill_id}/questions", json={"text": RUDE}, headers=as_agent)
    question_id = question.json()["id"]
    moved = client.post(f"{base}/{drill_id}/status", json={"status": "answering"}, headers=as_agent)
    assert moved.status_code == 403
    client.post(f"{base}/{drill_id}/status", json={"status": "answering"}, headers=as_lead)
    answer = client.post(
        f"{base}/{drill_id}/questions/{question_id}/answers",
        json={"text": ANSWER},
        headers=as_agent,
    )
    answer_id = answer.json()["id"]

    endorse = client.post(f"{base}/{drill_id}/answers/{answer_id}/endorse", headers=as_agent)
    assert endorse.status_code == 403 and "only a lead" in endorse.json()["detail"]
    assert client.post(f"{base}/{drill_id}/convert", headers=as_agent).status_code == 403
    csrf = sign_in(client, agent)
    assert client.get("/training/drills/new").status_code == 403
    assert _post(client, "/training/drills", csrf, **LAUNCH).status_code == 403
    web_endorse = _post(client, f"/training/drills/{drill_id}/answers/{answer_id}/endorse", csrf)
    assert web_endorse.status_code == 403
    web_convert = _post(client, f"/training/drills/{drill_id}/convert", csrf)
    assert web_convert.status_code == 403 and "only a lead" in web_convert.text
    web_close = _post(client, f"/training/drills/{drill_id}/status", csrf, status="closed")
    assert web_close.status_code == 403
    page = client.get(f"/training/drills/{drill_id}").text
    assert "Turn into training" not in page and "Endorse</button>" not in page

    other = _bearer(session, make_user(session))
    taken = client.delete(f"{base}/{drill_id}/answers/{answer_id}", headers=other)
    assert taken.status_code == 403 and "only its author or a lead" in taken.json()["detail"]
    gone = client.delete(f"{base}/{drill_id}/questions/{question_id}", headers=other)
    assert gone.status_code == 403

    session.expire_all()
    assert session.scalars(select(DrillAnswer.endorsed_at)).all() == [None]
    assert session.scalars(select(Drill.status)).all() == ["answering"]
    assert _count(session, Drill) == 1
    assert (_count(session, PracticeScenario), _count(session, Lesson)) == (0, 0)
    assert _count(session, Article) == 0


def test_questions_are_checked_with_clear_messages(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    drill_id = _open(client, csrf)
    assert _ask(client, csrf, drill_id, RUDE).status_code == 303

    empty = _ask(client, csrf, drill_id, "   \n ")
    assert empty.status_code == 400 and "write the question first" in empty.text
    # beside the question box, as every other form says it, not in a banner above the form
    assert _beside(empty.text, "text", "write the question first")
    assert 'name="text" dir="auto" rows="2" required maxlength="500" aria-invalid="true"' in (
        empty.text
    )
    edit_url = f"/training/drills/{drill_id}/questions/{_question_id(session, RUDE)}/edit"
    blank_edit = _post(client, edit_url, csrf, text="  ")
    assert blank_edit.status_code == 400 and "write the question first" in blank_edit.text
    assert '<details class="drill-edit" open>' in blank_edit.text
    long = "Why " * 200
    too_long = _ask(client, csrf, drill_id, long, anonymous=True)
    assert too_long.status_code == 400 and "keep the question under 500 characters" in too_long.text
    assert long.strip() in too_long.text and "checked" in too_long.text, "the draft is kept"
    repeat = _ask(
        client, csrf, drill_id, "  why are YOU charging me   for something that used to be free?"
    )
    assert repeat.status_code == 400
    assert f"this question is already in the drill (“{RUDE}”): vote for it" in repeat.text
    nul = _ask(client, csrf, drill_id, "\x00\x0b ")  # a form drops control characters
    assert nul.status_code == 400 and "write the question first" in nul.text

    url = f"/api/v1/training/drills/{drill_id}/questions"
    headers = _bearer(session, make_user(session))
    api_repeat = client.post(url, json={"text": RUDE.upper()}, headers=headers)
    assert api_repeat.status_code == 400 and "already in the drill" in api_repeat.json()["detail"]
    api_empty = client.post(url, json={"text": ""}, headers=headers)
    assert api_empty.json() == {"detail": "write the question first"}
    assert _count(session, DrillQuestion) == 1

    bad_dates = _post(client, "/training/drills", csrf, **{**LAUNCH, "launch_until": DAY_BEFORE})
    assert bad_dates.status_code == 400 and "cannot end before the launch" in bad_dates.text
    assert 'value="Poise Mobile"' in bad_dates.text, "the form keeps what was typed"
    no_product = _post(client, "/training/drills", csrf, **{**LAUNCH, "product": " "})
    assert no_product.status_code == 400 and "write the product first" in no_product.text
    bad_day = _post(client, "/training/drills", csrf, **{**LAUNCH, "launch_on": "next week"})
    assert bad_day.status_code == 400
    assert "the launch date must be a date like 2026-11-02" in bad_day.text
    assert _count(session, Drill) == 1
    # each refusal stands beside the field it is about, not in a banner above the form
    assert _beside(bad_dates.text, "launch_until", "cannot end before the launch")
    assert _beside(no_product.text, "product", "write the product first")
    assert _beside(bad_day.text, "launch_on", "must be a date like")
    assert 'value="next week"' in bad_day.text

    form = client.get(f"/training/drills/{drill_id}/edit").text
    assert 'value="Offline mode"' in form and f'value="{UNTIL}"' in form
    edited = _post(
        client, f"/training/drills/{drill_id}/edit", csrf, **{**LAUNCH, "feature": "Sync"}
    )
    assert edited.status_code == 303
    assert "Drill: Poise Mobile · Sync" in client.get(f"/training/drills/{drill_id}").text


def test_a_team_drill_is_only_for_that_team(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    carer = make_user(session, name="Cara Care", team="Care")
    biller = make_user(session, name="Bill Billing", team="Billing")
    care = session.scalars(select(Team).where(Team.name == "Care")).one()
    csrf = sign_in(client, lead)
    assert f'value="{care.id}"' in client.get("/training/drills/new").text
    drill_id = _open(client, csrf, team_id=str(care.id))
    base = f"/api/v1/training/drills/{drill_id}"

    as_biller = _bearer(session, biller)
    refused = client.post(f"{base}/questions", json={"text": RUDE}, headers=as_biller)
    assert refused.status_code == 404
    assert client.get(base, headers=as_biller).status_code == 404
    assert client.get("/api/v1/training/drills", headers=as_biller).json()["items"] == []
    csrf = _switch(client, biller)
    assert _ask(client, csrf, drill_id, RUDE).status_code == 404
    assert client.get(f"/training/drills/{drill_id}").status_code == 404
    assert "Poise Mobile" not in client.get("/training/drills").text
    assert _count(session, DrillQuestion) == 0

    as_carer = _bearer(session, carer)
    mine = client.post(f"{base}/questions", json={"text": RUDE}, headers=as_carer)
    assert mine.status_code == 201
    vote = client.put(f"{base}/questions/{mine.json()['id']}/vote", headers=as_biller)
    assert vote.status_code == 404 and _count(session, DrillVote) == 0
    as_lead = _bearer(session, lead)
    assert (
        client.post(f"{base}/questions", json={"text": RUDER}, headers=as_lead).status_code == 201
    )
    listed = client.get("/api/v1/training/drills", headers=as_carer).json()["items"]
    assert [(d["team"], d["questions"]) for d in listed] == [("Care", 2)]


def test_a_long_drill_still_makes_a_lesson_within_the_limits() -> None:
    drill = Drill(product="P" * 120, feature="F" * 120, changes="", launch_on=date(2026, 3, 2))
    pairs = [Pair(f"Question {n} *with* [marks]?", "A" * 2000) for n in range(30)]
    title, body, quiz = lesson_text(drill, pairs)
    assert len(title) <= 200 and title.endswith("…")
    assert len(body) <= 20_000 and "more: practise them as scenarios" in body
    assert r"Question 0 \*with\* \[marks\]?" in body
    assert quiz.count("\n? ") + 1 == 10 and quiz.startswith("? A customer asks: “Question 0")


def test_a_drills_questions_are_paged_and_each_post_returns_to_its_questions_page(
    client: TestClient, session: Session
) -> None:
    """Every question, with its answers, was on one page however many the team posted."""
    lead = make_user(session, role="lead", name="Lena Lead")
    csrf = sign_in(client, lead)
    drill_id = _open(client, csrf)
    for n in range(21):
        actions.post_question(
            session, actor=lead, drill_id=drill_id, text=f"Rude question {n:02d}?"
        )
    ids = {n: _question_id(session, f"Rude question {n:02d}?") for n in range(21)}
    first = client.get(f"/training/drills/{drill_id}").text
    assert "Rude question 00?" in first and "Rude question 20?" not in first
    assert "21 questions · page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get(f"/training/drills/{drill_id}?page=2").text
    assert "Rude question 20?" in second and "Rude question 00?" not in second
    assert '<ol class="drill-questions" start="21">' in second
    assert "the list ends at page 2" in client.get(f"/training/drills/{drill_id}?page=4").text
    voted = _post(client, f"/training/drills/{drill_id}/questions/{ids[20]}/vote", csrf, voted="1")
    assert voted.headers["location"] == f"/training/drills/{drill_id}#q{ids[20]}"  # now first
    _post(client, f"/training/drills/{drill_id}/status", csrf, status="answering")
    too_long = "x" * (actions.MAX_ANSWER + 1)
    refused = _post(
        client, f"/training/drills/{drill_id}/questions/{ids[19]}/answers", csrf, text=too_long
    )
    assert refused.status_code == 400  # question 19 is 21st now: shown on page 2, words kept
    assert "21 questions · page 2 of 2" in refused.text and f'id="q{ids[19]}"' in refused.text
    assert f">{too_long}</textarea>" in refused.text
    answered = _post(
        client, f"/training/drills/{drill_id}/questions/{ids[19]}/answers", csrf, text=ANSWER
    )
    assert answered.headers["location"] == f"/training/drills/{drill_id}?page=2#q{ids[19]}"


def test_a_question_or_answer_sent_twice_at_once_is_kept_once(
    client: TestClient, session: Session
) -> None:
    """Post clicked twice: the question came back refused as "already in the drill" (its
    author's own) and an answer was added twice; the repeat now reads as posted, once."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    drill_id = _open(client, csrf)
    for _ in range(2):
        posted = _ask(client, csrf, drill_id, RUDE)
        assert posted.status_code == 303 and posted.headers["location"].endswith("#questions")
    assert _count(session, DrillQuestion) == 1
    _post(client, f"/training/drills/{drill_id}/status", csrf, status="answering")
    url = f"/training/drills/{drill_id}/questions/{_question_id(session, RUDE)}/answers"
    assert [_post(client, url, csrf, text=ANSWER).status_code for _ in range(2)] == [303, 303]
    assert _count(session, DrillAnswer) == 1


def test_a_drill_opened_twice_at_once_is_opened_once(client: TestClient, session: Session) -> None:
    """Open clicked twice opened two identical drills; the repeat now opens the one opened.
    Another feature, another lead, or the same later are new drills."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    first = _open(client, csrf)
    assert _open(client, csrf) == first
    assert "Drill opened for Poise Mobile" in client.get(f"/training/drills/{first}").text
    assert _count(session, Drill) == 1
    assert _open(client, csrf, feature="Sync") != first
    csrf_other = _switch(client, make_user(session, role="lead"))
    assert _open(client, csrf_other) != first
    csrf = _switch(client, lead)
    drill = session.get(Drill, first)
    assert drill is not None
    drill.created_at = utcnow() - timedelta(minutes=3)
    session.commit()
    assert _open(client, csrf) != first
    assert _count(session, Drill) == 4


def test_a_drill_with_several_problems_says_each_beside_its_field_at_once(
    client: TestClient, session: Session
) -> None:
    """A date that was no date was said alone; the lead fixed it, saved, and only then heard
    the product was missing (and so on, one refusal a round)."""
    csrf = sign_in(client, make_user(session, role="lead"))
    typed = {**LAUNCH, "product": " ", "launch_on": "next week", "changes": "c" * 5001}
    refused = _post(client, "/training/drills", csrf, **typed)
    assert refused.status_code == 400
    page = refused.text
    assert _beside(page, "launch_on", "must be a date like 2026-11-02")
    assert _beside(page, "product", "write the product first")
    assert _beside(page, "changes", "keep the description of what changes under 5000")
    assert 'value="next week"' in page and "c" * 5001 in page, "what was typed is kept"
    backwards = {**LAUNCH, "feature": "f" * 121, "launch_until": DAY_BEFORE}
    refused = _post(client, "/training/drills", csrf, **backwards)
    assert refused.status_code == 400
    assert _beside(refused.text, "feature", "keep the feature under 120 characters")
    assert _beside(refused.text, "launch_until", "cannot end before the launch")
    assert session.scalar(select(func.count()).select_from(Drill)) == 0, "nothing was stored"
