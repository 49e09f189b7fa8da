"""Every change in morale: one function per change, each checking roles and owning its commit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.auth.permissions import leads_team, require_lead
from poise.conversations.models import Conversation
from poise.conversations.queries import not_openable
from poise.conversations.visibility import may_read
from poise.db.base import utcnow
from poise.errors import FieldChecks, InvalidInput, NotFound, PermissionDenied
from poise.files import write_atomically
from poise.morale import permissions, praise
from poise.morale.models import (
    MAX_LINK_CHARS,
    HappyItem,
    Hug,
    HugTag,
    KudosPick,
    KudosRound,
    Nudge,
    PeerReview,
    PeerReviewScore,
    Scorecard,
    ScorecardCategory,
)
from poise.redaction import StaffNames, normalise_tags, redact, tag_leaks
from poise.repeats import just_done, recent_repeat
from poise.visible import shows_anything
from poise.words import counted

MAX_TEXT = 4000
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
NUDGE_DAYS = 3
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


# --- Happy File: collection -----------------------------------------------------------------


@dataclass
class CollectCounts:
    """What one collection run added (a second run over the same data adds nothing)."""

    ratings: int = 0
    messages: int = 0
    turnarounds: int = 0
    nudges: int = 0

    def __str__(self) -> str:
        """What was added, thousands grouped ("1,204"), one of each in the singular."""
        return (
            f"happy file: {counted(self.ratings, 'green robot')}, "
            f"{counted(self.messages, 'thank-you message')}, "
            f"{counted(self.turnarounds, 'turnaround')}; {counted(self.nudges, 'nudge')}"
        )


def collect_happy_items(
    session: Session, since: datetime | None = None, *, owner_id: int | None = None
) -> CollectCounts:
    """Add praise found since ``since`` (all, or one owner's) to Happy Files; safe to re-run.

    Each found item has a ``source_key``; keys already in a file are skipped, and the unique
    constraint on (owner, key) guards against two runs racing.
    """
    owners = [owner_id] if owner_id is not None else None
    counts = CollectCounts()
    found = _found_ratings(session, since, owners) + _found_messages(session, since, owners)
    found += _found_turnarounds(session, since, owners)
    for item in _new_only(session, found):
        session.add(item)
        setattr(counts, _COUNTER[item.kind], getattr(counts, _COUNTER[item.kind]) + 1)
    counts.nudges = _add_nudges(session, since, owners)
    session.commit()
    return counts


_COUNTER = {"rating": "ratings", "message": "messages", "turnaround": "turnarounds"}


def _found_ratings(
    session: Session, since: datetime | None, owners: list[int] | None
) -> list[HappyItem]:
    query = praise.green_robots(owners, since)
    return [
        HappyItem(
            owner_id=r.agent_id,
            kind="rating",
            source_key=f"rating:{r.id}",
            text=r.comment.strip(),
            conversation_id=r.conversation_id,
            received_at=r.rated_at,
        )
        for r in session.scalars(query)
        if r.comment.strip() and r.agent_id is not None
    ]


def _found_messages(
    session: Session, since: datetime | None, owners: list[int] | None
) -> list[HappyItem]:
    """Customer turns that thank the assignee (``praise.is_thanks``).

    A turn judged once is not judged again while its scores stand: the verdicts are kept
    (``ThanksVerdict``), and those turned down are not even read. Judging runs the feeling
    model; without this every scoring job's collection judged every turned-down turn again.
    """
    found: list[HappyItem] = []
    judged: dict[int, tuple[str, bool]] = {}
    for message, assignee_id, known in session.execute(praise.thanks_candidates(owners, since)):
        if praise.judge(message.id, message.signal_version, known, message.body, judged):
            found.append(
                HappyItem(
                    owner_id=assignee_id,
                    kind="message",
                    source_key=f"message:{message.id}",
                    text=message.body.strip(),
                    conversation_id=message.conversation_id,
                    received_at=message.sent_at,
                )
            )
    praise.remember_verdicts(session, judged)
    return found


def _found_turnarounds(
    session: Session, since: datetime | None, owners: list[int] | None
) -> list[HappyItem]:
    query = select(Conversation).where(Conversation.turnaround.is_(True))
    query = query.where(Conversation.assignee_id.is_not(None))
    if owners:
        query = query.where(Conversation.assignee_id.in_(owners))
    if since:
        query = query.where(Conversation.opened_at >= since)
    return [
        HappyItem(
            owner_id=conv.assignee_id,
            kind="turnaround",
            source_key=f"turnaround:{conv.id}",
            text=f"You turned this one around: {conv.subject or conv.purpose[:120]}",
            conversation_id=conv.id,
            received_at=conv.last_message_at or conv.opened_at,
        )
        for conv in session.scalars(query)
    ]


def _new_only(session: Session, found: list[HappyItem]) -> list[HappyItem]:
    keys = {(i.owner_id, i.source_key) for i in found}
    owners = sorted({owner for owner, _ in keys})
    existing: set[tuple[int, str | None]] = set()
    for start in range(0, len(owners), 500):
        rows = session.execute(
            select(HappyItem.owner_id, HappyItem.source_key)
            .where(HappyItem.owner_id.in_(owners[start : start + 500]))
            .where(HappyItem.source_key.is_not(None))
        )
        existing.update((owner, key) for owner, key in rows)
    fresh: dict[tuple[int, str | None], HappyItem] = {}
    for item in found:
        key = (item.owner_id, item.source_key)
        if key not in existing and key not in fresh:
            fresh[key] = item
    return list(fresh.values())


def _add_nudges(session: Session, since: datetime | None, owners: list[int] | None) -> int:
    """A gentle nudge for each recent conversation with peak negativity of 0.7 or more.

    Only the last few days count: a nudge is about the day the agent is having, not about a
    hard conversation from last quarter found by a first collection.
    """
    recent = utcnow() - timedelta(days=NUDGE_DAYS)
    query = select(Conversation.id, Conversation.assignee_id, Conversation.peak_negativity)
    query = query.where(Conversation.peak_negativity >= praise.HIGH_NEGATIVITY)
    query = query.where(Conversation.assignee_id.is_not(None))
    query = query.where(Conversation.opened_at >= (max(since, recent) if since else recent))
    if owners:
        query = query.where(Conversation.assignee_id.in_(owners))
    rows = list(session.execute(query))
    known_query = select(Nudge.user_id, Nudge.conversation_id)
    if owners:
        known_query = known_query.where(Nudge.user_id.in_(owners))
    known = set(session.execute(known_query).tuples())
    added = 0
    for cid, user_id, peak in rows:
        if (user_id, cid) not in known:
            session.add(Nudge(user_id=user_id, conversation_id=cid, peak_negativity=peak))
            known.add((user_id, cid))
            added += 1
    return added


# --- Happy File: the owner's own changes ----------------------------------------------------


def _own_item(session: Session, actor: User, item_id: int) -> HappyItem:
    """The actor's own item; anyone else's is "not found", so its existence does not leak."""
    item = session.get(HappyItem, item_id)
    if item is None or item.owner_id != actor.id:
        raise NotFound(f"no item {item_id} in your Happy File")
    return item


def _clean_text(text: str, what: str, *, required: bool = True, field: str | None = None) -> str:
    """Trimmed ``text``; one that shows nothing (only spaces or invisible characters such as
    zero-width spaces) counts as empty, so a required field refuses it."""
    text = text.strip() if shows_anything(text) else ""
    if required and not text:
        raise InvalidInput(f"{what} cannot be empty", field=field)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters", field=field)
    return text


def _clean_link(link: str | None) -> str | None:
    """The trimmed link, or None for none. One over ``MAX_LINK_CHARS`` is refused as too
    long: it was told to "start with https://", which it did."""
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > MAX_LINK_CHARS:
        raise InvalidInput(
            f"a link is at most {MAX_LINK_CHARS:,} characters (this one has {len(link):,})",
            field="link",
        )
    if not link.startswith(("https://", "http://")) or " " in link:
        raise InvalidInput(
            "a link must start with https:// or http:// (and have no spaces)", field="link"
        )
    return link


def add_happy_note(
    session: Session, *, actor: User, text: str, link: str | None = None
) -> HappyItem:
    """Something kind the agent wants to keep: a note, optionally with a link.

    The same note sent again at once ("Keep it" clicked twice) is the one already kept."""
    clean_link = _clean_link(link)
    item = HappyItem(
        owner_id=actor.id,
        kind="link" if clean_link else "note",
        text=_clean_text(text, "the note", required=clean_link is None, field="text"),
        link_url=clean_link,
    )
    same = {"owner_id": actor.id, "kind": item.kind, "text": item.text, "link_url": clean_link}
    kept = recent_repeat(session, HappyItem, HappyItem.created_at, same)
    if kept is not None:
        return kept
    session.add(item)
    session.commit()
    return item


def image_type(data: bytes) -> str | None:
    """PNG, JPEG or WebP by their magic bytes (never by the file name or declared type)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def add_happy_screenshot(
    session: Session,
    *,
    actor: User,
    data: bytes,
    caption: str,
    data_dir: Path,
    link: str | None = None,
) -> HappyItem:
    """A screenshot of praise (≤ 5 MB, PNG/JPEG/WebP), stored under the data directory, with
    the caption and link sent beside it (the form offers all three at once: the link was
    dropped unsaid). Both are checked before the file is written, so a refusal leaves none.

    The same picture with the same words sent again at once (a double-click on "Keep it") is
    the item already kept, and no second file is written."""
    text = _clean_text(caption, "the caption", required=False, field="text")
    clean_link = _clean_link(link)
    if not data:
        raise InvalidInput("the screenshot is empty", field="screenshot")
    if len(data) > MAX_SCREENSHOT_BYTES:
        raise InvalidInput("the screenshot is larger than 5 MB", field="screenshot")
    kind = image_type(data)
    if kind is None:
        raise InvalidInput("the screenshot must be a PNG, JPEG or WebP image", field="screenshot")
    same = {
        "owner_id": actor.id,
        "kind": "screenshot",
        "text": text,
        "link_url": clean_link,
        "image_type": IMAGE_TYPES[kind],
    }
    kept = _repeated_screenshot(session, same, data, data_dir)
    if kept is not None:
        return kept
    relative = Path("happy-file") / str(actor.id) / f"{secrets.token_hex(12)}.{kind}"
    path = data_dir / relative
    write_atomically(path, data)
    item = HappyItem(**same, image_path=str(relative))
    session.add(item)
    try:
        session.commit()
    except Exception:
        path.unlink(missing_ok=True)  # no file without its row
        raise
    return item


def _repeated_screenshot(
    session: Session, same: dict[str, object], data: bytes, data_dir: Path
) -> HappyItem | None:
    """The screenshot just kept with these words, when its file holds these very bytes (no
    column holds a picture's digest, so the newest such item's file is read to compare), or
    None when this is a new one."""
    kept = recent_repeat(session, HappyItem, HappyItem.created_at, same)
    if kept is None or kept.image_path is None:
        return None
    try:
        stored = (data_dir / kept.image_path).read_bytes()
    except OSError:  # its file is gone: keep this one, with its own
        return None
    return kept if stored == data else None


def toggle_star(session: Session, *, actor: User, item_id: int) -> HappyItem:
    """Star an item to see it more often in the pick-me-up (or unstar it)."""
    item = _own_item(session, actor, item_id)
    item.starred = not item.starred
    session.commit()
    return item


def delete_happy_item(session: Session, *, actor: User, item_id: int, data_dir: Path) -> None:
    """Remove an item (and its screenshot file) from the actor's own Happy File."""
    item = _own_item(session, actor, item_id)
    if item.image_path:
        (data_dir / item.image_path).unlink(missing_ok=True)
    session.delete(item)
    session.commit()


def dismiss_nudges(session: Session, *, actor: User) -> int:
    """The agent saw the nudge (or opened the Happy File): stop showing it."""
    nudges = session.scalars(
        select(Nudge).where(Nudge.user_id == actor.id).where(Nudge.dismissed_at.is_(None))
    ).all()
    for nudge in nudges:
        nudge.dismissed_at = utcnow()
    session.commit()
    return len(nudges)


# --- Peer reviews ---------------------------------------------------------------------------


MAX_CATEGORY_NAME = 120
MAX_SCORECARD_NAME = 120
MAX_CATEGORIES = 12  # a reviewer rates every one, on every review


def parse_categories(text: str) -> list[tuple[str, int]]:
    """One category per line, ``Empathy`` or ``Empathy | 7`` (scale 1-N, default 5).

    A name over the limit is said as such (it read "a scale runs from 1 to between 2 and 10",
    quoting the whole name); a name listed twice, or more categories than a reviewer can rate
    with care, is refused rather than put on every review form."""
    categories: list[tuple[str, int]] = []
    for line in text.splitlines():
        name, _, scale = line.partition("|")
        name = name.strip()
        if not name:
            continue
        _check_category_name(name, [n for n, _ in categories])
        scale = scale.strip()
        if scale and not (scale.isascii() and scale.isdigit()):
            raise InvalidInput(
                f"category {name!r}: the scale after '|' is a number from 2 to 10, not {scale!r}",
                field="categories",
            )
        scale_max = int(scale) if scale else 5
        if not 2 <= scale_max <= 10:
            raise InvalidInput(
                f"category {name!r}: a scale runs from 1 to between 2 and 10",
                field="categories",
            )
        categories.append((name, scale_max))
    if not categories:
        raise InvalidInput(
            "a scorecard needs at least one category, one per line", field="categories"
        )
    if len(categories) > MAX_CATEGORIES:
        raise InvalidInput(
            f"a scorecard has at most {MAX_CATEGORIES} categories (this one has "
            f"{len(categories)}): keep the few that matter most",
            field="categories",
        )
    return categories


def scorecard_categories(
    session: Session, *, actor: User, name: str, text: str
) -> list[tuple[str, int]]:
    """The form's categories (:func:`parse_categories`); when they are refused, the name is
    checked too, so both refusals are said at once, each beside its field."""
    checks = FieldChecks()
    none: list[tuple[str, int]] = []
    categories = checks.check(lambda: parse_categories(text), none)
    if checks.problems:
        team_id = None if actor.is_admin else actor.team_id
        checks.check(lambda: _scorecard_name(session, name, team_id), "")
    checks.done()
    return categories


def _check_category_name(name: str, earlier: list[str]) -> None:
    """Refuse a category name that is too long, or one already on the scorecard (any case)."""
    if len(name) > MAX_CATEGORY_NAME:
        raise InvalidInput(
            f"category names are at most {MAX_CATEGORY_NAME} characters; "
            f"{name[:40]!r}… has {len(name)}",
            field="categories",
        )
    if name.casefold() in (n.casefold() for n in earlier):
        raise InvalidInput(f"category {name!r} is listed twice", field="categories")


def create_scorecard(
    session: Session, *, actor: User, name: str, categories: list[tuple[str, int]]
) -> Scorecard:
    """A lead's scorecard for their team (an admin's is for every team)."""
    if not actor.is_lead:
        raise PermissionDenied("only a lead or an admin can configure scorecards")
    team_id = None if actor.is_admin else actor.team_id
    kept = _repeated_scorecard(session, actor, team_id, name, categories)
    if kept is not None:
        return kept
    card = Scorecard(
        name=_scorecard_name(session, name, team_id), team_id=team_id, created_by_id=actor.id
    )
    card.categories = [
        ScorecardCategory(name=n, scale_max=m, position=i) for i, (n, m) in enumerate(categories)
    ]
    session.add(card)
    session.commit()
    return card


def _repeated_scorecard(
    session: Session,
    actor: User,
    team_id: int | None,
    name: str,
    categories: list[tuple[str, int]],
) -> Scorecard | None:
    """The scorecard this lead made a moment ago with this very name and these categories: a
    form sent twice is one creation, not a refusal of the name it just took."""
    same = {"name": name.strip(), "team_id": team_id, "created_by_id": actor.id}
    card = recent_repeat(session, Scorecard, Scorecard.created_at, same)
    if card is None or not card.is_active:
        return None
    made = [(c.name, c.scale_max) for c in sorted(card.categories, key=lambda c: c.position)]
    return card if made == list(categories) else None


def _scorecard_name(session: Session, name: str, team_id: int | None) -> str:
    """A name reviewers can choose by: at most 120 characters (a longer one was cut short
    without a word) and unlike, in any case, every active scorecard offered beside it (the
    team's own and the company-wide ones), since a double-submitted form put two "Weekly card"
    entries in the reviewers' list."""
    name = _clean_text(name, "the scorecard's name", field="name")
    if len(name) > MAX_SCORECARD_NAME:
        raise InvalidInput(
            f"a scorecard's name is at most {MAX_SCORECARD_NAME} characters "
            f"(this one has {len(name)})",
            field="name",
        )
    beside = select(Scorecard.name).where(Scorecard.is_active.is_(True))
    if team_id is not None:
        beside = beside.where(or_(Scorecard.team_id.is_(None), Scorecard.team_id == team_id))
    if name.casefold() in (other.casefold() for other in session.scalars(beside)):
        raise InvalidInput(f"a scorecard named {name!r} is already in use", field="name")
    return name


def set_scorecard_retired(
    session: Session, *, actor: User, scorecard_id: int, retired: bool
) -> Scorecard:
    """Retire a scorecard (no longer offered for new peer reviews; the reviews made with it
    keep it and still show) or bring it back.

    A lead of the scorecard's team or an admin may; an agent is refused for the role (403),
    and another team's or a company-wide card is answered to a lead as a missing one (404).
    A card brought back must not share its name with one offered beside it meanwhile."""
    require_lead(actor)
    card = session.get(Scorecard, scorecard_id)
    if card is None or not leads_team(actor, card.team_id):
        raise NotFound(f"no scorecard {scorecard_id} for this team")
    if not retired and not card.is_active:
        _scorecard_name(session, card.name, card.team_id)
    card.is_active = not retired
    session.commit()
    return card


def _usable_scorecard(session: Session, scorecard_id: int, team_id: int | None) -> Scorecard:
    card = session.get(Scorecard, scorecard_id)
    if card is None or not card.is_active or card.team_id not in (None, team_id):
        raise NotFound(f"no scorecard {scorecard_id} for this team")
    return card


def _reviewable(
    session: Session, reviewer: User, conversation_id: int, actor: User
) -> Conversation:
    """The conversation ``reviewer`` may review, or a refusal naming the field to change: a
    lead assigning a review is told the reviewer they chose handled it, not "your own".

    One the actor may not open is answered as one that does not exist, before anything about
    it (its assignee, its team) is told."""
    conv = session.get(Conversation, conversation_id)
    if conv is None or not may_read(actor, conv):
        raise NotFound(not_openable(conversation_id))
    assignee = conv.assignee
    if assignee is None:
        raise InvalidInput("this conversation has no assignee to review", field="conversation_id")
    if assignee.id == reviewer.id and reviewer.id == actor.id:
        raise InvalidInput(
            "peer reviews are of a teammate's conversation, not your own", field="conversation_id"
        )
    if assignee.id == reviewer.id:  # a lead chose the agent who handled it as its reviewer
        raise InvalidInput(
            f"{reviewer.name} handled this conversation: choose another reviewer",
            field="reviewer_id",
        )
    if reviewer.team_id is None or assignee.team_id != reviewer.team_id:
        raise PermissionDenied("you can review conversations of your own team only")
    return conv


def start_review(
    session: Session,
    *,
    actor: User,
    conversation_id: int,
    scorecard_id: int,
    reviewer: User | None = None,
) -> PeerReview:
    """Pick a teammate's conversation to review (or, for a lead, assign it to a reviewer)."""
    reviewer = reviewer or actor
    if reviewer.id != actor.id:
        permissions.require_lead_of(actor, reviewer.team_id)
    conv = _reviewable(session, reviewer, conversation_id, actor)
    card = _usable_scorecard(session, scorecard_id, reviewer.team_id)
    existing = session.scalar(
        select(PeerReview)
        .where(PeerReview.conversation_id == conv.id)
        .where(PeerReview.reviewer_id == reviewer.id)
    )
    if existing is not None:
        return existing
    review = PeerReview(
        scorecard_id=card.id,
        conversation_id=conv.id,
        reviewer_id=reviewer.id,
        reviewee_id=conv.assignee_id,
        assigned_by_id=actor.id if reviewer.id != actor.id else None,
    )
    session.add(review)
    session.commit()
    return review


def _review(session: Session, review_id: int) -> PeerReview:
    review = session.get(PeerReview, review_id)
    if review is None:
        raise NotFound(f"no peer review {review_id}")
    return review


def submit_review(
    session: Session,
    *,
    actor: User,
    review_id: int,
    scores: dict[int, int],
    strengths: str,
    try_next: str,
) -> PeerReview:
    """Rate every category, name strengths first, then one thing to try."""
    review = _review(session, review_id)
    if review.reviewer_id != actor.id:
        raise NotFound(f"no peer review {review_id}")
    if review.status == "submitted" and _resubmitted(review, scores, strengths, try_next):
        return review
    if review.status == "submitted":
        raise InvalidInput("this review was already submitted")
    categories = review.scorecard.categories
    checks = FieldChecks()  # every refusal at once, each beside its field
    checks.check(lambda: _check_scores(categories, scores), None)
    said = checks.check(
        lambda: _clean_text(strengths, "strengths (what they do really well)", field="strengths"),
        "",
    )
    to_try = checks.check(
        lambda: _clean_text(try_next, "one thing to try", required=False, field="try_next"), ""
    )
    checks.done()
    review.strengths, review.try_next = said, to_try
    for category in categories:
        value = scores[category.id]
        session.add(PeerReviewScore(review_id=review.id, category_id=category.id, value=value))
    review.status, review.submitted_at = "submitted", utcnow()
    session.commit()
    return review


def _check_scores(categories: Sequence[ScorecardCategory], scores: dict[int, int]) -> None:
    """Every category rated, each within its scale."""
    missing = [c.name for c in categories if c.id not in scores]
    if missing:
        raise InvalidInput("rate every category: " + ", ".join(missing), field="scores")
    for category in categories:
        if not 1 <= scores[category.id] <= category.scale_max:
            raise InvalidInput(
                f"{category.name} is rated from 1 to {category.scale_max}", field="scores"
            )


def _resubmitted(review: PeerReview, scores: dict[int, int], strengths: str, try_next: str) -> bool:
    """Whether this is the submit its reviewer sent a moment ago, sent again (Save clicked
    twice, Back and Resend): the same scores and words, within the repeat window."""
    if not just_done(review.submitted_at):
        return False
    kept = {score.category_id: score.value for score in review.scores}
    return (
        kept == scores
        and review.strengths == strengths.strip()
        and (review.try_next or "") == try_next.strip()
    )


def acknowledge_review(
    session: Session, *, actor: User, review_id: int, reply: str = ""
) -> PeerReview:
    """The reviewee has read it; they may reply once, in their own words."""
    review = _review(session, review_id)
    if review.reviewee_id != actor.id or review.status != "submitted":
        raise NotFound(f"no peer review {review_id}")  # the words of a missing one
    if review.acknowledged_at is None:
        review.acknowledged_at = utcnow()
    reply = _clean_text(reply, "the reply", required=False)
    if reply:
        review.reply, review.replied_at = reply, utcnow()
    session.commit()
    return review


# --- Kudos rounds ---------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → the first instants of November and of December, in UTC."""
    try:
        year, number = (int(part) for part in month.split("-"))
        start = datetime(year, number, 1, tzinfo=UTC)
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)  # 9999-12 has none
    except ValueError:
        raise InvalidInput(f"a month looks like 2026-11, not {month!r}", field="month") from None
    return start, end


