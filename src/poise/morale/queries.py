"""Named reads of morale, each checking who may see what and loading eagerly (no N+1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from poise.auth.models import Team, User
from poise.auth.permissions import leads_team
from poise.conversations.models import Conversation, Message
from poise.conversations.queries import common_words, search
from poise.db.base import utcnow
from poise.errors import NotFound, PermissionDenied
from poise.morale import permissions, praise
from poise.morale.actions import month_bounds
from poise.morale.models import (
    HappyItem,
    Hug,
    HugTag,
    KudosPick,
    KudosRound,
    Nudge,
    PeerReview,
    Scorecard,
)
from poise.morale.ranking import RankedComment, rank_comments
from poise.pagination import Page, paginate

# --- Happy File -----------------------------------------------------------------------------


def happy_file(
    session: Session,
    *,
    actor: User,
    q: str | None = None,
    starred: bool = False,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[HappyItem]:
    """The actor's own Happy File, newest first. Nobody else's, whatever their role."""
    page = max(page, 1)
    query = select(HappyItem).where(HappyItem.owner_id == actor.id)
    if q:
        query = query.where(HappyItem.text.ilike(f"%{_escape_like(q)}%", escape="\\"))
    if starred:
        query = query.where(HappyItem.starred.is_(True))
    if kind:
        query = query.where(HappyItem.kind == kind)
    query = query.options(selectinload(HappyItem.conversation)).order_by(
        HappyItem.received_at.desc(), HappyItem.id.desc()
    )
    return paginate(session, query, page=page, page_size=page_size)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def happy_item(session: Session, *, actor: User, item_id: int) -> HappyItem:
    """One item of the actor's own file; another person's answers "not found", never 403."""
    item = session.get(HappyItem, item_id)
    if item is None or item.owner_id != actor.id:
        raise NotFound(f"no item {item_id} in your Happy File")
    return item


def pick_me_up(session: Session, *, actor: User, count: int = 3) -> list[HappyItem]:
    """A random few for a bad day, starred ones first when there are any."""
    base = select(HappyItem).where(HappyItem.owner_id == actor.id)
    starred = session.scalars(
        base.where(HappyItem.starred.is_(True)).order_by(func.random()).limit(1)
    ).all()
    chosen = {i.id for i in starred}
    rest = session.scalars(
        base.where(HappyItem.id.not_in(chosen) if chosen else HappyItem.id.is_not(None))
        .order_by(func.random())
        .limit(count - len(starred))
    ).all()
    return [*starred, *rest]


def active_nudges(session: Session, *, actor: User) -> list[Nudge]:
    """Tough conversations the actor had that the Happy File has not answered yet."""
    return list(
        session.scalars(
            select(Nudge)
            .options(selectinload(Nudge.conversation))
            .where(Nudge.user_id == actor.id)
            .where(Nudge.dismissed_at.is_(None))
            .order_by(Nudge.created_at.desc(), Nudge.id.desc())
            .limit(3)
        )
    )


# --- Peer reviews ---------------------------------------------------------------------------


def scorecards_for(session: Session, *, actor: User) -> list[Scorecard]:
    """Active scorecards the actor's team can use (their team's and company-wide ones): the
    only ones offered for a new peer review; a retired one is not."""
    query = select(Scorecard).options(*_scorecard_options())
    query = query.where(Scorecard.is_active.is_(True))
    if not actor.is_admin:
        query = query.where(or_(Scorecard.team_id.is_(None), Scorecard.team_id == actor.team_id))
    return list(session.scalars(query.order_by(Scorecard.name, Scorecard.id)))


def _scorecard_options() -> list[ExecutableOption]:
    return [selectinload(Scorecard.categories), selectinload(Scorecard.team)]


def retired_scorecards(session: Session, *, actor: User) -> list[Scorecard]:
    """The retired scorecards the actor may bring back: their team's (every one, for an admin)."""
    query = select(Scorecard).options(*_scorecard_options())
    query = query.where(Scorecard.is_active.is_(False))
    if not actor.is_admin:
        query = query.where(Scorecard.team_id == actor.team_id)
    return list(session.scalars(query.order_by(Scorecard.name, Scorecard.id)))


