"""The weekly digest for a team's lead: what the week asked of them, on one page or e-mail.

The week's hotspots (or that it was pervasive), new manual gaps, kudos highlights, training
completion and overdue reviews, and who may need a check-in. Each part is read through the
area that owns it; the digest only gathers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import Team, User
from poise.conversations.models import Conversation, Rating
from poise.errors import InvalidInput
from poise.insights.exposure import exposure_state, team_exposure
from poise.insights.filters import InsightFilters
from poise.insights.hotspots import HotspotReport, hotspots
from poise.knowledge.gaps import open_gaps
from poise.knowledge.models import Gap
from poise.mail import Mailer
from poise.morale.actions import staff_names
from poise.morale.models import PeerReview
from poise.morale.praise import green_robots
from poise.redaction import StaffNames, redact
from poise.training.models import Assignment
from poise.web.values import parse_day

REVIEW_OVERDUE_DAYS = 7


@dataclass(frozen=True)
class Digest:
    team: Team
    start: date
    end: date
    hotspots: HotspotReport
    new_gaps: int
    gap_examples: list[str]
    kudos: list[tuple[str, str]]
    training_due: int
    training_done: int
    training_overdue: int
    reviews_overdue: int
    check_in: list[User]
    exposure_counted_at: datetime | None  # when the rollup last counted the check-ins' weeks


def digest_week(today: date, week: str | None = None) -> tuple[date, date]:
    """The Monday and Sunday of the week a digest covers: by default the last week that has
    finished by ``today``, so the Monday e-mail and the page read the same whole week, in the
    Monday weeks of the balance and exposure pages. ``week`` (any day of it, ``YYYY-MM-DD``)
    picks an earlier one; a week not yet over is refused rather than counted half."""
    latest = today - timedelta(days=today.weekday() + 7)
    if not week:
        return latest, latest + timedelta(days=6)
    day = parse_day(week, "week", field="week")
    monday = day - timedelta(days=day.weekday())
    if monday > latest:
        raise InvalidInput(
            f"the week of {monday} has not finished yet: the latest finished week starts {latest}",
            field="week",
        )
    return monday, monday + timedelta(days=6)


def weekly_digest(
    session: Session, *, actor: User, team_id: int, today: date, week: str | None = None
) -> Digest:
    """One finished Monday–Sunday week for one team (its lead or an admin): the last one
    before ``today``, or the one holding the day ``week`` names (see :func:`digest_week`)."""
    start, end = digest_week(today, week)
    exposure = team_exposure(
        session,
        actor=actor,
        team_id=team_id,
        until=datetime.combine(end, time(12), tzinfo=UTC),
    )
    filters = InsightFilters(start=start, end=end, team_id=team_id)
    members = [m.id for m in session.scalars(select(User).where(User.team_id == team_id))]
    gaps = open_gaps(session, _team_gaps(session, team_id, filters))  # as the gap report
    due, done, overdue = _training(session, members, filters)
    return Digest(
        team=exposure.team,
        start=filters.start,
        end=filters.end,
        hotspots=hotspots(session, actor=actor, filters=filters),
        new_gaps=len(gaps),
        gap_examples=_gap_examples(gaps),
        kudos=_kudos(session, members, filters),
        training_due=due,
        training_done=done,
        training_overdue=overdue,
        reviews_overdue=_reviews_overdue(session, members, filters.finish),
        check_in=exposure.check_in,
        exposure_counted_at=exposure_state(session).counted_at,
    )


def _team_gaps(session: Session, team_id: int, filters: InsightFilters) -> list[Gap]:
    """The week's gaps of this team, newest first: those raised in a conversation assigned to
    one of its members, and, for a gap with no conversation or an unassigned one, those its
    members logged. Other teams' gaps (their products, their customers) are theirs: counted
    here they buried the team's own few under the organisation's."""
    members = select(User.id).where(User.team_id == team_id)
    assigned = Conversation.assignee_id.in_(members)
    logged = and_(Conversation.assignee_id.is_(None), Gap.actor_id.in_(members))
    return list(
        session.scalars(
            select(Gap)
            .outerjoin(Conversation, Conversation.id == Gap.conversation_id)
            .where(Gap.created_at >= filters.begin, Gap.created_at < filters.finish)
            .where(or_(assigned, logged))
            .order_by(Gap.created_at.desc())
        )
    )


def _gap_examples(gaps: list[Gap], shown: int = 3) -> list[str]:
    """The issues behind the week's gaps, most raised first (ties: the newest first).

    Each conversation logs its own gap, so one uncovered issue is often several rows with the
    same words; listed row by row, three examples could be one question three times."""
    raised: Counter[str] = Counter()
    words: dict[str, str] = {}
    for gap in gaps:  # newest first
        same = " ".join(gap.query.lower().split())
        raised[same] += 1
        words.setdefault(same, gap.query)
    return [words[same] for same, _ in raised.most_common(shown)]


def _kudos(session: Session, members: list[int], filters: InsightFilters) -> list[tuple[str, str]]:
    """Up to three green robots with a comment this week: (agent's name, comment)."""
    ratings = session.scalars(
        green_robots(members, filters.begin, filters.finish)
        .where(Rating.comment != "")
        .options(selectinload(Rating.agent))
        .order_by(Rating.rated_at.desc())
        .limit(3)
    )
    return [(r.agent.name if r.agent else "", r.comment) for r in ratings]


def _training(
    session: Session, members: list[int], filters: InsightFilters
) -> tuple[int, int, int]:
    """Assignments due this week, how many of them are done, and all overdue ones."""
    mine = select(func.count(Assignment.id)).where(Assignment.user_id.in_(members))
    week = mine.where(Assignment.due_at >= filters.begin, Assignment.due_at < filters.finish)
    due = session.scalar(week) or 0
    done = session.scalar(week.where(Assignment.completed_at.is_not(None))) or 0
    overdue = (
        session.scalar(
            mine.where(Assignment.completed_at.is_(None), Assignment.due_at < filters.finish)
        )
        or 0
    )
    return due, done, overdue


def _reviews_overdue(session: Session, members: list[int], now: datetime) -> int:
    """Peer reviews assigned to the team more than a week ago and still not written."""
    return (
        session.scalar(
            select(func.count(PeerReview.id))
            .where(PeerReview.reviewer_id.in_(members), PeerReview.status == "assigned")
            .where(PeerReview.created_at < now - timedelta(days=REVIEW_OVERDUE_DAYS))
        )
        or 0
    )


def shareable(digest: Digest, staff: StaffNames) -> Digest:
    """The digest as it may leave Poise (an e-mail, an alert channel): kudos comments and gap
    searches are customers' words, redacted as the public wall and alerts redact them
    (e-mails, phones, order numbers, customers' names → ``[email]``…; staff first names stay).
    The page inside Poise keeps them whole: its readers may open the conversations."""
    return replace(
        digest,
        gap_examples=[redact(q, staff=staff).text for q in digest.gap_examples],
        kudos=[(name, redact(comment, staff=staff).text) for name, comment in digest.kudos],
    )


def compose(mailer: Mailer, lead: User, digest: Digest, base_url: str) -> EmailMessage:
    """The digest as a plain-text e-mail with links back to each page."""
    lines = [f"Hello {lead.name},", "", *digest_lines(digest, base_url), "", "— Poise"]
    return mailer.message(to=lead.email, subject=digest_subject(digest), text="\n".join(lines))


def digest_subject(digest: Digest) -> str:
    return f"Poise weekly digest: {digest.team.name}, {_period(digest)}"


def _period(digest: Digest) -> str:
    return f"{digest.start:%d %b} – {digest.end:%d %b %Y}"


def digest_lines(digest: Digest, base_url: str) -> list[str]:
    """The digest's plain-text body, for its e-mail and for alerts alike."""
    base = base_url.rstrip("/")
    lines = [f"{digest.team.name}, {_period(digest)}:", ""]
    lines += _hotspot_lines(digest.hotspots, base)
    lines.append(f"- New manual gaps in the team's conversations: {digest.new_gaps}")
    lines += [f"    “{q}”" for q in digest.gap_examples]
    for name, comment in digest.kudos:
        lines.append(f"- Kudos for {name}: “{comment}”")
    lines.append(f"- {training_summary(digest).rstrip('.')}")
    lines.append(f"- Peer reviews waiting more than a week: {digest.reviews_overdue}")
    if digest.exposure_counted_at is None:
        lines.append("- Check-ins: exposure has not been counted yet (the insights rollup)")
    elif digest.check_in:
        names = ", ".join(m.name for m in digest.check_in)
        lines.append(f"- Three heavy weeks in a row (a private prompt to check in): {names}")
    lines += ["", f"The digest page: {base}/insights/digest?team={digest.team.id}"]
    return lines


def training_summary(digest: Digest) -> str:
    """The week's training in words, on the page and in the e-mail alike: a week with nothing
    due read "0 of 0 assignments due this week done; 0 overdue", a count that looked broken."""
    if digest.training_due:
        due = (
            f"Training assignments due this week: {digest.training_done} of "
            f"{digest.training_due} done"
        )
    else:
        due = "No training assignments were due this week"
    overdue = digest.training_overdue
    return f"{due}; {overdue if overdue else 'none'} overdue."


def _hotspot_lines(report: HotspotReport, base: str) -> list[str]:
    lines: list[str] = []
    if report.pervasive.pervasive:
        lines.append(
            f"- Pervasive: early warnings rose in {report.pervasive.rising} of "
            f"{report.pervasive.products} products at once — look for a larger cause."
        )
    for group in report.alarms[:5]:
        lines.append(f"- Hotspot: {group.label} ({group.n} conversations)")
    if not lines:
        lines.append("- No hotspot stood out this week.")
    lines.append(f"  {base}/insights/hotspots?{_query(report.filters)}")
    return lines


def _query(filters: InsightFilters) -> str:
    return urlencode(filters.params())


@dataclass
class DigestReport:
    sent: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"{self.sent} digests sent; {self.skipped} leads without a team skipped"


def send_digests(session: Session, *, mailer: Mailer, base_url: str, today: date) -> DigestReport:
    """E-mail each active lead the digest of their team, over one SMTP connection, customer
    words redacted (:func:`shareable`)."""
    leads = session.scalars(
        select(User).where(User.role == "lead", User.is_active.is_(True)).order_by(User.id)
    ).all()
    report = DigestReport()
    staff = staff_names(session)
    with mailer.connection() as client:
        for lead in leads:
            if lead.team_id is None:
                report.skipped += 1
                continue
            digest = weekly_digest(session, actor=lead, team_id=lead.team_id, today=today)
            digest = shareable(digest, staff)  # an inbox is outside Poise: customer words go
            client.send_message(compose(mailer, lead, digest, base_url))
            report.sent += 1
    return report