# How far back a round may be prepared: a year of months. A round thanks the team for recent
# work, read from the praise of its month; older praise is stale for the ritual, and a typo such
# as 1900-01 would otherwise open a round nobody meant (its board empty, its month in the list).
ROUND_MONTHS_BACK = 12


def earliest_round_month(now: datetime | None = None) -> str:
    """The first month a round may still be prepared for: ROUND_MONTHS_BACK before this one."""
    now = now or utcnow()
    index = now.year * 12 + now.month - 1 - ROUND_MONTHS_BACK
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def check_round_month(month: str) -> None:
    """A round covers a whole calendar month that has begun, at most a year back: refuse any
    other, named, with the months that may be chosen."""
    start, _ = month_bounds(month)
    now = utcnow()
    if start > now:
        raise InvalidInput(
            f"{month} has not started yet: choose this month or an earlier one", field="month"
        )
    earliest = earliest_round_month(now)
    if start < month_bounds(earliest)[0]:
        raise InvalidInput(
            f"{month} is too far back: kudos rounds go back at most {ROUND_MONTHS_BACK} months,"
            f" so choose {earliest} or a later month",
            field="month",
        )


def rotating_collector(team: Team, month: str) -> User | None:
    """Members take turns month by month, in a stable order (by id)."""
    members = sorted((m for m in team.members if m.is_active), key=lambda m: m.id)
    if not members:
        return None
    start, _ = month_bounds(month)
    return members[(start.year * 12 + start.month) % len(members)]