def _review_options() -> list[ExecutableOption]:
    return [
        selectinload(PeerReview.reviewer),
        selectinload(PeerReview.reviewee),
        selectinload(PeerReview.conversation),
        selectinload(PeerReview.scorecard).selectinload(Scorecard.categories),
        selectinload(PeerReview.scores),
    ]


@dataclass(frozen=True)
class ReviewLists:
    """The reviews page: to write, received, and written, each one page of its list (a
    reviewer of years would otherwise get every review they ever wrote on one page)."""

    to_do: Page[PeerReview]
    received: Page[PeerReview]
    given: Page[PeerReview]
    team: Page[PeerReview]


REVIEW_LISTS = ("to_do", "received", "given", "team")
"""The reviews page's lists, each paged by the query parameter of its name."""


def my_reviews(
    session: Session,
    *,
    actor: User,
    pages: dict[str, int] | None = None,
    page_size: int = 50,
) -> ReviewLists:
    """The actor's reviews, newest first, each list at its page in ``pages`` (page 1 when
    absent); reviewees see only submitted ones (drafts stay with the reviewer). ``team`` is
    what a lead may read of others (:func:`_may_read_review`): every review of their team's
    members, waiting or written, so one they assign to a teammate stays in sight; an admin's
    covers every team, an agent's is empty."""
    query = select(PeerReview).options(*_review_options()).order_by(PeerReview.id.desc())
    wheres = {
        "to_do": (PeerReview.reviewer_id == actor.id, PeerReview.status == "assigned"),
        "received": (PeerReview.reviewee_id == actor.id, PeerReview.status == "submitted"),
        "given": (PeerReview.reviewer_id == actor.id, PeerReview.status == "submitted"),
        "team": (_led_reviewees(actor),),
    }
    at = pages or {}
    lists = {
        name: paginate(session, query.where(*where), page=at.get(name, 1), page_size=page_size)
        for name, where in wheres.items()
    }
    return ReviewLists(**lists)


def _led_reviewees(actor: User) -> ColumnElement[bool]:
    """Reviews whose reviewee is in a team the actor leads (:func:`leads_team`)."""
    if actor.is_admin:
        return true()
    if actor.role != "lead" or actor.team_id is None:
        return false()
    members = select(User.id).where(User.team_id == actor.team_id)
    return PeerReview.reviewee_id.in_(members)


def peer_review(session: Session, *, actor: User, review_id: int) -> PeerReview:
    """One review for its reviewer, its reviewee (once submitted), or a lead of the team."""
    review = session.scalar(
        select(PeerReview).options(*_review_options()).where(PeerReview.id == review_id)
    )
    if review is None or not _may_read_review(actor, review):
        raise NotFound(f"no peer review {review_id}")
    return review


def _may_read_review(actor: User, review: PeerReview) -> bool:
    if review.reviewer_id == actor.id:
        return True
    if review.reviewee_id == actor.id:
        return review.status == "submitted"
    return leads_team(actor, review.reviewee.team_id)


REVIEW_PICKS = 30  # the review picker's menu: the newest few, and a search for the rest


def reviewable_conversations(
    session: Session, *, actor: User, text: str = "", limit: int = REVIEW_PICKS
) -> Page[Conversation]:
    """The newest conversations of the actor's teammates to pick one to review, holding every
    word of ``text`` when the reviewer searches for an older one; the total says how many
    the menu leaves out."""
    if actor.team_id is None:
        return Page([], 0, 1, limit)
    mates = select(User.id).where(User.team_id == actor.team_id).where(User.id != actor.id)
    query = (
        select(Conversation)
        .options(selectinload(Conversation.assignee))
        .where(Conversation.assignee_id.in_(mates), search(text, common_words(session, text)))
        .order_by(Conversation.opened_at.desc(), Conversation.id.desc())
    )
    return paginate(session, query, page=1, page_size=limit)


