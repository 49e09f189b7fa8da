"""Named reads of training, each checking who may see what and loading eagerly (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.auth.permissions import leads_team, require_lead
from poise.db.base import utcnow
from poise.errors import NotFound
from poise.pagination import Page, paginate
from poise.training.feedback import NEGATIVE, POSITIVE, verdicts_from
from poise.training.models import (
    Assignment,
    Lesson,
    LessonVersion,
    PracticeAttempt,
    PracticeComment,
    PracticeScenario,
    QuizAttempt,
    ReviewCard,
    may_see_practice,
)
from poise.training.quiz import Graded


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
    assignments, reviews = _due(session, now, user_id=actor.id)
    return _today(assignments, reviews, now)


def everyone_due(session: Session, *, now: datetime) -> dict[int, Today]:
    """Every active person's Today at ``now``, keyed by user id, in two queries.

    For the morning reminders: asking per person would cost two queries for every agent.
    """
    assignments, reviews = _due(session, now, user_id=None)
    by_user: dict[int, tuple[list[Assignment], list[ReviewCard]]] = {}
    for assignment in assignments:
        by_user.setdefault(assignment.user_id, ([], []))[0].append(assignment)
    for card in reviews:
        by_user.setdefault(card.user_id, ([], []))[1].append(card)
    return {user_id: _today(a, r, now) for user_id, (a, r) in by_user.items()}


def due_count(session: Session, *, actor: User, now: datetime | None = None) -> int:
    """How many lessons the caller should take now, counted in the database (for the nav)."""
    now = now or utcnow()
    open_lessons = (
        select(Assignment.lesson_id)
        .where(Assignment.user_id == actor.id)
        .where(Assignment.completed_at.is_(None))
    )
    assigned = session.scalar(select(func.count()).select_from(open_lessons.subquery())) or 0
    reviews = session.scalar(
        select(func.count())
        .select_from(ReviewCard)
        .where(ReviewCard.user_id == actor.id)
        .where(ReviewCard.due_at <= now)
        .where(ReviewCard.lesson_id.not_in(open_lessons))
    )
    return assigned + (reviews or 0)


def _due(
    session: Session, now: datetime, *, user_id: int | None
) -> tuple[list[Assignment], list[ReviewCard]]:
    """Open assignments of active people and their reviews due by ``now``; one person's or all."""
    assignments = (
        select(Assignment)
        .join(Assignment.user)
        .where(User.is_active)
        .where(Assignment.completed_at.is_(None))
        .options(selectinload(Assignment.lesson).selectinload(Lesson.versions))
        .order_by(Assignment.due_at, Assignment.id)
    )
    reviews = (
        select(ReviewCard)
        .join(User, User.id == ReviewCard.user_id)
        .where(User.is_active)
        .where(ReviewCard.due_at <= now)
        .options(selectinload(ReviewCard.lesson).selectinload(Lesson.versions))
        .order_by(ReviewCard.due_at, ReviewCard.id)
    )
    if user_id is not None:
        assignments = assignments.where(Assignment.user_id == user_id)
        reviews = reviews.where(ReviewCard.user_id == user_id)
    return list(session.scalars(assignments).all()), list(session.scalars(reviews).all())


def _today(assignments: list[Assignment], reviews: list[ReviewCard], now: datetime) -> Today:
    """A review of a lesson that is also assigned shows once, as the assignment."""
    assigned = {a.lesson_id for a in assignments}
    return Today(assignments, [r for r in reviews if r.lesson_id not in assigned], now)


def lessons(session: Session, *, actor: User, page: int = 1, page_size: int = 50) -> Page[Lesson]:
    """The lessons with their versions, a page at a time: any signed-in user may read the
    course. A team's library grows lesson by lesson, each edit a version with its body, and
    the list read every one of them at once."""
    del actor  # every role reads lessons; the parameter keeps the accessor's shape
    query = select(Lesson).options(selectinload(Lesson.versions)).order_by(Lesson.id)
    return paginate(session, query, page=page, page_size=page_size)


