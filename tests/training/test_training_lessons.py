"""Lessons through the web and the API: authoring and versions, roles, assignment, scores."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.actions import create_api_token, update_user
from poise.auth.models import Team, User
from poise.errors import NotFound
from poise.settings import Settings
from poise.training.actions import assign_lesson, create_lesson
from poise.training.models import Assignment, Lesson, QuizAttempt, ReviewCard
from poise.training.queries import LESSONS_PER_PAGE, progress, progress_by_lesson
from poise.web.nav import COMING, NAV

QUIZ = """
? Which is the better apology?
- Sorry for any inconvenience
* I'm sorry your order arrived late
? Which weaken an apology?
* Adding but
* Sorry if you were upset
- Naming what went wrong
? What follows a short apology?
= What you will do next to fix the problem
"""
DUE = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()  # a due date still to come
BODY = "Say **sorry** once.\n\n<script>alert('x')</script>"


def _write(client: TestClient, csrf: str, title: str = "Apologising well") -> int:
    response = client.post(
        "/training/lessons",
        data={"title": title, "body": BODY, "quiz": QUIZ, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _answer(client: TestClient, csrf: str, lesson_id: int, **answers: object) -> str:
    data: dict[str, object] = {"csrf_token": csrf, **answers}
    response = client.post(f"/training/lessons/{lesson_id}/attempts", data=data)
    assert response.status_code == 200, response.text
    return response.text


def test_training_is_built_and_in_the_navigation() -> None:
    assert "training" not in COMING
    assert [item.coming for item in NAV if item.href == "/training"] == [False]


def test_a_lead_writes_and_edits_a_lesson_and_attempts_keep_their_version(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    page = client.get(f"/training/lessons/{lesson_id}").text
    assert "<strong>sorry</strong>" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Version 1" in page and "LessonVersion object" not in page
    _answer(client, csrf, lesson_id, q0="1", q1=["0", "1"], q2="Say what you will do next")
    edited = client.post(
        f"/training/lessons/{lesson_id}/edit",
        data={"title": "Apologising better", "body": "v2", "quiz": QUIZ, "csrf_token": csrf},
    )
    assert "Saved as version 2" in edited.text and "Apologising better" in edited.text
    form = client.get(f"/training/lessons/{lesson_id}/edit").text
    assert "* I&#39;m sorry your order arrived late" in form
    _answer(client, csrf, lesson_id, q0="0", q1="2", q2="", version="2")
    versions = [a.version.number for a in session.scalars(select(QuizAttempt)).all()]
    assert sorted(versions) == [1, 2]
    stale = client.post(
        f"/training/lessons/{lesson_id}/attempts",
        data={"csrf_token": csrf, "q0": "1", "q1": "0", "q2": "kept words", "version": "1"},
    )
    assert stale.status_code == 400 and "edited while you answered" in stale.text
    assert 'id="quiz-error"' in stale.text and ">kept words</textarea>" in stale.text
    assert 'name="q0" value="1" checked>' in stale.text  # the answers come back as given
    assert 'name="q0" value="0">' in stale.text


@pytest.mark.parametrize(
    ("quiz", "message"),
    [
        ("? What comes first?\n* Empathy", "add a wrong choice with '-'"),
        ("? Which help?\n* Notes\n* Drills", "add a wrong choice with '-'"),
        (
            "? What comes first?\n* \n- Policy",
            "a choice has no text after '*' in: What comes first?",
        ),
        ("? Why?\n* Empathy\n- Policy\n= Because", "choices or a model answer, not both"),
    ],
)
def test_a_quiz_question_nobody_can_get_wrong_is_refused_beside_the_quiz(
    client: TestClient, session: Session, quiz: str, message: str
) -> None:
    """ "? What comes first?" with one choice, marked right, was saved: a radio button with
    nothing else to pick, full marks for anyone. Every choice right did the same, an empty
    choice showed a blank option, and a model answer beside choices dropped the choices."""
    csrf = sign_in(client, make_user(session, role="lead"))
    form = {"title": "Apologising", "body": "b", "quiz": quiz, "csrf_token": csrf}
    refused = client.post("/training/lessons", data=form)
    assert refused.status_code == 400 and message in html.unescape(refused.text)
    assert 'id="quiz-error"' in refused.text
    assert 'value="Apologising"' in refused.text
    assert session.scalars(select(Lesson)).all() == []


def test_a_too_long_title_or_lesson_is_refused_for_itself_beside_its_field(
    client: TestClient, session: Session
) -> None:
    """A long title was refused with "keep the title under 200 and the body under 20000
    characters": both limits named beside the title, whichever one was over."""
    csrf = sign_in(client, make_user(session, role="lead"))
    form = {"title": "Apologising", "body": "b", "quiz": QUIZ, "csrf_token": csrf}
    long_title = client.post("/training/lessons", data={**form, "title": "t" * 201})
    assert long_title.status_code == 400
    title_error = long_title.text.split('id="title-error">')[1].split("<")[0]
    assert title_error == "keep the title under 200 characters (it has 201)"
    long_body = client.post("/training/lessons", data={**form, "body": "b" * 20_001})
    assert long_body.status_code == 400
    body_error = long_body.text.split('id="body-error">')[1].split("<")[0]
    assert body_error == "keep the lesson under 20,000 characters (it has 20,001)"
    assert session.scalars(select(Lesson)).all() == []


