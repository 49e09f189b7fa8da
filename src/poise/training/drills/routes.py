"""Drill pages: the list, opening and editing (leads), and one drill's questions and answers.

Thin: parse the form, call one action or query, render or redirect. Roles are checked in the
actions and queries; the templates only hide buttons a role cannot use. A refused question or
drill form comes back with what was typed and the reason, so nothing has to be written again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from poise.auth.deps import CurrentUser, LeadUser
from poise.auth.models import User
from poise.errors import FieldChecks, InvalidInput
from poise.settings import Settings
from poise.training.drills import actions, queries
from poise.training.models import DRILL_STATUSES, Drill
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, flash, redirect, render, render_form
from poise.web.forms import field_errors
from poise.web.params import IdPath, PageQuery, is_id, parse_day

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@dataclass(frozen=True)
class PostedText:
    """An answer or a question's new wording as posted: which form, for which question, what
    was typed, and (once refused) why."""

    form: str  # "answer" or "edit"
    question_id: int
    text: str
    message: str = ""


def _date(value: str, what: str, field: str) -> date:
    return parse_day(value, f"the {what}", field)


def drill_form(
    product: Annotated[str, Form()] = "",
    feature: Annotated[str, Form()] = "",
    changes: Annotated[str, Form()] = "",
    launch_on: Annotated[str, Form()] = "",
    launch_until: Annotated[str, Form()] = "",
    team_id: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The drill form as typed, kept as text so a refused form can be shown again."""
    return {
        "product": product,
        "feature": feature,
        "changes": changes,
        "launch_on": launch_on,
        "launch_until": launch_until,
        "team_id": team_id,
    }


DrillForm = Annotated[dict[str, str], Depends(drill_form)]


def _fields(form: dict[str, str]) -> actions.DrillFields:
    """The drill's fields from the form. A date that is no date is refused together with the
    other fields' refusals, each beside its field, not alone before them."""
    checks = FieldChecks()
    launch_on = checks.check(lambda: _date(form["launch_on"], "launch date", "launch_on"), None)
    until_text = form["launch_until"].strip()
    until = (
        checks.check(lambda: _date(until_text, "end of the launch window", "launch_until"), None)
        if until_text
        else None
    )
    fields = actions.DrillFields(
        product=form["product"],
        feature=form["feature"],
        changes=form["changes"],
        launch_on=launch_on or date.min,
        launch_until=until if launch_on else None,
        team_id=int(form["team_id"]) if is_id(form["team_id"]) else None,
    )
    if checks.problems:
        checks.check(fields.cleaned, fields)  # the written fields' refusals too
        checks.done()
    return fields


def _form_of(drill: Drill) -> dict[str, str]:
    return {
        "product": drill.product,
        "feature": drill.feature or "",
        "changes": drill.changes,
        "launch_on": drill.launch_on.isoformat(),
        "launch_until": drill.launch_until.isoformat() if drill.launch_until else "",
        "team_id": str(drill.team_id or ""),
    }


