"""How a JSON list that answers one page at a time tells its caller there is more."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URL

from poise.pagination import Page

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


def page_headers(listing: Page[Any], url: URL) -> dict[str, str]:
    """The total, and a link to the next page while there is one.

    A bare JSON array cannot say it stops at a page's end; without these a caller reading one
    page believes it has every row. The link keeps the request's other parameters.
    """
    headers = {"X-Total-Count": str(listing.total)}
    if listing.page < listing.pages:
        headers["Link"] = f'<{url.include_query_params(page=listing.page + 1)}>; rel="next"'
    return headers
