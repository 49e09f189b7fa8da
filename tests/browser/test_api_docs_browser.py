"""The API docs render offline: Swagger UI and ReDoc are Poise's own files, under the policy."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser
# ReDoc's sidebar footer always tries Redocly's logo from its CDN; the policy refuses it and the
# <img> removes itself on error (nothing leaves the server). The only refusal allowed here.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _watch(page: Any, live_server: str) -> tuple[list[str], list[str]]:
    """Collect console errors and every request that leaves the server (there must be none)."""
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request",
        lambda req: (
            None
            if req.url.startswith((live_server, "data:", f"blob:{live_server}"))
            else outside.append(req.url)
        ),
    )
    return errors, outside


def test_swagger_ui_renders_the_operations_under_the_policy(
    database_url: str, live_server: str, browser_page: Any
) -> None:
    page = browser_page
    errors, outside = _watch(page, live_server)

    page.goto(f"{live_server}/docs")
    operation = page.locator(".opblock", has_text="/api/v1/conversations").first
    operation.wait_for()
    assert page.locator(".opblock").count() > 20
    operation.locator(".opblock-summary").first.click()  # expands: Swagger UI is live
    page.locator(".opblock-body").first.wait_for()
    assert errors == []
    assert outside == []


def test_redoc_renders_the_reference_under_the_policy(
    database_url: str, live_server: str, browser_page: Any
) -> None:
    page = browser_page
    errors, outside = _watch(page, live_server)

    page.goto(f"{live_server}/redoc")
    page.locator(".api-content").wait_for()
    page.get_by_text("/api/v1/conversations").first.wait_for(state="attached")
    menu = page.locator("li[role=menuitem][data-item-id^='tag/conversations/operation/']")
    menu.first.wait_for(state="attached")  # the sidebar lists the operations
    page.get_by_role("heading", name="List Conversations").first.wait_for()
    assert [e for e in errors if REDOCLY_LOGO not in e] == []
    assert [url for url in outside if url != REDOCLY_LOGO] == []
    assert page.locator(f"img[src='{REDOCLY_LOGO}']").count() == 0
