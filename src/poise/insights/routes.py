"""Insights pages: the dashboard, the conversations behind each number, hotspots, exposure,
the weekly digest, and a CSV of every table. Thin: parse, call a query, render."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from poise.auth.deps import CurrentUser, LeadUser
from poise.auth.models import User
from poise.conversations.models import CHANNELS
from poise.errors import InvalidInput, NotFound
from poise.insights import digest as digest_queries
from poise.insights import exposure as exposure_queries
from poise.insights import figures, hotspots, queries
from poise.insights.charts import trend_chart
from poise.insights.fcr import counted_fcr_report, unopened_as_one
from poise.insights.filters import InsightFilters
from poise.insights.filters import scoped as scoped_filters
from poise.insights.params import FilterText, TypedFilters
from poise.insights.rollup import rollup_state
from poise.knowledge.queries import openable_articles
from poise.web import weeks as calendar
from poise.web.charts import paired_bars
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, render
from poise.web.forms import field_errors
from poise.web.params import PageQuery, is_id
from poise.web.weeks import (
    chart_span,
    chart_week,
    period_label,
    span_label,
    unfinished,
    week_spans,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

METRIC_LABELS = {
    "all": "All conversations",
    "rated": "Rated",
    "good": "Rated good",
    "low": "Rated low",
    "five": "Rated on the 1–5 scale",
    "unhappy": "Early warning",
    "escalating": "Escalating",
    "turnaround": "Turned around",
    "resolved": "Resolved",
    "fcr_resolved": "Resolved (counted for FCR)",
    "first_contact": "Resolved on first contact",
    "not_first_contact": "Resolved, but the customer came back",
    "repeat": "Repeat contacts",
    "emotion": "Conversations where a customer turn felt",
}


def drill_link(filters: InsightFilters, metric: str, **extra: Any) -> str:
    """The conversation list behind a number: the same filters plus the number's condition."""
    return "/insights/conversations?" + urlencode(filters.params(metric=metric, **extra))


def _query(filters: InsightFilters, **extra: Any) -> str:
    return urlencode(filters.params(**extra))


def _helpers() -> dict[str, Any]:
    return {
        "drill": drill_link,
        "query": _query,
        "fmt": figures.fmt,
        "figures": figures.FIGURES,
        "pct": lambda v: "—" if v is None else f"{100 * v:.1f}%",
        "span_label": span_label,
        "period": lambda f: period_label(f.start, f.end),
        "unfinished": unfinished,
    }


def refused_page(
    request: Request, session: SessionDep, user: User, typed: FilterText, heading: str
) -> HTMLResponse | None:
    """None when the filters are accepted; else the filter form with the refusal beside its
    field and every value as typed (400), and no figures: figures for other filters than the
    ones asked for would mislead."""
    try:
        typed.parsed()
    except InvalidInput as exc:
        return refusal_page(request, session, user, typed, heading, exc)
    return None


def refusal_page(
    request: Request,
    session: SessionDep,
    user: User,
    typed: FilterText,
    heading: str,
    exc: InvalidInput,
) -> HTMLResponse:
    """The filter form with ``exc`` beside its field and every value as typed (400)."""
    kept = set(asdict(typed))
    context = {
        "heading": heading,
        "action": request.url.path,
        "errors": field_errors(exc, "start"),
        "form": typed.form(),
        "extra": {k: v for k, v in request.query_params.items() if k not in kept and v},
        "choices": queries.choices(session, actor=user),
        "channels": CHANNELS,
    }
    return render(request, "insights/refused.html", context, 400)


@router.get("/insights", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    typed: TypedFilters,
) -> Response:
    if not user.is_lead:
        return RedirectResponse("/insights/exposure", status_code=303)
    if teamless_lead(user):
        return choose_team(request, session, user, "Insights")
    if refused := refused_page(request, session, user, typed, "Insights"):
        return refused
    filters = typed.parsed()
    board = queries.dashboard(
        session, actor=user, filters=filters, window_days=settings.fcr_window_days
    )
    context = {
        "board": board,
        "filters": board.filters,
        "charts": _charts(board),
        "channels_table": figures.channel_table(board)[1],
        "choices": queries.choices(session, actor=user),
        "channels": CHANNELS,
        **_helpers(),
    }
    return render(request, "insights/dashboard.html", context)


def _charts(board: queries.Dashboard) -> dict[str, Markup]:
    labels = [chart_span(w.start, w.end) for w in board.weeks]
    charts: dict[str, Markup] = {}
    for figure in figures.FIGURES:
        charts[figure.key] = trend_chart(
            labels,
            [_num(figure.value(w.current)) for w in board.weeks],
            [_num(figure.value(w.previous)) for w in board.weeks],
            f"{figure.label} by week, against the same days of the previous period",
            _shower(figure),
        )
    return charts


