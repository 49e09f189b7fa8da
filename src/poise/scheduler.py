"""The periodic work of a deployment with workers: what ``poise scheduler`` (Celery beat) queues.

On one machine ``poise serve`` does this itself (training reminders each day, connector syncs
every few minutes, the insights rollup every minute, the sweep of unscored turns every 10
minutes, the takeover of jobs whose process died every 5, the deletion of import rows set aside
past their keeping time every hour) and cron
runs the other chores (``poise insights digest``, ``poise alerts hotspots``…). With
``POISE_BROKER_URL`` set, one ``poise scheduler`` process sends each entry's turn to the
workers, which queue the same work as a job (a :class:`JobRun` row) that a worker runs. A
periodic job is never queued while the previous one of its name is still queued or running
(the rule connector syncs already follow); connector syncs keep their own per-connector rule,
and the sweep its own per-conversation one. It composes several areas, so it lives here, above
them.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from poise.db.base import utcnow
from poise.faults import log_failure
from poise.jobs import ACTIVE, InProcessJobs, JobProgress, JobRun, JobWork, Resumer, jobs_for
from poise.jobs.kinds import CONNECTOR_SYNC, KB_REEMBED, RESCORE, SUBMITTED
from poise.settings import Settings
from poise.words import counted

if TYPE_CHECKING:
    from celery.schedules import BaseSchedule

Now = Callable[[], datetime]
SYNCS = "connector-syncs"  # not a job itself: it queues one sync job per connector
ROLLUP = "insights-rollup"
REJECTED_ROWS = "rejected-rows"
SWEEP = "signals-sweep"  # not a job itself: it queues a scoring job when it finds turns
TAKEOVER = "jobs-takeover"  # not a job itself: it resumes (or marks) jobs whose process died
LOCAL_ROLLUP_SECONDS = 60
LOCAL_REJECTED_ROWS_SECONDS = 3600
SWEEP_MINUTES = 10
TAKEOVER_MINUTES = 5  # well inside jobs.STALE_AFTER: a live pool's heartbeat never goes stale
LOCAL_TAKEOVER_SECONDS = TAKEOVER_MINUTES * 60
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """One entry of the schedule.

    ``every`` builds its Celery schedule (``now`` fixes the clock, for :func:`tick`);
    ``work`` is the job's work, or None when there is nothing to do on this deployment (no
    SMTP for e-mail, no outdated score to redo).
    """

    name: str
    every: Callable[[Settings, Now | None], BaseSchedule]
    work: Callable[[Settings, Session], JobWork | None]


def _crontab(**fields: Any) -> Callable[[Settings, Now | None], BaseSchedule]:
    def every(settings: Settings, now: Now | None) -> BaseSchedule:
        from celery.schedules import crontab

        return crontab(**fields, nowfun=now)

    return every


def _daily_reminders(settings: Settings, now: Now | None) -> BaseSchedule:
    from celery.schedules import crontab

    return crontab(minute=0, hour=settings.reminder_hour, nowfun=now)


def _sync_interval(settings: Settings, now: Now | None) -> BaseSchedule:
    from celery.schedules import schedule

    return schedule(timedelta(minutes=settings.connector_sync_minutes), nowfun=now)


def _every(minutes: int) -> Callable[[Settings, Now | None], BaseSchedule]:
    def every(settings: Settings, now: Now | None) -> BaseSchedule:
        from celery.schedules import schedule

        return schedule(timedelta(minutes=minutes), nowfun=now)

    return every


def _mailer(settings: Settings) -> Any:
    from poise.mail import Mailer

    return Mailer.from_url(settings.smtp_url, settings.mail_from)


def _reminders(settings: Settings, session: Session) -> JobWork | None:
    from poise.training.reminders import send_reminders

    mailer = _mailer(settings)
    if mailer is None:
        return None  # without SMTP, reminders stay in the app (Today)

    def work(session: Session, progress: JobProgress) -> str:
        return str(send_reminders(session, mailer=mailer, base_url=settings.base_url))

    return work


def _previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def _kudos(settings: Settings, session: Session) -> JobWork | None:
    from poise.morale.actions import prepare_monthly_rounds

    def work(session: Session, progress: JobProgress) -> str:
        month = _previous_month(utcnow().date())  # the page's default: the month just ended
        opened = counted(prepare_monthly_rounds(session, month=month), "kudos round")
        return f"{opened} for {month} opened"

    return work


def _digest(settings: Settings, session: Session) -> JobWork | None:
    from poise.insights.digest import send_digests

    mailer = _mailer(settings)
    if mailer is None:
        return None  # the digest is still a page at /insights/digest

    def work(session: Session, progress: JobProgress) -> str:
        today = utcnow().date()
        try:
            report = send_digests(session, mailer=mailer, base_url=settings.base_url, today=today)
        except (OSError, smtplib.SMTPException) as exc:
            raise RuntimeError(f"could not hand the digests to the mail server: {exc}") from exc
        return str(report)

    return work


def _rollup(settings: Settings, session: Session) -> JobWork | None:
    """Count the conversations changed since the last rollup (none queued and the day
    aggregate in step with the facts and the teams: nothing to do)."""
    from poise.insights.rollup import count_queued, has_work

    if not has_work(session):
        return None

    def work(session: Session, progress: JobProgress) -> str:
        done = count_queued(session, window_days=settings.fcr_window_days, progress=progress)
        return f"{counted(done, 'conversation')} counted into the insights rollup"

    return work


def _alerts(what: str) -> Callable[[Settings, Session], JobWork | None]:
    """``poise alerts hotspots`` / ``poise alerts digest`` as a job: record, then send."""

    def make(settings: Settings, session: Session) -> JobWork | None:
        from poise.connectors.alerts.actions import record_digests, record_hotspot_alerts
        from poise.connectors.alerts.delivery import deliver_due
        from poise.connectors.alerts.service import make_sender

        record = record_hotspot_alerts if what == "hotspots" else record_digests

        def work(session: Session, progress: JobProgress) -> str:
            sender = make_sender(settings)
            with sender.client:
                added = record(session, base_url=settings.base_url, today=utcnow().date())
                report = deliver_due(session, sender, base_url=settings.base_url, now=utcnow())
            return f"{counted(added, what + ' alert')} recorded; {report}"

        return work

    return make


def rescore_wanted(session: Session) -> bool:
    """Whether a customer turn carries a score of another model version, or a conversation's
    drift another drift model's (a model upgrade)."""
    from poise.conversations.models import Message
    from poise.conversations.scoring import drift_outdated
    from poise.signals import get_scorer

    version = get_scorer("negativity").version
    outdated = select(Message.id).where(
        Message.author_role == "customer",
        Message.signal_version.is_not(None),
        Message.signal_version != version,
    )
    return session.scalar(outdated.limit(1)) is not None or drift_outdated(session)


