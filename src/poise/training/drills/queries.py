"""Named reads of drills, each checking who may see what and loading eagerly (no N+1).

A drill for a team is seen only by that team's members and by leads; to anyone else it does
not exist (NotFound), so a launch one team prepares for does not leak to the others. An
anonymous question's author is never part of what these reads hand to a page or the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ScalarSelect, Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.auth.permissions import require_lead
from poise.errors import NotFound
from poise.pagination import Page, paginate
from poise.training.models import DRILL_STATUSES, Drill, DrillAnswer, DrillQuestion, DrillVote


def may_see(actor: User, drill: Drill) -> bool:
    """Leads see every drill; others see drills for everyone and drills for their own team."""
    if actor.is_lead:
        return True
    if drill.team_id is None:
        return True
    return drill.team_id == actor.team_id


def _visible(query: Select[tuple[Drill]], actor: User) -> Select[tuple[Drill]]:
    """``may_see`` as a filter, for lists."""
    if actor.is_lead:
        return query
    return query.where(
        or_(
            Drill.team_id.is_(None),
            Drill.team_id == actor.team_id,
        )
    )


def access_drill(session: Session, *, actor: User, drill_id: int, lock: bool = False) -> Drill:
    """The drill if the actor may see it, else NotFound; ``lock`` holds its row until commit.

    Actions lock the drill when what they do depends on its state (endorsing, turning it into
    training), so two leads pressing at once cannot both act on the same snapshot.
    """
    query = select(Drill).where(Drill.id == drill_id).options(selectinload(Drill.team))
    if lock:
        query = query.with_for_update()
    drill = session.scalars(query).one_or_none()
    if drill is None or not may_see(actor, drill):
        raise NotFound("no such drill")
    return drill


@dataclass(frozen=True)
class DrillLine:
    """A drill in the list, with how many questions it has and how many carry an endorsement."""

    drill: Drill
    questions: int
    endorsed: int


def list_drills(
    session: Session,
    *,
    actor: User,
    status: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[DrillLine]:
    """The drills the actor may see: open ones first, then by launch date, newest first."""
    query = _visible(select(Drill), actor)
    if status in DRILL_STATUSES:
        query = query.where(Drill.status == status)
    query = query.options(selectinload(Drill.team), selectinload(Drill.opened_by)).order_by(
        case((Drill.status == "closed", 1), else_=0), Drill.launch_on.desc(), Drill.id.desc()
    )
    found = paginate(session, query, page=page, page_size=page_size)
    counts = _question_counts(session, [d.id for d in found.items])
    lines = [DrillLine(d, *counts.get(d.id, (0, 0))) for d in found.items]
    return Page(lines, found.total, found.page, found.page_size)


def _question_counts(session: Session, drill_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per drill: (questions, questions with an endorsed answer), in two grouped queries."""
    if not drill_ids:
        return {}
    asked = dict(
        session.execute(
            select(DrillQuestion.drill_id, func.count(DrillQuestion.id))
            .where(DrillQuestion.drill_id.in_(drill_ids))
            .group_by(DrillQuestion.drill_id)
        )
        .tuples()
        .all()
    )
    endorsed = dict(
        session.execute(
            select(DrillQuestion.drill_id, func.count(func.distinct(DrillQuestion.id)))
            .join(DrillAnswer, DrillAnswer.question_id == DrillQuestion.id)
            .where(DrillQuestion.drill_id.in_(drill_ids))
            .where(DrillAnswer.endorsed_at.is_not(None))
            .group_by(DrillQuestion.drill_id)
        )
        .tuples()
        .all()
    )
    return {i: (asked.get(i, 0), endorsed.get(i, 0)) for i in drill_ids}


@dataclass(frozen=True)
class QuestionLine:
    """A question as one viewer sees it: its votes, whether they voted, whether it is theirs.

    ``author_name`` is None for an anonymous question whoever looks, leads included; only
    ``mine`` tells its author that it is theirs.
    """

    question: DrillQuestion
    votes: int
    voted: bool
    mine: bool

    @property
    def author_name(self) -> str | None:
        if self.question.anonymous or self.question.author is None:
            return None
        return self.question.author.name

    @property
    def answers(self) -> list[DrillAnswer]:
        """The endorsed answer first, then the others in the order they were written."""
        return sorted(self.question.answers, key=lambda a: (a.endorsed_at is None, a.id))