def test_a_lesson_with_several_problems_says_each_beside_its_field_at_once(
    client: TestClient, session: Session
) -> None:
    """The title's refusal came alone; the lead fixed it, saved, and only then heard that the
    lesson was too long and the quiz had no question."""
    csrf = sign_in(client, make_user(session, role="lead"))
    form = {"title": " ", "body": "b" * 20_001, "quiz": "", "csrf_token": csrf}
    refused = client.post("/training/lessons", data=form)
    assert refused.status_code == 400
    said = {
        field: refused.text.split(f'id="{field}-error">')[1].split("<")[0]
        for field in ("title", "body", "quiz")
    }
    assert said == {
        "title": "a lesson needs a title",
        "body": "keep the lesson under 20,000 characters (it has 20,001)",
        "quiz": "a lesson needs at least one quiz question",
    }
    assert "b" * 20_001 in refused.text, "what was typed is kept"
    assert session.scalars(select(Lesson)).all() == []


def test_agents_may_not_author_and_forms_need_csrf(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    bad = client.post(
        "/training/lessons", data={"title": "x", "body": "", "quiz": "? no answer\n- a"}
    )
    assert bad.status_code == 403 and "CSRF" in bad.text
    unmarked = client.post(
        "/training/lessons",
        data={"title": "x", "body": "", "quiz": "? no answer\n- a", "csrf_token": csrf},
    )
    assert unmarked.status_code == 400 and "mark the right choice" in unmarked.text
    client.cookies.clear()
    csrf = sign_in(client, make_user(session))
    assert client.get("/training/lessons/new").status_code == 403
    posted = client.post(
        "/training/lessons", data={"title": "Mine", "body": "", "quiz": QUIZ, "csrf_token": csrf}
    )
    assert posted.status_code == 403
    edit = client.post(
        f"/training/lessons/{lesson_id}/edit",
        data={"title": "Mine", "body": "", "quiz": QUIZ, "csrf_token": csrf},
    )
    assert edit.status_code == 403
    assert client.post("/training/lessons/starter", data={"csrf_token": csrf}).status_code == 403
    assert "Load the starter course" not in client.get("/training/lessons").text
    assert len(session.scalars(select(Lesson)).all()) == 1


def test_the_starter_course_loads_once(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, make_user(session, role="lead"))
    assert "No lessons yet" in client.get("/training/lessons").text
    first = client.post("/training/lessons/starter", data={"csrf_token": csrf})
    assert "Loaded 8 starter lessons" in first.text
    again = client.post("/training/lessons/starter", data={"csrf_token": csrf})
    assert "already here" in again.text
    lessons = session.scalars(select(Lesson)).all()
    assert len(lessons) == 8
    assert all(len(lesson.current.quiz) >= 3 for lesson in lessons)
    assert not any("choose all" in q["prompt"] for x in lessons for q in x.current.quiz)
    for lesson in lessons:
        assert client.get(f"/training/lessons/{lesson.id}").status_code == 200


def test_a_team_assignment_is_completed_with_a_score(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead", team="Care")
    maya = make_user(session, name="Maya", team="Care")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    team = session.scalars(select(Team)).one()
    assigned = client.post(
        f"/training/lessons/{lesson_id}/assign",
        data={"target": f"team:{team.id}", "due": DUE, "csrf_token": csrf},
    )
    assert "Assigned to 2 people" in assigned.text
    bad_date = client.post(
        f"/training/lessons/{lesson_id}/assign",
        data={"target": f"team:{team.id}", "due": "soon", "csrf_token": csrf},
    )
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    gone = client.post(
        f"/training/lessons/{lesson_id}/assign",
        data={"target": f"team:{team.id}", "due": yesterday, "csrf_token": csrf},
    )  # overdue the moment it was made: refused beside the date, as typed
    assert gone.status_code == 400 and f"{yesterday} has passed" in gone.text
    assert 'id="due-error"' in gone.text and f'value="{yesterday}"' in gone.text
    assert session.scalars(select(Assignment.due_at)).all()[0].date().isoformat() == DUE
    far = client.post(
        f"/training/lessons/{lesson_id}/assign",
        data={"target": f"team:{team.id}", "due": "9999-12-31", "csrf_token": csrf},
    )  # a mistyped year: the lesson would never come due
    assert far.status_code == 400 and "9999-12-31 is more than a year away" in far.text
    assert 'id="due-error"' in far.text
    assert session.scalars(select(Assignment.due_at)).all()[0].date().isoformat() == DUE
    client.cookies.clear()
    csrf = sign_in(client, maya)
    today = client.get("/training").text
    assert "Apologising well" in today and f"due {DUE}" in today
    failed = _answer(client, csrf, lesson_id, q0="0", q2="no idea")
    assert "0%" in failed and "Not passed yet" in failed
    assert "Apologising well" in client.get("/training").text
    passed = _answer(client, csrf, lesson_id, q0="1", q1=["0", "1"], q2="Say what you will do next")
    assert "Passed." in passed and "Next review" in passed
    assert "Shared key words with the model answer" in passed
    assert "No lessons assigned to you" in client.get("/training").text
    assert client.get("/training/progress").status_code == 403
    mine = session.scalars(select(Assignment).where(Assignment.user_id == maya.id)).one()
    assert mine.completed_at is not None and mine.best_score is not None
    assert mine.best_score >= 0.7
    client.cookies.clear()
    sign_in(client, lead)
    progress = client.get("/training/progress").text
    assert "Maya" in progress and f"{round(mine.best_score * 100)}%" in progress
    # By lesson, before the rows: Maya done, the lead's own still open (overdue once due).
    assert ">1 of 2</td>" in progress and '<progress value="1" max="2"' in progress
    due = session.scalars(select(Assignment).where(Assignment.user_id == lead.id)).one().due_at
    (before,) = progress_by_lesson(session, actor=lead, now=due - timedelta(seconds=1)).items
    (after,) = progress_by_lesson(session, actor=lead, now=due + timedelta(seconds=1)).items
    assert (before.completed, before.overdue, before.next_due) == (1, 0, due)
    assert after.overdue == 1 and after.share == 0.5


def test_reassigning_names_who_had_passed_it_instead_of_counting_them(
    client: TestClient, session: Session
) -> None:
    """A lead re-assigned a lesson to the team and read "Assigned to 2 people", but the one
    who had passed it kept it done and never saw it again."""
    lead = make_user(session, role="lead", team="Care")
    maya = make_user(session, name="Maya Lopez", team="Care")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    team = session.scalars(select(Team)).one()
    assign = {"target": f"team:{team.id}", "due": DUE, "csrf_token": csrf}
    assert (
        "Assigned to 2 people"
        in client.post(f"/training/lessons/{lesson_id}/assign", data=assign).text
    )
    client.cookies.clear()
    maya_csrf = sign_in(client, maya)
    _answer(client, maya_csrf, lesson_id, q0="1", q1=["0", "1"], q2="what you will do next")
    client.cookies.clear()
    csrf = sign_in(client, lead)
    later = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    again = client.post(
        f"/training/lessons/{lesson_id}/assign", data={**assign, "due": later, "csrf_token": csrf}
    )
    assert "Assigned to 1 person. Already passed, so left done: Maya Lopez." in again.text
    done = session.scalars(select(Assignment).where(Assignment.user_id == maya.id)).one()
    session.refresh(done)
    assert done.completed_at is not None and done.due_at.date().isoformat() == DUE


def test_another_teams_agent_or_team_is_refused_as_a_missing_one(
    client: TestClient, session: Session
) -> None:
    """A lead of Care could assign lessons to Billing's agents (and to Billing), and the
    picker offered them: now the picker lists only Care, and another team's person or team is
    refused beside the field in the words of an id nothing has, the due date kept."""
    lead = make_user(session, role="lead", team="Care")
    make_user(session, name="Maya", team="Care")
    bruno = make_user(session, name="Bruno", team="Billing")
    billing = session.scalars(select(Team).where(Team.name == "Billing")).one()
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    page = client.get(f"/training/lessons/{lesson_id}").text
    assert "Maya" in page and "Bruno" not in page and "Billing" not in page

    def assign(target: str) -> httpx.Response:
        data = {"target": target, "due": DUE, "csrf_token": csrf}
        return client.post(f"/training/lessons/{lesson_id}/assign", data=data)

    for kind, theirs, words in (
        ("user", bruno.id, "no such agent"),
        ("team", billing.id, "no such team"),
    ):
        refused, missing = assign(f"{kind}:{theirs}"), assign(f"{kind}:{theirs + 10_000}")
        assert (refused.status_code, missing.status_code) == (400, 400), refused.text[:600]
        assert refused.text == missing.text  # the page never echoes the id chosen
        assert words in refused.text and 'id="target-error"' in refused.text
        assert f'value="{DUE}"' in refused.text and "another team" not in refused.text
    assert session.scalars(select(Assignment)).all() == []
    client.cookies.clear()
    csrf = sign_in(client, make_user(session, role="admin"))
    assert "Assigned to 1 person" in assign(f"user:{bruno.id}").text


def test_the_lesson_list_counts_one_question_in_the_singular(
    client: TestClient, session: Session
) -> None:
    """A drill's lesson with one endorsed answer has a one-question quiz: "1 questions"."""
    csrf = sign_in(client, make_user(session, role="lead"))
    one = {"title": "Short one", "body": "b", "quiz": "? Why?\n= Because", "csrf_token": csrf}
    client.post("/training/lessons", data=one, follow_redirects=False)
    _write(client, csrf)
    page = client.get("/training/lessons").text
    assert "1 question · version 1" in page and "1 questions" not in page
    assert "3 questions · version 1" in page


def test_progress_counts_only_people_still_active(client: TestClient, session: Session) -> None:
    """An agent who left stayed on the lead's progress for good: counted as assigned, then
    overdue, and listed among the rows."""
    lead = make_user(session, role="lead", team="Care")
    gone = make_user(session, name="Gone Agent", team="Care")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    team = session.scalars(select(Team)).one()
    assign = {"target": f"team:{team.id}", "due": DUE, "csrf_token": csrf}
    client.post(f"/training/lessons/{lesson_id}/assign", data=assign)
    update_user(
        session, actor=None, user_id=gone.id, role="agent", team_id=team.id, is_active=False
    )
    (line,) = progress_by_lesson(session, actor=lead, team_id=team.id).items
    assert line.assigned == 1
    page = client.get("/training/progress").text
    assert "Gone Agent" not in page and "0 of 1" in page


def test_the_api_lists_today_and_grades_a_quiz(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session)
    as_lead = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    as_agent = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=agent)}"}
    body = {"title": "Owning the next step", "body": "Say who and when.", "quiz": QUIZ}
    created = client.post("/api/v1/training/lessons", json=body, headers=as_lead)
    assert created.status_code == 201 and created.json()["questions"] == 3
    assert client.post("/api/v1/training/lessons", json=body, headers=as_agent).status_code == 403
    lesson_id = created.json()["id"]
    assert client.get("/api/v1/training/today", headers=as_agent).json() == []
    answers = {"answers": [[1], [0, 1], "what you will do next to fix it"]}
    attempt = client.post(
        f"/api/v1/training/lessons/{lesson_id}/attempts", json=answers, headers=as_agent
    )
    assert attempt.status_code == 201, attempt.text
    result = attempt.json()
    assert result["score"] == 1.0 and result["passed"] and result["version"] == 1
    assert len(result["explanations"]) == 3
    wrong = client.post(
        f"/api/v1/training/lessons/{lesson_id}/attempts", json={"answers": [[1]]}, headers=as_agent
    )
    assert wrong.status_code == 400 and "answer all 3" in wrong.json()["detail"]
    blank = client.post(
        f"/api/v1/training/lessons/{lesson_id}/attempts",
        json={"answers": [[], [], "  "]},
        headers=as_agent,
    )
    assert blank.status_code == 400 and "nothing was chosen" in blank.json()["detail"]
    assert len(session.scalars(select(QuizAttempt)).all()) == 1, "only the answered attempt"


