"""Concurrent API clients against one real server: latency, errors, timeouts and ``/healthz``.

Run by hand:  python benchmarks/load.py [--clients 10 50 100] [--seconds 30]
              [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY_DB]

It serves Poise (uvicorn, one process) on embedded SQLite in a temporary directory, or on the
given PostgreSQL database (it must be empty: the script upgrades it and loads a small demo),
then for each client count runs that many API clients for ``--seconds``, each looping over a
mix of reads and an assist call with a 10 s timeout. Meanwhile ``/healthz`` is polled twice a
second, and again for five seconds after the load. At the end the server gets SIGTERM and the
time it takes to exit is reported.

Issue #17's baseline: with 20 clients on SQLite or 40 on PostgreSQL every request timed out,
``/healthz`` too, and at 50 SIGTERM was ignored. The goal is 0 timeouts at 50 and 100 clients,
``/healthz`` answering during and after, and an exit within 5 s of SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PASSWORD = "correct-horse-battery"  # noqa: S105 - a throwaway benchmark account
TIMEOUT = 10.0
HEADER = (
    "clients |  req/s |  p50 |  p99 | timeouts |  5xx |  503 | conn.e | healthz p50/max | "
    "h.err | after"
)
ASSIST = {
    "messages": [
        {"author_role": "customer", "body": "My router keeps dropping the Wi-Fi every evening."},
        {"author_role": "agent", "body": "Sorry to hear that. Which model is it?"},
        {"author_role": "customer", "body": "The X200, and this is the third time I write!"},
    ]
}


@dataclass
class Tally:
    """What one client count's run saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    timeouts: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # other transport errors, by kind
    health: list[float] = field(default_factory=list)
    health_failures: int = 0
    health_after: list[float] = field(default_factory=list)


def poise(env: dict[str, str], *args: str) -> str:
    command = [str(Path(sys.executable).with_name("poise")), *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare(env: dict[str, str]) -> str:
    """Upgrade, load a small demo and return an admin's API token."""
    poise(env, "db", "upgrade")
    poise(env, "demo", "--no-serve", "--conversations", "300")
    user = ["--email", "load@example.com", "--name", "Load", "--role", "admin"]
    poise(env, "users", "add", *user, "--password", PASSWORD)
    return poise(env, "tokens", "create", "--email", "load@example.com").split()[-1]


def requests_mix(ids: list[int]) -> itertools.cycle[tuple[str, str, dict | None]]:
    """The cycle each client walks: list pages, one conversation, stats, search, assist."""
    mix: list[tuple[str, str, dict | None]] = []
    for n, conversation in enumerate(ids[:20]):
        mix.append(("GET", f"/api/v1/conversations?page={n % 5 + 1}", None))
        mix.append(("GET", f"/api/v1/conversations/{conversation}", None))
        mix.append(("GET", "/api/v1/kb/search?q=router+keeps+dropping", None))
        mix.append(("GET", "/api/v1/stats", None))
        mix.append(("POST", "/api/v1/assist", ASSIST))
    return itertools.cycle(mix)


async def client_loop(
    http: httpx.AsyncClient,
    mix: itertools.cycle,
    until: float,
    tally: Tally,
    think: float = 0.0,
) -> None:
    """One client: request after request (about ``think`` seconds apart, as a person reads
    the answer; 0 is the closed loop, the hardest load for the same number of clients).

    The pause is drawn from an exponential distribution with mean ``think``, as people's are
    not all alike: with the same fixed pause, the 50 clients started together and stayed in
    step, so the server met 50 requests at once every second and idled in between (each
    wave took ~0.4 s to clear on two cores, which set the p99), a load no team of people makes.
    """
    while time.monotonic() < until:
        if think:
            await asyncio.sleep(random.expovariate(1 / think))
        method, url, body = next(mix)
        started = time.monotonic()
        try:
            response = await http.request(method, url, json=body)
        except httpx.TimeoutException:
            tally.timeouts += 1
            continue
        except httpx.TransportError as exc:
            kind = type(exc).__name__
            tally.failures[kind] = tally.failures.get(kind, 0) + 1
            continue
        tally.latencies.append(time.monotonic() - started)
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1


async def poll_health(base: str, until: float, into: list[float], tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5.0) as http:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                response = await http.get("/healthz")
                if response.status_code == 200:
                    into.append(time.monotonic() - started)
                else:
                    tally.health_failures += 1
            except httpx.TransportError:
                tally.health_failures += 1
            await asyncio.sleep(0.5)


async def run_load(base: str, token: str, ids: list[int], clients: int, seconds: float) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=TIMEOUT, limits=limits
    ) as http:
        mixes = [requests_mix(ids[n % len(ids) :] + ids) for n in range(clients)]
        await asyncio.gather(
            poll_health(base, until, tally.health, tally),
            *(client_loop(http, mixes[n], until, tally) for n in range(clients)),
        )
    await poll_health(base, time.monotonic() + 5, tally.health_after, tally)
    return tally


def ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f}"


def report(clients: int, seconds: float, tally: Tally) -> None:
    done = len(tally.latencies)
    errors = sum(n for code, n in tally.statuses.items() if code >= 500 and code != 503)
    print(
        f"{clients:>7} | {done / seconds:>6.1f} | {ms(tally.latencies, 0.5):>5} | "
        f"{ms(tally.latencies, 0.99):>5} | {tally.timeouts:>8} | {errors:>4} | "
        f"{tally.statuses.get(503, 0):>4} | {sum(tally.failures.values()):>6} | "
        f"{ms(tally.health, 0.5):>5}/{ms(tally.health, 1.0):>5} | {tally.health_failures:>5} | "
        f"{len(tally.health_after):>3} ok"
    )
    if tally.failures:
        print(f"        connection errors: {tally.failures}")


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn; from poise.app import create_app; "
        f"uvicorn.run(create_app(), port={port}, log_level='warning')"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)


def wait_ready(base: str, token: str, tries: int = 150) -> None:
    """Wait for ``/healthz``, then warm the models once (loading them is not load)."""
    for _ in range(tries):
        try:
            httpx.get(f"{base}/healthz")
            break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        raise SystemExit("the server did not start")
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{base}/api/v1/assist", json=ASSIST, headers=headers, timeout=120)
    httpx.get(f"{base}/api/v1/kb/search?q=router", headers=headers, timeout=120)


def stop_seconds(server: subprocess.Popen[bytes]) -> float:
    """SIGTERM, then the seconds until the process is gone (killed after 30 s)."""
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    env = {**os.environ, "POISE_DATA_DIR": tempfile.mkdtemp(), "POISE_ENVIRONMENT": "development"}
    if args.database_url:
        env["POISE_DATABASE_URL"] = args.database_url
    token = prepare(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        wait_ready(base, token)
        listing = httpx.get(
            f"{base}/api/v1/conversations", headers={"Authorization": f"Bearer {token}"}
        ).json()
        ids = [item["id"] for item in listing["items"]]
        where = "PostgreSQL" if args.database_url else "SQLite"
        print(f"{where}, one process, {args.seconds:.0f} s per run, {TIMEOUT:.0f} s timeout")
        print(HEADER)
        for clients in args.clients:
            report(
                clients,
                args.seconds,
                asyncio.run(run_load(base, token, ids, clients, args.seconds)),
            )
    finally:
        print(f"SIGTERM to exit: {stop_seconds(server):.1f} s")


if __name__ == "__main__":
    main()
