"""Every GET page and API list, signed in as an admin, a lead and an agent: ms and SQL statements.

Run by hand:
    POISE_DATA_DIR=DIR poise demo --no-serve       # DIR/poise.db: 3,000 conversations
    python benchmarks/page_speed.py grow DIR/poise.db BIG.db [--conversations 40000]
                                         [--long 40] [--long-turns 400]
    python benchmarks/page_speed.py time DIR/poise.db BIG.db [--baseline-src OTHER/src]
                                         [--runs 5] [--rounds 1] [--only WORD...]
                                         [--roles admin lead agent] [--slow 300]

``grow`` copies a demo database and imports more of the demo generator's conversations into it
(``import_speed.make_demo_csv``), plus ``--long`` conversations of ``--long-turns`` turns each
(``import_speed.make_csv``), all marked scored, assigned round-robin to the demo's agents and
credited to them, then counts the insights rollup as its job would (``count_all``; about 15
minutes for 50,000 conversations on 2 cores), so every page has rows to show.

``time`` finds every GET route of the app (pages and ``/api/v1``), fills each path parameter
with a record the role can see (the longest conversation of the agent's), and requests each
page once cold (the first request of a fresh process for that role) and ``--runs`` times warm,
counting the SQL statements of each request. Each database, role and side (``--baseline-src``
names another checkout's ``src``, e.g. ``git worktree add ../old main``'s) runs in a process
of its own with that code on ``PYTHONPATH``; ``--rounds`` runs each side that many times, the
sides in turns (this 2-core machine is shared: its load moves between runs), and takes the
medians. Prints per page: warm p50 ms, cold ms and statements per side, the baseline ÷ this
ratio, how the statements grow from the first database to the last (a count that grows with
the rows is an N+1), and ``same SQL ×N`` where one statement ran N >= 3 times in a request
(the usual shape of an N+1). Pages over ``--slow`` ms (300), or whose statements grow, are
marked ``*``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

OWN_SRC = Path(__file__).resolve().parents[1] / "src"
PASSWORD = "bench-password"  # noqa: S105 - a throwaway password given to the benchmark's users
ROLES = ("admin", "lead", "agent")
SKIPPED = re.compile(r"^/(login|docs|redoc|healthz|favicon\.ico|api/v1/openapi\.json)$|/new$")
# Path parameters: the table whose row each names (the role's own, where the SQL says so).
SAMPLES = {
    "conversation_id": "SELECT id FROM conversations WHERE assignee_id = :agent "
    "ORDER BY message_count DESC, id LIMIT 1",
    "user_id": "SELECT :agent",
    "article_id": "SELECT min(id) FROM kb_articles",
    "run_id": "SELECT max(id) FROM import_runs",
    "item_id": "SELECT min(id) FROM happy_items WHERE owner_id = :me",
    "review_id": "SELECT min(id) FROM peer_reviews",
    "round_id": "SELECT min(id) FROM kudos_rounds",
    "hug_id": "SELECT min(id) FROM hugs",
    "lesson_id": "SELECT min(id) FROM training_lessons",
    "attempt_id": "SELECT min(id) FROM training_practice_attempts",
    "scenario_id": "SELECT min(id) FROM training_scenarios",
    "drill_id": "SELECT min(id) FROM training_drills",
    "reflection_id": "SELECT min(id) FROM training_reflections WHERE author_id = :me",
    "rule_id": "SELECT min(id) FROM alert_rules",
    "job_id": "SELECT max(id) FROM job_runs",
    "table": "SELECT 'weekly'",
}
# Query strings a route needs (a search's words, a team), and the variants worth timing too.
QUERIES = {
    "/api/v1/kb/search": ["?q=refund+not+received"],
    "/api/v1/insights/exposure/team": ["?team={team}"],
    "/insights/exposure/team": ["", "?team={team}"],
    # A search for a common word, a customer's name, a helpdesk id, and a word in none.
    "/conversations": [
        "",
        "?page={middle}",
        "?q=refund",
        "?q=ahmed",
        "?q=d3-demo-0042",
        "?q=parrot",
        "?channel=chat",
    ],
    "/api/v1/conversations": ["", "?page={middle}"],
    "/manual/search": ["?q=refund+not+received"],
}


# -- grow ---------------------------------------------------------------------------------


def grow(source: Path, target: Path, conversations: int, long: int, long_turns: int) -> None:
    """A copy of ``source`` with ``conversations`` more demo-like ones and ``long`` long ones."""
    sys.path.insert(0, str(Path(__file__).parent))
    from import_speed import make_csv, make_demo_csv

    from poise.conversations.actions import import_file
    from poise.db import make_engine, make_sessionmaker
    from poise.insights.rollup import count_all

    shutil.copyfile(source, target)
    engine = make_engine(f"sqlite:///{target}")
    with tempfile.TemporaryDirectory() as folder:
        demo_csv, long_csv = Path(folder, "demo.csv"), Path(folder, "long.csv")
        make_demo_csv(demo_csv, messages=conversations * 8, seed=11)
        make_csv(long_csv, long * long_turns, seed=5, turns=long_turns)
        for path in (demo_csv, long_csv):
            began = time.perf_counter()
            with make_sessionmaker(engine)() as session, path.open("rb") as data:
                report = import_file(session, actor=None, data=data, filename=path.name, fmt="csv")
                session.commit()
            took = time.perf_counter() - began
            print(
                f"{path.name}: {report.counts.conversations_created:,} conversations, "
                f"{report.counts.messages_created:,} messages in {took:.0f} s",
                flush=True,
            )
    with engine.begin() as conn:
        _mark_scored(conn)
    with make_sessionmaker(engine)() as session:  # as the rollup job would have
        count_all(session, window_days=7)
    engine.dispose()


def _mark_scored(conn: Any) -> None:
    """Give the imported customer turns a score and every unassigned conversation an agent."""
    from sqlalchemy import text

    conn.execute(
        text(
            "UPDATE messages SET signal_version = 'bench', emotion = CASE id % 4 "
            "WHEN 0 THEN 'neutral' WHEN 1 THEN 'frustrated' WHEN 2 THEN 'satisfied' "
            "ELSE 'confused' END, negativity = (id % 10) / 10.0 "
            "WHERE author_role = 'customer' AND signal_version IS NULL"
        )
    )
    agents = [row[0] for row in conn.execute(text("SELECT id FROM users WHERE role = 'agent'"))]
    conn.execute(
        text(
            "UPDATE conversations SET assignee_id = (SELECT id FROM (SELECT id, "
            "row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE role = 'agent') a "
            "WHERE a.n = conversations.id % :agents) WHERE assignee_id IS NULL"
        ),
        {"agents": len(agents)},
    )
    conn.execute(
        text(
            "UPDATE ratings SET agent_id = (SELECT assignee_id FROM conversations c "
            "WHERE c.id = ratings.conversation_id) WHERE agent_id IS NULL"
        )
    )
    conn.execute(
        text(
            "UPDATE conversations SET early_warning = (id % 7 = 0), "
            "escalation_risk = (id % 10) / 10.0 WHERE escalation_risk IS NULL"
        )
    )


# -- time: the child ----------------------------------------------------------------------


def _people(db: Path) -> dict[str, tuple[int, str]]:
    """The admin, a lead, and the agent in the lead's team with the most conversations."""
    with sqlite3.connect(db) as conn:
        admin = conn.execute(
            "SELECT id, email FROM users WHERE role = 'admin' ORDER BY id"
        ).fetchone()
        lead = conn.execute(
            "SELECT id, email, team_id FROM users WHERE role = 'lead' ORDER BY id"
        ).fetchone()
        agent = conn.execute(
            "SELECT u.id, u.email FROM users u JOIN conversations c ON c.assignee_id = u.id "
            "WHERE u.role = 'agent' AND u.team_id = ? GROUP BY u.id ORDER BY count(*) DESC",
            (lead[2],),
        ).fetchone()
    return {"admin": admin, "lead": lead[:2], "agent": agent}