@dataclass
class CategoryAgreement:
    """How two reviewers of one conversation agreed on one category."""

    name: str
    scale_max: int
    pairs: int = 0
    total_difference: int = 0
    exact: int = 0

    @property
    def mean_absolute_difference(self) -> float:
        return self.total_difference / self.pairs if self.pairs else 0.0

    @property
    def exact_share(self) -> float:
        return self.exact / self.pairs if self.pairs else 0.0


@dataclass
class Calibration:
    """Agreement between reviewers who reviewed the same conversation on the same scorecard."""

    conversations: int = 0
    categories: dict[int, CategoryAgreement] = field(default_factory=dict)


def calibration(session: Session, *, actor: User, team_id: int | None) -> Calibration:
    """Per category: mean absolute difference and share of exact agreement, over all pairs."""
    permissions.require_lead_of(actor, team_id)
    reviews = session.scalars(
        select(PeerReview)
        .options(*_review_options())
        .join(User, User.id == PeerReview.reviewee_id)
        .where(PeerReview.status == "submitted")
        .where(User.team_id == team_id)
    ).all()
    groups: dict[tuple[int, int], list[PeerReview]] = {}
    for review in reviews:
        groups.setdefault((review.conversation_id, review.scorecard_id), []).append(review)
    result = Calibration()
    for group in groups.values():
        if len(group) >= 2:
            result.conversations += 1
            _add_pairs(result, group)
    return result


def _add_pairs(result: Calibration, group: Sequence[PeerReview]) -> None:
    for i, first in enumerate(group):
        for second in group[i + 1 :]:
            other = {s.category_id: s.value for s in second.scores}
            for score in first.scores:
                if score.category_id not in other:
                    continue
                category = next(c for c in first.scorecard.categories if c.id == score.category_id)
                agreement = result.categories.setdefault(
                    category.id, CategoryAgreement(category.name, category.scale_max)
                )
                difference = abs(score.value - other[score.category_id])
                agreement.pairs += 1
                agreement.total_difference += difference
                agreement.exact += difference == 0


# --- Kudos rounds ---------------------------------------------------------------------------


def this_month(now: datetime | None = None) -> str:
    now = now or utcnow()
    return f"{now.year:04d}-{now.month:02d}"


def previous_month(now: datetime | None = None) -> str:
    """The month a round covers by default: the last whole calendar month (``2026-11`` on any
    day of December 2026), so every member has a full month of praise."""
    now = now or utcnow()
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def kudos_teams(session: Session, *, actor: User) -> list[Team]:
    """The teams whose rounds the actor takes part in: their own, or every team for admins."""
    query = select(Team).options(selectinload(Team.members)).order_by(Team.name)
    if not actor.is_admin:
        query = query.where(Team.id == actor.team_id)
    return list(session.scalars(query))


def rounds_of_team(session: Session, *, actor: User, team_id: int) -> list[KudosRound]:
    """The team's rounds, newest first, that the actor may see."""
    rounds = session.scalars(
        select(KudosRound)
        .options(selectinload(KudosRound.collector), selectinload(KudosRound.team))
        .where(KudosRound.team_id == team_id)
        .order_by(KudosRound.month.desc())
    ).all()
    return [r for r in rounds if permissions.may_see_round(actor, r)]


def kudos_round(session: Session, *, actor: User, round_id: int) -> KudosRound:
    """One round, for the team once published, before that for who runs it."""
    found = session.scalar(
        select(KudosRound)
        .options(
            selectinload(KudosRound.team).selectinload(Team.members),
            selectinload(KudosRound.collector),
            # a pick names its member even after they moved to another team
            selectinload(KudosRound.picks).selectinload(KudosPick.member),
        )
        .where(KudosRound.id == round_id)
    )
    if found is None or not permissions.may_see_round(actor, found):
        raise NotFound(f"no kudos round {round_id}")
    return found


