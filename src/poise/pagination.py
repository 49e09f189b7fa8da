"""One page of a list: what every paginated query returns and every pager reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page, the total behind them, and where this page sits."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages there are; at least one, so an empty list still has a page 1."""
        return max(1, -(-self.total // self.page_size))
