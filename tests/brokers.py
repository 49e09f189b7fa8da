"""Real local brokers and `poise worker` processes for tests (nothing about the queue is faked)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import make_url

from poise.settings import Settings

POISE = Path(sys.executable).parent / "poise"
BROKERS = {
    "redis": "redis://127.0.0.1:6379/7",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}
VISIBILITY_SECONDS = 6  # Redis hands a dead worker's task on after this (tests only)
# The tests' job retry schedule (POISE_JOB_RETRY_SECONDS): production's (1, 2, 4, 8, 16 s) a
# tenth as long, and what a failed job then says. One test keeps production's and its figures.
SHORT_RETRIES = [0.1, 0.2, 0.4, 0.8, 1.6]
SHORT_FIGURES = "6 attempts over 3.1 seconds"
PRODUCTION_FIGURES = "6 attempts over 31 seconds"


def _reachable(url: str) -> str | None:
    """Why the broker at ``url`` cannot be used, or None when it answers."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=2):
            pass
    except OSError as exc:
        return f"no broker at {parts.hostname}:{parts.port} ({exc})"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"the broker at {parts.hostname}:{parts.port} refused us ({exc})"
    return None


def queue_here(settings: Settings, periodic: str) -> int:
    """Queue one turn of ``periodic`` for the workers from this process, as beat's turn does;
    the job's id. Its row is the queue's (``IN_THE_QUEUE``), not this process's: where the
    queuing process must have ended, use :meth:`Workers.queue_and_end` (a new Python process
    costs seconds of start-up)."""
    from poise.db import make_engine, make_sessionmaker
    from poise.scheduler import queue_periodic, scheduled_jobs

    engine = make_engine(settings.resolved_database_url)
    maker = make_sessionmaker(engine)
    jobs = scheduled_jobs(maker, settings)
    try:
        (job_id,) = queue_periodic(maker, jobs, settings, periodic)
    finally:
        jobs.shutdown()
        engine.dispose()
    return job_id


def wait_for_redis_to_give_back(settings: Settings, delivered_by: float) -> None:
    """On Redis, wait until a dead worker's task, delivered at or before ``delivered_by`` (a
    ``time.monotonic()``), has gone unacknowledged for the visibility timeout: a worker that
    starts from then on gets it back (Redis looks for lost tasks as a worker starts, and then
    only every ~100 s). The task's time runs from its delivery, not from its worker's death, so
    only the rest is waited. RabbitMQ gives it back as soon as the connection drops."""
    if (settings.broker_url or "").startswith("redis"):
        ready = delivered_by + settings.broker_visibility_timeout + 1
        time.sleep(max(0.0, ready - time.monotonic()))


def other_host_reason() -> str | None:
    """Why a worker cannot be started under another host name here, or None when it can
    (``unshare --uts`` needs root or a user namespace)."""
    try:
        subprocess.run(
            ["unshare", "--uts", "hostname", "poise-probe"], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"cannot start a process under another host name (unshare --uts: {exc})"
    return None


class Workers:
    """`poise worker` processes of one test, each in its own process group (kill -9 all)."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.env = {  # what each worker is started with
            **os.environ,
            "POISE_DATABASE_URL": settings.resolved_database_url,
            "POISE_DATA_DIR": str(settings.data_dir),
            "POISE_ENVIRONMENT": "test",
            "POISE_SECRET_KEY": settings.secret_key,
            "POISE_BROKER_URL": settings.broker_url or "",
            "POISE_BROKER_QUEUE": settings.broker_queue,
            "POISE_BROKER_VISIBILITY_TIMEOUT": str(settings.broker_visibility_timeout),
            "POISE_JOB_RETRY_SECONDS": json.dumps(settings.job_retry_seconds),
        }
        self._logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, host: str = "") -> subprocess.Popen[bytes]:
        """Start a worker; with ``host``, as if on another machine of that name (a UTS
        namespace of its own: see :func:`other_host_reason`)."""
        log = self._logs / f"worker-{len(self.started)}.log"
        command = [str(POISE), "worker", "--concurrency", "1"]
        if host:
            command = [
                "unshare",
                "--uts",
                "sh",
                "-c",
                f'hostname {host} && exec "$@"',
                "-",
                *command,
            ]
        with log.open("wb") as output:
            worker = subprocess.Popen(
                command,
                env=self.env,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        self.started.append(worker)
        return worker

    def queue_and_end(self, periodic: str) -> int:
        """Queue one turn of ``periodic`` for the workers from a process that then ends, as
        beat's turn in a worker process restarted since; the job's id."""
        script = (
            "import sys\n"
            "from poise.db import make_engine, make_sessionmaker\n"
            "from poise.scheduler import queue_periodic, scheduled_jobs\n"
            "from poise.settings import Settings\n"
            "settings = Settings()\n"
            "maker = make_sessionmaker(make_engine(settings.resolved_database_url))\n"
            "jobs = scheduled_jobs(maker, settings)\n"
            "print(*queue_periodic(maker, jobs, settings, sys.argv[1]))\n"
            "jobs.shutdown()\n"
        )
        queued = subprocess.run(
            [sys.executable, "-c", script, periodic],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return int(queued.stdout.split()[-1])

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its pool: no chance to finish or hand anything back."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def stop_all(self) -> None:
        """SIGKILL every worker and its pool at the end of its test: a warm shutdown took
        two seconds or more each, and nothing of a worker is checked after its test (the
        test's own queue is deleted next; a killed worker's task goes back to the broker, as
        ``kill`` shows)."""
        for worker in self.started:
            with contextlib.suppress(ProcessLookupError):  # the group is gone already
                os.killpg(worker.pid, signal.SIGKILL)
        for worker in self.started:
            worker.wait(timeout=10)

    def log_tail(self, chars: int = 2000) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-chars:] for path in sorted(self._logs.glob("*.log"))
        )


class DatabaseLink:
    """A TCP relay to PostgreSQL that a test cuts and restores, as a network failure or the
    database host going down would: while cut, connections are refused and the open ones are
    closed; restored, it relays again on the same port. Workers given :attr:`url` reach the
    database only through it."""

    def __init__(self, url: str) -> None:
        parts = make_url(url)
        self._target = (parts.host or "127.0.0.1", parts.port or 5432)
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = self._listen(0)
        self.url = parts.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def _listen(self, port: int) -> int:
        listener = socket.create_server(("127.0.0.1", port))  # SO_REUSEADDR: the same port again
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self._target, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):  # one side gone: so is the other
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes its accept()
            self._listener.close()
            self._listener = None
        with self._lock:
            dropped, self._sockets = self._sockets, []
        for end in dropped:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self) -> None:
        """Relay again, on the same port."""
        if self._listener is None:
            self._listen(self.port)
