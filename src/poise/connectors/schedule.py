"""The schedule inside ``poise serve``: every few minutes, a sync job for each connector."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio.to_thread

from poise.connectors.actions import queue_every_sync
from poise.faults import log_failure
from poise.settings import Settings

log = logging.getLogger(__name__)


def _queue_all(state: Any, settings: Settings) -> None:
    with state.sessionmaker() as session:
        queue_every_sync(
            session, state.jobs, seam=state.connector_seam, settings=settings, hooks=state.hooks
        )


async def _every(state: Any, settings: Settings) -> None:
    while True:
        await asyncio.sleep(settings.connector_sync_minutes * 60)
        try:
            await anyio.to_thread.run_sync(_queue_all, state, settings)
        except Exception as exc:  # one bad turn must not end the schedule
            log_failure(log, "could not queue the scheduled connector syncs", exc=exc)


def start_sync_schedule(state: Any, settings: Settings) -> asyncio.Task[None] | None:
    """Start the schedule (``None`` when ``POISE_CONNECTOR_SYNC_MINUTES`` is 0)."""
    if settings.connector_sync_minutes == 0:
        return None
    return asyncio.create_task(_every(state, settings))
