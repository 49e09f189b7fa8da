"""First contact resolution: resolved, and the customer did not come back about the same issue.

A conversation counts as first-contact-resolved when it is resolved and no later conversation
of the same customer, opened before ``resolved_at + fcr_window_days``, is about the same issue.
"Same issue" is decided, in order, by the articles the two conversations used (when both have
one), else by how close the customers' own words are (MiniLM cosine ≥ ``SAME_ISSUE``). Only
customers with a second contact inside the window need that comparison, so a report over
thousands of conversations embeds only a handful of texts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from poise.auth.models import Team, User
from poise.conversations.models import Conversation
from poise.conversations.queries import opening_customer_turns
from poise.db.bulk import lookup
from poise.knowledge import vectors
from poise.knowledge.models import Article, ArticleUse, ConversationVector
from poise.knowledge.text import from_blob

SAME_ISSUE = 0.5


@dataclass(frozen=True)
class Contact:
    """What FCR needs of one conversation."""

    id: int
    customer_id: int | None
    opened_at: datetime
    resolved_at: datetime | None
    status: str


@dataclass(frozen=True)
class FcrRow:
    """FCR of one group (an article, a product, a team)."""

    key: str
    label: str
    resolved: int
    first_contact: int

    @property
    def rate(self) -> float:
        return self.first_contact / self.resolved if self.resolved else 0.0


def _contact_query() -> Select[tuple[int, int | None, datetime, datetime | None, str]]:
    """The columns of a :class:`Contact`, in its order."""
    return select(
        Conversation.id,
        Conversation.customer_id,
        Conversation.opened_at,
        Conversation.resolved_at,
        Conversation.status,
    )


def _contacts(session: Session, since: datetime | None) -> list[Contact]:
    query = _contact_query()
    if since is not None:
        query = query.where(Conversation.opened_at >= since)
    return [Contact(*row) for row in session.execute(query)]


def by_customer(contacts: list[Contact]) -> dict[int, list[Contact]]:
    """Every contact of each customer.

    No second read is needed: a later contact of a contact opened since ``since`` was itself
    opened since then, so ``contacts`` already holds every contact :func:`_repeat_pairs` can
    match (reading them again cost a query per 500 customers and most of a large report).
    """
    found: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        if contact.customer_id is not None:
            found[int(contact.customer_id)].append(contact)
    return found


def _repeat_pairs(
    contacts: list[Contact], customers: dict[int, list[Contact]], window: timedelta
) -> dict[int, list[int]]:
    """For each resolved contact, the later contacts of the customer inside the window."""
    pairs: dict[int, list[int]] = {}
    for c in contacts:
        if c.status != "resolved" or c.resolved_at is None:
            continue
        deadline = c.resolved_at + window
        same_customer = customers.get(c.customer_id, []) if c.customer_id is not None else []
        pairs[c.id] = [
            o.id
            for o in same_customer
            if (o.opened_at, o.id) > (c.opened_at, c.id) and o.opened_at <= deadline
        ]
    return pairs


def issue_texts(session: Session, ids: list[int]) -> dict[int, str]:
    """The customer's words that state each conversation's issue: the purpose, else the
    first customer turn."""
    texts: dict[int, str] = {}
    purposes = select(Conversation.id, Conversation.purpose)
    for cid, purpose in lookup(session, purposes, Conversation.id, ids):
        if purpose:
            texts[cid] = purpose
    untagged = [cid for cid in ids if cid not in texts]  # the others' turns are not read
    for cid, turns in opening_customer_turns(session, untagged, 1).items():
        texts[cid] = turns[0]
    return texts


def _vectors(session: Session, ids: list[int]) -> dict[int, np.ndarray]:
    """Issue embeddings: mining's stored ones where present and current, the rest computed
    now."""
    found: dict[int, np.ndarray] = {}
    if vectors.stored_current(session):
        stored = select(ConversationVector.conversation_id, ConversationVector.embedding)
        rows = lookup(session, stored, ConversationVector.conversation_id, ids)
        found.update({int(c): from_blob(b) for c, b in rows})
    missing = [i for i in ids if i not in found]
    texts = issue_texts(session, missing)
    todo = [i for i in missing if i in texts]
    if todo:
        # Each distinct text once: many contacts open with the same words (a form's subject,
        # "Hi", a forwarded template), and the rollup recounts every conversation at once.
        distinct = list(dict.fromkeys(texts[i] for i in todo))
        by_text = dict(zip(distinct, vectors.encode(distinct), strict=True))
        found.update((cid, by_text[texts[cid]]) for cid in todo)
    return found


def _articles(session: Session, ids: list[int]) -> dict[int, int]:
    uses = select(ArticleUse.conversation_id, ArticleUse.article_id)
    return {int(c): int(a) for c, a in lookup(session, uses, ArticleUse.conversation_id, ids)}


def contacts_of_customers(session: Session, customer_ids: Sequence[int]) -> list[Contact]:
    """Every contact of these customers: all :func:`outcomes_of` needs to judge any of them.

    A conversation's outcome depends only on the later contacts of its own customer, so the
    insights rollup recounts a few customers at a time with the manual's one definition.
    """
    return _contacts_in(session, Conversation.customer_id, customer_ids)


def _contacts_in(session: Session, column: Any, ids: Sequence[int]) -> list[Contact]:
    """The contacts whose ``column`` is one of ``ids``: one array on PostgreSQL, 500 ids a
    query on SQLite (:func:`~poise.db.bulk.key_conditions`)."""
    return [Contact(*row) for row in lookup(session, _contact_query(), column, sorted(set(ids)))]


def fcr_outcomes(
    session: Session, *, window_days: int, since: datetime | None = None
) -> dict[int, bool]:
    """For every resolved conversation (opened since ``since``): first-contact-resolved?"""
    return outcomes_of(session, _contacts(session, since), window_days=window_days)


def outcomes_for(session: Session, ids: Sequence[int], *, window_days: int) -> dict[int, bool]:
    """First-contact-resolved? for the resolved ones of ``ids`` only.

    Reads just their customers' contacts, so splitting one proposal does not judge (and embed
    the repeat contacts of) every conversation in the database, as :func:`fcr_outcomes` would.
    """
    own = _contacts_in(session, Conversation.id, ids)
    customers = [c.customer_id for c in own if c.customer_id is not None]
    contacts = contacts_of_customers(session, customers)
    contacts += [c for c in own if c.customer_id is None]
    outcome = outcomes_of(session, contacts, window_days=window_days)
    return {c.id: outcome[c.id] for c in own if c.id in outcome}


def outcomes_of(session: Session, contacts: list[Contact], *, window_days: int) -> dict[int, bool]:
    """For every resolved contact of ``contacts``: first-contact-resolved?

    ``contacts`` must hold every later contact of each customer it names (all of a customer's
    contacts, or all contacts opened since a moment), or a repeat contact goes unseen.
    """
    pairs = _repeat_pairs(contacts, by_customer(contacts), timedelta(days=window_days))
    involved = sorted({i for c, later in pairs.items() if later for i in [c, *later]})
    articles = _articles(session, involved)
    issues = _vectors(session, involved)
    outcome: dict[int, bool] = {}
    for cid, later in pairs.items():
        outcome[cid] = not any(_same_issue(cid, o, articles, issues) for o in later)
    return outcome


def _same_issue(a: int, b: int, articles: dict[int, int], issues: dict[int, np.ndarray]) -> bool:
    if a in articles and b in articles:
        return articles[a] == articles[b]
    if a in issues and b in issues:
        return float(issues[a] @ issues[b]) >= SAME_ISSUE
    return True  # nothing to tell them apart: a repeat contact counts against FCR


def _rows(
    outcome: dict[int, bool], key_of: dict[int, str], label_of: Callable[[str], str]
) -> list[FcrRow]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for cid, first in outcome.items():
        key = key_of.get(cid)
        if key is None:
            continue
        totals[key][0] += 1
        totals[key][1] += int(first)
    rows = [FcrRow(k, label_of(k), n, f) for k, (n, f) in totals.items()]
    return sorted(rows, key=lambda r: (-r.resolved, r.label))


@dataclass(frozen=True)
class FcrReport:
    overall: FcrRow
    by_article: list[FcrRow]
    by_product: list[FcrRow]
    by_team: list[FcrRow]
    window_days: int


def fcr_report(session: Session, *, window_days: int, since: datetime | None = None) -> FcrReport:
    """FCR overall and per article used, per product and per team of the assignee."""
    outcome = fcr_outcomes(session, window_days=window_days, since=since)
    ids = list(outcome)
    uses = _articles(session, ids)
    titles = {int(i): str(t) for i, t in session.execute(select(Article.id, Article.title))}
    products, teams = _products_and_teams(session, ids)
    team_names = {int(i): str(n) for i, n in session.execute(select(Team.id, Team.name))}
    overall = FcrRow("all", "All resolved conversations", len(outcome), sum(outcome.values()))
    return FcrReport(
        overall=overall,
        by_article=_rows(
            outcome, {c: str(a) for c, a in uses.items()}, lambda k: titles.get(int(k), k)
        ),
        by_product=_rows(outcome, products, lambda k: k),
        by_team=_rows(outcome, teams, lambda k: team_names.get(int(k), k)),
        window_days=window_days,
    )


def _products_and_teams(session: Session, ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
    products: dict[int, str] = {}
    teams: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Conversation.id, Conversation.product, User.team_id)
            .outerjoin(User, User.id == Conversation.assignee_id)
            .where(Conversation.id.in_(ids[start : start + 500]))
        )
        for cid, product, team_id in rows:
            if product:
                products[cid] = product
            if team_id is not None:
                teams[cid] = str(team_id)
    return products, teams