def test_a_huge_written_answer_or_a_choice_not_offered_is_refused_beside_its_question(
    client: TestClient, session: Session
) -> None:
    """A pasted megabyte in a free-text answer was kept with the attempt and sent back whole
    by its page; the API graded a choice the question does not have."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    huge = "what you will do next " * 200
    refused = client.post(
        f"/training/lessons/{lesson_id}/attempts",
        data={"csrf_token": csrf, "q0": "1", "q1": ["0", "1"], "q2": huge},
    )
    assert refused.status_code == 400
    assert 'id="q2-error"' in refused.text and "keep answer 3 under 2000" in refused.text
    as_lead = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    unknown = client.post(
        f"/api/v1/training/lessons/{lesson_id}/attempts",
        json={"answers": [[1], [0, 99], "next"]},
        headers=as_lead,
    )
    assert unknown.status_code == 400 and "question 2 has choices 0 to 2" in unknown.text
    assert session.scalars(select(QuizAttempt)).all() == []


@pytest.mark.parametrize("given", ["7", "-1", "abc", "1.5", ""])
def test_a_malformed_choice_is_refused_beside_its_question_with_the_answers_kept(
    client: TestClient, session: Session, given: str
) -> None:
    """``q0=7`` was refused but ``q0=-1`` and ``q0=abc`` were dropped and graded as no answer:
    every choice that is not one the question offers is refused the same way."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    refused = client.post(
        f"/training/lessons/{lesson_id}/attempts",
        data={"csrf_token": csrf, "q0": given, "q1": ["0", "1"], "q2": "kept words"},
    )
    assert refused.status_code == 400, refused.text
    assert 'id="q0-error"' in refused.text
    assert "question 1 has choices 0 to 1, not" in html.unescape(refused.text)
    assert 'name="q1" value="1" checked>' in refused.text and "kept words" in refused.text
    assert session.scalars(select(QuizAttempt)).all() == []