def any_lessons(session: Session) -> bool:
    """Whether the course has a lesson yet: an empty one asks for the starter course first."""
    return session.scalar(select(Lesson.id).limit(1)) is not None


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


def progress(
    session: Session,
    *,
    actor: User,
    team_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[Assignment]:
    """Leads: assignments with their agent, due date, completion and best score, soonest due
    first; one team's (``team_id``) or everyone's the caller may read (:func:`progress_team`),
    a page at a time since they add up fast. Only active people's: someone who has left has
    nothing left to do."""
    require_lead(actor)
    query = _of_active_people(select(Assignment), actor, team_id)
    query = query.options(
        selectinload(Assignment.user),
        selectinload(Assignment.lesson).selectinload(Lesson.versions),
    ).order_by(Assignment.due_at, Assignment.id)
    return paginate(session, query, page=page, page_size=page_size)


def _of_active_people(query: Select[Any], actor: User, team_id: int | None) -> Select[Any]:
    """Assignments of people still active, of one team when ``team_id`` is given, and only of
    the teams ``actor`` leads: agents' names and quiz scores are their own team's business.
    Another team's id answers as a missing team, as lesson assignment does."""
    query = query.join(User, Assignment.user_id == User.id).where(User.is_active)
    if team_id is not None and not leads_team(actor, team_id):
        raise NotFound("no such team")
    if team_id is not None:
        return query.where(User.team_id == team_id)
    if actor.is_admin:
        return query
    if actor.team_id is None:  # a lead of no team reads nobody's (may_assign_to agrees)
        return query.where(false())
    return query.where(User.team_id == actor.team_id)


@dataclass(frozen=True)
class LessonProgress:
    """One lesson across the people it is assigned to: what a lead reads before the rows."""

    lesson_id: int
    title: str
    assigned: int
    completed: int
    overdue: int  # not completed and past due
    next_due: datetime | None  # the soonest due date still open

    @property
    def share(self) -> float:
        return self.completed / self.assigned if self.assigned else 0.0


LESSONS_PER_PAGE = 20
"""Lessons of the progress page's "By lesson" table per page: it sits above the assignments,
so a screenful, not a page of its own."""


def progress_by_lesson(
    session: Session,
    *,
    actor: User,
    team_id: int | None = None,
    now: datetime | None = None,
    page: int = 1,
    page_size: int = LESSONS_PER_PAGE,
) -> Page[LessonProgress]:
    """Leads: per lesson, how many of its assignees (one team's or every one the caller may
    read, as :func:`progress`) completed it, how many are overdue, and when the next one falls
    due; the lessons with most still to do first, a page at a time (the table grew with the
    lessons). One grouped read, sorted and paged by the database. Only active people count:
    someone deactivated stayed "overdue" for good."""
    require_lead(actor)
    now = now or utcnow()
    open_ = Assignment.completed_at.is_(None)
    assigned, completed = func.count(), func.count(Assignment.completed_at)
    next_due = func.min(Assignment.due_at).filter(open_)
    query = (
        select(
            Assignment.lesson_id,
            LessonVersion.title,
            assigned,
            completed,
            func.count().filter(open_, Assignment.due_at < now),
            next_due,
        )
        .join(Lesson, Lesson.id == Assignment.lesson_id)
        .join(
            LessonVersion,
            (LessonVersion.lesson_id == Lesson.id)
            & (LessonVersion.number == Lesson.current_number),
        )
        .group_by(Assignment.lesson_id, LessonVersion.title)
    )
    query = _of_active_people(query, actor, team_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(page, 1)
    ordered = query.order_by(
        completed * 1.0 / assigned,
        func.coalesce(next_due, now),
        LessonVersion.title,
        Assignment.lesson_id,
    )
    rows = session.execute(ordered.offset((page - 1) * page_size).limit(page_size)).all()
    found = [
        LessonProgress(int(lid), title, n, done, late, due)
        for lid, title, n, done, late, due in rows
    ]
    return Page(found, total, page, page_size)


def assignable(session: Session, *, actor: User) -> tuple[list[User], list[Team]]:
    """Leads: the active people and the teams the caller may assign a lesson to, their own
    team's (admins: everyone's), by the same rule the assign action checks."""
    require_lead(actor)
    users = select(User).where(User.is_active).order_by(User.name)
    teams = select(Team).order_by(Team.name)
    if not actor.is_admin:
        if actor.team_id is None:  # leads no team: nobody (may_assign_to refuses them all)
            return [], []
        users = users.where(User.team_id == actor.team_id)
        teams = teams.where(Team.id == actor.team_id)
    return list(session.scalars(users)), list(session.scalars(teams))


def teams(session: Session, *, actor: User) -> list[Team]:
    """Leads: the teams whose progress the caller may read, for the progress filter: every
    team for an admin, a lead's own (none for a lead of no team), as :func:`progress` reads."""
    require_lead(actor)
    if actor.is_admin:
        return list(session.scalars(select(Team).order_by(Team.name)))
    return [actor.team] if actor.team is not None else []


def progress_team(session: Session, *, actor: User, team_id: int | None) -> Team | None:
    """The team a progress read is narrowed to: the one asked for (``team_id``), else every
    team for an admin (``None``) and their own for a lead (``None`` when they lead none).
    A missing team and another team's answer NotFound alike, as lesson assignment and
    imports treat other teams' things, so a lead cannot probe which ids exist."""
    require_lead(actor)
    if team_id is None:
        return None if actor.is_admin else actor.team
    team = session.get(Team, team_id)
    if team is None or not leads_team(actor, team.id):
        raise NotFound("no such team")
    return team


def attempt(
    session: Session, *, actor: User, attempt_id: int
) -> tuple[QuizAttempt, list[Graded] | None]:
    """One of the caller's attempts with each answer's mark as given when it was sent, or None
    for an attempt sent before marks were kept. Never graded again: the grading rules and
    stop words change between releases, and marks of today under the total of then disagreed.

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
    if found.marks is None:
        return found, None
    return found, [Graded(m["score"], m["explanation"]) for m in found.marks]


def next_review(session: Session, *, actor: User, now: datetime | None = None) -> ReviewCard | None:
    """The caller's own review that comes back soonest after ``now`` (none is due yet), with
    its lesson, for Today to say when."""
    return session.scalars(
        select(ReviewCard)
        .where(ReviewCard.user_id == actor.id)
        .where(ReviewCard.due_at > (now or utcnow()))
        .options(selectinload(ReviewCard.lesson).selectinload(Lesson.versions))
        .order_by(ReviewCard.due_at, ReviewCard.id)
        .limit(1)
    ).first()


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

    @property
    def score(self) -> float:
        """Share of the six labels on the right side: good moves made, bad ones avoided."""
        return (self.good + len(NEGATIVE) - self.flagged) / (len(POSITIVE) + len(NEGATIVE))


def scenarios(
    session: Session, *, actor: User, page: int = 1, page_size: int = 50
) -> Page[PracticeScenario]:
    """The practice scenarios, newest first, a page at a time (each draw from the archive adds
    up to twenty): any signed-in user may practise."""
    del actor
    query = select(PracticeScenario).order_by(PracticeScenario.id.desc())
    return paginate(session, query, page=page, page_size=page_size)


def scenario(session: Session, *, actor: User, scenario_id: int) -> PracticeScenario:
    """One scenario, or NotFound."""
    del actor
    found = session.get(PracticeScenario, scenario_id)
    if found is None:
        raise NotFound("no such scenario")
    return found


TREND_REPLIES = 60  # the progress chart's latest replies (the table pages through all)


def my_practice(
    session: Session, *, actor: User, page: int = 1, page_size: int = 20
) -> Page[PracticeLine]:
    """The caller's own practice replies, newest first, a page at a time, with label counts
    for progress."""
    found = paginate(session, _my_attempts(actor), page=page, page_size=page_size)
    return Page([_line(a) for a in found.items], found.total, found.page, found.page_size)


def practice_trend(session: Session, *, actor: User, limit: int = TREND_REPLIES) -> list[float]:
    """The score of each of the caller's latest ``limit`` replies, oldest first (the chart)."""
    latest = session.scalars(_my_attempts(actor).limit(limit)).all()
    return [_line(a).score for a in reversed(latest)]


def _my_attempts(actor: User) -> Select[tuple[PracticeAttempt]]:
    return (
        select(PracticeAttempt)
        .where(PracticeAttempt.user_id == actor.id)
        .options(selectinload(PracticeAttempt.scenario), selectinload(PracticeAttempt.comments))
        .order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())
    )


def _line(attempt: PracticeAttempt) -> PracticeLine:
    verdicts = verdicts_from(attempt.feedback)
    good = sum(1 for v in verdicts if v.label in POSITIVE and v.present)
    flagged = sum(1 for v in verdicts if v.label in NEGATIVE and v.present)
    return PracticeLine(attempt, good, flagged)


def practice_attempt(session: Session, *, actor: User, attempt_id: int) -> PracticeAttempt:
    """A practice reply with its comments, for its author, a lead, or a teammate it was shared
    with; anyone else gets NotFound, so its existence does not leak.
    """
    found = session.scalars(
        select(PracticeAttempt)
        .where(PracticeAttempt.id == attempt_id)
        .options(
            selectinload(PracticeAttempt.scenario),
            selectinload(PracticeAttempt.user),
            selectinload(PracticeAttempt.comments).selectinload(PracticeComment.author),
        )
    ).one_or_none()
    if found is None or not may_see_practice(actor, found):
        raise NotFound("no such practice reply")
    return found


@dataclass(frozen=True)
class ReviewItem:
    """A reply someone shared for comments, with how many comments it has so far."""

    attempt: PracticeAttempt
    comments: int


def review_queue(
    session: Session, *, actor: User, page: int = 1, page_size: int = 50
) -> Page[ReviewItem]:
    """Replies shared for comments that the caller may comment on, newest first, a page at a
    time (it stopped at the newest 50, and older shares could not be reached at all).

    Admins see every shared reply; a lead or an agent those of their own team (the same rule
    as :func:`may_see_practice`). Never one's own.
    """
    query = (
        select(PracticeAttempt)
        .join(PracticeAttempt.user)
        .where(PracticeAttempt.shared_at.is_not(None))
        .where(PracticeAttempt.user_id != actor.id)
        .order_by(PracticeAttempt.shared_at.desc(), PracticeAttempt.id.desc())
        .options(selectinload(PracticeAttempt.scenario), selectinload(PracticeAttempt.user))
    )
    if not actor.is_admin:
        if actor.team_id is None:
            return Page([], 0, page, page_size)
        query = query.where(User.team_id == actor.team_id)
    found = paginate(session, query, page=page, page_size=page_size)
    counts = _comment_counts(session, [a.id for a in found.items])
    items = [ReviewItem(a, counts.get(a.id, 0)) for a in found.items]
    return Page(items, found.total, found.page, found.page_size)


def _comment_counts(session: Session, attempt_ids: list[int]) -> dict[int, int]:
    """How many comments each of these practice replies has, in one grouped read."""
    if not attempt_ids:
        return {}
    rows = session.execute(
        select(PracticeComment.attempt_id, func.count())
        .where(PracticeComment.attempt_id.in_(attempt_ids))
        .group_by(PracticeComment.attempt_id)
    )
    return {attempt_id: count for attempt_id, count in rows}


def unread_comments(
    session: Session, *, actor: User, page: int, page_size: int
) -> Page[PracticeComment]:
    """Comments others left on the caller's practice replies that the caller has not opened,
    newest first, a page at a time (a reply shared with a large team can gather many)."""
    query = (
        select(PracticeComment)
        .join(PracticeComment.attempt)
        .where(PracticeAttempt.user_id == actor.id)
        .where(PracticeComment.read_at.is_(None))
        .options(
            selectinload(PracticeComment.author),
            selectinload(PracticeComment.attempt).selectinload(PracticeAttempt.scenario),
        )
        .order_by(PracticeComment.created_at.desc(), PracticeComment.id.desc())
    )
    return paginate(session, query, page=page, page_size=page_size)