def _reembed(settings: Settings, session: Session) -> JobWork | None:
    """Bring the manual's vectors to the encoder this Poise ships (after an upgrade)."""
    from poise.knowledge.vectors import reembed_job, stored_current

    return None if stored_current(session) else reembed_job


def _rejected_rows(settings: Settings, session: Session) -> JobWork | None:
    """Delete the set-aside import rows kept past ``POISE_REJECTED_ROWS_DAYS`` from this
    process's data directory (none due: no job)."""
    from poise.conversations.actions import remove_expired_rejected_rows
    from poise.conversations.rejected import files_past_keeping

    days = settings.rejected_rows_days
    if not files_past_keeping(session, settings.data_dir, keep_days=days, now=utcnow()):
        return None

    def work(session: Session, progress: JobProgress) -> str:
        removed = remove_expired_rejected_rows(
            session, settings.data_dir, keep_days=days, now=utcnow()
        )
        files = counted(removed, "file")
        return f"{files} of rejected import rows older than {counted(days, 'day')} removed"

    return work


def _never(settings: Settings, session: Session) -> JobWork | None:
    return None  # split (rescore), fan-out (syncs), sweep, takeover: queue_periodic's own


def _sweep(session: Session, jobs: InProcessJobs, settings: Settings) -> list[int]:
    """Queue the scoring of turns nothing else will score (see poise.conversations.sweep);
    the scoring job's id, when it queued one."""
    from poise.background import record_only_hooks
    from poise.conversations.sweep import queue_sweep

    swept = queue_sweep(
        session,
        jobs,
        hooks=record_only_hooks(settings),
        grace=timedelta(minutes=settings.scoring_sweep_grace_minutes),
        days=settings.scoring_sweep_days,
    )
    if swept.job_id is None:
        return []
    log.warning("the sweep of unscored turns %s: job %s scores them", swept, swept.job_id)
    return [swept.job_id]