def _shower(figure: figures.Figure) -> Callable[[float], str]:
    return lambda value: figures.fmt(figure, value)


def _num(value: figures.Value) -> float | None:
    return None if value is None else float(value)


@router.get("/manual/fcr", response_class=HTMLResponse)
def fcr_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> HTMLResponse:
    """The manual's FCR tab, summed from the counted facts (see :mod:`poise.insights.fcr`)
    over the conversations the reader may open: by team only the teams the reader may see,
    and by article, the titles of the articles the reader may open (a draft's or a retired
    article's title is not theirs to read)."""
    report = counted_fcr_report(session, window_days=settings.fcr_window_days, reader=user)
    openable = openable_articles(session, actor=user, ids=[int(r.key) for r in report.by_article])
    context = {
        "report": replace(report, by_article=unopened_as_one(report.by_article, openable)),
        "state": rollup_state(session),
        "openable": openable,
    }
    return render(request, "knowledge/fcr.html", context)


@router.get("/insights/conversations", response_class=HTMLResponse)
def drill_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    typed: TypedFilters,
    metric: str = "all",
    value: str = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    if metric not in queries.METRICS:
        raise InvalidInput(f"metric must be one of {', '.join(queries.METRICS)}, not {metric!r}")
    if teamless_lead(user):
        return choose_team(request, session, user, METRIC_LABELS.get(metric, metric))
    if refused := refused_page(request, session, user, typed, METRIC_LABELS.get(metric, metric)):
        return refused
    filters = typed.parsed()
    listing = queries.drill(
        session,
        actor=user,
        filters=filters,
        metric=metric,
        value=value or None,
        window_days=settings.fcr_window_days,
        page=page,
        page_size=settings.page_size,
    )
    scoped = scoped_filters(session, user, filters)
    context = {
        "listing": listing,
        "filters": scoped,
        "metric": metric,
        "metric_label": METRIC_LABELS.get(metric, metric),
        "value": value,
        "base_query": _query(scoped, metric=metric, value=value or None),
        **_helpers(),
    }
    return render(request, "insights/conversations.html", context)


@router.get("/insights/hotspots", response_class=HTMLResponse)
def hotspots_page(
    request: Request, session: SessionDep, user: LeadUser, typed: TypedFilters
) -> HTMLResponse:
    if teamless_lead(user):
        return choose_team(request, session, user, "Hotspots")
    if refused := refused_page(request, session, user, typed, "Hotspots"):
        return refused
    filters = typed.parsed()
    report = hotspots.hotspots(session, actor=user, filters=filters)
    context = {
        "report": report,
        "filters": report.filters,
        "min_count": hotspots.MIN_COUNT,
        "fdr": hotspots.FDR,
        "choices": queries.choices(session, actor=user),
        "channels": CHANNELS,
        **_helpers(),
    }
    return render(request, "insights/hotspots.html", context)


@router.get("/insights/hotspot", response_class=HTMLResponse)
def hotspot_page(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    typed: TypedFilters,
    kind: str = "",
    value: str = "",
    of: str = "",
) -> Response:
    """One hotspot. An address that names none (no ``kind`` or ``value``) opens the hotspots
    with the same filters, where one is picked (it answered a bare 422); an unknown kind is
    a page that does not exist."""
    if not kind or not value.strip():
        kept = {k: v for k, v in request.query_params.items() if k not in ("kind", "value", "of")}
        query = urlencode(kept)
        return RedirectResponse("/insights/hotspots" + (f"?{query}" if query else ""), 303)
    if kind not in hotspots.KINDS:
        raise NotFound(f"there is no kind of hotspot {kind!r}: one of {', '.join(hotspots.KINDS)}")
    if teamless_lead(user):
        return choose_team(request, session, user, "Hotspots")
    if refused := refused_page(request, session, user, typed, value):
        return refused
    filters = typed.parsed()
    detail = hotspots.hotspot(
        session, actor=user, filters=filters, kind=kind, value=value, product=of or None
    )
    scoped = scoped_filters(session, user, filters)
    trend = detail.trend
    chart = trend_chart(
        [chart_span(*span) for span in week_spans(filters.start, filters.end)],
        [p.unhappy / p.n if p.n else None for p in trend],
        [p.rest_unhappy / p.rest_n if p.rest_n else None for p in trend],
        f"Early warnings by week: {detail.group.label} against the rest",
        lambda v: f"{100 * v:.0f}%",
        (detail.group.label, "the rest"),
    )
    narrowed = InsightFilters(**{**scoped.__dict__, **_narrow(detail.group)})
    context = {
        "detail": detail,
        "group": detail.group,
        "filters": scoped,
        "narrowed": narrowed,
        "chart": chart,
        **_helpers(),
    }
    return render(request, "insights/hotspot.html", context)


