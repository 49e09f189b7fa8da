"""A create form sent twice is one creation: the rule every area's create actions share.

"Save" clicked twice, a form re-posted by Back and Resend, or a retried API call arrived as
two identical rows (two Happy File notes, two reflections). Each create action asks here,
just before it adds its row, whether the same author sent the same thing a moment ago, and if
so gives that row back instead: the second request reads as a success, and nothing doubles.
Only an immediate repeat counts: the same words kept again later, or by someone else, are a
new row as they should be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from poise.db.base import Base, utcnow

REPEAT_WINDOW = timedelta(minutes=2)
"""How long after a creation the same author's identical one is taken for a repeat of it."""

RowT = TypeVar("RowT", bound=Base)


def recent_repeat(
    session: Session,
    model: type[RowT],
    created_at: InstrumentedAttribute[datetime],
    same: Mapping[str, object],
    *,
    now: datetime | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> RowT | None:
    """The newest ``model`` row whose columns equal ``same`` (the author's id among them)
    and that meets ``where``, created within ``REPEAT_WINDOW`` before ``now``, or None when
    this is no repeat."""
    now = now or utcnow()
    query = select(model).filter_by(**same).where(*where)
    query = query.where(created_at >= now - REPEAT_WINDOW).where(created_at <= now)
    return session.scalars(query.order_by(created_at.desc()).limit(1)).first()


def just_done(at: datetime | None, now: datetime | None = None) -> bool:
    """Whether something done at ``at`` (a publish, a submit) was done within the window:
    the same request sent again then is that one, not a second."""
    return at is not None and (now or utcnow()) - at <= REPEAT_WINDOW
