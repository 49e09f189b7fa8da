"""Named reads of training, each checking who may see what and loading eagerly (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.auth.permissions import require_lead
from poise.db.base import utcnow
from poise.errors import NotFound
from poise.training.feedback import NEGATIVE, POSITIVE, verdicts_from
from poise.training.models import (
    Assignment,
    Lesson,
    PracticeAttempt,
    PracticeScenario,
    QuizAttempt,
    ReviewCard,
)
from poise.training.quiz import Graded, grade


@dataclass(frozen=True)
class Today:
    """What an agent should do now: assigned lessons by due date, then reviews that are due."""

    assignments: list[Assignment]
    reviews: list[ReviewCard]
    now: datetime

    @property
    def count(self) -> int:
        return len(self.assignments) + len(self.reviews)


def today(session: Session, *, actor: User, now: datetime | None = None) -> Today:
    """The caller's open assignments (soonest due first) and the reviews due by ``now``."""
    now = now or utcnow()
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.user_id == actor.id)
        .where(Assignment.completed_at.is_(None))
        .options(selectinload(Assignment.lesson).selectinload(Lesson.versions))
        .order_by(Assignment.due_at, Assignment.id)
    ).all()
    assigned = {a.lesson_id for a in assignments}
    reviews = session.scalars(
        select(ReviewCard)
        .where(ReviewCard.user_id == actor.id)
        .where(ReviewCard.due_at <= now)
        .options(selectinload(ReviewCard.lesson).selectinload(Lesson.versions))
        .order_by(ReviewCard.due_at, ReviewCard.id)
    ).all()
    return Today(list(assignments), [r for r in reviews if r.lesson_id not in assigned], now)


def lessons(session: Session, *, actor: User) -> list[Lesson]:
    """Every lesson with its versions: any signed-in user may read the course."""
    del actor  # every role reads lessons; the parameter keeps the accessor's shape
    found = session.scalars(
        select(Lesson).options(selectinload(Lesson.versions)).order_by(Lesson.id)
    ).all()
    return list(found)


def lesson(session: Session, *, actor: User, lesson_id: int) -> Lesson:
    """One lesson with its versions, or NotFound."""
    del actor
    found = session.scalars(
        select(Lesson).where(Lesson.id == lesson_id).options(selectinload(Lesson.versions))
    ).one_or_none()
    if found is None:
        raise NotFound("no such lesson")
    return found


def my_attempts(
    session: Session, *, actor: User, lesson_id: int | None = None
) -> list[QuizAttempt]:
    """The caller's own quiz attempts, newest first (an agent sees only their own)."""
    query = select(QuizAttempt).where(QuizAttempt.user_id == actor.id)
    if lesson_id is not None:
        query = query.where(QuizAttempt.lesson_id == lesson_id)
    query = query.options(selectinload(QuizAttempt.version)).order_by(QuizAttempt.id.desc())
    return list(session.scalars(query).all())


def progress(session: Session, *, actor: User) -> list[Assignment]:
    """Leads: every assignment with its agent, due date, completion and best score."""
    require_lead(actor)
    found = session.scalars(
        select(Assignment)
        .options(
            selectinload(Assignment.user),
            selectinload(Assignment.lesson).selectinload(Lesson.versions),
        )
        .order_by(Assignment.due_at, Assignment.id)
    ).all()
    return list(found)


def assignable(session: Session, *, actor: User) -> tuple[list[User], list[Team]]:
    """Leads: the active people and the teams a lesson can be assigned to."""
    require_lead(actor)
    users = session.scalars(select(User).where(User.is_active).order_by(User.name)).all()
    teams = session.scalars(select(Team).order_by(Team.name)).all()
    return list(users), list(teams)


def attempt(session: Session, *, actor: User, attempt_id: int) -> tuple[QuizAttempt, list[Graded]]:
    """One of the caller's attempts, graded again against the version it answered.

    Another person's attempt answers NotFound, so its existence does not leak.
    """
    found = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id)
        .where(QuizAttempt.user_id == actor.id)
        .options(selectinload(QuizAttempt.version))
    ).one_or_none()
    if found is None:
        raise NotFound("no such attempt")
    quiz = found.version.quiz
    return found, [grade(q, a) for q, a in zip(quiz, found.answers, strict=True)]


def review_card(session: Session, *, actor: User, lesson_id: int) -> ReviewCard | None:
    """The caller's own review schedule for a lesson, if one has been set."""
    return session.scalars(
        select(ReviewCard)
        .where(ReviewCard.user_id == actor.id)
        .where(ReviewCard.lesson_id == lesson_id)
    ).one_or_none()


# --- Practice -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeLine:
    """One past practice reply with how many good and bad labels it had."""

    attempt: PracticeAttempt
    good: int
    flagged: int


def scenarios(session: Session, *, actor: User) -> list[PracticeScenario]:
    """Every practice scenario, newest first: any signed-in user may practise."""
    del actor
    found = session.scalars(select(PracticeScenario).order_by(PracticeScenario.id.desc())).all()
    return list(found)


def scenario(session: Session, *, actor: User, scenario_id: int) -> PracticeScenario:
    """One scenario, or NotFound."""
    del actor
    found = session.get(PracticeScenario, scenario_id)
    if found is None:
        raise NotFound("no such scenario")
    return found


def my_practice(session: Session, *, actor: User) -> list[PracticeLine]:
    """The caller's own practice replies, newest first, with label counts for progress."""
    attempts = session.scalars(
        select(PracticeAttempt)
        .where(PracticeAttempt.user_id == actor.id)
        .options(selectinload(PracticeAttempt.scenario))
        .order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())
    ).all()
    lines = []
    for attempt in attempts:
        verdicts = verdicts_from(attempt.feedback)
        good = sum(1 for v in verdicts if v.label in POSITIVE and v.present)
        flagged = sum(1 for v in verdicts if v.label in NEGATIVE and v.present)
        lines.append(PracticeLine(attempt, good, flagged))
    return lines


def practice_attempt(session: Session, *, actor: User, attempt_id: int) -> PracticeAttempt:
    """One of the caller's practice replies; another person's answers NotFound."""
    found = session.scalars(
        select(PracticeAttempt)
        .where(PracticeAttempt.id == attempt_id)
        .where(PracticeAttempt.user_id == actor.id)
        .options(selectinload(PracticeAttempt.scenario))
    ).one_or_none()
    if found is None:
        raise NotFound("no such practice reply")
    return found
