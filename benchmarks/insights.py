"""Insights speed at 1,000,000 messages (about 250,000 conversations), on SQLite and PostgreSQL.

Run by hand:  python benchmarks/insights.py [--messages 1000000] [--postgres URL] [--runs 20]

Builds the insights rollup (``poise insights rollup``) and times it, then measures, through
HTTP as a signed-in admin, the p50/p95 of the dashboard (last 28 days, every
team, and one lead's team), the hotspot page and two CSV exports, beside a floor measured in the
same run: ``SELECT count(*)`` of the conversations in the same 28 days. Goal: dashboard p95 <
300 ms on PostgreSQL at full size.

The data: 4 turns per conversation over 90 days (first replies and resolutions spread
log-normally around 10 minutes and 5 hours), 4 channels, 5 products with 4 features each, a
few tags, 30% rated, signals set as the scorer would (about 15% early warnings, with one
planted hotspot), and 15% of customers coming back. Repeat contacts carry the issue embedding
mining stores (``kb_conversation_vectors``), as they would after ``poise kb mine``; FCR then
compares stored vectors instead of running the encoder inside the request.

The rollup's build time printed here is the full rebuild (``count_all``); its old-against-new
figures at 100,000 to 1,000,000 messages (2 shared cores), and where its time goes, are in
docs/insights.md under "The full rebuild".
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, text

from poise.app import create_app
from poise.auth.actions import create_user, team_by_name
from poise.conversations.models import Conversation, Customer, Message, Rating
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.insights.rollup import count_all
from poise.knowledge.models import ConversationVector
from poise.knowledge.text import to_blob
from poise.settings import Settings

CHANNELS = ("email", "chat", "phone", "social")
PRODUCTS = ("Poise Mobile", "Router X2", "Web Dashboard", "Smart Plug", "Billing")
FEATURES = ("login", "sync", "billing", "setup")
TAGS = ("vip", "refund", "outage", "bug", "")
EMOTIONS = ("neutral", "angry", "frustrated", "confused", "satisfied")
PASSWORD = "benchmark-password-1"  # noqa: S105 - a throwaway database's users
DAYS = 90
CHUNK = 5000


def build(engine: Engine, messages: int, seed: int = 14) -> dict[str, int]:
    """Write the generated organisation with bulk inserts; returns the counts written."""
    rng = np.random.default_rng(seed)
    conversations = messages // 4
    with make_sessionmaker(engine)() as session:
        team_ids = [team_by_name(session, f"Team {t}", create=True).id for t in range(3)]
        agents = [
            create_user(session, actor=None, email=f"agent{i}@bench.example", name=f"Agent {i}",
                        role="agent", password=PASSWORD, team_id=team_ids[i % 3]).id
            for i in range(21)
        ]  # fmt: skip
        create_user(session, actor=None, email="lead@bench.example", name="Lead", role="lead",
                    password=PASSWORD, team_id=team_ids[0])  # fmt: skip
        create_user(session, actor=None, email="admin@bench.example", name="Admin",
                    role="admin", password=PASSWORD)  # fmt: skip
        session.commit()
    customers = int(conversations * 0.85)
    _bulk(engine, Customer, ({"source": "bench", "external_id": f"u{i}", "name": "Customer"}
                             for i in range(customers)))  # fmt: skip
    end = datetime.now(UTC)
    start = end - timedelta(days=DAYS)
    owner = np.where(
        rng.random(conversations) < 0.85,
        np.arange(conversations) % customers,
        rng.integers(0, customers, conversations),
    )
    opened = [
        start + timedelta(seconds=float(s)) for s in rng.uniform(0, DAYS * 86400, conversations)
    ]
    product = rng.integers(0, len(PRODUCTS), conversations)
    unhappy_p = np.where(product == 1, 0.30, 0.15)  # Router X2: the planted hotspot
    unhappy = rng.random(conversations) < unhappy_p
    resolved = rng.random(conversations) < 0.8
    # Times spread as a helpdesk's do (log-normal): first replies around 10 minutes,
    # resolutions around 5 hours, so the medians' histograms hold many buckets a day.
    reply = rng.lognormal(np.log(600), 1.0, conversations)
    resolve = reply + rng.lognormal(np.log(5 * 3600), 1.2, conversations)
    rows = (
        {
            "id": i + 1, "source": "bench", "external_id": f"c{i}",
            "channel": CHANNELS[i % 4], "subject": "A question", "purpose": "",
            "product": PRODUCTS[product[i]], "feature": FEATURES[(i // 7) % 4],
            "tags": [t for t in (TAGS[i % 5],) if t],
            "status": "resolved" if resolved[i] else "open",
            "customer_id": int(owner[i]) + 1, "assignee_id": agents[i % len(agents)],
            "opened_at": opened[i],
            "resolved_at": opened[i] + timedelta(seconds=resolve[i]) if resolved[i] else None,
            "last_message_at": opened[i] + timedelta(seconds=reply[i] + 60), "message_count": 4,
            "early_warning": bool(unhappy[i]),
            "escalation_risk": 0.7 if unhappy[i] and i % 3 == 0 else 0.2,
            "peak_negativity": 0.8 if unhappy[i] else 0.2,
            "turnaround": bool(unhappy[i] and i % 5 == 0),
        }
        for i in range(conversations)
    )  # fmt: skip
    _bulk(engine, Conversation, rows)
    _bulk(engine, Message, _messages(conversations, opened, reply, unhappy))
    _bulk(engine, Rating, (
        {"conversation_id": i + 1, "scale": "three" if i % 2 else "five",
         "score": int(rng.integers(1, 4 if i % 2 else 6)), "comment": "",
         "rated_at": opened[i] + timedelta(hours=3), "agent_id": agents[i % len(agents)]}
        for i in range(0, conversations, 3)
    ))  # fmt: skip
    repeat = np.bincount(owner, minlength=customers)[owner] > 1
    _bulk(engine, ConversationVector, (
        {"conversation_id": i + 1, "issue": "", "embedding": to_blob(_unit(i))}
        for i in range(conversations) if repeat[i]
    ))  # fmt: skip
    return {"conversations": conversations, "messages": conversations * 4,
            "vectors": int(repeat.sum())}  # fmt: skip


def _unit(i: int) -> np.ndarray:
    vector = np.random.default_rng(i % 50).standard_normal(384).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _messages(n: int, opened: list[datetime], reply: Any, unhappy: Any) -> Any:
    """Customer, agent (the first reply), customer, agent: the last three a minute apart."""
    for i in range(n):
        for turn in range(4):
            customer = turn % 2 == 0
            yield {
                "conversation_id": i + 1, "external_id": f"m{turn}",
                "author_role": "customer" if customer else "agent", "author_name": "",
                "body": "Still broken." if customer else "Let me check.",
                "sent_at": opened[i] + timedelta(seconds=float(reply[i]) + 60 * (turn - 1))
                if turn else opened[i],
                "negativity": (0.8 if unhappy[i] else 0.2) if customer else None,
                "emotion": EMOTIONS[(i + turn) % 5] if customer else None,
            }  # fmt: skip


def _bulk(engine: Engine, model: Any, rows: Any) -> None:
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) == CHUNK:
                conn.execute(insert(model.__table__), batch)
                batch = []
        if batch:
            conn.execute(insert(model.__table__), batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            table = model.__table__.name
            if "id" in model.__table__.c:
                reset = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608, E501 - our own table names
                conn.execute(text(reset))
            conn.execute(text(f"ANALYZE {table}"))


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds after one warm-up call."""
    call()
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begin) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def sign_in(client: TestClient, email: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def measure(url: str, messages: int, runs: int, data_dir: Path, *, reuse: bool = False) -> None:
    engine = make_engine(url)
    if not reuse:
        load(engine, messages)
    _measure_pages(engine, url, runs, data_dir)
    engine.dispose()


def load(engine: Engine, messages: int) -> None:
    """Wipe, generate, and build the rollup (timed)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    begin = time.perf_counter()
    counts = build(engine, messages)
    print(f"{engine.dialect.name}: built {counts} in {time.perf_counter() - begin:.0f} s")
    begin = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        counted = count_all(session, window_days=Settings.model_fields["fcr_window_days"].default)
    print(f"  rollup: {counted} conversations counted in {time.perf_counter() - begin:.0f} s")
    if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE insight_facts"))


def _measure_pages(engine: Engine, url: str, runs: int, data_dir: Path) -> None:
    today = date.today()
    period = f"start={today - timedelta(days=27)}&end={today}"
    first, last = datetime.now(UTC) - timedelta(days=28), datetime.now(UTC) + timedelta(days=1)

    def floor() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM conversations WHERE opened_at >= :a AND "
                              "opened_at < :b"), {"a": first, "b": last}).scalar()  # fmt: skip

    settings = Settings(environment="test", data_dir=data_dir, database_url=url,
                        secret_key="benchmark-secret-key-long-enough")  # fmt: skip
    with TestClient(create_app(settings)) as admin, TestClient(create_app(settings)) as lead:
        sign_in(admin, "admin@bench.example")
        sign_in(lead, "lead@bench.example")

        def get(client: TestClient, path: str) -> Callable[[], None]:
            def call() -> None:
                response = client.get(path)
                assert response.status_code == 200, response.text[:300]

            return call

        cases = {
            "SELECT count(*) floor (28 days)": floor,
            "dashboard, admin, all teams": get(admin, f"/insights?{period}"),
            "dashboard, lead, one team": get(lead, f"/insights?{period}"),
            "dashboard, admin, one product": get(admin, f"/insights?{period}&product=Router+X2"),
            "hotspot page": get(admin, f"/insights/hotspots?{period}"),
            "CSV summary": get(admin, f"/insights/export/summary.csv?{period}"),
            "CSV hotspots": get(admin, f"/insights/export/hotspots.csv?{period}"),
        }
        for name, call in cases.items():
            p50, p95 = timed(call, runs)
            print(f"  {name:34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
        hot = admin.get(f"/insights/hotspots?{period}").text
        print("  hotspot found:", "Router X2" in hot.split("Hotspot: early warnings")[0][-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL the benchmark may wipe")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the --postgres database as it is (no build)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            measure(f"sqlite:///{tmp}/bench.db", args.messages, args.runs, Path(tmp))
        if args.postgres:
            measure(args.postgres, args.messages, args.runs, Path(tmp), reuse=args.reuse)


if __name__ == "__main__":
    main()
