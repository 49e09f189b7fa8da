"""A table whose rows become cards on a phone (``display: block``) says it is a table in
ARIA roles: with its CSS display changed, a screen reader may announce it as loose text,
no row, no column header read before a cell."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import sign_in
from row_card_pages import row_card_pages

TEMPLATES = Path(__file__).parents[2] / "src" / "poise"

# The role each part of a row-cards table must carry.
ROLES = {
    "table": "table",
    "thead": "rowgroup",
    "tbody": "rowgroup",
    "tr": "row",
    "th": "columnheader",
    "td": "cell",
}


class RowCardTables(HTMLParser):
    """Each row-cards table's parts that lack their role, as ``tag (text so far)``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # row-cards tables open (a table inside one counts too)
        self.tables = 0
        self.missing: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "table" and (self.depth or "row-cards" in (named.get("class") or "").split()):
            self.depth += 1
            self.tables += tag == "table" and self.depth == 1
        if self.depth and tag in ROLES and named.get("role") != ROLES[tag]:
            self.missing.append(f"<{tag}> of table {self.tables} (role={named.get('role')})")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1


def test_every_row_cards_table_keeps_its_table_roles(client: TestClient, session: Session) -> None:
    admin, paths = row_card_pages(session)
    sign_in(client, admin)
    found = 0
    problems: dict[str, list[str]] = {}
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, path
        parsed = RowCardTables()
        parsed.feed(page.text)
        assert parsed.tables, f"{path} shows no row-cards table"
        found += parsed.tables
        if parsed.missing:
            problems[path] = parsed.missing
    assert not problems, "\n".join(f"{p}: {'; '.join(m[:4])}" for p, m in problems.items())
    # every template with such a table is among the pages checked
    templates = [t for t in TEMPLATES.rglob("*.html") if "row-cards" in t.read_text()]
    assert found >= len(templates), sorted(t.name for t in templates)
