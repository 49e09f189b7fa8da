"""Typed, bounded parameters shared by every route: an id or a page is checked at the edge.

A path id beyond what the database column holds (PostgreSQL ``integer`` stops at 2^31 - 1,
SQLite at 2^63 - 1) used to reach the query and fail there with a 500; bounded here, it is
refused before any database work (a path id out of range names no row: the app answers 404,
see ``poise.app._names_nothing``; a query or body value out of range is a 422 naming it).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator, Field

from poise.web.values import MAX_DAY as MAX_DAY  # the routes' checks, re-exported (see values)
from poise.web.values import MAX_ID as MAX_ID
from poise.web.values import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from poise.web.values import MIN_DAY as MIN_DAY
from poise.web.values import is_count as is_count
from poise.web.values import is_id as is_id
from poise.web.values import parse_day as parse_day

MAX_PAGE = 100_000
"""Far past any real list; keeps ``OFFSET`` arithmetic small."""

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id (1 to 2^31 - 1).")]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="A row id (1 to 2^31 - 1).")]


def page_or_first(value: object) -> object:
    """A page's ``page`` parameter as a page number: text that is not a whole number from 1 to
    ``MAX_PAGE`` reads as page 1.

    ``/conversations?page=abc`` answered pydantic's "Input should be a valid integer, unable
    to parse string as an integer": a person who edits the address, or follows an old or
    mangled link, wants the list, and page 1 is the list. The JSON API keeps refusing it
    (``ApiPageQuery``): a program sending it has a bug to hear of.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    fits = text.isascii() and text.isdecimal() and len(text) <= 6 and 1 <= int(text) <= MAX_PAGE
    return int(text) if fits else 1


PageQuery = Annotated[
    int,
    BeforeValidator(page_or_first),
    Query(ge=1, le=MAX_PAGE, description="Page number, from 1 (anything else reads as 1)."),
]
"""A listing page's page number: never refused (see ``page_or_first``)."""
ApiPageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
"""The JSON API's page number: out of range or not a number, a 422 naming ``page``."""

TICKED = frozenset({"true", "on", "1", "yes"})
"""What a ticked filter checkbox sends (the forms send ``true``; "on" is a browser's default)."""


def ticked(value: object) -> object:
    """A filter checkbox's value as ticked or not: text other than ``TICKED`` reads as unticked.

    ``/morale/happy-file?starred=maybe`` answered a bare "Something is not right" page with
    pydantic's "Input should be a valid boolean": the filters and the list were gone, for an
    address edited by hand or mangled on the way. Unticked is the list with that filter off.
    """
    if not isinstance(value, str):
        return value
    return value.strip().lower() in TICKED


FlagQuery = Annotated[
    bool,
    BeforeValidator(ticked),
    Query(description="A filter checkbox: true when ticked (anything else reads as unticked)."),
]
"""A listing page's filter checkbox: never refused (see ``ticked``)."""
UNTICKED = frozenset({"false", "off", "0", "no"})
"""What a link sends to turn off a switch that is on by default (``?draft=0``)."""


def unless_off(value: object) -> object:
    """A default-on switch's value: only ``UNTICKED`` text turns it off; anything else leaves
    it on, as if it were not given.

    ``/morale/reviews/7?draft=junk`` answered a bare error page: the "Start from empty" link
    sends ``draft=0``, and a value mangled on the way means the page as it opens by default
    (the AutoQA draft), not the empty form, which would throw the draft away unasked.
    """
    if not isinstance(value, str):
        return value
    return value.strip().lower() not in UNTICKED


OnUnlessOffQuery = Annotated[
    bool,
    BeforeValidator(unless_off),
    Query(description="On unless 0, false, off or no (anything else reads as on)."),
]
"""A page's switch that is on by default and turned off by a link: never refused."""
PageSizeQuery = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, 1 to {MAX_PAGE_SIZE}.")
]
"""A list's page size: out of range, a 422 naming ``page_size`` like any bounded parameter."""
IdField = Annotated[int, Field(ge=1, le=MAX_ID, description="A row id (1 to 2^31 - 1).")]
"""The same bound for an id inside a JSON body."""


Day = Annotated[date, Field(ge=MIN_DAY, le=MAX_DAY, description="A day, 1900-01-01 to 9998-12-31.")]
