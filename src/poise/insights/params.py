"""The filters as query parameters, shared by the pages, the CSV export and the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from poise.db.base import utcnow
from poise.insights.filters import InsightFilters, parse_filters


def filter_params(
    start: Annotated[
        str | None, Query(description="First day (YYYY-MM-DD); default 27 days before end.")
    ] = None,
    end: Annotated[str | None, Query(description="Last day, inclusive; default today.")] = None,
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
) -> InsightFilters:
    """Empty values mean "any", so plain HTML forms can send every field."""
    return parse_filters(
        today=utcnow().date(),
        start=start,
        end=end,
        team=team,
        product=product,
        feature=feature,
        channel=channel,
        assignee=assignee,
        tag=tag,
    )


Filters = Annotated[InsightFilters, Depends(filter_params)]
