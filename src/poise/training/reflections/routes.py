"""Reflection pages: mine with a trend, a new one (optionally about a conversation), one
reflection with its ratings, evidence and coaching, and the reframe form.

Thin: parse, call one action or query, render or redirect. Privacy is enforced in the
queries and actions (author only), not here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from poise.auth.deps import CurrentUser
from poise.auth.models import User
from poise.errors import InvalidInput, NotFound
from poise.training.reflections import actions, queries
from poise.web.csrf import verify_csrf
from poise.web.deps import SessionDep, SettingsDep, flash, redirect, render, render_form
from poise.web.forms import field_errors
from poise.web.params import IdPath, IdQuery, PageQuery, is_id

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/training/reflections", response_class=HTMLResponse)
def reflections_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    page: PageQuery = 1,
) -> HTMLResponse:
    listing = queries.reflection_page(session, actor=user, page=page, page_size=settings.page_size)
    context = {
        "listing": listing,
        "trend": queries.trend(session, actor=user),
        "dimensions": queries.POLES,
    }
    return render(request, "training/reflections/list.html", context)


def _new_form(
    request: Request,
    session: Session,
    user: User,
    conversation_id: int | None,
    text: str = "",
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The reflection form, again with the words kept and ``errors`` beside their field when
    a post was refused (400)."""
    conversation = (
        queries.conversation(session, actor=user, conversation_id=conversation_id)
        if conversation_id is not None
        else None
    )
    context = {"conversation": conversation, "text": text}
    return render_form(request, "training/reflections/new.html", context, errors)


@router.get("/training/reflections/new", response_class=HTMLResponse)
def new_reflection_page(
    request: Request, session: SessionDep, user: CurrentUser, conversation: IdQuery | None = None
) -> HTMLResponse:
    return _new_form(request, session, user, conversation)


def _linked(session: Session, user: User, value: str) -> int | None:
    """The hidden conversation id, checked: none when empty, else InvalidInput (field
    ``conversation_id``, one message whatever the cause) unless it is a number the writer
    may open."""
    value = value.strip()
    if not value:
        return None
    try:
        if not is_id(value):
            raise NotFound(actions.NOT_OPENABLE)
        actions.check_about(session, user, int(value))
    except NotFound as exc:
        raise InvalidInput(str(exc), field="conversation_id") from None
    return int(value)


@router.post("/training/reflections", response_model=None)
def create_reflection(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: Annotated[str, Form()] = "",
    conversation_id: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Write a reflection; a refusal shows the form again with the words kept. A conversation
    id that is not a number or not the writer's to open is dropped from the form shown again
    (never saying whether it exists), so sending it again keeps the reflection on its own."""
    conversation = None
    try:
        conversation = _linked(session, user, conversation_id)
        reflection = actions.create_reflection(
            session, actor=user, text=text, conversation_id=conversation
        )
    except InvalidInput as exc:
        session.rollback()
        return _new_form(request, session, user, conversation, text, field_errors(exc, "text"))
    return redirect(f"/training/reflections/{reflection.id}")


def _render_reflection(
    request: Request,
    session: Session,
    user: User,
    reflection_id: int,
    draft: str = "",
    error: str = "",
) -> HTMLResponse:
    reflection = queries.reflection(session, actor=user, reflection_id=reflection_id)
    context: dict[str, Any] = {
        "reflection": reflection,
        "views": queries.dimension_views(reflection),
        "coaching": reflection.analysis.get("coaching", []),
        "draft": draft or reflection.reframe or "",
        "error": error,
    }
    if reflection.conversation_id is not None:
        try:
            context["conversation"] = queries.conversation(
                session, actor=user, conversation_id=reflection.conversation_id
            )
        except NotFound:  # moved to another team since: the reflection stays readable
            context["conversation"] = None
    return render(request, "training/reflections/detail.html", context, 400 if error else 200)


@router.get("/training/reflections/{reflection_id}", response_class=HTMLResponse)
def reflection_page(
    request: Request, session: SessionDep, user: CurrentUser, reflection_id: IdPath
) -> HTMLResponse:
    return _render_reflection(request, session, user, reflection_id)


@router.post("/training/reflections/{reflection_id}/reframe", response_model=None)
def add_reframe(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    reflection_id: IdPath,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        actions.add_reframe(session, actor=user, reflection_id=reflection_id, text=text)
    except InvalidInput as exc:
        return _render_reflection(request, session, user, reflection_id, text, str(exc))
    flash(request, "Reframe saved and rated.")
    return redirect(f"/training/reflections/{reflection_id}#reframe")


@router.post("/training/reflections/{reflection_id}/delete")
def delete_reflection(
    request: Request, session: SessionDep, user: CurrentUser, reflection_id: IdPath
) -> RedirectResponse:
    actions.delete_reflection(session, actor=user, reflection_id=reflection_id)
    flash(request, "Reflection deleted.")
    return redirect("/training/reflections")
