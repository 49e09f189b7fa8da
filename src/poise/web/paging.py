"""How a JSON list that answers one page at a time tells its caller there is more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from pydantic import BaseModel, Field

from poise.pagination import Page

if TYPE_CHECKING:  # a hint only: a worker's webhook shapes import this module, not Starlette
    from starlette.datastructures import URL

ItemT = TypeVar("ItemT")

# For the schema: the headers a paged JSON list answers with.
PAGE_HEADERS: dict[str, Any] = {
    "X-Total-Count": {
        "description": "How many rows the list holds, on every page.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'The next page as `<URL>; rel="next"`; absent on the last page.',
        "schema": {"type": "string"},
    },
}
# For a route's ``responses``: its 200 answers with ``PAGE_HEADERS``.
PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": PAGE_HEADERS}}


def page_headers(listing: Page[Any], url: URL) -> dict[str, str]:
    """The total, and a link to the next page while there is one.

    A bare JSON array cannot say it stops at a page's end; without these a caller reading one
    page believes it has every row. The link keeps the request's other parameters.
    """
    headers = {"X-Total-Count": str(listing.total)}
    if listing.page < listing.pages:
        headers["Link"] = f'<{url.include_query_params(page=listing.page + 1)}>; rel="next"'
    return headers


class PageOf(BaseModel, Generic[ItemT]):
    """One page of a list in an envelope: every enveloped list of the API answers in this one
    shape (a bare array says the same in ``PAGE_HEADERS``), so a client pages them all alike."""

    items: list[ItemT]
    total: int = Field(description="How many rows the list holds, on every page.")
    page: int = Field(description="This page's number, from 1.")
    page_size: int = Field(description="Rows per page; the last page may hold fewer.")
    pages: int = Field(description="How many pages there are; at least 1, even when empty.")

    @classmethod
    def of(cls, listing: Page[Any], items: Sequence[ItemT]) -> Self:
        """The envelope of ``listing``, with its rows already turned into ``items``."""
        return cls(
            items=list(items),
            total=listing.total,
            page=listing.page,
            page_size=listing.page_size,
            pages=listing.pages,
        )