def _give_passwords(db: Path) -> None:
    """One password for the three people (run once by the parent, before any timing)."""
    from poise.auth.passwords import hash_password

    hashed = hash_password(PASSWORD)
    with sqlite3.connect(db) as conn:
        ids = [person[0] for person in _people(db).values()]
        conn.executemany(
            "UPDATE users SET password_hash = ? WHERE id = ?", [(hashed, i) for i in ids]
        )


def _paths(app: Any, db: Path, me: int, agent: int, only: list[str]) -> list[str]:
    """Every GET route's path with its parameters filled; those with no sample are left out."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{db}")
    paths = []
    with engine.connect() as conn:
        fill = {
            "team": conn.scalar(text("SELECT team_id FROM users WHERE id = :me"), {"me": agent}),
            "middle": max(1, conn.scalar(text("SELECT count(*) FROM conversations")) // 50 // 2),
        }
        for route in app.routes:
            if "GET" not in (getattr(route, "methods", None) or ()) or SKIPPED.search(route.path):
                continue
            path = route.path
            for name in re.findall(r"{(\w+)}", path):
                sql = SAMPLES.get(name)
                value = conn.scalar(text(sql), {"me": me, "agent": agent}) if sql else None
                if value is None:
                    path = ""
                    break
                path = path.replace(f"{{{name}}}", str(value))
            if path and (not only or any(word in path for word in only)):
                paths += [path + query.format(**fill) for query in QUERIES.get(route.path, [""])]
    engine.dispose()
    return paths


def child(db: Path, role: str, runs: int, only: list[str]) -> dict[str, Any]:
    """Time every page for one role in this (fresh) process."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from poise.app import create_app
    from poise.settings import Settings

    people = _people(db)
    me, email = people[role]
    statements: list[str] = []
    event.listen(Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(environment="test", database_url=f"sqlite:///{db}", data_dir=folder)
        app = create_app(settings)
        found: dict[str, Any] = {}
        with TestClient(app) as client:
            page = client.get("/login").text
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            form = {"email": email, "password": PASSWORD, "csrf_token": token}
            assert client.post("/login", data=form).status_code in (200, 303)
            for path in _paths(app, db, me, people["agent"][0], only):
                times = []
                for _ in range(runs + 1):
                    statements.clear()
                    began = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - began) * 1000)
                found[path] = {
                    "status": response.status_code,
                    "cold": times[0],
                    "warm": statistics.median(times[1:]),
                    "statements": len(statements),
                    "repeated": max(Counter(statements).values(), default=0),
                    "bytes": len(response.content),
                }
    return found