def prepare_round(session: Session, *, actor: User, team_id: int, month: str) -> KudosRound:
    """Open a month's round for a team (idempotent); the collector rotates. A round covers
    a whole calendar month that has begun (the page offers the previous one by default).

    Someone outside the team (not an admin) is answered as for a team that does not exist."""
    team = session.get(Team, team_id)
    if team is None or (actor.team_id != team.id and not actor.is_admin):
        raise NotFound(f"no team with id {team_id}")
    check_round_month(month)
    existing = session.scalar(
        select(KudosRound).where(KudosRound.team_id == team_id).where(KudosRound.month == month)
    )
    if existing is not None:
        permissions.require_run_round(actor, existing)
        return existing
    collector = rotating_collector(team, month)
    kudos_round = KudosRound(team_id=team.id, month=month, collector_id=collector and collector.id)
    permissions.require_run_round(actor, kudos_round)
    session.add(kudos_round)
    session.commit()
    return kudos_round


def prepare_monthly_rounds(session: Session, *, month: str) -> int:
    """The scheduler's monthly turn: open ``month``'s round for every team that has none yet.

    No one acts here (the schedule does), so no permission is checked; a lead still runs the
    round from its page. Safe to re-run: a team with a round for the month is left alone.
    """
    check_round_month(month)
    has_round = select(KudosRound.team_id).where(KudosRound.month == month)
    teams = session.scalars(select(Team).where(Team.id.not_in(has_round)).order_by(Team.id))
    opened = 0
    for team in teams.all():
        collector = rotating_collector(team, month)
        session.add(
            KudosRound(team_id=team.id, month=month, collector_id=collector and collector.id)
        )
        opened += 1
    session.commit()
    return opened