@dataclass(frozen=True)
class DrillView:
    """One drill with its questions, most votes first."""

    drill: Drill
    lines: list[QuestionLine]

    @property
    def endorsed(self) -> int:
        return sum(1 for line in self.lines if line.question.endorsed is not None)


def vote_count(session: Session, question_id: int) -> int:
    """How many votes a question has."""
    found = session.scalar(
        select(func.count(DrillVote.id)).where(DrillVote.question_id == question_id)
    )
    return found or 0


def drill_view(session: Session, *, actor: User, drill_id: int) -> DrillView:
    """A drill page's data: questions by votes (ties: oldest first), answers and their authors."""
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    return DrillView(drill, _lines(session, actor, drill))


def question_line(
    session: Session, *, actor: User, drill_id: int, question_id: int
) -> QuestionLine:
    """One question of a drill as the actor sees it (what the API answers after a change)."""
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    lines = _lines(session, actor, drill, question_id)
    if not lines:
        raise NotFound("no such question in this drill")
    return lines[0]


def _votes() -> ScalarSelect[int]:
    """A question's vote count, as a column of a query over questions."""
    return (
        select(func.count(DrillVote.id))
        .where(DrillVote.question_id == DrillQuestion.id)
        .correlate(DrillQuestion)
        .scalar_subquery()
    )


def _lines(
    session: Session,
    actor: User,
    drill: Drill,
    question_id: int | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> list[QuestionLine]:
    """The drill's questions by votes (ties: oldest first), or the ``limit`` of them after
    ``offset`` (one page), or the one ``question_id``."""
    votes = _votes()
    query = select(DrillQuestion, votes).where(DrillQuestion.drill_id == drill.id)
    mine = select(DrillVote.question_id).where(DrillVote.user_id == actor.id)
    if question_id is not None:
        query = query.where(DrillQuestion.id == question_id)
        mine = mine.where(DrillVote.question_id == question_id)
    else:
        mine = mine.join(DrillQuestion, DrillQuestion.id == DrillVote.question_id).where(
            DrillQuestion.drill_id == drill.id
        )
    rows = session.execute(
        query.options(
            selectinload(DrillQuestion.author),
            selectinload(DrillQuestion.answers).selectinload(DrillAnswer.author),
        )
        .order_by(votes.desc(), DrillQuestion.id)
        .offset(offset)
        .limit(limit)
    ).tuples()
    voted = set(session.scalars(mine))
    return [
        QuestionLine(question, count, question.id in voted, question.author_id == actor.id)
        for question, count in rows
    ]


@dataclass(frozen=True)
class DrillPage:
    """A drill page's data: one page of its questions, and what the page says of them all
    (how many carry an endorsement, which became training)."""

    drill: Drill
    questions: Page[QuestionLine]
    endorsed: int
    trained: list[DrillQuestion]


def drill_page(
    session: Session, *, actor: User, drill_id: int, page: int, page_size: int
) -> DrillPage:
    """One page of a drill's questions by votes (ties: oldest first), with their answers and
    authors: a launch's team can post hundreds, each with answers, too many for one page."""
    drill = access_drill(session, actor=actor, drill_id=drill_id)
    page = max(page, 1)
    total, endorsed = _question_counts(session, [drill.id])[drill.id]
    lines = _lines(session, actor, drill, offset=(page - 1) * page_size, limit=page_size)
    trained = session.scalars(
        select(DrillQuestion)
        .where(DrillQuestion.drill_id == drill.id)
        .where(or_(DrillQuestion.scenario_id.is_not(None), DrillQuestion.article_id.is_not(None)))
        .order_by(DrillQuestion.id)
    ).all()
    return DrillPage(drill, Page(lines, total, page, page_size), endorsed, list(trained))


def page_of_question(session: Session, *, drill_id: int, question_id: int, page_size: int) -> int:
    """The page of the drill where a question stands now (votes move it): the count of
    questions ranked before it, by the drill page's order. Page 1 for one not there."""
    mine = vote_count(session, question_id)
    votes = _votes()
    ahead = session.scalar(
        select(func.count(DrillQuestion.id))
        .where(DrillQuestion.drill_id == drill_id)
        .where(or_(votes > mine, (votes == mine) & (DrillQuestion.id < question_id)))
    )
    return (ahead or 0) // page_size + 1


def team_choices(session: Session, *, actor: User) -> list[Team]:
    """Leads: the teams a drill can be narrowed to."""
    require_lead(actor)
    return list(session.scalars(select(Team).order_by(Team.name)))
