"""Alert pages: a team's rules, the rule form, a test alert, and the delivery log.

Pages are for the team's lead and admins; every GET only reads. Saving a rule, deleting it and
sending a test alert are POSTs, each one action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from poise.auth.deps import LeadUser
from poise.auth.models import User
from poise.connectors.alerts import actions, queries
from poise.connectors.alerts.models import AlertRule
from poise.connectors.alerts.service import target_guard
from poise.connectors.alerts.targets import TargetGuard
from poise.errors import InvalidInput
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, flash, redirect, render, render_form
from poise.web.forms import field_errors
from poise.web.params import MAX_ID, IdPath, PageQuery

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
TeamQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="A team id.")]
EVENT_LABELS = {
    "early_warning": "Early warning (an unhappy opening)",
    "escalating": "Conversation escalating",
    "hotspot": "New hotspot",
    "digest": "Weekly digest",
}
CHANNEL_LABELS = {
    "slack": "Slack-compatible incoming webhook",
    "webhook": "Signed JSON webhook",
    "email": "E-mail",
}


def rule_form(
    name: Annotated[str, Form()] = "",
    event: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    tag: Annotated[str, Form()] = "",
    threshold: Annotated[str, Form()] = "",
    quiet_start: Annotated[str, Form()] = "",
    quiet_end: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    hourly_limit: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
) -> actions.RuleForm:
    """The posted rule, exactly as typed (checked by the action)."""
    return actions.RuleForm(
        name, event, channel, target, tag, threshold, quiet_start, quiet_end, timezone,
        hourly_limit, enabled=bool(enabled),
    )  # fmt: skip


RuleFormDep = Annotated[actions.RuleForm, Depends(rule_form)]


def guard(request: Request, settings: SettingsDep) -> TargetGuard:
    """How a rule's address is checked: the operator's setting, the app's resolver."""
    return target_guard(settings, request.app.state.alert_resolver)


GuardDep = Annotated[TargetGuard, Depends(guard)]


def _labels() -> dict[str, Any]:
    return {"event_labels": EVENT_LABELS, "channel_labels": CHANNEL_LABELS}


def _for_team(
    request: Request,
    session: Session,
    user: User,
    team: int | None,
    heading: str,
    page: Callable[[int], HTMLResponse],
) -> HTMLResponse:
    """``page`` of the team asked for, else the reader's own; a teamless admin picks one."""
    team_id = team if team is not None else user.team_id
    if team_id is not None:
        return page(team_id)
    teams = queries.managed_teams(session, actor=user)
    context = {"heading": heading, "teams": teams, "path": request.url.path}
    return render(request, "choose_team.html", context)


@router.get("/alerts", response_class=HTMLResponse)
def rules_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    team: TeamQuery = None,
) -> HTMLResponse:
    """The team's rules. An e-mail rule with no mail server set up says so in its Problem
    column: the warning on saving is said once, and the column then read "none" while every
    alert of the rule was bound to fail."""

    def page(team_id: int) -> HTMLResponse:
        view = queries.team_rules(session, actor=user, team_id=team_id)
        context = {"view": view, "mail_missing": not settings.smtp_url, **_labels()}
        return render(request, "alerts/rules.html", context)

    return _for_team(request, session, user, team, "Alerts", page)


@router.get("/alerts/log", response_class=HTMLResponse)
def log_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: LeadUser,
    team: TeamQuery = None,
    page: PageQuery = 1,
) -> HTMLResponse:
    def log(team_id: int) -> HTMLResponse:
        found = queries.team(session, actor=user, team_id=team_id)
        size = settings.page_size
        deliveries = queries.delivery_log(
            session, actor=user, team_id=team_id, page=page, page_size=size
        )
        base_query = f"team={team}" if team is not None else ""
        context = {"team": found, "deliveries": deliveries, "base_query": base_query}
        return render(request, "alerts/log.html", context | _labels())

    return _for_team(request, session, user, team, "Alert log", log)


@router.get("/alerts/new", response_class=HTMLResponse)
def new_rule_page(
    request: Request, session: SessionDep, user: LeadUser, team: TeamQuery = None
) -> HTMLResponse:
    def page(team_id: int) -> HTMLResponse:
        found = queries.team(session, actor=user, team_id=team_id)
        return _form(request, found.id, found.name, None, actions.RuleForm())

    return _for_team(request, session, user, team, "New alert rule", page)


