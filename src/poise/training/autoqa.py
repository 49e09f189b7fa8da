"""AutoQA: the practice feedback's six labels on agents' real replies, for teams that opt in.

Who sees what (Zendesk QA and MaestroQA score whole conversations; this is gentler):

- an agent sees the feedback on their **own** replies only, privately, in Training;
- a lead (of that team) or an admin sees **team-level shares** only: of the team's replies,
  how many acknowledge, apologise, blame… Never a ranking or a list of people.

Feedback is computed when the page is read and never stored, so a page view writes nothing
and a better model improves old replies too. Each process remembers the verdicts of the
replies it has read (by text, the last ``REMEMBERED`` of them), and reads new ones in one
batch: a team's 500 replies took ~10 s one at a time, so every view of the page did too.
``warm`` reads them ahead (as a server starts, and as a lead opts a team in), so the first
view after a restart does not wait ~5 s a team either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.auth.permissions import leads_team
from poise.conversations.models import Conversation, Message
from poise.errors import NotFound, PermissionDenied
from poise.faults import log_failure
from poise.textcache import TextCache
from poise.training.feedback import LABELS, TITLES, LabelVerdict, label_replies

RECENT_REPLIES = 30  # an agent's page shows their latest replies
TEAM_SAMPLE = 500  # team shares read the team's latest replies
REMEMBERED = 8192  # replies whose verdicts a process keeps (a few teams' samples)

_verdicts: TextCache[dict[str, LabelVerdict]] = TextCache(REMEMBERED)
# (database, team id) -> readings ahead of the team's replies running in this process
_ahead: dict[tuple[str, int], int] = {}
_ahead_lock = threading.Lock()


def _database(session: Session) -> str:
    """The database a session reads, by its URL: a team id names a team of one database only,
    and one process may serve several (tests build many apps, each on its own database)."""
    return str(session.get_bind().engine.url)


def mark_reading(session: Session, team_ids: Sequence[int], step: int = 1) -> None:
    """Count a reading ahead of these teams' replies (in ``session``'s database) as begun
    (``step`` 1) or done (-1).

    Opting a team in marks it before starting the thread, so the page it lands on already
    knows: reading the same 500 replies there as well made the lead wait for both."""
    database = _database(session)
    with _ahead_lock:
        for team_id in team_ids:
            key = (database, team_id)
            left = _ahead.get(key, 0) + step
            if left > 0:
                _ahead[key] = left
            else:
                _ahead.pop(key, None)


def reading_ahead(session: Session, team_id: int) -> bool:
    """Whether this process is reading the team's replies (in ``session``'s database) ahead
    right now."""
    with _ahead_lock:
        return _ahead.get((_database(session), team_id), 0) > 0


def _feedback(bodies: list[str]) -> list[dict[str, LabelVerdict]]:
    """The six verdicts on each reply, against the bars for real replies: remembered ones
    looked up, the rest read in one batch."""
    return _verdicts.fetch(bodies, _label_real)


def _label_real(bodies: list[str]) -> list[dict[str, LabelVerdict]]:
    return label_replies(bodies, real=True)


@dataclass(frozen=True)
class ReplyFeedback:
    """One of the reader's own replies with its six verdicts."""

    message_id: int
    conversation_id: int
    subject: str
    body: str
    verdicts: list[LabelVerdict]


@dataclass(frozen=True)
class TeamShares:
    """Of ``replies`` team replies, the share carrying each label (no person is named)."""

    team: Team
    replies: int
    shares: dict[str, float]
    reading: bool = False  # its replies are being read ahead: the shares come in a moment

    @property
    def sampled(self) -> bool:
        """Whether these are only the team's latest replies (older ones left out): the page
        says "latest" then, and not of every reply the team ever sent."""
        return self.replies >= TEAM_SAMPLE

    def rows(self) -> list[tuple[str, str, float]]:
        """(label, title, share) in the labels' usual order."""
        return [(label, TITLES[label], self.shares[label]) for label in LABELS]


def team_opted_in(session: Session, team_id: int | None) -> bool:
    """Whether the team has turned AutoQA on (no team: never)."""
    team = session.get(Team, team_id) if team_id is not None else None
    return bool(team and team.autoqa)


def _agent_replies(session: Session, user_ids: list[int], limit: int) -> list[Message]:
    """The ``limit`` latest replies of these agents, newest first.

    Each agent's latest ``limit`` come from the partial index on (author, time), and only
    those are merged: one ``IN`` over the team read and sorted every reply its members ever
    wrote (200 ms for a team of 20 at a million messages)."""
    newest = (Message.sent_at.desc(), Message.id.desc())
    latest = [
        select(Message.id)
        .where(Message.author_role == "agent", Message.author_user_id == user_id)
        .order_by(*newest)
        .limit(limit)
        .subquery()
        for user_id in dict.fromkeys(user_ids)
    ]
    if not latest:
        return []
    ids = union_all(*(select(part.c.id) for part in latest))
    query = select(Message).where(Message.id.in_(ids)).order_by(*newest).limit(limit)
    return list(session.scalars(query))