PERIODIC: dict[str, Periodic] = {
    p.name: p
    for p in (
        Periodic("training-reminders", _daily_reminders, _reminders),
        Periodic("kudos-prepare", _crontab(minute=0, hour=6, day_of_month=1), _kudos),
        Periodic("insights-digest", _crontab(minute=0, hour=7, day_of_week=1), _digest),
        Periodic("alerts-digest", _crontab(minute=10, hour=7, day_of_week=1), _alerts("digest")),
        Periodic("alerts-hotspots", _crontab(minute=30), _alerts("hotspots")),
        Periodic(RESCORE, _crontab(minute=15), _never),
        Periodic(KB_REEMBED, _crontab(minute=20), _reembed),
        Periodic(ROLLUP, _every(10), _rollup),
        Periodic(REJECTED_ROWS, _crontab(minute=40), _rejected_rows),
        Periodic(SWEEP, _every(SWEEP_MINUTES), _never),
        Periodic(TAKEOVER, _every(TAKEOVER_MINUTES), _never),
        Periodic(SYNCS, _sync_interval, _never),
    )
}


def job_kinds() -> tuple[str, ...]:
    """Every kind of job the code submits (the connector-syncs entry only fans out syncs): what
    ``poise jobs list --kind`` and the admin Jobs page's filter offer."""
    return tuple(sorted({*SUBMITTED, *PERIODIC} - {SYNCS}))


def entries(settings: Settings) -> list[Periodic]:
    """The entries this deployment runs (connector syncs only when their interval is set)."""
    return [p for p in PERIODIC.values() if p.name != SYNCS or settings.connector_sync_minutes]


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery beat's schedule: each entry sends its name to a worker (``poise.periodic``)."""
    from poise.jobs.broker import PERIODIC as PERIODIC_TASK

    return {
        p.name: {
            "task": PERIODIC_TASK,
            "schedule": p.every(settings, None),
            "args": (p.name,),
            "options": {"queue": settings.broker_queue},
        }
        for p in entries(settings)
    }


def subject(name: str) -> str:
    return f"scheduled:{name}"


def periodic_resumers(settings: Settings) -> dict[str, Resumer]:
    """How a worker rebuilds a scheduled job's work from its row (``poise.run_job``)."""

    def resumer(job: JobRun) -> JobWork:
        periodic = PERIODIC[job.kind]

        def work(session: Session, progress: JobProgress) -> str:
            made = periodic.work(settings, session)
            return "nothing to do here" if made is None else made(session, progress)

        return work

    return {name: resumer for name, p in PERIODIC.items() if p.work is not _never}


def queue_periodic(
    maker: sessionmaker[Session], jobs: InProcessJobs, settings: Settings, name: str
) -> list[int]:
    """Queue one turn of ``name``; the ids of the jobs queued (none while one is active)."""
    from poise.background import record_only_hooks
    from poise.connectors.actions import queue_every_sync
    from poise.connectors.client import Seam

    periodic = PERIODIC[name]
    if name == TAKEOVER:  # no job row: each claim is guarded (see InProcessJobs.resume_orphans)
        return jobs.take_over()
    with maker() as session:
        if name == SYNCS:  # one job per connector, each with queue_sync's own rule
            hooks = record_only_hooks(settings)
            return queue_every_sync(session, jobs, seam=Seam(), settings=settings, hooks=hooks)
        current = jobs_for(session, [subject(name)]).get(subject(name))
        if current is not None and current.status in ACTIVE:
            return []
        if name == SWEEP:
            return _sweep(session, jobs, settings)
        if name == RESCORE:
            if not rescore_wanted(session):
                return []
            return [jobs.submit_split(RESCORE, None, subject=subject(name))]
        work = periodic.work(settings, session)
    if work is None:
        return []
    job_id, _ = jobs.submit(name, work, subject=subject(name))
    return [job_id]