def test_every_training_page_renders_with_empty_states(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_user(session))
    assert "No lessons assigned to you" in client.get("/training").text
    assert "Your lead has not added any" in client.get("/training/lessons").text
    assert "No scenarios yet" in client.get("/training/practice").text
    assert client.get("/training/lessons/999").status_code == 404
    assert client.get("/training/attempts/999").status_code == 404
    assert client.get("/training/practice/999").status_code == 404
    assert client.get("/training/practice/replies/999").status_code == 404
    client.cookies.clear()
    sign_in(client, make_user(session, role="lead"))
    for url in ["/training", "/training/lessons", "/training/lessons/new", "/training/practice"]:
        assert client.get(url).status_code == 200, url
    assert "You are in no team" in client.get("/training/progress").text
    assert "Draw hard messages from the archive" in client.get("/training/practice").text
    client.cookies.clear()
    sign_in(client, make_user(session, role="admin"))
    assert "Nothing assigned yet" in client.get("/training/progress").text


def _care_and_billing_assigned(client: TestClient, session: Session) -> tuple[User, Team]:
    """A Care lead, Maya in Care and Bruno in Billing, one lesson assigned to both teams."""
    lead = make_user(session, role="lead", team="Care")
    make_user(session, name="Maya", team="Care")
    make_user(session, name="Bruno", team="Billing")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    client.post(
        f"/training/lessons/{lesson_id}/assign",
        data={"target": f"team:{lead.team_id}", "due": DUE, "csrf_token": csrf},
    )
    billing = session.scalars(select(Team).where(Team.name == "Billing")).one()
    due_at = datetime.fromisoformat(f"{DUE}T17:00:00+00:00")  # as Billing's own lead would
    assign_lesson(session, actor=None, lesson_id=lesson_id, team_id=billing.id, due_at=due_at)
    return lead, billing