@dataclass
class MemberBoard:
    """One member's line on the kudos board: their green robots and praise, best first."""

    member: User
    green_robots: int = 0
    comments: list[RankedComment] = field(default_factory=list)

    @property
    def proposed(self) -> RankedComment | None:
        return self.comments[0] if self.comments else None


def kudos_board(session: Session, *, actor: User, round_id: int) -> list[MemberBoard]:
    """The prepared board: every member's month of praise, ranked (collector or lead only).
    Only praise is offered: a question, a request or a complaint never is, whatever its rating."""
    found = kudos_round(session, actor=actor, round_id=round_id)
    permissions.require_run_round(actor, found)
    start, end = month_bounds(found.month)
    members = sorted((m for m in found.team.members if m.is_active), key=lambda m: m.name)
    ids = [m.id for m in members]
    boards = {m.id: MemberBoard(m) for m in members}
    raw: dict[int, list[tuple[str, str | None]]] = {m.id: [] for m in members}
    for rating in session.scalars(praise.green_robots(ids, start, end)):
        assert rating.agent_id is not None
        boards[rating.agent_id].green_robots += 1
        # A green robot's comment may still be a request or a complaint: only praise is offered.
        if rating.comment.strip() and praise.is_praise(rating.comment):
            raw[rating.agent_id].append((rating.comment.strip(), f"rating:{rating.id}"))
    for message, assignee, known in session.execute(praise.thanks_candidates(ids, start, end)):
        # A thank-you of the Happy File's kind, and praise in the board's stricter sense.
        if praise.thanked(known, message.body) and praise.is_praise(message.body):
            raw[assignee].append((message.body.strip(), f"message:{message.id}"))
    for member in members:
        boards[member.id].comments = rank_comments(raw[member.id], member.name.split()[0])
    return [boards[m.id] for m in members]


# --- The public wall ------------------------------------------------------------------------


def wall(session: Session, *, tag: str | None, page: int = 1, page_size: int = 20) -> Page[Hug]:
    """Published hugs, newest first, optionally with one tag. Public: no actor needed."""
    page = max(page, 1)
    query = select(Hug).where(Hug.status == "published")
    if tag:
        query = query.where(Hug.id.in_(select(HugTag.hug_id).where(HugTag.tag == tag)))
    query = query.options(selectinload(Hug.tags)).order_by(Hug.published_at.desc(), Hug.id.desc())
    return paginate(session, query, page=page, page_size=page_size)


def published_hug(session: Session, *, hug_id: int) -> Hug:
    """One hug on the wall; drafts do not exist for the public."""
    hug = session.scalar(
        select(Hug)
        .options(selectinload(Hug.tags))
        .where(Hug.id == hug_id)
        .where(Hug.status == "published")
    )
    if hug is None:
        raise NotFound(f"nothing on the wall with id {hug_id}")
    return hug


WALL_TAGS_SHOWN = 30  # the wall's header shows the most used; /wall/tags lists them all


