"""``poise worker`` runs background work from the broker; ``poise scheduler`` sends it the
periodic turns (Celery beat)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from poise.cli.context import fail, load_settings, open_session

if TYPE_CHECKING:
    from celery import Celery

    from poise.settings import Settings


def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes on this host. Each encodes on its share of the cores "
            "(POISE_ENCODER_THREADS, unless set), so one process or one per core come to the "
            "same on one host; more workers pay off on more hosts.",
        ),
    ] = 1,
    loglevel: Annotated[str, typer.Option(help="Celery's log level.")] = "info",
) -> None:
    """Run background work from POISE_BROKER_URL (Redis or RabbitMQ) until stopped."""
    from poise.jobs.broker import NEEDS_CELERY, celery_installed

    settings = load_settings()
    if not settings.broker_url:
        fail("set POISE_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to run a worker")
    if not celery_installed():
        fail(NEEDS_CELERY)
    with open_session(settings):
        pass  # migrates the embedded database; refuses an old server schema
    share_the_cores(concurrency)
    worker_app(settings).worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--queues={settings.broker_queue}",
            f"--hostname=poise-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
        ]
    )


def worker_app(settings: Settings) -> Celery:
    """The Celery app a worker runs: every kind of job it takes, as it is before the fork.

    What this imports, each pool process inherits: the web routes' modules (FastAPI) are kept
    out, as the worker serves no page (tests/jobs/test_worker_imports.py).
    """
    from poise.background import record_only_hooks, split_kinds
    from poise.jobs.broker import make_celery
    from poise.scheduler import worker_periodic, worker_runnable

    return make_celery(
        settings,
        split_kinds(record_only_hooks(settings)),
        runnable=worker_runnable(settings),
        periodic=worker_periodic(settings),
    )


def share_the_cores(processes: int, cores: int | None = None) -> None:
    """Give each of this host's worker processes its share of the cores for encoding, unless
    the operator chose (the pool's children inherit the environment)."""
    from poise.signals.encoder import THREADS_VARIABLE

    if processes > 1 and not os.environ.get(THREADS_VARIABLE):
        os.environ[THREADS_VARIABLE] = str(max(1, (cores or os.cpu_count() or 1) // processes))


def scheduler(
    loglevel: Annotated[str, typer.Option(help="Celery's log level.")] = "info",
) -> None:
    """Send the periodic work (reminders, kudos, digests, alerts, syncs, rescoring, expired
    rejected import rows) to the workers on its schedule (Celery beat). Run exactly one per
    deployment."""
    from poise.jobs.broker import NEEDS_CELERY, celery_installed

    settings = load_settings()
    if not settings.broker_url:
        fail(
            "set POISE_BROKER_URL to run the scheduler; without it `poise serve` runs the schedule"
        )
    if not celery_installed():
        fail(NEEDS_CELERY)
    from poise.jobs.broker import run_beat
    from poise.scheduler import beat_schedule

    run_beat(settings, beat_schedule(settings), loglevel)