def test_progress_opens_on_the_leads_team_and_an_admin_pages_through_every_team(
    client: TestClient, session: Session
) -> None:
    _, billing = _care_and_billing_assigned(client, session)
    own = client.get("/training/progress").text
    assert "Maya" in own and "Bruno" not in own and ">0 of 2</td>" in own
    client.cookies.clear()
    sign_in(client, make_user(session, role="admin", team="Care"))
    assert "Bruno" not in client.get("/training/progress").text  # opens on their own team
    everyone = client.get("/training/progress?team=all").text
    assert "Maya" in everyone and "Bruno" in everyone and "3 in all" in everyone
    assert ">0 of 3</td>" in everyone, "every team's assignees of the lesson"
    assert 'value="all"' in everyone and ">Billing</option>" in everyone
    just_billing = client.get(f"/training/progress?team={billing.id}").text
    assert "Bruno" in just_billing and "Maya" not in just_billing
    empty = make_user(session, role="lead", team="Empty")
    client.cookies.clear()
    sign_in(client, empty)
    assert "Nothing assigned to Empty yet" in client.get("/training/progress").text
    assert client.get("/training/progress?team=nope").status_code == 400


def test_a_lead_reads_only_their_own_teams_progress(client: TestClient, session: Session) -> None:
    """Any lead read every team's agents, assignments and quiz scores (``team=all`` or another
    team's id), and the team menu listed every team."""
    lead, billing = _care_and_billing_assigned(client, session)
    for url in ["/training/progress", "/training/progress?team=all"]:
        page = client.get(url).text
        assert "Maya" in page and "Bruno" not in page, url
        assert ">0 of 2</td>" in page and ">0 of 3</td>" not in page, url
        assert "Billing" not in page and 'value="all"' not in page, url
    other = client.get(f"/training/progress?team={billing.id}")
    missing = client.get("/training/progress?team=99999")
    assert other.status_code == missing.status_code == 404  # as if Billing did not exist
    assert "Bruno" not in other.text
    with pytest.raises(NotFound):
        progress_by_lesson(session, actor=lead, team_id=billing.id)
    (line,) = progress_by_lesson(session, actor=lead).items
    assert line.assigned == 2, "a lead's everyone is their own team"
    update_user(session, actor=None, user_id=lead.id, role="lead", team_id=None, is_active=True)
    page = client.get("/training/progress?team=all").text
    assert "You are in no team" in page and "Maya" not in page and "Bruno" not in page
    assert progress_by_lesson(session, actor=lead).items == []
    assert progress(session, actor=lead).total == 0


