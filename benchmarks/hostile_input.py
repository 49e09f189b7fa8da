"""Hostile input against a real server: a 200 MB webhook body, an upload import, sign-in timing.

Run by hand:  python benchmarks/hostile_input.py [--upload-mb 20]

It serves Poise (uvicorn, one process, embedded SQLite in a temporary directory) and reports:
- the server's memory (RSS and its peak) after an unsigned 200 MB webhook body, and how much of
  it the server let in before answering 413;
- ``/healthz`` latency (p50, max) while a CSV of ``--upload-mb`` MB is imported through the API;
- how long a refused sign-in takes for a known e-mail and for an unknown one.
Baselines: run the same script on an older checkout (``git worktree``) and compare; issue #17
measured +350 MB for the 200 MB body, 12.5 s ``/healthz`` during a 40 MB import, and 3-5 ms
against ~300 ms for unknown and known e-mails.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PASSWORD = "correct-horse-battery"  # noqa: S105 - a throwaway benchmark account
MB = 1 << 20


def poise(env: dict[str, str], *args: str) -> str:
    command = [str(Path(sys.executable).with_name("poise")), *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def memory_mb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) // 1024
    return -1


def big_webhook(port: int) -> tuple[str, float]:
    """Send headers declaring 200 MB, then the body, until the server answers."""
    head = (
        "POST /api/v1/webhooks/messages HTTP/1.1\r\nHost: x\r\nX-Poise-Integration: desk\r\n"
        f"X-Poise-Timestamp: 1\r\nX-Poise-Signature: sha256=0\r\nContent-Length: {200 * MB}\r\n\r\n"
    )
    chunk, sent, answer = b"x" * MB, 0, b""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        deadline = time.monotonic() + 60
        while b"\r\n" not in answer and time.monotonic() < deadline:
            try:
                answer += sock.recv(4096)
            except BlockingIOError:
                try:
                    sent += sock.send(chunk) if sent < 200 * MB else 0
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.001)
    return answer.split(b"\r\n", 1)[0].decode(), sent / MB


def csv_of(size_mb: int) -> bytes:
    lines = ["conversation_id,channel,author_role,body,sent_at"]
    total, i = 0, 0
    while total < size_mb * MB:
        role = "customer" if i % 2 == 0 else "agent"
        sent_at = f"2026-11-01T09:{i % 60:02d}:00Z"
        line = f"C{i // 4},chat,{role},Message {i}: my order never arrived,{sent_at}"
        lines.append(line)
        total += len(line) + 1
        i += 1
    return ("\n".join(lines) + "\n").encode()


def healthz_during_import(base: str, token: str, data: bytes) -> list[float]:
    latencies: list[float] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            started = time.monotonic()
            httpx.get(f"{base}/healthz", timeout=120)
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    response = httpx.post(
        f"{base}/api/v1/imports",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("big.csv", data, "text/csv")},
        data={"format": "csv"},
        timeout=600,
    )
    done.set()
    poller.join()
    print(f"import answered {response.status_code}")
    return latencies


def refused_sign_in_ms(base: str, email: str) -> float:
    with httpx.Client(base_url=base) as client:
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert found
        started = time.perf_counter()
        form = {"email": email, "password": "wrong-password", "csrf_token": found.group(1)}
        client.post("/login", data=form)
        return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upload-mb", type=int, default=20)
    args = parser.parse_args()
    env = {**os.environ, "POISE_DATA_DIR": tempfile.mkdtemp(), "POISE_ENVIRONMENT": "development"}
    poise(env, "db", "upgrade")
    user = ["--email", "lead@example.com", "--name", "Lee", "--role", "lead"]
    poise(env, "users", "add", *user, "--password", PASSWORD)
    token = poise(env, "tokens", "create", "--email", "lead@example.com").split()[-1]
    poise(env, "integrations", "add", "desk")
    port = free_port()
    code = (
        "import uvicorn; from poise.app import create_app; "
        f"uvicorn.run(create_app(), port={port}, log_level='warning')"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        print(f"server RSS at start: {memory_mb(server.pid, 'VmRSS')} MB")
        status, sent = big_webhook(port)
        rss, peak = memory_mb(server.pid, "VmRSS"), memory_mb(server.pid, "VmHWM")
        print(f"200 MB webhook: {status} after {sent:.1f} MB sent; RSS {rss} MB, peak {peak} MB")
        latencies = healthz_during_import(base, token, csv_of(args.upload_mb))
        p50, worst = statistics.median(latencies) * 1000, max(latencies) * 1000
        print(f"/healthz during a {args.upload_mb} MB import: p50 {p50:.0f} ms, max {worst:.0f} ms")
        known = statistics.median(refused_sign_in_ms(base, "lead@example.com") for _ in range(3))
        unknown = statistics.median(refused_sign_in_ms(base, f"x{n}@example.com") for n in range(3))
        print(f"refused sign-in: known e-mail {known:.0f} ms, unknown e-mail {unknown:.0f} ms")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
