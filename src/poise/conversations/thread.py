"""A long thread folded: its opening turns, its latest ones, and a fold between them.

An imported e-mail chain or a bot talking to a bot can hold thousands of messages; the page
rendered every one of them. A helpdesk shows the opening and the latest turns, with "N earlier
messages — show" between them; each show opens one page of the hidden turns (a GET, so it can
be linked), and a link to one message opens the page of turns around it. Only the turns shown
are read from the database: the conversation's signals are stored on the conversation, over
its whole thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, Message

HEAD = 5  # opening turns always shown
TAIL = 45  # latest turns always shown
FOLD_OVER = 60  # a thread of at most this many turns is shown whole
CHUNK = 50  # hidden turns one "show" opens


@dataclass(frozen=True)
class Run:
    """Turns shown one after another; ``first`` is the 1-based number of the first."""

    first: int
    messages: list[Message]
    opened: bool = False  # the page of hidden turns a fold or a message link opened


@dataclass(frozen=True)
class Fold:
    """Turns left out between two runs. Its link opens turns ``start`` to ``last`` (1-based,
    a page of at most ``CHUNK``); ``earlier``: it sits above the turns it is nearest to."""

    hidden: int
    start: int
    last: int
    earlier: bool


@dataclass(frozen=True)
class ThreadView:
    """What the conversation page shows of a thread, in order."""

    total: int
    parts: list[Run | Fold]

    @property
    def shown(self) -> list[Message]:
        return [m for part in self.parts if isinstance(part, Run) for m in part.messages]


def _page(total: int, start: int) -> tuple[int, int]:
    """The 0-based ``[begin, end)`` of the hidden turns that ``start`` (1-based) opens: up to
    ``CHUNK`` from there, moved back to stay a whole page inside the gap between the opening
    and the latest turns."""
    gap_end = total - TAIL
    begin = max(HEAD, min(start - 1, gap_end - CHUNK))
    return begin, min(gap_end, begin + CHUNK)


def _fold(total: int, begin: int, end: int, *, earlier: bool) -> Fold:
    """The fold hiding turns ``[begin, end)``: showing its turns nearest the open ones."""
    start = max(begin, end - CHUNK) + 1 if earlier else begin + 1
    opens = _page(total, start)
    return Fold(end - begin, opens[0] + 1, opens[1], earlier)


def spans(total: int, start: int | None) -> list[tuple[int, int, bool] | Fold]:
    """The runs as 0-based ``(begin, end, opened)`` and the folds between them: the whole
    thread when short; else the opening ``HEAD``, the latest ``TAIL`` and, when ``start``
    (1-based) falls between them, the page of hidden turns from there."""
    if total <= FOLD_OVER:
        return [(0, total, False)] if total else []
    gap_end = total - TAIL
    if start is None or not HEAD < start <= gap_end:
        return [
            (0, HEAD, False),
            _fold(total, HEAD, gap_end, earlier=True),
            (gap_end, total, False),
        ]
    begin, end = _page(total, start)
    parts: list[tuple[int, int, bool] | Fold] = [(0, HEAD, False)]
    if begin > HEAD:
        parts.append(_fold(total, HEAD, begin, earlier=True))
    parts.append((begin, end, True))
    if end < gap_end:
        parts.append(_fold(total, end, gap_end, earlier=False))
    return [*parts, (gap_end, total, False)]


def position_of(session: Session, conversation_id: int, message_id: int) -> int | None:
    """The 1-based number of a message in its thread, in the thread's order (sent, then id);
    None when the conversation holds no such message."""
    found = session.get(Message, message_id)
    if found is None or found.conversation_id != conversation_id:
        return None
    before = or_(
        Message.sent_at < found.sent_at,
        and_(Message.sent_at == found.sent_at, Message.id < found.id),
    )
    query = select(func.count(Message.id)).where(Message.conversation_id == conversation_id, before)
    return (session.scalar(query) or 0) + 1


def thread_view(
    session: Session, conv: Conversation, *, start: int | None = None, message_id: int | None = None
) -> ThreadView:
    """The turns to show of ``conv``'s thread: ``start`` opens the hidden page from that turn
    on; ``message_id`` (a link to one message) opens the page that holds it, centred on it,
    whatever ``start`` says. One query for the count, one per run shown."""
    total = (
        session.scalar(select(func.count(Message.id)).where(Message.conversation_id == conv.id))
        or 0
    )
    if message_id is not None:
        position = position_of(session, conv.id, message_id)
        if position is not None and HEAD < position <= total - TAIL:  # else shown anyway
            start = max(HEAD + 1, position - CHUNK // 2)
    parts: list[Run | Fold] = []
    for span in spans(total, start):
        if isinstance(span, Fold):
            parts.append(span)
            continue
        begin, end, opened = span
        query = (
            select(Message)
            .where(Message.conversation_id == conv.id)
            .order_by(Message.sent_at, Message.id)
            .offset(begin)
            .limit(end - begin)
        )
        parts.append(Run(begin + 1, list(session.scalars(query)), opened))
    return ThreadView(total, parts)
