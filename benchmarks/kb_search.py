"""Manual search latency over 10,000 published articles and mining time for 20,000 conversations,
on SQLite and PostgreSQL, beside a BM25 baseline (bm25s) measured in the same run.

Run by hand (nice it on a shared machine):
    python benchmarks/kb_search.py [--articles 10000] [--conversations 20000] [--queries 300]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--skip-mining]

PostgreSQL runs in its own schema ``kb_bench``, created and dropped here (never ``public``).
Texts are CLINC150 queries when ../shared/data is present, else generated sentences. Stored
article embeddings are random unit vectors (search time does not depend on their values, and
embedding 30,000 texts would dominate the set-up); every query is embedded for real, so the
end-to-end figure includes the MiniLM forward pass; the "index only" figure reuses a query's
vector to show the database + NumPy part alone. Mining embeds every conversation for real.
Goals: search p99 < 30 ms; mining 20,000 conversations < 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from poise.conversations.records import ConversationRecord, CustomerRecord, MessageRecord
from poise.conversations.writer import write_conversations
from poise.db import make_engine, make_sessionmaker
from poise.db.migrate import upgrade
from poise.knowledge import search as search_module
from poise.knowledge import vectors as kb_vectors
from poise.knowledge.mining import mine
from poise.knowledge.models import Article, Phrasing
from poise.knowledge.text import to_blob
from poise.minilm import encoder as encoder_module

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SCHEMA = "kb_bench"
_WORDS = (
    "refund order card password account delivery parcel invoice plan subscription router "
    "app login payment bank transfer charge fee upgrade cancel reset email phone address "
    "late missing broken declined locked double wrong slow crash error"
)
WORDS = _WORDS.split()


def corpus(n: int, seed: int) -> list[str]:
    """n customer-style sentences: CLINC150 queries when available, else generated."""
    path = SHARED / "clinc150" / "data_full.json"
    rng = random.Random(seed)
    if path.exists():
        data = json.loads(path.read_text())
        texts = [t for split in ("train", "val", "test") for t, _ in data[split]]
        texts += [t for split in ("oos_train", "oos_val", "oos_test") for t, _ in data[split]]
        rng.shuffle(texts)
        return [texts[i % len(texts)] for i in range(n)]
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))) for _ in range(n)]


def unit_vectors(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@contextmanager
def database(backend: str, postgres: str | None) -> Iterator[Engine]:
    """A fresh, migrated database: a temp SQLite file, or the kb_bench schema."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    assert postgres
    admin = make_engine(postgres)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(postgres)

    @event.listens_for(engine, "connect")
    def _path(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET search_path TO {SCHEMA}")
        cursor.close()

    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def build_manual(session: Session, n: int) -> tuple[float, list[str]]:
    """n published articles with two phrasings each; returns the indexing time and texts."""
    texts = corpus(3 * n, seed=1)
    vectors = unit_vectors(3 * n, seed=2)
    articles = []
    for i in range(n):
        a, b, c = texts[3 * i : 3 * i + 3]
        article = Article(
            title=a[:80],
            issue=a,
            resolution=f"1. Check the account.\n2. {b}",
            status="published",
            embedding=to_blob(vectors[3 * i]),
            tags=[],
            product=f"Product {i % 7}",
        )
        article.phrasings = [
            Phrasing(text=b, embedding=to_blob(vectors[3 * i + 1])),
            Phrasing(text=c, embedding=to_blob(vectors[3 * i + 2])),
        ]
        articles.append(article)
    kb_vectors.claim(session)  # the random vectors stand for today's encoder's
    session.add_all(articles)
    session.flush()
    started = time.perf_counter()
    search_module.reindex_articles(session, articles)
    session.commit()
    return time.perf_counter() - started, texts


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p99_ms": round(p99 * 1000, 2)}


def timed(calls: list[Callable[[], object]]) -> dict[str, float]:
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def bench_search(session: Session, queries: list[str]) -> dict[str, Any]:
    search_module.search(session, "warm up the index")  # loads the in-memory index once
    encoder_module._cached_query.cache_clear()  # every backend embeds its queries afresh
    end_to_end = timed([lambda q=q: search_module.search(session, q) for q in queries])
    # The same queries again: their vectors are cached, leaving the database and NumPy work.
    index_only = timed([lambda q=q: search_module.search(session, q) for q in queries])
    return {"end_to_end": end_to_end, "index_only": index_only}


def bench_bm25(texts: list[str], queries: list[str]) -> dict[str, Any]:
    """The baseline: bm25s over the same article texts (issue + phrasings), top 5."""
    import bm25s

    retriever = bm25s.BM25()
    started = time.perf_counter()
    retriever.index(bm25s.tokenize(texts, show_progress=False), show_progress=False)
    build = time.perf_counter() - started

    def one(query: str) -> object:
        tokens = bm25s.tokenize([query], show_progress=False)
        return retriever.retrieve(tokens, k=5, show_progress=False)

    return {"index_s": round(build, 2), **timed([lambda q=q: one(q) for q in queries])}


def seed_conversations(session: Session, n: int) -> float:
    texts = corpus(n, seed=5)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    records = []
    for i, line in enumerate(texts):
        at = start + timedelta(minutes=7 * i)
        records.append(
            ConversationRecord(
                external_id=f"b{i}",
                channel="chat",
                subject="",
                status="resolved",
                resolved_at=at + timedelta(minutes=20),
                customer=CustomerRecord(f"cust{i % (n // 2 or 1)}", ""),
                messages=[
                    MessageRecord("1", "customer", line, at),
                    MessageRecord("2", "agent", "Thanks, I'm looking into it now.", at),
                    MessageRecord("3", "agent", f"Please try this: {texts[(i + 1) % n]}", at),
                ],
            )
        )
    started = time.perf_counter()
    for chunk in range(0, n, 2000):
        write_conversations(session, "bench", records[chunk : chunk + 2000])
        session.commit()
    return time.perf_counter() - started


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend}
    queries = corpus(args.queries, seed=9)
    with database(backend, args.postgres) as engine, make_sessionmaker(engine)() as session:
        index_s, texts = build_manual(session, args.articles)
        result["articles"] = args.articles
        result["index_build_s"] = round(index_s, 2)
        result["poise_search"] = bench_search(session, queries)
        result["bm25_search"] = bench_bm25(texts, queries)
        if not args.skip_mining:
            result["seed_conversations_s"] = round(
                seed_conversations(session, args.conversations), 1
            )
            started = time.perf_counter()
            summary = mine(session, actor=None, window_days=7)
            result["mining_s"] = round(time.perf_counter() - started, 1)
            result["mining"] = str(summary)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("POISE_BENCH_POSTGRES"))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--skip-mining", action="store_true")
    args = parser.parse_args()
    encoder_module.get_encoder()
    print(f"load average before: {os.getloadavg()}", flush=True)
    for backend in args.backends.split(","):
        if backend == "postgresql" and not args.postgres:
            print("postgresql: skipped (pass --postgres URL)")
            continue
        print(json.dumps(run_backend(backend, args)), flush=True)
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