def wall_tags(session: Session, *, page: int, page_size: int) -> Page[tuple[str, int]]:
    """One page of the tags on the wall with how many hugs carry each, most used first, and
    how many tags there are: the wall's header shows the first few and says so."""
    page = max(page, 1)
    used = (
        select(HugTag.tag, func.count(HugTag.hug_id).label("n"))
        .join(Hug, Hug.id == HugTag.hug_id)
        .where(Hug.status == "published")
        .group_by(HugTag.tag)
    )
    total = session.scalar(select(func.count()).select_from(used.subquery())) or 0
    rows = session.execute(
        used.order_by(func.count(HugTag.hug_id).desc(), HugTag.tag)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return Page([(tag, int(n)) for tag, n in rows], total, page, page_size)


def hug_draft(session: Session, *, actor: User, hug_id: int) -> Hug:
    """A draft for a lead's review (with its original, until publishing erases it); another
    team's draft answers 404, so neither its customer's words nor its existence leak."""
    if not actor.is_lead:
        raise PermissionDenied("only a lead or an admin can publish to the wall")
    hug = session.scalar(
        select(Hug)
        .options(selectinload(Hug.tags), selectinload(Hug.created_by))
        .where(Hug.id == hug_id)
    )
    if hug is None or not permissions.may_review_hug(actor, hug):
        raise NotFound(f"no wall draft {hug_id}")
    return hug


def hug_drafts(session: Session, *, actor: User, page: int = 1, page_size: int = 50) -> Page[Hug]:
    """The drafts waiting for a lead, newest first, one page at a time (the page used to stop
    at the newest 50 without saying there were more): only those the reader may open."""
    if not actor.is_lead:
        raise PermissionDenied("only a lead or an admin can publish to the wall")
    query = (
        select(Hug)
        .options(selectinload(Hug.tags))
        .where(Hug.status == "draft", _reviewable_drafts(actor))
        .order_by(Hug.id.desc())
    )
    return paginate(session, query, page=page, page_size=page_size)


def _reviewable_drafts(actor: User) -> ColumnElement[bool]:
    """Drafts :func:`permissions.may_review_hug` lets the actor open, as a filter."""
    if actor.is_admin:
        return true()
    mine = Hug.created_by_id == actor.id
    if actor.team_id is None:
        return mine
    return or_(mine, Hug.created_by_id.in_(select(User.id).where(User.team_id == actor.team_id)))


# --- Balance --------------------------------------------------------------------------------

BALANCE_WEEKS = 12  # the pages' weeks; what the insights rollup's kept weeks are read for


@dataclass(frozen=True)
class Balance:
    """Week by week: negative customer turns absorbed and praise received."""

    weeks: list[datetime]
    negativity: list[int]
    praise: list[int]

    @property
    def totals(self) -> tuple[int, int]:
        return sum(self.negativity), sum(self.praise)


def week_start(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date() - timedelta(days=moment.astimezone(UTC).weekday())
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def balance(
    session: Session, *, agent_ids: list[int], weeks: int = 12, until: datetime | None = None
) -> Balance:
    """Counts per week for these agents together (one agent, or a whole team)."""
    lines = balances(session, agent_ids=agent_ids, weeks=weeks, until=until)
    return _together(week_starts(weeks, until), lines)


def _together(starts: list[datetime], lines: dict[int, Balance]) -> Balance:
    """Several people's weeks summed, week by week."""
    weeks = range(len(starts))
    return Balance(
        starts,
        [sum(line.negativity[i] for line in lines.values()) for i in weeks],
        [sum(line.praise[i] for line in lines.values()) for i in weeks],
    )


class KeptWeeks(Protocol):
    """People's balance weeks kept counted elsewhere (the insights rollup), which morale may
    not import: the face hands an implementation to the balance pages (``app.state.kept_weeks``)."""

    def counted_at(self, session: Session) -> datetime | None:
        """When the weeks were last counted; None while they never were."""

    def lines(
        self, session: Session, agent_ids: list[int], until: datetime | None
    ) -> dict[int, Balance]:
        """Each person's twelve weeks up to ``until``, as :func:`balances` counts them."""


def balances(
    session: Session, *, agent_ids: list[int], weeks: int = 12, until: datetime | None = None
) -> dict[int, Balance]:
    """Each agent's own weeks, counted in one pass however many agents.

    Why one pass: a team's exposure and the weekly digest read every member's weeks, and a
    query per member took seconds for a team of twenty at a million messages. The weeks are
    summed in the database, so only twelve numbers an agent come back, not every turn.
    """
    starts = week_starts(weeks, until)
    end = starts[-1] + timedelta(weeks=1)
    ids = sorted(set(agent_ids))
    negative = _negative_weeks(session, ids, starts, end)
    praised: dict[int, list[datetime]] = {a: [] for a in ids}
    for rating in session.scalars(praise.green_robots(ids, starts[0], end)):
        praised[int(rating.agent_id)].append(rating.rated_at)
    for message, assignee, known in session.execute(praise.thanks_candidates(ids, starts[0], end)):
        if praise.thanked(known, message.body):
            praised[int(assignee)].append(message.sent_at)
    return {
        a: Balance(starts, negative.get(a, [0] * weeks), _bucket(starts, praised[a])) for a in ids
    }


def week_starts(weeks: int, until: datetime | None) -> list[datetime]:
    """The Mondays (UTC) of the ``weeks`` weeks up to ``until`` (now): the balance's columns."""
    last = week_start(until or utcnow())
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _negative_weeks(
    session: Session, agent_ids: list[int], starts: list[datetime], end: datetime
) -> dict[int, list[int]]:
    """Negative customer turns per agent and week, each week a conditional sum in SQL."""
    if not agent_ids:
        return {}
    bounds = zip(starts, [*starts[1:], end], strict=True)
    sent = Message.sent_at
    weekly = [func.sum(case((and_(sent >= a, sent < b), 1), else_=0)) for a, b in bounds]
    rows = session.execute(
        select(Conversation.assignee_id, *weekly)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Conversation.assignee_id.in_(agent_ids))
        .where(praise.negative_turn())
        .where(sent >= starts[0], sent < end)
        .group_by(Conversation.assignee_id)
    )
    return {int(agent): [int(n or 0) for n in counts] for agent, *counts in rows}


def _bucket(starts: list[datetime], moments: Sequence[datetime]) -> list[int]:
    index = {start: i for i, start in enumerate(starts)}
    counts = [0] * len(starts)
    for moment in moments:
        slot = index.get(week_start(moment))
        if slot is not None:
            counts[slot] += 1
    return counts


@dataclass(frozen=True)
class CountedBalance:
    """Weeks summed, and when they were counted (None: counted now, from the messages)."""

    balance: Balance
    counted_at: datetime | None


def kept_balance(
    session: Session, *, agent_ids: list[int], until: datetime | None, kept: KeptWeeks | None
) -> CountedBalance:
    """These people's weeks together, from ``kept`` once it has counted them, else from the
    messages.

    Why ``kept``: counted from the messages, twelve weeks walk every customer turn of the
    people (0.8 s for a team of twenty at a million messages, 150-190 ms for one agent with
    50,000); the insights rollup keeps the same counts per person and week (7 and 4 ms).
    """
    counted_at = kept.counted_at(session) if kept is not None else None
    if kept is None or counted_at is None:
        return CountedBalance(balance(session, agent_ids=agent_ids, until=until), None)
    lines = kept.lines(session, agent_ids, until)
    return CountedBalance(_together(week_starts(BALANCE_WEEKS, until), lines), counted_at)


def my_balance(
    session: Session, *, actor: User, until: datetime | None = None, kept: KeptWeeks | None = None
) -> CountedBalance:
    """The actor's own weeks; nobody else's, whatever the role."""
    return kept_balance(session, agent_ids=[actor.id], until=until, kept=kept)


def team_balance(
    session: Session,
    *,
    actor: User,
    team_id: int,
    until: datetime | None = None,
    kept: KeptWeeks | None = None,
) -> CountedBalance:
    """A team's aggregate, for its lead (or an admin); never one agent's line."""
    permissions.require_lead_of(actor, team_id)
    ids = list(session.scalars(select(User.id).where(User.team_id == team_id)))
    return kept_balance(session, agent_ids=ids, until=until, kept=kept)
