"""Typed dependencies every route uses: the settings, a database session, templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from poise.hooks import Hooks
from poise.settings import Settings
from poise.web.forms import RefusedFields


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, closed (and rolled back if uncommitted) at the end.

    Kept on ``request.state`` too, so the layout's own reads (nav badges) use the request's
    connection instead of taking a second one from the pool.
    """
    with request.app.state.sessionmaker() as session:
        request.state.session = session
        try:
            yield session
        finally:
            request.state.session = None


async def get_form(request: Request) -> FormData:
    """The request's whole form, for routes that read fields by pattern (``score_3``…).

    Parsing awaits the body, so it is done here, on the event loop, touching nothing else;
    the route itself stays a plain ``def`` and does its database work on the thread pool.
    """
    return await request.form()


def get_hooks(request: Request) -> Hooks:
    """The reactions the face wired to events (see :mod:`poise.hooks`)."""
    hooks: Hooks = request.app.state.hooks
    return hooks


SettingsDep = Annotated[Settings, Depends(get_settings)]
HooksDep = Annotated[Hooks, Depends(get_hooks)]
SessionDep = Annotated[Session, Depends(get_session)]
FormDep = Annotated[FormData, Depends(get_form)]


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page inside the layout; the layout reads ``user`` and ``request``."""
    templates: Jinja2Templates = request.app.state.templates
    ctx = {
        "user": getattr(request.state, "user", None),
        "messages": request.session.pop("flash", []) if "session" in request.scope else [],
        **(context or {}),
    }
    if isinstance(ctx.get("errors"), dict):  # one autofocus a page: see RefusedFields
        ctx["errors"] = RefusedFields(ctx["errors"])
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


def render_form(
    request: Request, template: str, context: dict[str, Any], errors: dict[str, str] | None
) -> HTMLResponse:
    """A page with a form, after a refusal too: each error beside its field (``errors``), the
    input kept by ``context``; 400 when anything was refused, so a client sees it failed."""
    return render(request, template, {**context, "errors": errors or {}}, 400 if errors else 200)


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    request.session.setdefault("flash", []).append({"text": text, "kind": kind})


def redirect(url: str) -> RedirectResponse:
    """See-other after a form post, so reloading does not post again."""
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None, default: str = "/") -> str:
    """Only local paths: a login link must not send people to another site."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return default
