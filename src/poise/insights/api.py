"""The insights JSON API under ``/api/v1/insights``: the same filters and numbers as the pages
and the CSV (both read :mod:`poise.insights.figures`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from poise.auth.deps import ApiLead, ApiUser
from poise.errors import InvalidInput
from poise.insights import exposure, figures, hotspots, queries
from poise.insights.exposure import ExposureWeeks
from poise.insights.filters import InsightFilters
from poise.insights.params import Filters
from poise.insights.schemas import (
    ChannelPublic,
    DashboardPublic,
    EmotionPublic,
    ExposurePublic,
    ExposureWeek,
    FigurePublic,
    FiltersPublic,
    GroupPublic,
    HotspotsPublic,
    PersonPublic,
    PervasivePublic,
    SpreadPublic,
    TeamExposurePublic,
    WeekPublic,
)
from poise.web import weeks as calendar
from poise.web.deps import SessionDep, SettingsDep
from poise.web.params import IdQuery
from poise.web.weeks import running, unfinished

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])


def _filters(f: InsightFilters) -> FiltersPublic:
    return FiltersPublic(
        start=f.start,
        end=f.end,
        team_id=f.team_id,
        product=f.product,
        feature=f.feature,
        channel=f.channel,
        assignee_id=f.assignee_id,
        tag=f.tag,
    )


def _items(table: figures.Table) -> list[dict[str, Any]]:
    header, rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


@router.get(
    "/dashboard", summary="The insights dashboard's figures", response_model=DashboardPublic
)
def dashboard(
    session: SessionDep, settings: SettingsDep, user: ApiLead, filters: Filters
) -> DashboardPublic:
    """Leads (their team) and admins: volume, CSAT, FCR, timings, repeats and feeling, this
    period against the previous one of the same length, and week by week. While the period
    runs, its days so far are compared with the same days one period earlier."""
    window = settings.fcr_window_days
    board = queries.dashboard(session, actor=user, filters=filters, window_days=window)
    weeks = [
        WeekPublic(
            week_start=w.start,
            week_end=w.end,
            running=unfinished(w.end),
            current={f.key: figures.raw(f.value(w.current)) for f in figures.FIGURES},
            previous={f.key: figures.raw(f.value(w.previous)) for f in figures.FIGURES},
        )
        for w in board.weeks
    ]
    begun = board.counted.days > 0
    return DashboardPublic(
        filters=_filters(board.filters),
        counted_end=board.counted.end if begun else None,
        previous_start=board.compared.start,
        previous_end=board.compared.end if begun else None,
        fcr_window_days=window,
        counted_at=board.state.counted_at,
        waiting=board.state.waiting,
        unscored=board.unscored,
        figures=[FigurePublic(**r) for r in _items(figures.summary_table(board))],
        channels=[ChannelPublic(**r) for r in _items(figures.channel_table(board))],
        emotions=[EmotionPublic(**r) for r in _items(figures.emotion_table(board))],
        weeks=weeks,
    )


@router.get("/hotspots", summary="Hotspots", response_model=HotspotsPublic)
def hotspot_report(session: SessionDep, user: ApiLead, filters: Filters) -> HotspotsPublic:
    """Products, features and tags whose early-warning or low-CSAT rate stands above the
    rest (one-sided two-proportion z-test, minimum counts, Benjamini-Hochberg), and whether
    the rise is pervasive."""
    report = hotspots.hotspots(session, actor=user, filters=filters)
    p = report.pervasive
    return HotspotsPublic(
        filters=_filters(report.filters),
        conversations=report.total,
        tests=report.tests,
        pervasive=PervasivePublic(
            pervasive=p.pervasive,
            rising=p.rising,
            products=p.products,
            unhappy_rate=figures.raw(p.now),
            previous_unhappy_rate=figures.raw(p.before),
            p_value=round(p.p_value, 6),
            rising_products=p.rising_products,
        ),
        groups=[GroupPublic(**r) for r in _items(figures.hotspot_table(report))],
    )


StartQuery = Annotated[
    str | None,
    Query(description="Any day of the first week (YYYY-MM-DD); default 11 weeks before end's."),
]
EndQuery = Annotated[
    str | None, Query(description="Any day of the last week, not after today; default today.")
]


def _weeks(start: str | None, end: str | None) -> ExposureWeeks:
    """The weeks asked for, parsed as the pages parse them: a refusal is a 400 naming the
    parameter (``start`` or ``end``), as the other insights endpoints answer."""
    return exposure.shown_weeks(calendar.today(), start, end)


@router.get("/exposure", summary="Your exposure", response_model=ExposurePublic)
def my_exposure(
    session: SessionDep, user: ApiUser, start: StartQuery = None, end: EndQuery = None
) -> ExposurePublic:
    """The caller's own exposure week by week: the last twelve, or the weeks from ``start`` to
    ``end`` (at most 366 days). Nobody reads another person's line here."""
    weeks = _weeks(start, end)
    found = exposure.my_exposure(session, actor=user, until=weeks.until, weeks=weeks.count)
    rows = zip(found.weeks, found.negativity, found.praise, strict=True)
    return ExposurePublic(
        weeks=[
            ExposureWeek(week_start=w.date(), running=running(w), negativity=n, praise=p)
            for w, n, p in rows
        ]
    )


@router.get("/exposure/team", summary="Your team's exposure", response_model=TeamExposurePublic)
def team_exposure(
    session: SessionDep,
    user: ApiLead,
    team: IdQuery | None = None,
    start: StartQuery = None,
    end: EndQuery = None,
) -> TeamExposurePublic:
    """A lead's own team (an admin's any team): the spread per week without names, and who
    had three heavy weeks in a row — a private prompt to check in, never a ranking. The week
    still running (``running``) is shown but judged heavy for nobody until it is over."""
    team_id = team if team is not None else user.team_id
    if team_id is None:
        raise InvalidInput("choose a team: add ?team=ID")
    weeks = _weeks(start, end)
    found = exposure.team_exposure(
        session, actor=user, team_id=team_id, until=weeks.until, weeks=weeks.count
    )
    return TeamExposurePublic(
        team_id=found.team.id,
        team=found.team.name,
        weeks=[
            SpreadPublic(week_start=w.start.date(), running=w.running, **r)
            for w, r in zip(found.weeks, _spread(found), strict=True)
        ],
        check_in=[PersonPublic(id=m.id, name=m.name) for m in found.check_in],
    )


def _spread(found: exposure.TeamExposure) -> list[dict[str, Any]]:
    rows = _items(figures.exposure_table(found))
    return [{k: v for k, v in r.items() if k != "week_start"} for r in rows]