def tick(
    maker: sessionmaker[Session],
    jobs: InProcessJobs,
    settings: Settings,
    *,
    now: datetime,
    since: datetime,
) -> dict[str, list[int]]:
    """Queue every entry whose time came in ``(since, now]``: beat's logic on a fixed clock."""
    queued: dict[str, list[int]] = {}
    for periodic in entries(settings):
        if periodic.every(settings, lambda: now).is_due(since).is_due:
            queued[periodic.name] = queue_periodic(maker, jobs, settings, periodic.name)
    return queued


def remote_kinds() -> set[str]:
    """The kinds of job a worker runs whole from their rows: scheduled work and syncs."""
    return {*(name for name, p in PERIODIC.items() if p.work is not _never), CONNECTOR_SYNC}


def worker_runnable(settings: Settings) -> dict[str, Resumer]:
    """Everything a worker runs whole: the scheduled jobs and connector syncs."""
    from poise.background import record_only_hooks
    from poise.connectors.actions import resume_sync
    from poise.connectors.client import Seam

    return {
        **periodic_resumers(settings),
        CONNECTOR_SYNC: resume_sync(settings, Seam(), record_only_hooks(settings)),
    }


def scheduled_jobs(maker: sessionmaker[Session], settings: Settings) -> InProcessJobs:
    """The jobs engine that queues scheduled work for the workers; its takeover turn resumes
    what a server's would, on the worker's own pool (alerts recorded, sent by a server)."""
    from poise.background import record_only_hooks, resumers, split_kinds
    from poise.connectors.client import Seam
    from poise.jobs.broker import BrokerJobs

    hooks = record_only_hooks(settings)
    return BrokerJobs(
        maker,
        settings,
        resumable=resumers(settings, Seam(), hooks),
        splittable=split_kinds(hooks),
        remote=remote_kinds(),
    )


def worker_periodic(settings: Settings) -> Callable[[sessionmaker[Session], str], object]:
    """A worker's answer to beat's ``poise.periodic``: queue that entry's job (one engine per
    worker process, made at its first turn)."""
    made: dict[int, InProcessJobs] = {}

    def periodic(maker: sessionmaker[Session], name: str) -> object:
        if id(maker) not in made:
            made[id(maker)] = scheduled_jobs(maker, settings)
        return queue_periodic(maker, made[id(maker)], settings, name)

    return periodic


async def _local_turns(state: Any, settings: Settings, name: str, seconds: float) -> None:
    """Queue ``name`` a minute after the start, then every ``seconds`` (a server restarted
    more often than an hourly entry's period still gets its turns)."""
    wait: float = LOCAL_ROLLUP_SECONDS
    while True:
        await asyncio.sleep(wait)
        wait = seconds
        try:
            await anyio.to_thread.run_sync(
                queue_periodic, state.sessionmaker, state.jobs, settings, name
            )
        except Exception as exc:  # one bad turn must not end the loop
            log_failure(log, "could not queue the periodic work %s", name, exc=exc)


def start_local_periodic(state: Any, settings: Settings) -> list[asyncio.Task[None]]:
    """The periodic work ``poise serve`` queues itself, on its own jobs pool (one at a time:
    queue_periodic's rule).

    Without a broker, the rollup of changed conversations, every minute (with workers,
    ``poise scheduler`` queues it every 10 minutes instead), and the sweep of unscored turns
    every 10 minutes (with workers, the scheduler's ``signals-sweep``). Always, every hour,
    the deletion of set-aside import rows past their keeping time: they are files in this
    server's data directory, which each web host may have of its own (docs/deploy.md), where
    a worker's turn reaches only its own. Always, every 5 minutes, the takeover of jobs whose
    process died (resumed on this pool, or marked ``interrupted``), which also keeps the
    heartbeat of this pool's own jobs: before, only a start took them over.
    """
    loops = [(REJECTED_ROWS, LOCAL_REJECTED_ROWS_SECONDS), (TAKEOVER, LOCAL_TAKEOVER_SECONDS)]
    if not settings.broker_url:
        loops += [(ROLLUP, LOCAL_ROLLUP_SECONDS), (SWEEP, SWEEP_MINUTES * 60)]
    return [
        asyncio.create_task(_local_turns(state, settings, name, seconds)) for name, seconds in loops
    ]
