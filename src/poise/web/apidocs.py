"""The API docs pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``), served offline.

FastAPI's own pages load both from a CDN and start Swagger UI with an inline script: blank on a
network without the CDN, and refused by our Content-Security-Policy. Here the assets come from
the installed ``fastapi-offline`` package (Swagger UI 5 and ReDoc 2 builds, served as files
under ``/static/api-docs``) and a small script of our own starts Swagger UI, so the docs obey
the same own-origin policy as every other page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from poise.web.staticfiles import SafeStaticFiles

ASSETS_URL = "/static/api-docs"


def assets_dir() -> Path:
    """The folder of the Swagger UI and ReDoc builds shipped by ``fastapi-offline``."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_api_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve the doc assets and the two pages (before the ``/static`` mount, which would
    otherwise answer for ``/static/api-docs`` too)."""
    app.mount(ASSETS_URL, SafeStaticFiles(directory=assets_dir()), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI: try the API from the browser."""
        return _page(request, "api_docs.html", openapi_url, f"{app.title} API")

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        """ReDoc: the API reference as one readable page."""
        return _page(request, "api_redoc.html", openapi_url, f"{app.title} API reference")


def _page(request: Request, template: str, openapi_url: str, title: str) -> HTMLResponse:
    """Render a docs page; the spec URL honours a proxy's root path."""
    root = request.scope.get("root_path", "")
    context = {
        "openapi_url": f"{root}{openapi_url}",
        "assets": f"{root}{ASSETS_URL}",
        "title": title,
    }
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, template, context)
    return response