def my_feedback(session: Session, *, actor: User) -> list[ReplyFeedback]:
    """The actor's own latest real replies with feedback; empty unless their team opted in."""
    if not team_opted_in(session, actor.team_id):
        return []
    replies = _agent_replies(session, [actor.id], RECENT_REPLIES)
    ids = {m.conversation_id for m in replies}
    rows = session.execute(
        select(Conversation.id, Conversation.subject).where(Conversation.id.in_(ids))
    )
    subjects: dict[int, str] = {conv_id: subject for conv_id, subject in rows}
    verdicts = _feedback([m.body for m in replies])
    return [
        ReplyFeedback(
            m.id,
            m.conversation_id,
            subjects.get(m.conversation_id) or "",
            m.body,
            list(v.values()),
        )
        for m, v in zip(replies, verdicts, strict=True)
    ]


def verdicts_on_replies(
    session: Session, *, author: User, messages: Sequence[Message]
) -> dict[int, list[LabelVerdict]]:
    """AutoQA's six verdicts on ``author``'s own replies among ``messages``, by message id:
    for the conversation page (shown to the author only) and a peer review's first draft.
    Empty unless the author's team opted in: nobody's replies are judged without it."""
    if not team_opted_in(session, author.team_id):
        return {}
    own = [m for m in messages if m.author_role == "agent" and m.author_user_id == author.id]
    verdicts = _feedback([m.body for m in own])
    return {m.id: list(v.values()) for m, v in zip(own, verdicts, strict=True)}


def may_see_team_shares(actor: User, team_id: int) -> bool:
    """Admins see every team's shares; a lead sees their own team's."""
    return leads_team(actor, team_id)


def team_shares(session: Session, *, actor: User, team_id: int) -> TeamShares:
    """The share of the team's latest replies carrying each label (lead of it or admin)."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("no such team")
    if not may_see_team_shares(actor, team_id):
        raise PermissionDenied("only the team's lead or an admin sees its AutoQA shares")
    if team.autoqa and reading_ahead(session, team.id):  # read once, by the thread, not again here
        return TeamShares(team, 0, dict.fromkeys(LABELS, 0.0), reading=True)
    members = [u.id for u in team.members]
    replies = _agent_replies(session, members, TEAM_SAMPLE) if team.autoqa and members else []
    counts = dict.fromkeys(LABELS, 0)
    for verdicts in _feedback([m.body for m in replies]):
        for label, verdict in verdicts.items():
            counts[label] += verdict.present
    n = len(replies)
    return TeamShares(team, n, {label: counts[label] / n if n else 0.0 for label in LABELS})


def _sample_bodies(session: Session, team: Team) -> list[str]:
    """The replies the pages will read for ``team``: its latest ``TEAM_SAMPLE`` (the lead's
    shares) and each member's latest ``RECENT_REPLIES`` (their own page)."""
    members = [u.id for u in team.members]
    if not members:
        return []
    bodies = [m.body for m in _agent_replies(session, members, TEAM_SAMPLE)]
    for member in members:
        bodies += [m.body for m in _agent_replies(session, [member], RECENT_REPLIES)]
    return list(dict.fromkeys(bodies))


def warm(sessions: Callable[[], Session], team_ids: Sequence[int] | None = None) -> int:
    """Read the verdicts of the replies the AutoQA pages will show, for every opted-in team
    (or those of ``team_ids`` that opted in), into this process's memory; returns how many
    replies that was. Reads only, and labels after the session is closed, so no database
    connection waits on the encoder."""
    with sessions() as session:
        query = select(Team).where(Team.autoqa.is_(True))
        if team_ids is not None:
            query = query.where(Team.id.in_(list(team_ids)))
        teams = list(session.scalars(query))
        bodies = [body for team in teams for body in _sample_bodies(session, team)]
    distinct = list(dict.fromkeys(bodies))
    read = [team.id for team in teams]
    mark_reading(session, read)  # the pages say so meanwhile, not read the same replies again
    try:
        _feedback(distinct)
    finally:
        mark_reading(session, read, -1)
    return len(distinct)


def warm_quietly(
    sessions: Callable[[], Session], team_ids: Sequence[int] | None, marked: bool = False
) -> None:
    """``warm``, a failure logged instead of raised (the pages then read on view, as before).
    ``marked``: the caller marked ``team_ids`` as being read (``mark_reading``); done or
    failed, they are unmarked."""
    try:
        warm(sessions, team_ids)
    except Exception as exc:
        log_failure(logging.getLogger("poise"), "warming AutoQA's verdicts failed", exc=exc)
    finally:
        if marked and team_ids:
            with sessions() as session:
                mark_reading(session, team_ids, -1)
