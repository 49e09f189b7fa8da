"""Threads a server process starts to read the database beside its requests (warming caches).

The lifespan waits for them before it disposes of the engine: a thread still holding a pooled
connection when the pool is disposed keeps that connection open until the garbage collector
finds it, and the database keeps its session until then (psycopg warns when it happens).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Readers:
    """The reading threads of one app; ``join`` waits for those still running."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, target: Callable[..., object], *args: Any, name: str) -> None:
        """Run ``target(*args)`` on a daemon thread of its own (the request returns at once)."""
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:  # started before it is listed: ``join`` never meets an unstarted one
            thread.start()
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)

    def join(self, seconds: float) -> bool:
        """Wait up to ``seconds`` in all for the running threads; whether all of them ended."""
        deadline = time.monotonic() + seconds
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)
