"""Exposure's weekly counts, kept by the rollup: per conversation, and per person and week.

Team exposure and the weekly digest read each member's twelve weeks of negative turns
absorbed and praise received (the morale balance, :func:`poise.morale.queries.balances`).
Counting them from the messages walked every customer turn of the
team: about 0.8 s for a team of twenty at a million messages. The rollup counts them here
instead, with the balance's own definitions (:func:`poise.morale.praise.negative_turn`,
``praise_turn`` with ``is_thanks`` as ``thanks_candidates`` reads them, ``green_robots``
credited to the rating's agent, :func:`week_start`), so the pages read a few hundred rows of
:class:`InsightAgentWeek`.

Why two tables: a person's week is the sum of many conversations, and a change moves a
conversation between people (a reassignment) or between weeks. Its own rows
(:class:`InsightWeek`) are replaced whole when it is counted again, and the old and new rows
name every (person, week) whose sum must be counted again; a sum kept directly per person
would not know whose week a reassigned conversation left. A helpdesk's delete takes a
conversation's rows with it (the foreign key cascades) without passing through the rollup, so
the queued rollup also counts again any week whose sum no longer matches its rows
(:func:`recount_drifted`), as the day aggregate does.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, case, delete, func, insert, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, Message, Rating, written_by
from poise.db.bulk import key_conditions, lookup, write_rows
from poise.db.meta import get_fact, set_fact
from poise.insights.models import InsightAgentWeek, InsightWeek
from poise.morale import praise
from poise.morale.models import ThanksVerdict
from poise.morale.queries import week_start

IN_CHUNK = 500
CHUNK = 4000  # conversations counted together; a rollup chunk with its customers' contacts
BUILT = "insights.weeks_built"  # set once every conversation's weeks were counted
ROWS = typing.cast(Table, InsightWeek.__table__)
SUMS = typing.cast(Table, InsightAgentWeek.__table__)
Key = tuple[int, date]  # (person, Monday of the week)
RowKey = tuple[int, int, date]  # (conversation, person, Monday)


def built(session: Session) -> bool:
    """Whether every conversation's weeks have been counted once (read-only)."""
    return get_fact(session, BUILT) is not None


def count_weeks(session: Session, conversation_ids: Sequence[int], *, sums: bool = True) -> None:
    """Count these conversations' weeks again (no commit); a deleted one loses its rows.

    With ``sums`` the people's weeks they left or joined are summed again at once, in the
    caller's transaction, so a chunk's commit keeps both tables in step; the full rebuild
    sums every week at its end instead (:func:`recount_all`).
    """
    touched: set[Key] = set()
    for chunk in _chunks(conversation_ids):
        if sums:
            touched |= _keys_of(session, chunk)
        for among_ids in key_conditions(session, ROWS.c.conversation_id, chunk):
            session.execute(delete(ROWS).where(among_ids))
        rows = _count(session, chunk)
        write_rows(session, ROWS, rows)  # COPY on PostgreSQL
        touched |= {(r["agent_id"], r["week"]) for r in rows}
    if sums:
        recount(session, touched)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    """A few thousand conversations at a time: a rollup chunk at once, :func:`build`'s every
    conversation in bounded memory."""
    ordered = sorted({int(i) for i in ids})
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _keys_of(session: Session, ids: list[int]) -> set[Key]:
    """The (person, week) pairs these conversations counted in before this count."""
    pairs = select(InsightWeek.agent_id, InsightWeek.week).distinct()
    return {(int(a), w) for a, w in lookup(session, pairs, InsightWeek.conversation_id, ids)}