# -- time: the parent ---------------------------------------------------------------------


def _run_child(src: Path, db: Path, role: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{Path(__file__).parent}"}
    command = [sys.executable, __file__, "child", str(db), role, str(args.runs), *args.only]
    done = subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(args: argparse.Namespace) -> None:
    sides = {"this": OWN_SRC}
    if args.baseline_src:
        sides = {"baseline": Path(args.baseline_src).resolve(), **sides}
    results: dict[tuple[str, str, str], dict[str, Any]] = {}
    for db in args.databases:
        _give_passwords(db)
        with sqlite3.connect(db) as conn:
            size = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        print(f"{db.name}: {size:,} conversations", flush=True)
        for role in args.roles:
            rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
            for round_ in range(args.rounds):  # the sides take turns, first one then the other
                for name in list(sides) if round_ % 2 == 0 else list(reversed(sides)):
                    rounds[name].append(_run_child(sides[name], db, role, args))
            for name, runs in rounds.items():
                results[(db.name, role, name)] = _median_of(runs)
    report(args, list(sides), results)


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each page's median warm and cold ms over the rounds; its statements as last counted."""
    merged = {}
    for path, page in runs[-1].items():
        seen = [run[path] for run in runs if path in run]
        warm = statistics.median(p["warm"] for p in seen)
        merged[path] = {**page, "warm": warm, "cold": statistics.median(p["cold"] for p in seen)}
    return merged


def report(
    args: argparse.Namespace, sides: list[str], results: dict[tuple[str, str, str], dict[str, Any]]
) -> None:
    first, last = args.databases[0].name, args.databases[-1].name
    head = "  ".join(f"{side}: p50 / cold ms, statements" for side in sides)
    print(f"\nrole  page  [{head}]  baseline÷this  statements {first} → {last}")
    for role in args.roles:
        for db in args.databases:
            this = results[(db.name, role, "this")]
            for path, page in this.items():
                cells = []
                for side in sides:
                    mine = results[(db.name, role, side)].get(path)
                    cells.append(
                        f"{mine['warm']:7.0f} / {mine['cold']:6.0f} ms {mine['statements']:4}"
                        if mine
                        else " " * 24
                    )
                base = results[(db.name, role, sides[0])].get(path)
                ratio = f"{base['warm'] / page['warm']:5.2f}x" if base and len(sides) == 2 else ""
                small = results[(first, role, "this")].get(path, page)["statements"]
                large = results[(last, role, "this")].get(path, page)["statements"]
                growth = f"{small} → {large}" if small != large else ""
                if page.get("repeated", 0) >= 3:
                    growth += f" same SQL ×{page['repeated']}"
                mark = "*" if page["warm"] > args.slow or small != large else " "
                status = "" if page["status"] == 200 else f" [{page['status']}]"
                print(
                    f"{mark} {role:5} {db.name[:12]:12} {path[:46]:46}{status} "
                    + "  ".join(cells)
                    + f"  {ratio} {growth}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("grow", help="copy a demo database and add generated conversations")
    make.add_argument("source", type=Path)
    make.add_argument("target", type=Path)
    make.add_argument("--conversations", type=int, default=40_000)
    make.add_argument("--long", type=int, default=40, help="conversations of --long-turns turns")
    make.add_argument("--long-turns", type=int, default=400)
    timing = sub.add_parser("time", help="time every GET page on these databases")
    timing.add_argument("databases", type=Path, nargs="+")
    timing.add_argument("--baseline-src", help="the src folder of the code to compare against")
    timing.add_argument("--runs", type=int, default=5, help="warm requests of each page")
    timing.add_argument("--rounds", type=int, default=1, help="processes per side, in turns")
    timing.add_argument("--roles", nargs="+", default=list(ROLES), choices=ROLES)
    timing.add_argument("--only", nargs="+", default=[], help="pages whose path holds a word")
    timing.add_argument("--slow", type=float, default=300.0, help="ms that mark a page slow")
    kid = sub.add_parser("child")
    kid.add_argument("database", type=Path)
    kid.add_argument("role")
    kid.add_argument("runs", type=int)
    kid.add_argument("only", nargs="*")
    args = parser.parse_args()
    if args.command == "grow":
        grow(args.source, args.target, args.conversations, args.long, args.long_turns)
    elif args.command == "time":
        compare(args)
    else:
        print(json.dumps(child(args.database, args.role, args.runs, args.only)))


if __name__ == "__main__":
    main()