def test_progress_is_paginated(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead", team="Care")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    for n in range(21):
        agent = make_user(session, name=f"Agent {n:02d}", team="Care")
        client.post(
            f"/training/lessons/{lesson_id}/assign",
            data={"target": f"user:{agent.id}", "due": DUE, "csrf_token": csrf},
        )
    first = client.get("/training/progress").text
    assert "page 1 of 2" in first and "Agent 00" in first and "Agent 20" not in first
    assert "Due later →" in first and "Older" not in first  # the list is by due date
    second = client.get("/training/progress?team=all&page=2").text
    assert "Agent 20" in second and "← Due sooner" in second


def test_the_lessons_page_and_api_list_a_page_at_a_time(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """A growing library was listed whole, every version of every lesson read at once."""
    lead = make_user(session, role="lead")
    for n in range(settings.page_size + 2):
        create_lesson(session, actor=lead, title=f"Lesson {n:03d}", body="Body.", quiz=QUIZ)
    sign_in(client, lead)
    first = client.get("/training/lessons").text
    last = settings.page_size + 1
    assert "Lesson 000" in first and f"Lesson {last:03d}" not in first
    assert f"{settings.page_size + 2} lessons · page 1 of 2" in first
    second = client.get("/training/lessons?page=2").text
    assert f"Lesson {last:03d}" in second and "Lesson 000" not in second
    beyond = client.get("/training/lessons?page=5").text
    assert "the list ends at page 2" in beyond and "No lessons yet" not in beyond
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    api = client.get("/api/v1/training/lessons?page_size=2&page=2", headers=headers)
    assert [lesson["title"] for lesson in api.json()] == ["Lesson 002", "Lesson 003"]
    assert api.headers["X-Total-Count"] == str(settings.page_size + 2)
    assert "page=3" in api.headers["Link"]


def test_a_lesson_sent_twice_at_once_is_written_once(client: TestClient, session: Session) -> None:
    """Save clicked twice wrote two identical lessons; the repeat now opens the one written.
    Another body, another lead, or the same lesson written later are new lessons."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    first = _write(client, csrf)
    assert _write(client, csrf) == first
    assert "Lesson written: version 1." in client.get(f"/training/lessons/{first}").text
    assert len(session.scalars(select(Lesson)).all()) == 1
    changed = client.post(
        "/training/lessons",
        data={"title": "Apologising well", "body": "Other", "quiz": QUIZ, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert changed.headers["location"] != f"/training/lessons/{first}"
    client.cookies.clear()
    assert _write(client, sign_in(client, make_user(session, role="lead"))) != first
    client.cookies.clear()
    csrf = sign_in(client, lead)
    lesson = session.get(Lesson, first)
    assert lesson is not None
    lesson.created_at = datetime.now(UTC) - timedelta(minutes=3)
    session.commit()
    assert _write(client, csrf) != first
    assert len(session.scalars(select(Lesson)).all()) == 4


def test_a_quiz_sent_twice_at_once_is_one_attempt_and_one_review(
    client: TestClient, session: Session
) -> None:
    """Clicking "Check my answers" twice recorded two attempts, and the second full marks
    reviewed the card again at once: the next review moved from eight days out to thirteen.
    The repeat now lands on the attempt recorded; other answers, or the same later, count."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _write(client, csrf)
    client.cookies.clear()
    agent = make_user(session)
    csrf = sign_in(client, agent)
    right = {"csrf_token": csrf, "q0": "1", "q1": ["0", "1"], "q2": "Say what you will do next"}
    sent = [
        client.post(f"/training/lessons/{lesson_id}/attempts", data=right, follow_redirects=False)
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[0].headers["location"] == sent[1].headers["location"]
    card = session.scalars(select(ReviewCard).where(ReviewCard.user_id == agent.id)).one()
    assert card.reviews == 1
    first_due = card.due_at
    assert "Next review" in client.get(sent[1].headers["location"]).text
    assert len(session.scalars(select(QuizAttempt)).all()) == 1
    other = {**right, "q2": "Say sorry and what comes next"}
    client.post(f"/training/lessons/{lesson_id}/attempts", data=other, follow_redirects=False)
    assert len(session.scalars(select(QuizAttempt)).all()) == 2
    for attempt in session.scalars(select(QuizAttempt)):
        attempt.created_at = datetime.now(UTC) - timedelta(minutes=3)
    session.commit()
    client.post(f"/training/lessons/{lesson_id}/attempts", data=right, follow_redirects=False)
    assert len(session.scalars(select(QuizAttempt)).all()) == 3
    session.refresh(card)
    assert card.reviews == 3 and card.due_at >= first_due


def test_a_lead_s_empty_today_offers_the_starter_course(
    client: TestClient, session: Session
) -> None:
    """With no lessons, Today offered only "Browse the lessons" (an empty list)."""
    sign_in(client, make_user(session, team="Care"))  # an agent may not load it
    today = client.get("/training").text
    assert "/training/lessons/starter" not in today and "your lead has not added any" in today
    client.cookies.clear()
    csrf = sign_in(client, make_user(session, role="lead", team="Care"))
    today = client.get("/training").text
    assert 'action="/training/lessons/starter"' in today and "Load the starter course" in today
    loaded = client.post("/training/lessons/starter", data={"csrf_token": csrf})
    assert "Loaded 8 starter lessons" in loaded.text
    today = client.get("/training").text
    assert 'action="/training/lessons/starter"' not in today and "Browse the" in today


def _by_lesson(page: str) -> str:
    """The "By lesson" table of the progress page (the assignments below name lessons too)."""
    found = re.search(r'<table class="lesson-progress.*?</table>', page, re.DOTALL)
    assert found, "no By lesson table"
    return found.group(0)


def test_progress_by_lesson_pages_with_most_to_do_first_keeping_the_team_and_the_rows_page(
    client: TestClient, session: Session
) -> None:
    """The "By lesson" table listed every lesson at once and grew with the library."""
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, name="Maya", team="Care")
    due = datetime.now(UTC) + timedelta(days=30)
    for n in range(LESSONS_PER_PAGE + 2):
        lesson = create_lesson(session, actor=lead, title=f"Lesson {n:03d}", body="B.", quiz=QUIZ)
        assign_lesson(session, actor=lead, lesson_id=lesson.id, due_at=due, user_id=agent.id)
    first_lesson = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    assert first_lesson is not None
    first_lesson.completed_at = datetime.now(UTC)  # done: the least left to do, so last
    session.commit()
    team = session.scalars(select(Team).where(Team.name == "Care")).one()
    sign_in(client, lead)
    first = client.get("/training/progress").text
    table = _by_lesson(first)
    assert "Lesson 001" in table and "Lesson 020" in table and "Lesson 000" not in table
    assert f"{LESSONS_PER_PAGE + 2} lessons · page 1 of 2" in first
    assert f'href="?team={team.id}&amp;page=1&amp;lessons=2">Further along' in first
    second = client.get(f"/training/progress?team={team.id}&page=1&lessons=2").text
    table = _by_lesson(second)
    assert "Lesson 021" in table and "Lesson 000" in table and "Lesson 001" not in table
    assert "← More to do" in second
    assert f'href="?team={team.id}&amp;lessons=2&amp;page=2"' in second  # the rows' pages keep it
    beyond = client.get(f"/training/progress?team={team.id}&lessons=9").text
    assert "the list ends at page 2" in beyond
    odd = client.get("/training/progress?lessons=abc")
    assert odd.status_code == 200 and "Lesson 001" in _by_lesson(odd.text)