def _narrow(group: hotspots.Group) -> dict[str, str | None]:
    if group.kind == "product":
        return {"product": group.value}
    if group.kind == "feature":
        return {"product": group.product, "feature": group.value}
    return {"tag": group.value}


@router.get("/insights/exposure", response_class=HTMLResponse)
def exposure_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    start: str | None = None,
    end: str | None = None,
) -> HTMLResponse:
    """The reader's own weeks as the rollup last counted them (see :mod:`.exposure`): the last
    twelve, or those picked from ``start`` to ``end``; a refused day is shown beside its field,
    as typed, with no figures (figures for other weeks than those asked for would mislead)."""
    picked = _picked_weeks(request, start, end)
    state = {"state": exposure_queries.exposure_state(session)}
    weeks = picked.weeks
    if weeks is None:
        return render(request, "insights/exposure.html", picked.context() | state, 400)
    mine = exposure_queries.my_exposure(session, actor=user, until=weeks.until, weeks=weeks.count)
    context = {
        "balance": mine,
        "weeks": list(zip(mine.weeks, mine.negativity, mine.praise, strict=True)),
        "chart": paired_bars(  # the chart of Morale → Balance: the same weeks, drawn alike
            [chart_week(week) for week in mine.weeks],
            mine.negativity,
            mine.praise,
            ("negative turns absorbed", "praise received"),
            "Negativity absorbed and praise received, week by week",
        ),
        **picked.context(),
        **state,
    }
    return render(request, "insights/exposure.html", context)


@dataclass(frozen=True)
class PickedWeeks:
    """The weeks an exposure page was asked for, or why they were refused, with its picker's
    values (as typed after a refusal) and the links to the weeks either side."""

    weeks: exposure_queries.ExposureWeeks | None
    errors: dict[str, str]
    form: dict[str, str]
    links: dict[str, str]

    def context(self) -> dict[str, Any]:
        return {"errors": self.errors, "form": self.form, "week_links": self.links}


def _picked_weeks(request: Request, start: str | None, end: str | None, **kept: str) -> PickedWeeks:
    """Parse the picker's from/to as every insights period is parsed; ``kept`` (the team)
    travels in the links either side."""
    today = calendar.today()
    try:
        weeks = exposure_queries.shown_weeks(today, start, end)
    except InvalidInput as exc:
        if exc.field not in ("start", "end"):
            raise
        typed = {"start": start or "", "end": end or ""}
        return PickedWeeks(None, field_errors(exc, "start"), typed, {})
    sides = {"earlier": weeks.earlier(), "later": weeks.later(today)}
    links = {
        name: f"{request.url.path}?{urlencode({**side.form(today), **kept})}"
        for name, side in sides.items()
        if side is not None
    }
    return PickedWeeks(weeks, {}, weeks.form(today), links)


def _team_id(user: User, team: str | None) -> int | None:
    """The team asked for, else the reader's own; None when neither (an admin's first visit)."""
    if team:
        if not is_id(team):
            raise InvalidInput(f"team must be an id (a number), not {team!r}")
        return int(team)
    return user.team_id


def teamless_lead(user: User) -> bool:
    """A lead in no team: their team's pages have no team to show (an admin sees every team)."""
    return not user.is_admin and user.team_id is None


def choose_team(request: Request, session: SessionDep, user: User, heading: str) -> HTMLResponse:
    """A reader in no team picks the team to show rather than meeting a 400 or a 403: an admin
    from every team, a lead (who sees their own team only) is told an admin must put them in
    one. The insights tabs stay, so the page is no dead end."""
    teams = queries.choices(session, actor=user).teams
    context = {"heading": heading, "teams": teams, "path": request.url.path, **_helpers()}
    return render(request, "insights/choose_team.html", context)


