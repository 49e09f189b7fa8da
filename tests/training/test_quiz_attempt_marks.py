"""A quiz attempt's page shows the marks given when it was sent. It graded the stored answers
again with the code of the day, under the total stored then: an attempt could read "75 %" at
the top over marks of 100 % and 25 %, and a learner's history moved with every grading change."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.training import quiz
from poise.training.models import Lesson, QuizAttempt

QUIZ = """
? Which is the better apology?
- Sorry for any inconvenience
* I'm sorry your order arrived late
? What do you do about the double charge?
= Refund the charge and email the receipt
"""
EDITED = QUIZ.replace("Refund the charge and email", "Refund the charge, call back and email")


def _lesson(client: TestClient, csrf: str, quiz_text: str = QUIZ) -> int:
    response = client.post(
        "/training/lessons",
        data={
            "title": "Double charges",
            "body": "Refund first.",
            "quiz": quiz_text,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _attempt(client: TestClient, csrf: str, lesson_id: int, answer: str) -> str:
    response = client.post(
        f"/training/lessons/{lesson_id}/attempts",
        data={"csrf_token": csrf, "q0": "1", "q1": answer},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _marks(page: str) -> tuple[int, list[int]]:
    """The total in the heading and each answer's mark, as percentages."""
    total = re.search(r"<h1>[^<]*: (\d+)%</h1>", page)
    assert total, page
    return int(total.group(1)), [int(m) for m in re.findall(r'class="score">(\d+)%', page)]


def _agree(total: int, marks: list[int]) -> bool:
    return bool(marks) and abs(sum(marks) / len(marks) - total) <= 1


def test_editing_a_lessons_key_words_leaves_its_attempts_marks_as_given(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _lesson(client, csrf)
    url = _attempt(client, csrf, lesson_id, "I would refund it")
    given = _marks(client.get(url).text)
    assert given == (75, [100, 50])
    edited = client.post(
        f"/training/lessons/{lesson_id}/edit",
        data={
            "title": "Double charges",
            "body": "Refund first.",
            "quiz": EDITED,
            "csrf_token": csrf,
        },
    )
    assert "Saved as version 2" in edited.text
    total, marks = _marks(client.get(url).text)
    assert (total, marks) == given and _agree(total, marks)


def test_a_grading_rule_change_leaves_an_attempts_marks_as_given(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later release asks a written answer for every key word of the model answer, not half
    of them: an attempt sent before keeps the marks it was given, and they add up to its total."""
    csrf = sign_in(client, make_user(session, role="lead"))
    url = _attempt(client, csrf, _lesson(client, csrf), "I would refund it")
    given = _marks(client.get(url).text)
    monkeypatch.setattr(quiz, "TEXT_FULL_CREDIT", 1.0)
    assert (
        quiz.grade_text("I would refund it", "Refund the charge and email the receipt").score < 0.5
    )
    total, marks = _marks(client.get(url).text)
    assert (total, marks) == given == (75, [100, 50]) and _agree(total, marks)


def test_an_attempt_from_before_marks_were_kept_shows_its_total_and_says_so(
    client: TestClient, session: Session
) -> None:
    """An attempt stored by an earlier release (which kept the total, not each answer's mark):
    "Promise a refund" earned full marks before negations were read, and today's rules give it
    two thirds. The page shows the total given then, the answers and the key, and says plainly that
    marks per answer were not kept, rather than marks of today under a total of then."""
    lead = make_user(session, role="lead")
    csrf = sign_in(client, lead)
    lesson_id = _lesson(
        client,
        csrf,
        "? Your first reply?\n= Do not promise a refund before checking\n"
        "? Which is the better apology?\n- Sorry for any inconvenience\n"
        "* I'm sorry your order arrived late",
    )
    lesson = session.scalars(select(Lesson).where(Lesson.id == lesson_id)).one()
    old = QuizAttempt(
        user_id=lead.id,
        lesson_id=lesson_id,
        version_id=lesson.current.id,
        score=1.0,
        passed=True,
        answers=["Promise a refund", [0]],
    )
    session.add(old)
    session.commit()
    page = client.get(f"/training/attempts/{old.id}").text
    total, marks = _marks(page)
    assert total == 100 and marks == [], page
    assert "Marks per answer were not kept" in page, page
    assert "Promise a refund" in page and "Do not promise a refund before checking" in page
    chose = (
        "You chose: Sorry for any inconvenience. The answer: I&#39;m sorry your order arrived late."
    )
    assert chose in page, page
    assert (
        'class="right"' not in page
        and 'class="wrong"' not in page
        and 'class="partial"' not in page
    )


def test_a_marked_choice_question_names_the_choice_made(
    client: TestClient, session: Session
) -> None:
    """An attempt marked when sent said "Not quite. The answer: …" under a wrong pick without
    naming the pick, which only an old, unmarked attempt showed: the learner could not see
    what they had chosen. Both now read "You chose: …" before the verdict."""
    csrf = sign_in(client, make_user(session, role="lead"))
    lesson_id = _lesson(client, csrf)
    response = client.post(
        f"/training/lessons/{lesson_id}/attempts",
        data={"csrf_token": csrf, "q0": "0", "q1": "refund"},
        follow_redirects=False,
    )
    page = client.get(response.headers["location"]).text
    assert _marks(page)[1][0] == 0
    chose = (
        "You chose: Sorry for any inconvenience. Not quite. "
        "The answer: I&#39;m sorry your order arrived late."
    )
    assert chose in page, page
