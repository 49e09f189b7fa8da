"""Shell pages: the home redirect, the in-product help, and the honest "coming" pages of areas
not built yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from poise.web.deps import render
from poise.web.help import HELP_PAGES, HelpPage
from poise.web.nav import COMING


def build_router(signed_in: Callable[..., Any]) -> APIRouter:
    """Shell routes; ``signed_in`` is the auth dependency (the shell imports no area)."""
    router = APIRouter(include_in_schema=False, dependencies=[Depends(signed_in)])

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/conversations", status_code=303)

    @router.get("/help", response_class=HTMLResponse, name="help_index")
    def help_index(request: Request) -> HTMLResponse:
        return render(request, "help/index.html", {"pages": HELP_PAGES})

    for page in HELP_PAGES:
        _add_help_page(router, page)
    for area, description in COMING.items():
        _add_coming_page(router, area, description)
    return router


def _add_coming_page(router: APIRouter, area: str, description: str) -> None:
    @router.get(f"/{area}", response_class=HTMLResponse, name=f"coming_{area}")
    def coming(request: Request) -> HTMLResponse:
        # The area is not built yet: say what it will do rather than show invented numbers.
        return render(request, "coming.html", {"area": area, "description": description})


def _add_help_page(router: APIRouter, page: HelpPage) -> None:
    """One fixed route per help page, so an unknown topic is a plain 404 and the route matrix
    lists each page by name."""

    @router.get(page.href, response_class=HTMLResponse, name=f"help_{page.slug}")
    def help_area(request: Request) -> HTMLResponse:
        return render(request, page.template, {"page": page, "pages": HELP_PAGES})
