"""Do the pages that summarise everything stay flat as messages grow? 100k against 1M messages.

Run by hand:  python benchmarks/pages_flat.py [--sizes 100000 1000000] [--postgres URL]
                                               [--no-sqlite] [--runs 20] [--every-page]
                                               [--only PAGE...] [--folder DIR]

Issue 15's acceptance: the signals overview and the list pages at 1,000,000 messages are
within 2x of their times at 100,000. For each size this imports a generated CSV (10 turns a
conversation, 90 days, ``import_speed.make_csv``), moves its dates so the last day is today
(the overview counts the last 30 days), marks the customer turns scored as the scorer would
(a version, an emotion; every 7th conversation flagged for early warning and every 50th left
open), then times through HTTP, signed in as an admin and as an agent: the signals overview
(``/signals`` and ``/signals?assignee=team``), the conversation list (first page, a middle
page, one channel, one signal, the last 7 days) and the list API. Each size has its own
database (``--postgres`` names a scratch database; one database per size is made beside it,
its public schema wiped), and the sizes take turns request by request, so the ratio holds
on a machine whose load changes during the run. Prints p50/p95 ms per size and the
1M ÷ 100k ratio of the p50s.

Every conversation is assigned to one of the 20 agents (its rating credits the assignee) and
customer turns get a negativity (``id % 10 / 10``), so exposure has negative turns and praise
to count, and the insights rollup is counted after the load (``count_all``, timed), as the
rollup job would have. ``--folder`` keeps the SQLite files there and reuses the databases an
earlier run loaded (SQLite and PostgreSQL alike), so one load can be timed by two versions of
the code in turn (``PYTHONPATH`` naming the other
checkout's ``src``); ``--only`` times only the pages whose name holds one of its words.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from import_speed import add_agents, fresh_database, make_csv
from sqlalchemy import create_engine, make_url, text

from poise.app import create_app
from poise.auth.actions import create_user, team_by_name
from poise.conversations.actions import import_file
from poise.db import make_engine, make_sessionmaker
from poise.insights.rollup import count_all
from poise.settings import Settings

PASSWORD = "bench-password"  # noqa: S105 - import_speed.add_agents' throwaway accounts

PAGES = {
    "signals overview": "/signals",
    "signals overview, my team": "/signals?assignee=team",
    "list, first page": "/conversations",
    "list, middle page": "/conversations?page={middle}",
    "list, one channel": "/conversations?channel=chat",
    "list, one signal": "/conversations?signal=early_warning",
    "list, last 7 days": "/conversations?opened_from={week_ago}",
    "list API": "/api/v1/conversations",
}
# ``--every-page``: the other pages a lead opens, which should not grow with the messages either
# (the insights pages read the rollup's facts, which this benchmark does not count).
MORE_PAGES = {
    "home": "/",
    "list, search two words": "/conversations?q=refund+router",
    "list, search one word": "/conversations?q=refund",
    "manual": "/manual",
    "manual search": "/manual/search?q=refund+not+received",
    "manual gaps": "/manual/gaps",
    "manual FCR": "/manual/fcr",
    "manual proposals": "/manual/proposals",
    "insights": "/insights",
    "insights hotspots": "/insights/hotspots",
    "insights exposure": "/insights/exposure",
    "insights team exposure": "/insights/exposure/team",
    "insights digest": "/insights/digest",
    "alerts": "/alerts",
    "morale": "/morale",
    "morale balance": "/morale/balance",
    "morale team balance": "/morale/balance/team",
    "morale kudos": "/morale/kudos",
    "wall": "/wall",
    "training": "/training",
    "training progress": "/training/progress",
    "import": "/import",
    "admin users": "/admin/users",
}


def load(url: str, csv_path: Path, folder: Path) -> None:
    """Import the file unscored, then date it up to today and mark it scored."""
    fresh_database(url)
    add_agents(url, 20)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, csv_path.open("rb") as data:
        import_file(session, actor=None, data=data, filename=csv_path.name, fmt="csv")
        session.commit()
    shift_and_score(engine)
    start = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        count_all(session, window_days=7)
    print(f"  rollup counted in {time.perf_counter() - start:.0f} s")
    engine.dispose()


def shift_and_score(engine: object) -> None:
    """Move every date so the newest is now; give customer turns a version and an emotion."""
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with engine.begin() as conn:
        newest = conn.execute(text("SELECT max(sent_at) FROM messages")).scalar_one()
        if isinstance(newest, str):  # SQLite keeps text
            newest = datetime.fromisoformat(newest)
        if newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        days = (datetime.now(UTC) - newest).days
        if engine.dialect.name == "postgresql":
            by = "{column} + make_interval(days => :days)"
        else:  # SQLite keeps ISO text; datetime() drops the offset, as the ORM writes it, and
            # the microseconds, which the ORM writes: without them a turn at midnight compares
            # as before a week's bound in SQL (the CSV's times are whole minutes)
            by = "datetime({column}, '+' || :days || ' days') || '.000000'"
        for table, column in (("messages", "sent_at"), ("conversations", "opened_at")):
            update = f"UPDATE {table} SET {column} = " + by.format(column=column)  # noqa: S608
            conn.execute(text(update), {"days": days})
        conn.execute(
            text(
                "UPDATE messages SET signal_version = 'bench', emotion = CASE id % 4 "
                "WHEN 0 THEN 'neutral' WHEN 1 THEN 'frustrated' WHEN 2 THEN 'satisfied' "
                "ELSE 'confused' END, negativity = (id % 10) / 10.0 "
                "WHERE author_role = 'customer'"
            )
        )
        # Every conversation assigned to one of the 20 agents (ids in a row), its rating
        # crediting the assignee, so exposure and the balance have weeks to count.
        conn.execute(
            text(
                "UPDATE conversations SET assignee_id = "
                "(SELECT min(id) FROM users WHERE role = 'agent') + id % 20"
            )
        )
        conn.execute(
            text(
                "UPDATE ratings SET agent_id = (SELECT assignee_id FROM conversations c "
                "WHERE c.id = ratings.conversation_id)"
            )
        )
        conn.execute(
            text(
                "UPDATE conversations SET early_warning = (id % 7 = 0), "
                "escalation_risk = (id % 10) / 10.0, "
                "status = CASE WHEN id % 50 = 0 THEN 'open' ELSE status END"
            )
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def sign_in(client: TestClient, email: str) -> None:
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code in (200, 303), response.text[:200]


def add_admin(url: str) -> None:
    """The admin who reads the pages, and every user in one team (the agent sees the team's)."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        team = team_by_name(session, "Bench", create=True)
        create_user(
            session,
            actor=None,
            email="admin@bench.example",
            name="Admin",
            role="admin",
            password=PASSWORD,
            team_id=team.id,
        )
        session.execute(text("UPDATE users SET team_id = :t"), {"t": team.id})
        session.commit()
    engine.dispose()


def time_pages(
    urls: dict[int, str], folder: Path, runs: int, pages: dict[str, str] = PAGES
) -> dict[int, dict[str, float]]:
    """p50 and p95 ms of every page for an admin and an agent at each size, keyed
    "role page p50|p95". The sizes take turns request by request, so a change in the
    machine's load between them (this is a shared 2-core machine) moves both alike."""
    stack = ExitStack()
    clients: dict[tuple[int, str], TestClient] = {}
    for size, url in urls.items():
        settings = Settings(environment="test", database_url=url, data_dir=folder, page_size=50)
        for role, email in (("admin", "admin@bench.example"), ("agent", "agent1@example.com")):
            client = stack.enter_context(TestClient(create_app(settings)))
            sign_in(client, email)
            clients[(size, role)] = client
    times: dict[tuple[int, str], list[float]] = defaultdict(list)
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    with stack:
        for run in range(runs + 1):  # the first round warms up
            for (size, role), client in clients.items():
                for name, path in pages.items():
                    path = path.format(middle=max(1, size // 10 // 50 // 2), week_ago=week_ago)
                    start = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - start) * 1000
                    if response.status_code == 403:  # a lead's page, read as an agent
                        continue
                    assert response.status_code in (200, 303), (path, response.status_code)
                    if run:
                        times[(size, f"{role} {name}")].append(elapsed)
    found: dict[int, dict[str, float]] = defaultdict(dict)
    for (size, key), values in times.items():
        values.sort()
        found[size][f"{key} p50"] = statistics.median(values)
        found[size][f"{key} p95"] = values[max(0, int(len(values) * 0.95) - 1)]
    return found


def database_per_size(backend: str, base: str, folder: Path, sizes: list[int]) -> dict[int, str]:
    """A database for each size: SQLite files in ``folder``; PostgreSQL databases named after
    ``base``'s, with the size appended, made when missing (their schema is wiped by ``load``)."""
    if backend == "sqlite":
        return {size: f"sqlite:///{folder / f'bench-{size}.db'}" for size in sizes}
    url = make_url(base)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    urls = {}
    with admin.connect() as conn:
        for size in sizes:
            name = f"{url.database}_{size}"
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            urls[size] = url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--postgres", default="", help="URL of a scratch PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--every-page", action="store_true", help="also time MORE_PAGES")
    parser.add_argument("--only", nargs="+", default=[], help="time only pages naming these")
    parser.add_argument("--folder", default="", help="keep (and reuse) the SQLite files here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        backends = [] if args.no_sqlite else ["sqlite"]
        if args.postgres:
            backends.append("postgresql")
        for backend in backends:
            urls = database_per_size(backend, args.postgres, folder, args.sizes)
            for size, url in urls.items():
                if args.folder and loaded(backend, url, folder / f"bench-{size}.db"):
                    continue
                csv_path = folder / f"{size}.csv"
                if not csv_path.exists():
                    make_csv(csv_path, size, agents=20)
                start = time.perf_counter()
                load(url, csv_path, folder)
                add_admin(url)
                print(f"{backend} {size:,} messages loaded in {time.perf_counter() - start:.0f} s")
            pages = {**PAGES, **MORE_PAGES} if args.every_page else PAGES
            if args.only:
                pages = {k: v for k, v in pages.items() if any(w in k for w in args.only)}
            report(backend, args.sizes, time_pages(urls, folder, args.runs, pages))


def loaded(backend: str, url: str, path: Path) -> bool:
    """Whether an earlier run (``--folder``) left this size's database loaded: its admin is
    added last."""
    if backend == "sqlite" and not path.exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT 1 FROM users WHERE email = 'admin@bench.example'")
            return conn.scalar(query) is not None
    except Exception:  # no tables yet: not loaded
        return False
    finally:
        engine.dispose()


def report(backend: str, sizes: list[int], results: dict[int, dict[str, float]]) -> None:
    first, last = sizes[0], sizes[-1]
    print(f"\n{backend}: p50 / p95 ms; ratio = p50 at {last:,} ÷ p50 at {first:,}")
    for key in results[first]:
        if not key.endswith("p50") or key not in results[last]:
            continue
        label = key.removesuffix(" p50")
        cells = [f"{results[s][key]:,.0f} / {results[s][label + ' p95']:,.0f}" for s in sizes]
        ratio = results[last][key] / results[first][key]
        print(f"  {label:<36} " + "   ".join(cells) + f"   ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
