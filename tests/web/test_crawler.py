"""Every link works for every role: sign in as each, follow every same-origin link of every
page reached, and fail on any 4xx or 5xx, naming the page that showed the broken link.

The database is the demo organisation (three teams, a lead each, an admin), scored, with its
training programme, Happy Files and a published article, so the pages have rows that link
on. The crawl is bounded: at most a few URLs of one shape (the same path with other ids or
query values) and a few hundred pages per role.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import PASSWORD, sign_in
from poise.auth.models import User
from poise.auth.passwords import hash_password
from poise.conversations.models import Conversation
from poise.conversations.scoring import score_messages
from poise.demo_loader import load_demo, load_demo_training
from poise.knowledge import actions as kb
from poise.knowledge.actions import ArticleFields
from poise.knowledge.models import FLAG_KINDS
from poise.morale.actions import collect_happy_items

MAX_PAGES = 400
PER_SHAPE = 6
SKIPPED = ("/logout",)  # signing out ends the crawl's own session
HREF = re.compile(r"""<(?:a|link)\b[^>]*?\shref=["']([^"']+)["']""", re.IGNORECASE)
BASE = "http://testserver"


def seed(session: Session) -> None:
    """A small demo organisation, scored, with training and Happy Files."""
    now = datetime.now(UTC)
    load_demo(session, seed=7, conversations=150, now=now)
    score_messages(session)
    load_demo_training(session, now=now)
    collect_happy_items(session)
    add_article(session)
    hashed = hash_password(PASSWORD)
    for user in session.scalars(select(User)):
        user.password_hash = hashed
    session.commit()


def add_article(session: Session) -> None:
    """A published article whose sources and flag come from every team's conversations: its
    page must link only those its reader may open."""
    per_team = {}
    for conv in session.scalars(select(Conversation).where(Conversation.assignee_id.is_not(None))):
        per_team.setdefault(conv.assignee.team_id, conv)
    sources = sorted(c.id for c in per_team.values())
    fields = ArticleFields(title="Refund not received", issue="My refund has not arrived")
    article = kb.create_article(session, actor=None, fields=fields, source_conversation_ids=sources)
    kb.change_status(session, actor=None, article_id=article.id, status="published")
    for conv in per_team.values():
        kb.flag_article(
            session,
            actor=conv.assignee,
            article_id=article.id,
            kind=FLAG_KINDS[0],
            note="The refund page moved.",
            conversation_id=conv.id,
        )


def readers(session: Session) -> dict[str, User]:
    """An admin, a lead, an agent of the lead's team and an agent of another team."""
    users = list(session.scalars(select(User).order_by(User.id)))
    admin = next(u for u in users if u.role == "admin")
    lead = next(u for u in users if u.role == "lead" and u.team_id is not None)
    agent = next(u for u in users if u.role == "agent" and u.team_id == lead.team_id)
    other = next(u for u in users if u.role == "agent" and u.team_id not in (None, lead.team_id))
    return {"admin": admin, "lead": lead, "agent": agent, "other-team agent": other}


def shape(url: str) -> str:
    """The URL with ids as ``N`` and query values dropped: one route, one shape."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(keys) if keys else "")


def links(page_url: str, html: str) -> list[str]:
    """Same-origin links of a page, absolute paths with their query, without fragments."""
    found = []
    for raw in HREF.findall(html):
        href = unescape(raw).strip()
        if href.startswith(("mailto:", "tel:", "javascript:", "data:")):
            continue
        absolute, _ = urldefrag(urljoin(BASE + page_url, href))
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != BASE or not parts.path:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@dataclass
class Crawl:
    """What one reader reached, and the broken links with the page that showed each."""

    visited: set[str] = field(default_factory=set)
    broken: list[str] = field(default_factory=list)


class Frontier:
    """Links waiting: those of a shape not yet read ``PER_SHAPE`` times come first; the rest
    (one more conversation, one more page of a list) are checked after them, taken in turn
    from each kind of page that showed them, so no one long list uses up the budget."""

    def __init__(self, start: str) -> None:
        self.explore: deque[tuple[str, str]] = deque([(start, "(start)")])
        self.check: dict[str, deque[tuple[str, str]]] = {}
        self.planned: dict[str, int] = {}
        self.seen: set[str] = set()

    def add(self, link: str, found_on: str) -> None:
        if link in self.seen:
            return
        self.seen.add(link)
        key = shape(link)
        if self.planned.get(key, 0) < PER_SHAPE:
            self.planned[key] = self.planned.get(key, 0) + 1
            self.explore.append((link, found_on))
        else:
            self.check.setdefault(shape(found_on), deque()).append((link, found_on))

    def pop(self) -> tuple[str, str] | None:
        if self.explore:
            return self.explore.popleft()
        for source in list(self.check):
            waiting = self.check.pop(source)
            if waiting:
                item = waiting.popleft()
                self.check[source] = waiting  # to the back: the next source goes first
                return item
        return None


def crawl(client: TestClient, start: str = "/") -> Crawl:
    result = Crawl()
    read: dict[str, int] = {}
    frontier = Frontier(start)
    while len(result.visited) < MAX_PAGES and (item := frontier.pop()) is not None:
        url, found_on = item
        if url in result.visited or url.startswith(SKIPPED):
            continue
        result.visited.add(url)
        response = client.get(url, follow_redirects=True)
        if response.status_code >= 400:
            result.broken.append(f"{response.status_code} {url} (linked from {found_on})")
            continue
        key = shape(url)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        if read.get(key, 0) >= PER_SHAPE:
            continue
        read[key] = read.get(key, 0) + 1
        for link in links(url, response.text):
            frontier.add(link, url)
    return result


def test_every_link_answers_for_every_role(app: FastAPI, session: Session) -> None:
    seed(session)
    broken: list[str] = []
    for role, user in readers(session).items():
        with TestClient(app) as client:
            sign_in(client, user)
            result = crawl(client)
        broken += [f"{role}: {line}" for line in result.broken]
        shapes = {shape(url) for url in result.visited}
        assert len(result.visited) >= 40, (role, sorted(shapes))
        wanted = {"/conversations/N", "/assist/N", "/manual/N", "/signals?assignee"}
        assert wanted <= shapes, (role, sorted(wanted - shapes))
    assert not broken, "\n".join(broken)
