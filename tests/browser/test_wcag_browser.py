"""WCAG basics of every page a person can open, read from the page as chromium lays it out.

Each role walks every page of the routing table it may read (tests/web/route_matrix.py's world,
one object of every kind): an agent, a lead, an admin, and nobody signed in for the public
pages. On each page, in the page's own JavaScript: a name for every control, button and link,
an ``alt`` on every image, one ``h1`` and one ``main``, headings that skip no level, unique ids,
header cells on every table of data (a row-cards table its ARIA roles), and text at 4.5:1
against the background it is drawn on (3:1 when large), and a focus ring on every link, button,
field and summary when it has the focus. The keyboard: the main navigation and
the assist panel's actions are reached with Tab, each showing a focus ring, and no style takes
the ring away from what the keyboard can reach.

The HTML-only checks (a skip link, charts' descriptions, refused fields) are in
tests/web/test_accessibility.py; the skip link and the panel's updates in
test_accessibility_browser.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from web.route_matrix import (
    QUERIES,
    ROUTES,
    RULES,
    World,
    build_world,
    fill,
    matrix_settings,
    route_keys,
)

from builders import make_user, sign_in_page
from poise.app import create_app
from poise.auth.models import User
from poise.settings import Settings
from support import serving

pytestmark = pytest.mark.browser

# What a browser does not show as a page: the API, files, feeds, the API docs (drawn by
# Swagger UI and ReDoc, not by our templates).
NOT_PAGES = ("/api/", "/docs", "/redoc", "/healthz", "/favicon.ico", "/manual/kb.js")
NOT_PAGE_ENDINGS = (".atom", ".csv", "/screenshot", "/rejected")
# Fragments that a page's script puts into it: audited where they land, not on their own.
FRAGMENTS = ("/manual/suggestions/",)
# States the routing table does not reach: a tag's wall, the page of an unknown address.
MORE_PAGES = ("/wall?tag=care", "/no/such/page")
WALKERS = ("anonymous", "agent", "lead", "admin")

AUDIT = r"""() => {
  // WCAG basics of the page as the browser lays it out: each problem as [kind, detail].
  const found = [];
  // what a click would unfold is checked too
  document.querySelectorAll("details").forEach((el) => (el.open = true));
  const say = (kind, el, detail) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = el.classList && el.classList.length ? `.${[...el.classList].join(".")}` : "";
    found.push([kind, `${el.tagName.toLowerCase()}${id}${cls} ${detail}`.trim().slice(0, 160)]);
  };
  const squash = (s) => (s || "").replace(/\s+/g, " ").trim();
  const textOf = (el) => {
    // what a label says, without the text of the controls it wraps (a select's options)
    const copy = el.cloneNode(true);
    copy.querySelectorAll("select, textarea, input").forEach((c) => c.remove());
    let text = squash(copy.textContent);
    el.querySelectorAll("img[alt]").forEach((img) => (text += img.alt));
    return text;
  };
  const byIds = (ids) => squash((ids || "").split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean).map((e) => e.textContent).join(" "));
  const nameOf = (el) => {
    const aria = squash(el.getAttribute("aria-label")) || byIds(el.getAttribute("aria-labelledby"));
    if (aria) return aria;
    if (el.labels && [...el.labels].map(textOf).join("")) return "label";
    const tag = el.tagName.toLowerCase();
    if (["button", "a", "summary"].includes(tag) && textOf(el)) return textOf(el);
    const pressed = ["submit", "reset", "button"].includes(el.type);
    if (tag === "input" && pressed) return el.value || el.type;
    return squash(el.getAttribute("title"));
  };

  // 1. every form control and button has an accessible name
  document.querySelectorAll("input:not([type=hidden]), select, textarea, button").forEach((el) => {
    if (el.closest("[hidden], [aria-hidden=true]") || nameOf(el)) return;
    say("unnamed control", el, `name=${el.getAttribute("name") || ""}`);
  });
  // 2. every image has a text alternative (alt="" marks a decorative one)
  document.querySelectorAll("img:not([alt])").forEach((el) => say("img without alt", el, el.src));
  // 3. one h1, one main landmark, headings in order
  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) found.push(["not one h1", `${h1s} h1`]);
  const mains = document.querySelectorAll("main, [role=main]").length;
  if (mains !== 1) found.push(["not one main", `${mains} main landmarks`]);
  let level = 0;
  document.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach((el) => {
    const next = Number(el.tagName[1]);
    const words = squash(el.textContent).slice(0, 50);
    if (next > level + 1) say("heading skips a level", el, `h${level}→h${next} "${words}"`);
    level = next;
  });
  // 4. ids are unique
  const seen = new Map();
  document.querySelectorAll("[id]").forEach((el) => seen.set(el.id, (seen.get(el.id) || 0) + 1));
  for (const [id, n] of seen) if (n > 1) found.push(["duplicate id", `#${id} ×${n}`]);
  // 5. links say where they go
  document.querySelectorAll("a[href]").forEach((el) => {
    if (!nameOf(el)) say("link without text", el, el.getAttribute("href"));
  });
  // 6. a table of data has header cells, a row header its scope; shown as cards, its roles
  document.querySelectorAll("table").forEach((el) => {
    if (!el.querySelector("td")) return;
    if (el.classList.contains("row-cards")) {
      if (el.getAttribute("role") !== "table" || !el.querySelector("[role=columnheader]"))
        say("table without headers", el, "row-cards without its roles");
      return;
    }
    if (!el.querySelector("th")) say("table without headers", el, "no th");
    el.querySelectorAll("th:not([scope])").forEach((th) => {
      if (!th.closest("thead")) say("table without headers", th, "row header without scope");
    });
  });
  // 7. whatever the keyboard reaches draws a ring when it has the focus (WCAG 2.4.7)
  const reachable = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  document.querySelectorAll(reachable).forEach((el) => {
    if (el.tabIndex < 0 || el.disabled || !el.getClientRects().length) return;
    el.focus({ preventScroll: true });
    if (document.activeElement !== el) return;
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    if (!ring && style.boxShadow === "none") say("no focus ring", el, nameOf(el).slice(0, 40));
    el.blur();
  });
  // 8. text contrast (WCAG 1.4.3): 4.5:1, 3:1 for large text, against the first opaque
  // background behind it (translucent ones blended on the way down)
  const rgba = (s) => {
    const m = s.match(/[\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const over = (top, under) =>
    [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const backgroundOf = (el) => {
    const layers = [];
    for (let at = el; at; at = at.parentElement) {
      const bg = rgba(getComputedStyle(at).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const opacityOf = (el) => {
    let o = 1;
    for (let at = el; at; at = at.parentElement) o *= Number(getComputedStyle(at).opacity);
    return o;
  };
  const linear = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = (c) => 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const hex = (c) =>
    "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || checked.has(el) || !squash(node.textContent)) continue;
    checked.add(el);
    const unseen = "svg, option, script, style, [aria-hidden=true], .visually-hidden, :disabled";
    if (el.closest(unseen)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width <= 1 || box.height <= 1 || style.visibility === "hidden") continue;
    const bg = backgroundOf(el);
    const fg = rgba(style.color);
    fg[3] *= opacityOf(el);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    const got = ratio(over(fg, bg), bg);
    const words = squash(node.textContent).slice(0, 30);
    const seen = `${got.toFixed(2)}:1 ${hex(over(fg, bg))} on ${hex(bg)} "${words}"`;
    if (got < need) say("low contrast", el, seen);
  }
  return found;
}"""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The matrix's settings: its alert rule posts to a loopback port, as on premises."""
    return matrix_settings(tmp_path / "data", database_url)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def pages_for(app: FastAPI, role: str, world: World | None) -> list[str]:
    """Every page of the routing table that ``role`` may read, its parameters filled from
    ``world`` (with no world, as on a new install: the pages that need no object)."""
    paths = []
    for method, path in route_keys(app):
        key = f"GET {path}"
        if method != "GET" or role not in RULES[ROUTES[key]]:
            continue
        if path.startswith(NOT_PAGES + FRAGMENTS) or path.endswith(NOT_PAGE_ENDINGS):
            continue
        if world is not None:
            paths.append(fill(path, key, world))
        elif "{" not in path and key not in QUERIES:
            paths.append(path)
    return [*paths, *MORE_PAGES]


def settled(page: Any) -> None:
    """Wait for what the page's scripts fill in after it loads (the manual's suggestions).

    Asked with ``evaluate``, in the page's own world: a locator's count (or a
    ``wait_for_function`` on every page) costs Playwright's utility world per page, a third
    of the walks' time spent asking a question most pages answer "no" to."""
    if page.evaluate("() => document.querySelector('#kb-suggestions') !== null"):
        page.wait_for_function(
            "() => document.getElementById('kb-suggestions').dataset.turns !== '-1'"
        )


@dataclass
class Audit:
    """What a walk read, and its problems by kind (``role url: detail`` each)."""

    visited: int = 0
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def report(self) -> str:
        counts = {kind: len(problems) for kind, problems in sorted(self.found.items())}
        listing = [f"[{k}] {p}" for k, ps in sorted(self.found.items()) for p in ps]
        return "\n".join([f"{self.visited} pages read; problems by kind: {counts}", *listing])


def audit_walk(settings: Settings, page: Any, users: dict[str, User], world: World | None) -> Audit:
    """Each role's pages, served by a real server and audited as chromium shows them."""
    audit = Audit()
    app = create_app(settings)
    with serving(app) as base:
        for role in WALKERS:
            page.context.clear_cookies()
            if role != "anonymous":
                sign_in_page(page, base, users[role], "/account")
            for url in pages_for(app, role, world):
                response = page.goto(f"{base}{url}")
                assert response is not None, (role, url)
                assert response.status < 400 or url in MORE_PAGES, (role, url, response.status)
                settled(page)
                audit.visited += 1
                for kind, detail in page.evaluate(AUDIT):
                    audit.found[kind].append(f"{role} {url}: {detail}")
    return audit


def test_every_page_meets_the_wcag_basics(
    world: World, settings: Settings, browser_page: Any
) -> None:
    """Every page with one object of every kind, read by each role. Found first: a kudos
    round's own-words boxes unnamed, a hug's page without a heading, the Happy File's star at
    1.8:1 and the wall's tag counts faded to 3:1."""
    audit = audit_walk(settings, browser_page, world.users, world)
    assert audit.visited > 150, audit.report()  # the routing table was walked, not a few pages
    assert not audit.found, audit.report()


def test_every_page_of_a_new_install_meets_the_wcag_basics(
    session: Session, settings: Settings, browser_page: Any
) -> None:
    """The same pages with nothing in them yet: their empty states, read by each role."""
    users = {
        "agent": make_user(session, team="Care", name="Ada Agent"),
        "lead": make_user(session, role="lead", team="Care", name="Cara Lead"),
        "admin": make_user(session, role="admin", name="Ari Admin"),
    }
    audit = audit_walk(settings, browser_page, users, None)
    assert audit.visited > 100, audit.report()
    assert not audit.found, audit.report()


# Where the keyboard is, after each Tab: which region, what, and whether a ring is drawn.
FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  const where = el.closest("nav[aria-label=Main]") ? "nav"
    : el.closest("#assist-panel") ? "panel" : "";
  return {where, what: `${el.tagName} ${(el.textContent || el.name || "").trim().slice(0, 40)}`,
          ring, visible: el.matches(":focus-visible")};
}"""

REACHABLE = """(scope) => [...document.querySelectorAll(scope)]
  .filter((el) => el.getClientRects().length && !el.disabled && el.tabIndex >= 0)
  .map((el) => `${el.tagName} ${(el.textContent || el.name || "").trim().slice(0, 40)}`)"""

# Style rules that take the focus ring away (outline: none or 0) from an element the keyboard
# can reach, with nothing drawn instead (a box-shadow or a border).
RING_REMOVED = """() => {
  const removed = [];
  for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) {
    if (!rule.selectorText || !/:focus/.test(rule.selectorText)) continue;
    const s = rule.style;
    const none = s.outlineStyle === "none" || s.outlineWidth === "0px" || s.outline === "0";
    if (!none || s.boxShadow || s.borderColor) continue;
    const bare = rule.selectorText.replace(/:focus(-visible|-within)?/g, "");
    const hits = [...document.querySelectorAll(bare)].filter((el) => el.tabIndex >= 0);
    if (hits.length) removed.push(rule.selectorText);
  }
  return removed;
}"""

# A :focus-visible rule drawing an outline (read from the shorthand too: one written with a
# custom property, ``2px solid var(--brand)``, leaves its longhands empty in the CSSOM).
HAS_RING = """() => [...document.styleSheets].some((sheet) => [...sheet.cssRules].some((rule) =>
  /:focus-visible/.test(rule.selectorText || "")
  && /solid|dotted|dashed|double|auto/.test(
    `${rule.style.getPropertyValue("outline")} ${rule.style.outlineStyle}`)))"""


def tab_through(page: Any, most: int) -> list[dict[str, Any]]:
    """Each stop of the keyboard from the top of the page, once round (``most`` at most)."""
    stops: list[dict[str, Any]] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS)
        if stops and stop == stops[0]:
            break
        stops.append(stop)
    return stops


def test_the_navigation_and_the_assist_panel_are_reached_with_tab_and_show_the_focus(
    world: World, settings: Settings, browser_page: Any
) -> None:
    page = browser_page
    conv = world.ids["conversation_id"]
    with serving(create_app(settings)) as base:
        sign_in_page(page, base, world.users["agent"], f"/assist/{conv}")
        settled(page)
        page.evaluate("() => document.querySelector('details.purpose-fix').open = true")
        assert page.evaluate(HAS_RING), "no :focus-visible style draws a focus ring"
        assert page.evaluate(RING_REMOVED) == []
        wanted = {
            "nav": page.evaluate(REACHABLE, "nav[aria-label=Main] :is(a, button)"),
            "panel": page.evaluate(REACHABLE, "#assist-panel :is(a, button, summary, input)"),
        }
        assert len(wanted["nav"]) >= 5 and len(wanted["panel"]) >= 4, wanted
        stops = tab_through(page, 120)
        for where, names in wanted.items():
            reached = [stop["what"] for stop in stops if stop["where"] == where]
            assert reached == names, where  # each once, in the order they are read
        unringed = [s["what"] for s in stops if s["where"] and not (s["ring"] and s["visible"])]
        assert unringed == []