@router.get("/insights/exposure/team", response_class=HTMLResponse)
def team_exposure_page(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    team: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> HTMLResponse:
    """The team's spread over the last twelve weeks or those picked (as on My exposure)."""
    team_id = _team_id(user, team)
    if team_id is None:
        return choose_team(request, session, user, "Team exposure")
    kept = {"team": str(team_id)} if team else {}
    picked = _picked_weeks(request, start, end, **kept)
    context: dict[str, Any] = {
        "state": exposure_queries.exposure_state(session),
        "heavy_run": exposure_queries.HEAVY_RUN,
        "heavy_floor": exposure_queries.HEAVY_FLOOR,
        "heavy_factor": exposure_queries.HEAVY_FACTOR,
        "tab_team": team_id if team else None,
        **picked.context(),
        **_helpers(),
    }
    if picked.weeks is None:
        # the team is checked all the same: a refused day must not show another team's name
        context["exposure"] = exposure_queries.team_exposure(
            session, actor=user, team_id=team_id, weeks=1
        )
        return render(request, "insights/team_exposure.html", context, 400)
    weeks = picked.weeks
    result = exposure_queries.team_exposure(
        session, actor=user, team_id=team_id, until=weeks.until, weeks=weeks.count
    )
    context |= {
        "exposure": result,
        "chart": _exposure_chart(result),
        "spread_chart": _spread_chart(result),
    }
    return render(request, "insights/team_exposure.html", context)


def _exposure_chart(result: exposure_queries.TeamExposure) -> Markup:
    """The team's usual week at a glance: the median person's heat against their praise."""
    return trend_chart(
        [chart_week(w.start) for w in result.weeks],
        [w.median for w in result.weeks],
        [w.praise_median for w in result.weeks],
        "Negative turns and praise of the team's median person, by week",
        lambda value: f"{value:g}",
        names=("median negative turns", "median praise"),
    )


def _spread_chart(result: exposure_queries.TeamExposure) -> Markup:
    """How far the most exposed person's week stands above the median's: the gap a heavy week
    is made of, which the table gave only as two columns to compare row by row."""
    return trend_chart(
        [chart_week(w.start) for w in result.weeks],
        [w.high for w in result.weeks],
        [w.median for w in result.weeks],
        "Negative turns absorbed by the team's most exposed person and its median person, by week",
        lambda value: f"{value:g}",
        names=("highest", "median"),
    )


@router.get("/insights/digest", response_class=HTMLResponse)
def digest_page(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    team: str | None = None,
    week: str | None = None,
) -> HTMLResponse:
    """A finished week's digest; a week that cannot be read (not a date, not over yet) is
    refused beside the week picker with the text kept, and no figures for another week."""
    team_id = _team_id(user, team)
    if team_id is None:
        return choose_team(request, session, user, "Weekly digest")
    today = calendar.today()
    context: dict[str, Any] = {
        "tab_team": team_id if team else None,
        "week": week or "",
        "latest": digest_queries.digest_week(today)[0],
        **_helpers(),
    }
    try:
        found = digest_queries.weekly_digest(
            session, actor=user, team_id=team_id, today=today, week=week
        )
    except InvalidInput as exc:
        if exc.field != "week":
            raise
        context |= {"digest": None, "errors": field_errors(exc, "week")}
        return render(request, "insights/digest.html", context, 400)
    context |= {
        "digest": found,
        "training_summary": digest_queries.training_summary(found),
        "earlier": found.start - timedelta(days=7),
        "later": found.start + timedelta(days=7),
    }
    return render(request, "insights/digest.html", context)


# --- CSV --------------------------------------------------------------------------------------


def csv_name(table: str, filters: InsightFilters, rows: list[list[Any]]) -> str:
    """The file's name, with the days its rows cover.

    Every table follows the period asked for but exposure, which holds whole Monday weeks (the
    last twelve, or those holding ``start`` and ``end``): named after the period, its file
    claimed days it does not hold."""
    if table == "exposure" and rows:
        first = date.fromisoformat(str(rows[0][0]))
        last = date.fromisoformat(str(rows[-1][0])) + timedelta(days=6)
        return f"poise-exposure-{first}-{last}.csv"
    return f"poise-{table}-{filters.start}-{filters.end}.csv"


# What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, as text: products, features and
    tags come from the helpdesk, where a customer's form may set them, and the lead opens the
    file in a spreadsheet. Numbers (negative ones too) are left as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


@router.get("/insights/export/{table}.csv")
def export_csv(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    typed: TypedFilters,
    table: str,
) -> Response:
    """Each table of the pages as CSV, with the same filters and the same numbers.

    A refused filter (a mistyped day) comes back as the filter form with the message beside
    its field, like the pages the link was taken from; correcting it downloads the file. So
    do the exposure weeks' own refusals (an end in a week still to come), which came as a
    bare error page with no field to correct."""
    heading = f"Download {table}.csv"
    if refused := refused_page(request, session, user, typed, heading):
        return refused
    filters = typed.parsed()
    weeks = None
    if table == "exposure":  # the weeks of the page the link was taken from
        try:
            weeks = exposure_queries.shown_weeks(calendar.today(), typed.start, typed.end)
        except InvalidInput as exc:
            return refusal_page(request, session, user, typed, heading, exc)
    header, rows = figures.build_table(
        session,
        window_days=settings.fcr_window_days,
        actor=user,
        filters=filters,
        table=table,
        weeks=weeks,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    name = csv_name(table, filters, rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