def change_collector(
    session: Session, *, actor: User, round_id: int, collector_id: int
) -> KudosRound:
    """A lead of the team hands this month's round to someone else on the team.

    Another team's round is answered as a missing one (the same 404 and words); an agent is
    refused for the role (403), whatever the id."""
    require_lead(actor)
    kudos_round = _round(session, round_id)
    if not leads_team(actor, kudos_round.team_id):
        raise NotFound(f"no kudos round {round_id}")
    collector = session.get(User, collector_id)
    if collector is None or collector.team_id != kudos_round.team_id:
        raise InvalidInput("the collector must be a member of this team")
    kudos_round.collector_id = collector.id
    session.commit()
    return kudos_round


def _round(session: Session, round_id: int) -> KudosRound:
    kudos_round = session.get(KudosRound, round_id)
    if kudos_round is None:
        raise NotFound(f"no kudos round {round_id}")
    return kudos_round


@dataclass(frozen=True)
class PickInput:
    """The collector's choice for one member: the comment text and where it came from;
    ``own_words`` when the collector chose to write it themselves."""

    member_id: int
    text: str
    source_key: str | None = None
    green_robots: int = 0
    own_words: bool = False


def custom_field(member_id: int) -> str:
    """The form field of a member's own-words box, where its refusal is shown."""
    return f"custom_{member_id}"