def _count(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The rows of these conversations: turns, negative turns and praise per person and week.

    Their ids go to the database as :func:`~poise.db.bulk.key_conditions` sends them (one
    array on PostgreSQL, chunks of 500 on SQLite), as the rollup's other look-ups do."""
    counts: dict[RowKey, list[int]] = defaultdict(lambda: [0, 0, 0])
    _add_turns(session, ids, counts)
    _add_green_robots(session, ids, counts)
    return [
        {"conversation_id": c, "agent_id": a, "week": w, "turns": t, "negative": n, "praise": p}
        for (c, a, w), (t, n, p) in counts.items()
    ]


def _add_turns(session: Session, ids: list[int], counts: dict[RowKey, list[int]]) -> None:
    """Every customer turn, for the conversation's assignee: whether it is a negative turn and
    whether it thanks, with the balance's own predicates (``negative_turn``; ``praise_turn``
    and ``is_thanks``, its verdict remembered or judged, as ``thanks_candidates`` reads them).
    One pass over the turns: the messages are the rebuild's largest read. Verdicts judged here
    are kept, as collection keeps them: the feeling model judges each turn once."""
    turns = (
        select(
            Message.id,
            Message.signal_version,
            Message.conversation_id,
            Conversation.assignee_id,
            Message.sent_at,
            praise.negative_turn(),
            case((praise.praise_turn(), Message.body), else_=None),
            ThanksVerdict.thanks,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(ThanksVerdict, praise.verdict_join())
        .where(written_by("customer"))
        .where(Conversation.assignee_id.is_not(None))
    )
    judged: dict[int, tuple[str, bool]] = {}
    for mid, version, cid, agent, sent_at, negative, candidate, known in lookup(
        session, turns, Message.conversation_id, ids
    ):
        line = counts[(int(cid), int(agent), _week(sent_at))]
        line[0] += 1
        line[1] += int(bool(negative))
        if candidate is not None:
            line[2] += int(praise.judge(int(mid), version, known, candidate, judged))
    praise.remember_verdicts(session, judged)  # the next collection need not judge them


def _add_green_robots(session: Session, ids: list[int], counts: dict[RowKey, list[int]]) -> None:
    """Green robots, credited to the rating's agent as the balance credits them."""
    robots = praise.green_robots(None).with_only_columns(
        Rating.conversation_id, Rating.agent_id, Rating.rated_at
    )
    for cid, agent, rated_at in lookup(session, robots, Rating.conversation_id, ids):
        counts[(int(cid), int(agent), _week(rated_at))][2] += 1


def _week(moment: datetime) -> date:
    return week_start(moment).date()


# --- The sums per person and week ------------------------------------------------------------


def _summed() -> Any:
    """``insight_weeks`` summed per person and week, in ``insight_agent_weeks``' columns."""
    return select(
        InsightWeek.agent_id,
        InsightWeek.week,
        func.sum(case((InsightWeek.turns > 0, 1), else_=0)),
        func.sum(InsightWeek.turns),
        func.sum(InsightWeek.negative),
        func.sum(InsightWeek.praise),
    ).group_by(InsightWeek.agent_id, InsightWeek.week)


COLUMNS = ["agent_id", "week", "conversations", "turns", "negative", "praise"]


def recount(session: Session, keys: Iterable[Key]) -> None:
    """Sum these (person, week) pairs again from their conversations' rows (no commit)."""
    weeks: dict[int, set[date]] = defaultdict(set)
    for agent, week in keys:
        weeks[agent].add(week)
    for agent, theirs in sorted(weeks.items()):
        ordered = sorted(theirs)
        for start in range(0, len(ordered), IN_CHUNK):
            chunk = ordered[start : start + IN_CHUNK]
            session.execute(delete(SUMS).where(SUMS.c.agent_id == agent, SUMS.c.week.in_(chunk)))
            mine = _summed().where(InsightWeek.agent_id == agent, InsightWeek.week.in_(chunk))
            session.execute(insert(SUMS).from_select(COLUMNS, mine))


def recount_all(session: Session) -> None:
    """Sum every person's weeks again from ``insight_weeks`` (no commit)."""
    session.execute(delete(SUMS))
    session.execute(insert(SUMS).from_select(COLUMNS, _summed()))


def recount_drifted(session: Session) -> None:
    """Sum again the weeks whose sums no longer match their rows (no commit): a helpdesk's
    delete took a conversation's rows without passing through the rollup."""
    rows = {(int(r[0]), r[1]): tuple(int(n) for n in r[2:]) for r in session.execute(_summed())}
    kept = {
        (int(s.agent_id), s.week): (s.conversations, s.turns, s.negative, s.praise)
        for s in session.execute(select(SUMS))
    }
    drifted = {k for k in set(rows) | set(kept) if rows.get(k) != kept.get(k)}
    if drifted:
        recount(session, drifted)


def build(session: Session) -> None:
    """Count every conversation's weeks and sum them (no commit): once, after the upgrade
    that added them, so the first queued rollup fills the pages without a full rebuild."""
    ids = list(session.scalars(select(Conversation.id).order_by(Conversation.id)))
    count_weeks(session, ids, sums=False)
    recount_all(session)
    mark_built(session)


def mark_built(session: Session) -> None:
    set_fact(session, BUILT, "1")


def catch_up(session: Session) -> None:
    """Build the weeks when they never were, else sum again any that drifted (no commit)."""
    if not built(session):
        build(session)
        return
    recount_drifted(session)


def sums_for(
    session: Session, agent_ids: Sequence[int], first: date, last: date
) -> list[InsightAgentWeek]:
    """The people's kept weeks from ``first`` to ``last`` (Mondays, both included)."""
    ids = sorted({int(i) for i in agent_ids})
    if not ids:
        return []
    return list(
        session.scalars(
            select(InsightAgentWeek).where(
                InsightAgentWeek.agent_id.in_(ids),
                InsightAgentWeek.week >= first,
                InsightAgentWeek.week <= last,
            )
        )
    )
