"""One page of a list: what every paginated query returns and every pager reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page, the total behind them, and where this page sits.

    ``bounded`` says the total is a floor, not a count: more than ``total`` rows match (a
    search counted up to a cap, see ``conversations.queries.SEARCH_COUNT_CAP``), so the
    list's end, and its last page, are not known."""

    items: list[T]
    total: int
    page: int
    page_size: int
    bounded: bool = False

    @property
    def pages(self) -> int:
        """How many pages there are; at least one, so an empty list still has a page 1. Of a
        bounded total, the pages known so far: the total's and one past this page."""
        known = max(1, -(-self.total // self.page_size))
        return max(known, self.page + 1) if self.bounded else known


def paginate(
    session: Session, query: Select[Any], *, page: int, page_size: int, total: int | None = None
) -> Page[Any]:
    """One page of ``query`` (already ordered, with its loader options) and the total behind
    it: counted from the same query, so the figure and the rows always agree, unless
    ``total`` is given (a list whose total a maintained count answers). A page under 1 is
    page 1; a page past the end is empty, with the true total (a pager links back)."""
    page = max(page, 1)
    if total is None:
        counted = query.order_by(None).subquery()
        total = session.scalar(select(func.count()).select_from(counted)) or 0
    rows = session.scalars(query.offset((page - 1) * page_size).limit(page_size)).all()
    return Page(list(rows), total, page, page_size)