def _form(
    request: Request,
    team_id: int,
    team_name: str,
    rule: AlertRule | None,
    form: actions.RuleForm,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The rule form; after a refusal, with what was typed and the error beside its field."""
    context = {
        "team_id": team_id,
        "team_name": team_name,
        "rule": rule,
        "form": form,
        **_labels(),
    }
    return render_form(request, "alerts/form.html", context, errors)


@router.post("/alerts/rules", response_model=None)
def create_rule(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    form: RuleFormDep,
    team: Annotated[int, Form(ge=1, le=MAX_ID)],
    checks: GuardDep,
    settings: SettingsDep,
) -> HTMLResponse | RedirectResponse:
    found = queries.team(session, actor=user, team_id=team)
    try:
        rule = actions.create_rule(session, actor=user, team_id=team, form=form, guard=checks)
    except InvalidInput as exc:
        session.rollback()
        return _form(request, team, found.name, None, form, field_errors(exc))
    flash(request, f"Alert rule “{rule.name}” saved. Send a test alert to check the channel.")
    _warn_without_mail(request, rule, settings.smtp_url)
    return redirect(f"/alerts?team={team}")


def _warn_without_mail(request: Request, rule: AlertRule, smtp_url: str | None) -> None:
    """An e-mail rule saved where no mail server is set up failed every alert, and only the
    delivery log said why, after the fact: the lead hears it on saving."""
    if rule.channel == "email" and not smtp_url:
        flash(
            request,
            "E-mail alerts need a mail server (POISE_SMTP_URL), and none is set up: this rule's "
            "alerts will fail until one is.",
            "warn",
        )


@router.get("/alerts/rules/{rule_id}/edit", response_class=HTMLResponse)
def edit_rule_page(
    request: Request, session: SessionDep, user: LeadUser, rule_id: IdPath
) -> HTMLResponse:
    rule = queries.rule(session, actor=user, rule_id=rule_id)
    return _form(request, rule.team_id, rule.team.name, rule, actions.RuleForm.of(rule))


@router.post("/alerts/rules/{rule_id}/edit", response_model=None)
def edit_rule(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    rule_id: IdPath,
    form: RuleFormDep,
    checks: GuardDep,
    settings: SettingsDep,
) -> HTMLResponse | RedirectResponse:
    try:
        rule = actions.update_rule(session, actor=user, rule_id=rule_id, form=form, guard=checks)
    except InvalidInput as exc:
        session.rollback()
        rule = queries.rule(session, actor=user, rule_id=rule_id)
        return _form(request, rule.team_id, rule.team.name, rule, form, field_errors(exc))
    flash(request, f"Alert rule “{rule.name}” saved.")
    _warn_without_mail(request, rule, settings.smtp_url)
    return redirect(f"/alerts?team={rule.team_id}")


@router.post("/alerts/rules/{rule_id}/test")
def send_test(
    request: Request, session: SessionDep, settings: SettingsDep, user: LeadUser, rule_id: IdPath
) -> RedirectResponse:
    """Queue a test alert; the delivery thread sends it at once, so this answers at once."""
    delivery = actions.queue_test(session, actor=user, rule_id=rule_id, base_url=settings.base_url)
    request.app.state.alerts.wake()
    flash(request, "Test alert on its way: its result shows in the delivery log in a moment.")
    return redirect(f"/alerts/log?team={delivery.rule.team_id}")


@router.post("/alerts/rules/{rule_id}/delete", response_model=None)
def delete_rule(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    rule_id: IdPath,
    confirm: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    """Delete a rule and its log once "Yes, delete" is ticked; unticked, the edit page again
    with the reason beside the box."""
    rule = queries.rule(session, actor=user, rule_id=rule_id)
    team_id = rule.team_id
    try:
        name = actions.delete_rule(session, actor=user, rule_id=rule_id, confirmed=confirm)
    except InvalidInput as exc:
        form = actions.RuleForm.of(rule)
        return _form(request, team_id, rule.team.name, rule, form, field_errors(exc))
    flash(request, f"Alert rule “{name}” deleted.")
    return redirect(f"/alerts?team={team_id}")
