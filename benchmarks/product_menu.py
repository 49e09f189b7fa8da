"""The conversation list's Product menu for a lead against an admin, as conversations grow.

Run by hand:  python benchmarks/product_menu.py [--sizes 100000 1000000] [--postgres URL]
                                                 [--no-sqlite] [--runs 30]

The list reads the menu on every page load. An admin's products come from a loose index scan
(one seek per product); a lead's must be those of the conversations they may open (their own,
the unassigned and their team's). Baseline, timed in the same run on the same database: the
menu as it was, the lead's read by ``SELECT DISTINCT product … WHERE visible`` over their rows,
without the (product, assignee) index; then the index is made and ``_products`` is timed as it
is now. The database is written directly (conversations and users only, all the menu reads):
20 agents, four in team "Small" and sixteen in "Large", each team with a lead; every 10th
conversation unassigned, the rest spread over the agents; 12 products, one of them ("Only
Large") only on the large team's conversations, so the small team's lead must not be offered
it. Every result is checked. Prints p50 ms per reader, phase and size, the lead ÷ admin ratio
and before ÷ after. Each size has its own database (``--postgres`` names a scratch database,
which must exist; one per size is made beside it, its public schema wiped).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from import_speed import fresh_database
from pages_flat import database_per_size
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from poise.auth.actions import create_user, team_by_name
from poise.auth.models import User
from poise.conversations.models import Conversation
from poise.conversations.queries import _products
from poise.conversations.visibility import visible_conversations
from poise.db import make_engine, make_sessionmaker

PRODUCTS = [f"Product {n:02}" for n in range(11)] + ["Only Large"]
SMALL_AGENTS = 4
AGENTS = 20
BATCH = 20_000


def baseline(session: Session, actor: User) -> list[str]:
    """A lead's products as first read: every visible row's product, made distinct."""
    query = (
        select(Conversation.product)
        .where(Conversation.product.is_not(None), visible_conversations(actor))
        .distinct()
        .order_by(Conversation.product)
    )
    return [p for p in session.scalars(query) if p is not None]


def before(session: Session, actor: User) -> list[str]:
    """The menu before: the loose index scan for an admin, the DISTINCT for anyone else."""
    return _products(session, ADMIN) if actor.is_admin else baseline(session, actor)


ADMIN = User(role="admin")  # the loose index scan alone, as an admin's menu reads it


def load(url: str, size: int) -> None:
    """Users in two teams, then ``size`` conversations written in batches."""
    fresh_database(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        small, large = (team_by_name(session, n, create=True).id for n in ("Small", "Large"))
        agents = []
        for n in range(AGENTS):
            team = small if n < SMALL_AGENTS else large
            agents.append(_user(session, f"agent{n}", "agent", team))
        for name, team in (("small-lead", small), ("large-lead", large)):
            _user(session, name, "lead", team)
        _user(session, "admin", "admin", None)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    large_agents = agents[SMALL_AGENTS:]
    with engine.begin() as conn:
        for first in range(0, size, BATCH):
            rows = []
            for i in range(first, min(size, first + BATCH)):
                product = PRODUCTS[i % len(PRODUCTS)]
                if product == "Only Large":
                    assignee: int | None = large_agents[i % len(large_agents)]
                else:
                    assignee = None if i % 10 == 0 else agents[i % AGENTS]
                rows.append(
                    {
                        "source": "bench",
                        "external_id": str(i),
                        "channel": "email",
                        "subject": "",
                        "purpose": "",
                        "product": product,
                        "tags": [],
                        "status": "resolved",
                        "assignee_id": assignee,
                        "opened_at": start + timedelta(minutes=i),
                        "message_count": 0,
                        "created_at": start,
                    }
                )
            conn.execute(insert(Conversation), rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()


def _user(session: Session, name: str, role: str, team_id: int | None) -> int:
    user = create_user(
        session,
        actor=None,
        email=f"{name}@bench.example",
        name=name,
        role=role,
        password=None,
        team_id=team_id,
    )
    return user.id


INDEX = "ix_conversations_product_assignee_id"


def time_menus(engine: Engine, runs: int) -> dict[str, float]:
    """p50 ms of the menu for each reader, before (without the index that serves a lead's
    menu, the lead's read as :func:`baseline`) and after, each result checked."""
    ways: dict[str, Callable[[Session, User], list[str]]] = {"before": before, "after": _products}
    found: dict[str, float] = {}
    for phase, way in ways.items():
        with engine.begin() as conn:
            if phase == "before":
                conn.execute(text(f"DROP INDEX {INDEX}"))
            else:
                conn.execute(text(f"CREATE INDEX {INDEX} ON conversations (product, assignee_id)"))
                conn.execute(text("ANALYZE"))
        with make_sessionmaker(engine)() as session:
            readers = {
                name: session.scalars(select(User).where(User.name == name)).one()
                for name in ("admin", "small-lead", "large-lead")
            }
            for name, actor in readers.items():
                expected = PRODUCTS if name != "small-lead" else PRODUCTS[:-1]
                assert way(session, actor) == sorted(expected), (phase, name)
            times: dict[str, list[float]] = {name: [] for name in readers}
            for _ in range(runs):  # the readers take turns, so a change of load moves all
                for name, actor in readers.items():
                    began = time.perf_counter()
                    way(session, actor)
                    times[name].append((time.perf_counter() - began) * 1000)
        for name, values in times.items():
            found[f"{phase}, {name}"] = statistics.median(values)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--postgres", default="", help="URL of a scratch PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    backends = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            urls = database_per_size(backend, args.postgres, Path(tmp), args.sizes)
            for size, url in urls.items():
                began = time.perf_counter()
                load(url, size)
                print(f"{backend} {size:,} conversations in {time.perf_counter() - began:.0f} s")
                engine = make_engine(url)
                report(backend, size, time_menus(engine, args.runs))
                engine.dispose()


def report(backend: str, size: int, found: dict[str, float]) -> None:
    print(f"  {backend}, {size:,} conversations: p50 ms, and ÷ the admin's in the same phase")
    for label, ms in found.items():
        admin = found[label.split(",")[0] + ", admin"]
        print(f"    {label:<22} {ms:8.2f}   x{ms / admin:.1f}")
    for lead in ("small-lead", "large-lead"):
        ratio = found[f"before, {lead}"] / found[f"after, {lead}"]
        print(f"    {lead}: before ÷ after {ratio:.1f}")


if __name__ == "__main__":
    main()