def publish_round(
    session: Session, *, actor: User, round_id: int, picks: list[PickInput], note: str
) -> KudosRound:
    """Publish the chosen comments (one per member) and a note, signed by whoever wrote it
    (the collector, or the lead who publishes in their place).

    A pick left as "in my own words" with nothing written is refused (beside its box, every
    one at once): published, it read as the "quieter month" card nobody chose.
    """
    kudos_round = _round(session, round_id)
    permissions.require_run_round(actor, kudos_round)
    if kudos_round.status == "published" and _republished(kudos_round, actor, picks, note):
        return kudos_round
    if kudos_round.status == "published":
        raise InvalidInput("this round is already published")
    members = {m.id: m for m in kudos_round.team.members}
    if any(pick.member_id not in members for pick in picks):
        raise InvalidInput("every pick must be for a member of this team")
    checks = FieldChecks()
    texts = [_checked_pick(checks, pick, members[pick.member_id]) for pick in picks]
    note = checks.check(lambda: _clean_text(note, "the note", required=False, field="note"), "")
    checks.done()
    for pick, text in zip(picks, texts, strict=True):
        kudos_round.picks.append(
            KudosPick(
                member_id=pick.member_id,
                text=text,
                source_key=pick.source_key,
                green_robots=pick.green_robots,
            )
        )
    kudos_round.note = note
    kudos_round.note_author_id = actor.id
    kudos_round.status, kudos_round.published_at = "published", utcnow()
    session.commit()
    return kudos_round


