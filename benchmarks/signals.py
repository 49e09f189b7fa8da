"""Signals speed: scoring throughput beside VADER, and the assist endpoint's latency.

Run by hand:  python benchmarks/signals.py [--messages 2048] [--requests 400]

Baselines in the same run: VADER (vaderSentiment) scoring the same texts, one at a time and in
batches; and ``GET /healthz`` over the same HTTP connection, the floor any endpoint pays.
Goals (2-core machine): >= 500 messages/s in batches of 256; assist p99 < 50 ms. The caches
of recent texts (scores, encoder outputs, query embeddings) are cleared before each measured
batch and each assist request, so repeats do not flatter the numbers.

Assist is timed three ways: a stored conversation (its signals were stored when its messages
were scored, so the panel reads them), the same with a purpose given (drift is recomputed, the
worst case), and a new text scored live (a helpdesk sidebar's message).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from poise.app import create_app
from poise.auth.actions import create_api_token, create_user
from poise.conversations.scoring import score_messages
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.demo_loader import load_demo
from poise.settings import Settings
from poise.signals import get_scorer

AIRLINE = (
    Path(__file__).resolve().parents[1].parent / "shared/data/twitter-airline-sentiment/Tweets.csv"
)


def texts(n: int) -> list[str]:
    """Realistic customer texts: airline tweets when the shared data is here, else the demo's."""
    if AIRLINE.exists():
        with AIRLINE.open(encoding="utf-8") as f:
            pool = sorted({row["text"] for row in csv.DictReader(f)})
    else:
        from poise.demo import generate_demo

        org = generate_demo(3, conversations=800, now=datetime(2026, 11, 1, tzinfo=UTC))
        pool = [
            m.body for c in org.conversations for m in c.messages if m.author_role == "customer"
        ]
    random.Random(5).shuffle(pool)
    return pool[:n]


def rate(fn: Callable[[Sequence[str]], object], items: list[str], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), batch):
        fn(items[i : i + batch])
    return len(items) / (time.perf_counter() - start)


def bench_scoring(items: list[str]) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    scorer = get_scorer("negativity")
    scorer.score("warm up")

    def poise_batch(chunk: Sequence[str]) -> object:
        scorer.clear_cache()
        return scorer.score_batch(list(chunk))

    def vader_batch(chunk: Sequence[str]) -> object:
        return [vader.polarity_scores(t) for t in chunk]

    single = items[:300]
    print(f"{'scorer':<22} {'single msg/s':>13} {'batch-256 msg/s':>16}")
    print(
        f"{'poise ' + scorer.version:<22} {rate(poise_batch, single, 1):>13,.0f} "
        f"{rate(poise_batch, items, 256):>16,.0f}"
    )
    print(
        f"{'vader (baseline)':<22} {rate(vader_batch, single, 1):>13,.0f} "
        f"{rate(vader_batch, items, 256):>16,.0f}"
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def bench_assist(requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", data_dir=Path(tmp), secret_key="bench" * 8)
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            load_demo(session, seed=11, conversations=400, now=datetime.now(UTC))
            score_messages(session)
            admin = create_user(  # reads every team's conversations
                session,
                actor=None,
                email="bench@example.com",
                name="Bench",
                role="admin",
                password="bench-password",
            )
            token = create_api_token(session, actor=None, user=admin)
        engine.dispose()
        server = uvicorn.Server(uvicorn.Config(create_app(settings), port=8765, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        headers = {"Authorization": f"Bearer {token}"}
        rng = random.Random(3)
        with httpx.Client(base_url="http://127.0.0.1:8765", headers=headers) as client:
            floor = [timed(lambda: client.get("/healthz")) for _ in range(requests)]
            conversations = [{"conversation_id": rng.randint(1, 400)} for _ in range(requests)]
            stored = [cold(client, body) for body in conversations]
            purpose = "my order never arrived"
            recomputed = [cold(client, {**body, "purpose": purpose}) for body in conversations]
            sidebar = [
                {"messages": [{"author_role": "customer", "body": t}]} for t in texts(requests)
            ]
            live = [cold(client, body) for body in sidebar]
        server.should_exit = True
        thread.join()
    print(f"\n{'request (caches cleared before each)':<48} {'p50 ms':>8} {'p99 ms':>8}")
    for label, samples in (
        ("GET /healthz (baseline: HTTP floor)", floor),
        ("POST /api/v1/assist, stored conversation", stored),
        ("  ... with a purpose given (drift recomputed)", recomputed),
        ("POST /api/v1/assist, new text scored live", live),
    ):
        p50, p99 = percentiles(samples)
        print(f"{label:<48} {p50:>8.1f} {p99:>8.1f}")


def cold(client: httpx.Client, body: dict[str, object]) -> float:
    """Time one request after forgetting every remembered text and query embedding, so each
    request pays for its model work as if it were the first."""
    from poise.minilm.encoder import _cached_query

    get_scorer("negativity").clear_cache()
    _cached_query.cache_clear()
    return timed(lambda: client.post("/api/v1/assist", json=body))


def timed(call: Callable[[], httpx.Response]) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.text[:300]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2048)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    bench_scoring(texts(args.messages))
    bench_assist(args.requests)


if __name__ == "__main__":
    main()
