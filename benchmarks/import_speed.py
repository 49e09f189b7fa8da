"""Import speed and conversation-list latency at 200,000 messages, on SQLite and PostgreSQL.

Run by hand:  python benchmarks/import_speed.py [--messages 200000] [--agents 20] [--postgres URL]

``--agents N`` gives the file's agent turns the e-mails of N agents who are users, so turns
are linked to their author (customer turns are not): the mix of linked and unlinked turns a
real helpdesk export has.

Baseline, measured in the same run: a row-by-row ORM import (one ``session.add`` per customer,
conversation and message, the way a first version would write it) on a slice of the same file,
reported as messages/second. Goals (2-core machine): >= 10,000 messages/s on SQLite; the
conversation list's p95 < 100 ms at that size.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from poise.app import create_app
from poise.auth.actions import create_user
from poise.conversations.actions import import_file
from poise.conversations.importers import parse_file
from poise.conversations.models import Conversation, Customer, Message
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.settings import Settings

CHANNELS = ("email", "chat", "phone", "social")
PRODUCTS = ("Poise Mobile", "Router X2", "Web Dashboard", "Smart Plug", "Billing")
LINES = (
    "My bill doubled this month and nobody can tell me why.",
    "Thanks, that fixed it!",
    "The app logs me out every time I open it.",
    "Could you check order 48213? It still hasn't shipped.",
    "I've been waiting three weeks for my refund, this is ridiculous.",
    "How do I export my reports to CSV?",
)


def agent_email(n: int) -> str:
    return f"agent{n}@example.com"


def make_csv(path: Path, messages: int, seed: int = 1, turns: int = 10, agents: int = 0) -> None:
    """A generated one-row-per-message CSV with ``turns`` turns per conversation (customer and
    agent in turn) and some ratings; with ``agents``, agent turns carry one of their e-mails."""
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    header = [
        "conversation_id",
        "message_id",
        "channel",
        "author_role",
        "author",
        "body",
        "sent_at",
        "customer_id",
        "product",
        "status",
        "rating",
        "rating_comment",
    ] + (["author_email"] if agents else [])
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for c in range(messages // turns):
            at = start + timedelta(minutes=rng.randrange(90 * 24 * 60))
            channel, product = rng.choice(CHANNELS), rng.choice(PRODUCTS)
            rating = rng.choice(("good", "okay", "bad", "", "", ""))
            for m in range(turns):
                role = "customer" if m % 2 == 0 else "agent"
                at += timedelta(minutes=rng.randrange(1, 30))
                last = m == turns - 1
                email = agent_email((c + m) % agents) if agents and role == "agent" else ""
                writer.writerow(
                    [
                        f"c{c}",
                        f"m{m}",
                        channel,
                        role,
                        f"{role}-{c % 997}",
                        rng.choice(LINES),
                        at.isoformat(),
                        f"cust{c % 12000}",
                        product,
                        "resolved",
                        rating if last else "",
                        "Kind and quick" if last and rating else "",
                    ]
                    + ([email] if agents else [])
                )


DEMO_RATINGS = {1: "bad", 2: "okay", 3: "good"}
DEMO_CHUNK = 2000  # conversations generated at a time (a few MB), each with its own seed


def make_demo_csv(path: Path, messages: int, seed: int = 1) -> dict[str, int]:
    """A CSV of the demo generator's conversations (``poise demo``'s phrasings, lengths,
    greetings, signatures and agent e-mails) until ``messages`` rows are written.

    Why beside ``make_csv``: its six lines are fine for import and pages but flatter anything
    that remembers texts (the scorer, drift, FCR). The issue's own scoring figures came from
    demo-generator data. Returns the counts written, with the distinct customer texts.
    """
    from poise.demo.generator import generate_demo

    header = ["conversation_id", "message_id", "channel", "author_role", "author", "body"]
    header += ["sent_at", "customer_id", "product", "status", "rating", "author_email"]
    counts = {"messages": 0, "conversations": 0, "customer_turns": 0}
    distinct: set[int] = set()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        chunk = 0
        while counts["messages"] < messages:
            org = generate_demo(seed + chunk, conversations=DEMO_CHUNK, now=now)
            for conv in org.conversations:
                if counts["messages"] >= messages:
                    break
                rating = DEMO_RATINGS.get(conv.rating.score, "") if conv.rating else ""
                customer = conv.customer.external_id if conv.customer else ""
                for n, msg in enumerate(conv.messages):
                    last = n == len(conv.messages) - 1
                    writer.writerow(
                        [
                            f"d{chunk}-{conv.external_id}",
                            msg.external_id,
                            conv.channel,
                            msg.author_role,
                            msg.author_name or msg.author_role,
                            msg.body,
                            msg.sent_at.isoformat(),
                            f"d{chunk}-{customer}" if customer else "",
                            conv.product or "",
                            conv.status or "resolved",
                            rating if last else "",
                            msg.author_email or "",
                        ]
                    )
                    if msg.author_role == "customer":
                        counts["customer_turns"] += 1
                        distinct.add(hash(msg.body))
                counts["messages"] += len(conv.messages)
                counts["conversations"] += 1
            chunk += 1
    counts["distinct_customer_texts"] = len(distinct)
    return counts


def fresh_database(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


def add_agents(url: str, agents: int) -> None:
    """The users whose e-mails ``make_csv(agents=...)`` writes on agent turns."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        for n in range(agents):
            create_user(
                session,
                actor=None,
                email=agent_email(n),
                name=f"Agent {n}",
                role="agent",
                password="bench-password",
            )
    engine.dispose()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_import(url: str, data: bytes) -> tuple[float, float, int]:
    """Seconds for the first import, seconds for an identical second one, messages written."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    written = 0

    def run() -> None:
        nonlocal written
        with maker() as session:
            report = import_file(
                session, actor=None, data=data, filename="bench.csv", fmt="csv", source="bench"
            )
            assert report.status == "imported", report.errors[:3]
            written += report.counts.messages_created

    first = timed(run)
    second = timed(run)
    engine.dispose()
    return first, second, written


def bench_baseline(url: str, data: bytes, limit: int) -> float:
    """Messages/s of a naive row-by-row ORM import of the first ``limit`` messages."""
    parsed = parse_file(data, "csv")
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    done = 0
    start = time.perf_counter()
    customers: dict[str, Customer] = {}
    with maker() as session:
        for rec in parsed.conversations:
            key = rec.customer.external_id if rec.customer else ""
            if key not in customers:
                customers[key] = Customer(source="baseline", external_id=key)
                session.add(customers[key])
            conv = Conversation(
                source="baseline",
                external_id=rec.external_id,
                channel=rec.channel,
                product=rec.product,
                opened_at=rec.messages[0].sent_at,
                customer=customers[key],
            )
            session.add(conv)
            for m in rec.messages:
                session.add(
                    Message(
                        conversation=conv,
                        external_id=m.external_id,
                        author_role=m.author_role,
                        body=m.body,
                        sent_at=m.sent_at,
                    )
                )
                done += 1
            session.flush()
            if done >= limit:
                break
        session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return done / elapsed


def bench_list(url: str, data_dir: Path, requests: int) -> dict[str, tuple[float, float]]:
    """p50/p95 milliseconds of the conversation list page and API under typical filters."""
    settings = Settings(environment="test", database_url=url, data_dir=data_dir, page_size=50)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        create_user(
            session,
            actor=None,
            email="bench@example.com",
            name="Bench",
            role="agent",
            password="bench-password",
        )
    engine.dispose()
    queries = [
        "",
        "?channel=chat",
        "?status=resolved&product=Router+X2",
        "?page=40",
        "?opened_from=2026-09-01&opened_to=2026-09-07",
        "?channel=email&product=Billing&page=3",
    ]
    results: dict[str, tuple[float, float]] = {}
    with TestClient(create_app(settings)) as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": "bench@example.com", "password": "bench-password", "csrf_token": token},
        )
        for label, prefix in (("page", "/conversations"), ("api", "/api/v1/conversations")):
            times = []
            for i in range(requests):
                q = queries[i % len(queries)]
                start = time.perf_counter()
                response = client.get(prefix + q)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text[:200]
            times.sort()
            results[label] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--baseline-messages", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--agents", type=int, default=20, help="agents with e-mails; 0: none")
    parser.add_argument(
        "--postgres",
        default="",
        help="PostgreSQL URL of a scratch database (its public schema is wiped); none: skip",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        csv_path = tmpdir / "bench.csv"
        make_csv(csv_path, args.messages, agents=args.agents)
        data = csv_path.read_bytes()
        print(f"{args.messages:,} messages, {len(data) / 1e6:.1f} MB of CSV")
        backends = {"sqlite": f"sqlite:///{tmpdir / 'bench.db'}"}
        if args.postgres:
            backends["postgresql"] = args.postgres
        print(
            f"{'backend':<11} {'import msg/s':>13} {'re-import s':>12} {'baseline msg/s':>15} "
            f"{'list p50/p95 ms':>16} {'api p50/p95 ms':>15}"
        )
        for name, url in backends.items():
            fresh_database(url)
            baseline = bench_baseline(url, data, args.baseline_messages)
            fresh_database(url)
            add_agents(url, args.agents)
            first, second, written = bench_import(url, data)
            lists = bench_list(url, tmpdir / name, args.requests)
            page, api = lists["page"], lists["api"]
            print(
                f"{name:<11} {written / first:>13,.0f} {second:>12.2f} {baseline:>15,.0f} "
                f"{page[0]:>7.1f}/{page[1]:<8.1f} {api[0]:>6.1f}/{api[1]:<8.1f}"
            )


if __name__ == "__main__":
    main()
