"""The web app under uvicorn, saying when it answers.

``poise serve`` printed its address before uvicorn was even called: importing the app, building
it and its lifespan still lay ahead (seconds on a busy machine), so the link it gave was
refused. Here uvicorn runs as ``uvicorn.run`` would, and ``announce`` is called once the first
server process listens, so whatever it prints can be opened at once.
"""

from __future__ import annotations

import multiprocessing
import socket
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.main import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from fastapi import FastAPI

# SIGTERM: requests in flight get this long, then background jobs stop at a checkpoint (their
# rest stays pending for the next start), so the server is gone within about 5 seconds.
GRACEFUL_SECONDS = 2


class AnsweringServer(uvicorn.Server):
    """A uvicorn server that sets ``listening`` when its startup is complete: the lifespan has
    run and its sockets accept connections. With ``--workers N`` each worker process has a copy
    (uvicorn sends the server to them), and the event is shared across the processes."""

    def __init__(self, config: uvicorn.Config, listening: Event) -> None:
        super().__init__(config)
        self.listening = listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.listening.set()


def serve(
    app: FastAPI | str, *, host: str, port: int, workers: int, announce: Callable[[], None]
) -> None:
    """Serve ``app`` (an app, or with several workers a factory's import string) until stopped;
    ``announce()`` runs once, on a thread of its own, when the server first answers."""
    config = uvicorn.Config(
        app,
        factory=isinstance(app, str),
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    listening = multiprocessing.get_context("spawn").Event()  # shared with spawned workers
    server = AnsweringServer(config, listening)
    waiting = threading.Thread(
        target=_announce_when, args=(listening, announce), name="poise-announce", daemon=True
    )
    waiting.start()
    try:
        if config.workers > 1:
            Multiprocess(config, target=server.run, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if not server.started and config.workers == 1:
        sys.exit(STARTUP_FAILURE)  # as uvicorn.run: the address was taken, the lifespan failed


def _announce_when(listening: Event, announce: Callable[[], None]) -> None:
    listening.wait()
    announce()
