"""The in-product help: every page renders for every role, and no help link rots.

A contextual link (``/help/<page>#<anchor>``) in any template must name a help page that
exists and an ``id`` that page really carries, so renaming a section breaks a test, not a
reader's click. The help is read by agents, so it must speak of levels, never raw metrics.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from poise.web.help import HELP_PAGES

SRC = Path(__file__).resolve().parents[2] / "src" / "poise"
HELP_HREF = re.compile(r"""href=["'](/help(?:/[a-z-]+)?)(?:#([A-Za-z][\w-]*))?["']""")
IDS = re.compile(r"""\sid=["']([^"'{}]+)["']""")
PATHS = ["/help"] + [page.href for page in HELP_PAGES]
# Words of model evaluation that mean nothing to a support agent.
METRIC_WORDS = re.compile(r"\b(?:AUC|ROC|F1|logits?|precision|recall|calibrated|sigmoid)\b", re.I)


def help_links_in_templates() -> list[tuple[str, str, str | None]]:
    """(template, help path, anchor) for every help link written in any template."""
    found = []
    for template in sorted(SRC.rglob("templates/**/*.html")):
        for path, anchor in HELP_HREF.findall(template.read_text(encoding="utf-8")):
            found.append((str(template.relative_to(SRC)), path, anchor or None))
    return found


def ids_of(html: str) -> set[str]:
    return set(IDS.findall(html))


def test_templates_carry_help_links() -> None:
    """The header and the area pages link the help (so the rot check below checks something)."""
    templates = {template for template, _, _ in help_links_in_templates()}
    assert "web/templates/layout.html" in templates
    assert len(templates) >= 40


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_every_help_page_renders(client: TestClient, session: Session, role: str) -> None:
    sign_in(client, make_user(session, role=role, team=None if role == "admin" else "Care"))
    for path in PATHS:
        page = client.get(path)
        assert page.status_code == 200, path
        assert '<a href="/help">Help</a>' in page.text, path


def test_every_help_link_reaches_its_anchor(client: TestClient, session: Session) -> None:
    """Each help link of every template points at a page that exists and an id on it."""
    sign_in(client, make_user(session, role="agent", team="Care"))
    pages = {path: client.get(path) for path in PATHS}
    for template, path, anchor in help_links_in_templates():
        assert path in pages, f"{template} links {path}, which is no help page"
        assert pages[path].status_code == 200, path
        if anchor is not None:
            assert anchor in ids_of(pages[path].text), f"{template}: {path}#{anchor} has no anchor"


def test_links_inside_the_help_reach_their_anchors(client: TestClient, session: Session) -> None:
    """The help's own tables of contents and cross-links, read from the pages as served."""
    sign_in(client, make_user(session, role="admin"))
    pages = {path: client.get(path).text for path in PATHS}
    for source, html in pages.items():
        for path, anchor in HELP_HREF.findall(html):
            assert path in pages, f"{source} links {path}"
            if anchor:
                assert anchor in ids_of(pages[path]), f"{source}: {path}#{anchor}"
        for anchor in re.findall(r'href="#([\w-]+)"', html):
            assert anchor in ids_of(html), f"{source}: #{anchor}"


def test_a_missing_anchor_is_caught() -> None:
    """The check itself: a link to an id the page lacks is reported."""
    html = '<section id="feeling"></section>'
    assert "feeling" in ids_of(html)
    assert "no-such-section" not in ids_of(html)
    assert HELP_HREF.findall('href="/help/signals#no-such-section"') == [
        ("/help/signals", "no-such-section")
    ]


def test_the_index_links_every_area_page(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="agent", team="Care"))
    index = client.get("/help").text
    for page in HELP_PAGES:
        assert f'href="{page.href}"' in index, page.href
    for section in ("roles", "privacy", "start-agent", "start-lead", "start-admin"):
        assert f'id="{section}"' in index


def test_anonymous_readers_are_sent_to_sign_in(client: TestClient) -> None:
    for path in PATHS:
        page = client.get(path, follow_redirects=False)
        assert page.status_code in (302, 303, 307), path
        assert page.headers["location"].startswith("/login"), path


def test_the_help_speaks_of_levels_not_metrics(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="agent", team="Care"))
    for path in PATHS:
        text = re.sub(r"<[^>]+>", " ", client.get(path).text)
        assert not METRIC_WORDS.search(text), (path, METRIC_WORDS.search(text))


def test_an_agent_gets_no_link_to_a_page_that_refuses_them(
    client: TestClient, session: Session
) -> None:
    """The help names lead and admin pages to everyone but links them only for who may open
    them: an agent following every link of the help meets no 403."""
    sign_in(client, make_user(session, role="agent", team="Care"))
    for path in PATHS:
        for href in set(re.findall(r'href="(/[^"#]*)', client.get(path).text)):
            if href.startswith(("/logout", "/static")):
                continue
            assert client.get(href).status_code < 400, (path, href)
