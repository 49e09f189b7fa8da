"""Every table whose rows carry buttons (rename, delete, revoke, send a test alert…) keeps
each of them on a 390 px phone's screen, without the page scrolling sideways."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.orm import Session

from builders import sign_in_page
from row_card_pages import row_card_pages

pytestmark = pytest.mark.browser

PHONE = 390

# Each row's cells and controls whose left or right edge lies outside the window: on a phone
# the action column sat past the table's own scroll, where nobody looked for it.
OUT_OF_SIGHT = """() => [...document.querySelectorAll(
    'main table tbody :is(td, a, button, summary, select, input:not([type=hidden]))')]
  .filter(el => el.getClientRects().length)
  .map(el => [(el.textContent.trim() || el.name || el.tagName).slice(0, 40),
              el.getBoundingClientRect()])
  .filter(([, box]) => box.left < 0 || box.right > window.innerWidth)
  .map(([name, box]) => `${name} ${Math.round(box.left)}–${Math.round(box.right)}`)"""


def test_every_row_action_is_on_a_phones_screen(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """At 390 px a team's Delete began at 538 px, a rule's Send test alert at 677 px and
    an API token's Revoke at 373 px, inside tables as wide as their columns: reached only by
    scrolling the table sideways, past columns that gave no hint of what came after; the
    alert log's Sent began at 412 px, and a running import's Cancel at 537 px. Rows now
    stack as cards there. A refused import's problems (line, field, reason) scrolled the
    same way: each reason lay at 293–409 px, past the window's edge."""
    admin, paths = row_card_pages(session)
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": 844})
    sign_in_page(page, live_server, admin, "/account")
    problems: dict[str, list[str]] = {}
    for path in paths:
        page.goto(f"{live_server}{path}")
        assert page.locator("main table tbody :is(a, button)").count() > 0, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if out := page.evaluate(OUT_OF_SIGHT) + ([f"page {width} px"] if width > PHONE else []):
            problems[path] = out
        if os.environ.get("POISE_SCREENSHOTS"):
            name = path.strip("/").split("?")[0].replace("/", "-")
            shot = f"{os.environ['POISE_SCREENSHOTS']}/{name}-phone.png"
            page.screenshot(path=shot, full_page=True)
    assert not problems, "\n".join(f"{path}: {'; '.join(out)}" for path, out in problems.items())


# Chromium's own accessibility tree (not Playwright's reading of the markup): what a screen
# reader is told of each row-cards table, as role -> how many.
def announced(page: Any, selector: str) -> list[dict[str, int]]:
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    found = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
    tables = [cdp.send("DOM.describeNode", {"nodeId": n})["node"]["backendNodeId"] for n in found]
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    by_id = {n["nodeId"]: n for n in nodes}
    counts = []
    for backend in tables:
        top = next(n for n in nodes if n.get("backendDOMNodeId") == backend)
        seen: dict[str, int] = {}
        stack = [top]
        while stack:
            node = stack.pop()
            role = node.get("role", {}).get("value", "")
            seen[role] = seen.get(role, 0) + 1
            stack.extend(by_id[c] for c in node.get("childIds", []) if c in by_id)
        counts.append(seen)
    cdp.detach()
    return counts


def test_row_cards_tables_are_still_tables_to_a_screen_reader_on_a_phone(
    database_url: str, session: Session, live_server: str, browser_page: Any
) -> None:
    """Shown as cards (``display: block``), a table may reach a screen reader as loose text:
    no table, no rows, no column header read before a cell. Each now says its roles in
    ARIA; Chromium's own tree kept them before that too, and still reads each a table of
    rows at 390 px (the HTML's roles: tests/web/test_row_cards_roles.py)."""
    admin, paths = row_card_pages(session)
    page = browser_page
    page.set_viewport_size({"width": PHONE, "height": 844})
    sign_in_page(page, live_server, admin, "/account")
    problems: dict[str, list[dict[str, int]]] = {}
    for path in paths:
        page.goto(f"{live_server}{path}")
        rows = page.locator("main table.row-cards tr").count()
        heads = page.locator("main table.row-cards th").count()
        tables = announced(page, "main table.row-cards")
        assert tables, path
        total = {r: sum(t.get(r, 0) for t in tables) for r in ("row", "columnheader", "cell")}
        whole = (
            all(t.get("table") == 1 for t in tables)
            and (total["row"], total["columnheader"]) == (rows, heads)
            and total["cell"] >= rows - len(tables)  # a cell or more a row, past the header
        )
        if not whole:
            problems[path] = tables
    assert not problems, "\n".join(f"{path}: {t}" for path, t in problems.items())