def _republished(kudos_round: KudosRound, actor: User, picks: list[PickInput], note: str) -> bool:
    """Whether this is the publish ``actor`` sent a moment ago, sent again: the same picks and
    note, within the repeat window. Anyone else, or other words, is told it is published."""
    if kudos_round.note_author_id != actor.id or not just_done(kudos_round.published_at):
        return False
    sent = {(p.member_id, p.text.strip(), p.source_key) for p in picks}
    kept = {(p.member_id, p.text, p.source_key) for p in kudos_round.picks}
    return sent == kept and kudos_round.note == note.strip()


def _checked_pick(checks: FieldChecks, pick: PickInput, member: User) -> str:
    return checks.check(lambda: _pick_text(pick, member), "")


def _pick_text(pick: PickInput, member: User) -> str:
    """The text a pick publishes; own words must say something."""
    field = custom_field(pick.member_id)
    text = _clean_text(pick.text, "a pick", required=False, field=field)
    if pick.own_words and not text:
        first = member.name.split()[0] if member.name.split() else member.name
        raise InvalidInput(
            f"write a few words for {first}, or choose “A quieter month”", field=field
        )
    return text


# --- The public wall ------------------------------------------------------------------------


def staff_names(session: Session) -> StaffNames:
    """Every user's name: their first names may stay in praise, customers' names go."""
    return StaffNames.of(session.scalars(select(User.name)).all())


