"""The spaced schedule with a controlled clock: growing intervals after good answers,
sooner after bad ones, and the Today page listing what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.auth.models import User
from poise.training import actions, queries
from poise.training.models import Lesson

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUIZ = "? Pick the right one\n- wrong\n* right\n? Pick both\n* a\n* b\n- c"
RIGHT: list[str | list[int]] = [[1], [0, 1]]
HALF: list[str | list[int]] = [[1], [2]]  # 50%: below the pass mark
WRONG: list[str | list[int]] = [[0], [2]]


def _lesson(session: Session, title: str = "Owning the next step") -> Lesson:
    return actions.create_lesson(session, actor=None, title=title, body="Say when.", quiz=QUIZ)


def _intervals(
    session: Session, user: User, lesson: Lesson, runs: list[list[str | list[int]]]
) -> list[timedelta]:
    """Answer on the day each review falls due; returns the gap to the next review each time."""
    now, gaps = START, []
    for answers in runs:
        result = actions.submit_quiz(
            session, actor=user, lesson_id=lesson.id, answers=answers, now=now
        )
        gaps.append(result.next_review - now)
        now = result.next_review
    return gaps


def test_good_answers_space_reviews_further_out_each_time(session: Session) -> None:
    agent = make_user(session)
    gaps = _intervals(session, agent, _lesson(session), [RIGHT] * 4)
    assert all(gap >= timedelta(days=1) for gap in gaps)
    assert gaps == sorted(gaps) and len(set(gaps)) == 4


def test_a_bad_answer_brings_the_review_back_sooner(session: Session) -> None:
    good, lapsed = make_user(session), make_user(session)
    lesson = _lesson(session)
    kept = _intervals(session, good, lesson, [RIGHT, RIGHT, RIGHT])
    forgot = _intervals(session, lapsed, lesson, [RIGHT, RIGHT, WRONG])
    assert kept[:2] == forgot[:2]
    assert forgot[2] < kept[2] and forgot[2] < forgot[1]


def test_a_failed_first_attempt_schedules_nothing(session: Session) -> None:
    agent = make_user(session)
    lesson = _lesson(session)
    actions.submit_quiz(session, actor=agent, lesson_id=lesson.id, answers=HALF, now=START)
    assert queries.review_card(session, actor=agent, lesson_id=lesson.id) is None


def test_today_lists_assignments_by_due_date_then_reviews_due_now(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session)
    later, sooner, learnt = (
        _lesson(session, "Later"),
        _lesson(session, "Sooner"),
        _lesson(session, "Learnt"),
    )
    for lesson, days in ((later, 9), (sooner, 2)):
        actions.assign_lesson(
            session,
            actor=None,
            lesson_id=lesson.id,
            user_id=agent.id,
            due_at=START + timedelta(days=days),
        )
    passed = actions.submit_quiz(
        session, actor=agent, lesson_id=learnt.id, answers=RIGHT, now=START
    )
    before = queries.today(session, actor=agent, now=passed.next_review - timedelta(minutes=1))
    assert [a.lesson.current.title for a in before.assignments] == ["Sooner", "Later"]
    assert before.reviews == []
    due = queries.today(session, actor=agent, now=passed.next_review)
    assert [r.lesson.current.title for r in due.reviews] == ["Learnt"] and due.count == 3
    sign_in(client, agent)
    page = client.get("/training").text  # the real clock is long past 2026-03
    assert "3 to do: 2 assigned lessons (2 overdue) and 1 review due now." in page
    assert page.index("Sooner") < page.index("Later") < page.index("Learnt")
    assert "overdue" in page


def test_today_says_when_the_lessons_fall_due_not_that_all_are_for_today(
    client: TestClient, session: Session
) -> None:
    """A lesson due in ten days read as "1 thing to do today"."""
    agent = make_user(session)
    due = datetime.now(UTC) + timedelta(days=10)
    lesson = _lesson(session, "Next week")
    actions.assign_lesson(session, actor=None, lesson_id=lesson.id, user_id=agent.id, due_at=due)
    sign_in(client, agent)
    page = client.get("/training").text
    assert f"1 to do: 1 assigned lesson, the soonest due {due.date().isoformat()}." in page
    assert "to do today" not in page


def test_today_names_the_next_review_while_none_is_due(
    client: TestClient, session: Session
) -> None:
    """After passing a lesson the agent read "No reviews due. Each lesson you pass comes back
    here after a while" and nothing said when: the date was on the result page only."""
    agent = make_user(session)
    first, later = _lesson(session, "Owning the next step"), _lesson(session, "Apologising well")
    sign_in(client, agent)
    assert "Next review:" not in client.get("/training").text  # nothing passed yet
    now = datetime.now(UTC)
    soon = actions.submit_quiz(session, actor=agent, lesson_id=first.id, answers=RIGHT, now=now)
    actions.submit_quiz(
        session, actor=agent, lesson_id=later.id, answers=RIGHT, now=now + timedelta(days=2)
    )
    section = client.get("/training").text.split('class="today-reviews"', 1)[1]
    assert "No reviews due." in section
    assert (
        f'Next review: <a href="/training/lessons/{first.id}">Owning the next step</a>' in section
    )
    assert f"on {soon.next_review.date().isoformat()}" in section
    assert "Apologising well" not in section
