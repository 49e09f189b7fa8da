"""The filters as query parameters, shared by the pages, the CSV export and the JSON API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import Depends, Query

from poise.insights.filters import InsightFilters, parse_filters
from poise.web import weeks


@dataclass(frozen=True)
class FilterText:
    """The filters as typed in the query string, where an empty value means "any" (plain HTML
    forms). Kept apart from the parsed filters so a page can show a refused value again beside
    its field, as typed."""

    start: str | None = None
    end: str | None = None
    team: str | None = None
    product: str | None = None
    feature: str | None = None
    channel: str | None = None
    assignee: str | None = None
    tag: str | None = None

    def parsed(self) -> InsightFilters:
        """The filters these values ask for, or InvalidInput naming the field at fault."""
        return parse_filters(today=weeks.today(), **asdict(self))

    def form(self) -> dict[str, str]:
        """Every value as typed, for the filter form after a refusal."""
        return {name: value or "" for name, value in asdict(self).items()}


def filter_text(
    start: Annotated[
        str | None,
        Query(
            description="First day (YYYY-MM-DD); default 27 days before end: the Monday three "
            "weeks before this one without end."
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(description="Last day, inclusive; default the Sunday ending this week (so far)."),
    ] = None,
    team: Annotated[
        str | None, Query(description="Team id (admins; a lead always gets their own team).")
    ] = None,
    product: Annotated[str | None, Query(description="Only this product.")] = None,
    feature: Annotated[str | None, Query(description="Only this feature.")] = None,
    channel: Annotated[
        str | None, Query(description="Only this channel: email, chat, phone or social.")
    ] = None,
    assignee: Annotated[
        str | None, Query(description="Only this assignee's conversations (a user id).")
    ] = None,
    tag: Annotated[str | None, Query(description="Only conversations with this tag.")] = None,
) -> FilterText:
    """The query parameters, described once for the API's documentation."""
    return FilterText(start, end, team, product, feature, channel, assignee, tag)


def filter_params(text: Annotated[FilterText, Depends(filter_text)]) -> InsightFilters:
    """The parsed filters, for the API and the CSV: a refusal answers 400 naming the field."""
    return text.parsed()


Filters = Annotated[InsightFilters, Depends(filter_params)]
TypedFilters = Annotated[FilterText, Depends(filter_text)]