MAX_TAG_CHARS = 40  # the width of hug_tags.tag: a longer tag went public cut to it
MAX_HUG_TAGS = 10  # a card, not a tag cloud


def _checked_tag_sizes(raw: str | list[str]) -> None:
    """Refuse a tag longer than a tag may be, or more tags than a card holds, beside the Tags
    field: a 5,000-character tag went public silently cut to its first 40 letters."""
    items = re.split(r"[\s,]+", raw) if isinstance(raw, str) else list(raw)
    for item in items:
        word = item.strip().lstrip("#")
        if len(word) > MAX_TAG_CHARS:
            raise InvalidInput(
                f"a tag is at most {MAX_TAG_CHARS} characters: #{word[:14]}… has {len(word):,}",
                field="tags",
            )
    count = len(normalise_tags(raw))
    if count > MAX_HUG_TAGS:
        raise InvalidInput(
            f"a hug takes at most {MAX_HUG_TAGS} tags (these are {count:,})", field="tags"
        )


def _public_tags(raw: str | list[str], staff: StaffNames) -> list[str]:
    """The tags a hug goes public with; refused beside the Tags field while one of them holds
    what the comment itself would have redacted (a customer's name, an e-mail, a phone or
    order number, a handle, a link): "#12345678" stood beside the comment its "order
    12345678" was redacted from."""
    _checked_tag_sizes(raw)
    leaks = tag_leaks(raw, staff=staff)
    if leaks:
        kinds = sorted({kind for found in leaks.values() for kind in found})
        tags = ", ".join(f"#{tag}" for tag in leaks)
        raise InvalidInput(
            f"tags go on the public wall as typed: take out the {' and '.join(kinds)} ({tags})",
            field="tags",
        )
    return normalise_tags(raw)