def _render_form(
    request: Request,
    session: Session,
    user: User,
    form: dict[str, str],
    drill: Drill | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The drill form; after a refusal, with the message beside its field and what was typed."""
    context = {
        "drill": drill,
        "form": form,
        "teams": queries.team_choices(session, actor=user),
    }
    return render_form(request, "training/drills/form.html", context, errors)


@router.get("/training/drills", response_class=HTMLResponse)
def drills_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    status: str = "",
    page: PageQuery = 1,
) -> HTMLResponse:
    if status and status not in DRILL_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(DRILL_STATUSES)}")
    listing = queries.list_drills(
        session, actor=user, status=status or None, page=page, page_size=settings.page_size
    )
    context = {
        "listing": listing,
        "status": status,
        "statuses": DRILL_STATUSES,
        "labels": actions.STATUS_LABELS,
        "base_query": f"status={status}" if status else "",
    }
    return render(request, "training/drills/list.html", context)


@router.get("/training/drills/new", response_class=HTMLResponse)
def new_drill_page(request: Request, session: SessionDep, user: LeadUser) -> HTMLResponse:
    return _render_form(request, session, user, drill_form())


@router.post("/training/drills", response_model=None)
def open_drill(
    request: Request, session: SessionDep, user: LeadUser, form: DrillForm
) -> HTMLResponse | RedirectResponse:
    try:
        drill = actions.open_drill(session, actor=user, fields=_fields(form))
    except InvalidInput as exc:
        session.rollback()
        return _render_form(request, session, user, form, errors=field_errors(exc))
    flash(request, f"Drill opened for {drill.name}: the team can post rude questions now.")
    return redirect(f"/training/drills/{drill.id}")


@router.get("/training/drills/{drill_id}", response_class=HTMLResponse)
def drill_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    drill_id: IdPath,
    page: PageQuery = 1,
) -> HTMLResponse:
    return _render_drill(request, session, settings, user, drill_id, page=page)


def _render_drill(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    drill_id: int,
    *,
    page: int = 1,
    error: str = "",
    draft: dict[str, Any] | None = None,
    refused: PostedText | None = None,
) -> HTMLResponse:
    """The drill, one page of its questions; after a refused post, with its message beside the
    form it came from and what was typed still in it (``draft`` for a new question,
    ``refused`` for an answer or an edit of one question, shown on that question's page)."""
    size = settings.page_size
    if refused is not None:
        page = queries.page_of_question(
            session, drill_id=drill_id, question_id=refused.question_id, page_size=size
        )
    view = queries.drill_page(session, actor=user, drill_id=drill_id, page=page, page_size=size)
    context = {
        "view": view,
        "drill": view.drill,
        "labels": actions.STATUS_LABELS,
        "moves": actions.TRANSITIONS[view.drill.status],
        "max_question": actions.MAX_QUESTION,
        "max_answer": actions.MAX_ANSWER,
        "error": error,
        "draft": draft or {},
        "refused": refused,
    }
    failed = bool(error) or refused is not None
    return render(request, "training/drills/drill.html", context, 400 if failed else 200)


@router.get("/training/drills/{drill_id}/edit", response_class=HTMLResponse)
def edit_drill_page(
    request: Request, session: SessionDep, user: LeadUser, drill_id: IdPath
) -> HTMLResponse:
    drill = queries.access_drill(session, actor=user, drill_id=drill_id)
    return _render_form(request, session, user, _form_of(drill), drill)


@router.post("/training/drills/{drill_id}/edit", response_model=None)
def edit_drill(
    request: Request, session: SessionDep, user: LeadUser, drill_id: IdPath, form: DrillForm
) -> HTMLResponse | RedirectResponse:
    try:
        actions.update_drill(session, actor=user, drill_id=drill_id, fields=_fields(form))
    except InvalidInput as exc:
        session.rollback()
        drill = queries.access_drill(session, actor=user, drill_id=drill_id)
        return _render_form(request, session, user, form, drill, errors=field_errors(exc))
    flash(request, "Drill saved.")
    return redirect(f"/training/drills/{drill_id}")


@router.post("/training/drills/{drill_id}/status")
def move_drill(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    drill_id: IdPath,
    status: Annotated[str, Form()] = "",
) -> RedirectResponse:
    drill = actions.move_drill(session, actor=user, drill_id=drill_id, status=status)
    flash(request, f"The drill is now {actions.STATUS_LABELS[drill.status]}.")
    return redirect(f"/training/drills/{drill_id}")


# --- Questions, votes, answers --------------------------------------------------------------


@router.post("/training/drills/{drill_id}/questions", response_model=None)
def post_question(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    drill_id: IdPath,
    text: Annotated[str, Form()] = "",
    anonymous: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        actions.post_question(
            session, actor=user, drill_id=drill_id, text=text, anonymous=anonymous == "1"
        )
    except InvalidInput as exc:
        session.rollback()
        draft = {"text": text, "anonymous": anonymous == "1"}
        return _render_drill(
            request, session, settings, user, drill_id, error=str(exc), draft=draft
        )
    flash(request, "Question posted anonymously." if anonymous == "1" else "Question posted.")
    return redirect(f"/training/drills/{drill_id}#questions")


@router.post("/training/drills/{drill_id}/questions/{question_id}/edit", response_model=None)
def edit_question(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    drill_id: IdPath,
    question_id: IdPath,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    posted = PostedText("edit", question_id, text)
    return _question_text(request, session, settings, user, drill_id, posted)


@router.post("/training/drills/{drill_id}/questions/{question_id}/delete")
def delete_question(
    request: Request, session: SessionDep, user: CurrentUser, drill_id: IdPath, question_id: IdPath
) -> RedirectResponse:
    actions.delete_question(session, actor=user, drill_id=drill_id, question_id=question_id)
    flash(request, "Question removed.")
    return redirect(f"/training/drills/{drill_id}#questions")


@router.post("/training/drills/{drill_id}/questions/{question_id}/vote")
def vote(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    drill_id: IdPath,
    question_id: IdPath,
    voted: Annotated[str, Form()] = "1",
) -> RedirectResponse:
    actions.set_vote(
        session, actor=user, drill_id=drill_id, question_id=question_id, voted=voted == "1"
    )
    return redirect(_question_url(session, settings, drill_id, question_id))


def _question_url(session: Session, settings: Settings, drill_id: int, question_id: int) -> str:
    """A question on the drill page: on the page where it stands now (a vote moves it)."""
    page = queries.page_of_question(
        session, drill_id=drill_id, question_id=question_id, page_size=settings.page_size
    )
    query = f"?page={page}" if page > 1 else ""
    return f"/training/drills/{drill_id}{query}#q{question_id}"


@router.post("/training/drills/{drill_id}/questions/{question_id}/answers", response_model=None)
def post_answer(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    drill_id: IdPath,
    question_id: IdPath,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    posted = PostedText("answer", question_id, text)
    return _question_text(request, session, settings, user, drill_id, posted)


def _question_text(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    drill_id: int,
    posted: PostedText,
) -> HTMLResponse | RedirectResponse:
    """Post a model answer or a question's new wording; a refusal shows the drill again with
    the message beside that question's form and the text still in it."""
    act = actions.post_answer if posted.form == "answer" else actions.edit_question
    try:
        act(
            session, actor=user, drill_id=drill_id, question_id=posted.question_id, text=posted.text
        )
    except InvalidInput as exc:
        session.rollback()
        refused = replace(posted, message=str(exc))
        return _render_drill(request, session, settings, user, drill_id, refused=refused)
    flash(request, "Answer added." if posted.form == "answer" else "Question updated.")
    return redirect(_question_url(session, settings, drill_id, posted.question_id))


@router.post("/training/drills/{drill_id}/answers/{answer_id}/delete")
def delete_answer(
    request: Request, session: SessionDep, user: CurrentUser, drill_id: IdPath, answer_id: IdPath
) -> RedirectResponse:
    actions.delete_answer(session, actor=user, drill_id=drill_id, answer_id=answer_id)
    flash(request, "Answer removed.")
    return redirect(f"/training/drills/{drill_id}#questions")


@router.post("/training/drills/{drill_id}/answers/{answer_id}/endorse")
def endorse(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    drill_id: IdPath,
    answer_id: IdPath,
) -> RedirectResponse:
    answer = actions.endorse_answer(session, actor=user, drill_id=drill_id, answer_id=answer_id)
    flash(request, "Answer endorsed.")
    return redirect(_question_url(session, settings, drill_id, answer.question_id))


@router.post("/training/drills/{drill_id}/convert")
def convert(
    request: Request, session: SessionDep, user: CurrentUser, drill_id: IdPath
) -> RedirectResponse:
    done = actions.convert_drill(session, actor=user, drill_id=drill_id)
    if done.scenarios_made or done.articles_made or done.lesson_written:
        lesson = "the lesson written" if done.lesson_written else "the lesson unchanged"
        flash(
            request,
            f"Turned into training: {_count(done.scenarios_made, 'practice scenario')}, "
            f"{_count(done.articles_made, 'draft article')}, {lesson}.",
        )
    else:
        flash(request, "Already turned into training: nothing new to add.")
    return redirect(f"/training/drills/{drill_id}#training")


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"