def draft_hug(
    session: Session, *, actor: User, text: str, tags: str | list[str], consent: bool
) -> Hug:
    """A lead's draft for the wall: redacted at once, for the lead to review before publishing."""
    if not actor.is_lead:
        raise PermissionDenied("only a lead or an admin can publish to the wall")
    original = _clean_text(text, "the comment")
    staff = staff_names(session)
    redaction = redact(original, staff=staff)
    public_tags = _public_tags(tags, staff)
    same = {"created_by_id": actor.id, "original_text": original, "status": "draft"}
    kept = recent_repeat(session, Hug, Hug.created_at, same)
    if kept is not None and kept.tag_names == sorted(public_tags) and kept.consent == consent:
        return kept  # "Draft" clicked twice: the draft already made
    hug = Hug(
        original_text=original,
        redacted_text=redaction.text,
        redactions=len(redaction.spans),
        consent=consent,
        created_by_id=actor.id,
    )
    hug.tags = [HugTag(tag=t) for t in public_tags]
    session.add(hug)
    session.commit()
    return hug


def _draft(session: Session, actor: User, hug_id: int) -> Hug:
    """The hug the actor may revise or publish: another team's draft answers 404, as on reading."""
    if not actor.is_lead:
        raise PermissionDenied("only a lead or an admin can publish to the wall")
    hug = session.get(Hug, hug_id)
    if hug is None or not permissions.may_review_hug(actor, hug):
        raise NotFound(f"no wall draft {hug_id}")
    return hug


def revise_hug(
    session: Session, *, actor: User, hug_id: int, text: str, tags: str, consent: bool
) -> Hug:
    """The lead edits the redacted text; it is redacted again, in case something slipped in."""
    hug = _draft(session, actor, hug_id)
    if hug.status != "draft":
        raise InvalidInput("this hug is already on the wall")
    staff = staff_names(session)
    redaction = redact(_clean_text(text, "the comment"), staff=staff)
    public_tags = _public_tags(tags, staff)
    hug.redacted_text = redaction.text
    hug.redactions += len(redaction.spans)
    hug.consent = consent
    hug.tags = [HugTag(tag=t) for t in public_tags]
    session.commit()
    return hug


def publish_hug(session: Session, *, actor: User, hug_id: int) -> Hug:
    """Put a reviewed, consented draft on the wall, and erase the unredacted original."""
    hug = _draft(session, actor, hug_id)
    if hug.status == "published":
        return hug
    if not hug.consent:
        raise InvalidInput("the customer's consent is required before anything goes public")
    hug.redacted_text = redact(hug.redacted_text, staff=staff_names(session)).text
    hug.original_text = ""
    hug.status, hug.published_at = "published", utcnow()
    session.commit()
    return hug
