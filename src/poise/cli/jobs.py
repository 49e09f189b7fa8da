"""``poise jobs``: the background work (imports' scoring, rescoring, mining, syncs, digests) as
an operator on the server sees it, without the web app or an API token.

The commands only read: listing a job never resumes, heartbeats or cancels it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from poise.cli.context import console, fail, load_settings, open_session, out
from poise.words import counted

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from poise.jobs.models import JobRun
    from poise.jobs.queries import ChunkTally

jobs_app = typer.Typer(help="Background jobs: list them and show one.", no_args_is_help=True)

STATUS_HELP = "Only jobs with this status: queued, running, done, failed, cancelled or interrupted."


@jobs_app.command("list")
def list_jobs(
    status: Annotated[str | None, typer.Option(help=STATUS_HELP)] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only jobs of this kind (e.g. score, rescore, kb-mine).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
) -> None:
    """List the newest background jobs: progress, times, owner and a short detail."""
    from poise.db.base import utcnow
    from poise.jobs.queries import recent_jobs

    with open_session(load_settings()) as session:
        _check_filters(session, status, kind)
        jobs = recent_jobs(session, status=status, kind=kind, limit=limit)
        if not jobs:
            filtered = status is not None or kind is not None
            console.print("No jobs match." if filtered else "No jobs yet.", markup=False)
            return
        now = utcnow()
        header = ("id", "kind", "status", "progress", "queued", "last heard", "owner", "detail")
        for line in _table([header, *(_row(job, now) for job in jobs)]):
            out.print(line, markup=False, highlight=False)


@jobs_app.command("show")
def show_job(
    job_id: Annotated[int, typer.Argument(help="The job's id (`poise jobs list`).")],
) -> None:
    """Show everything about one job: its times, its chunks by status, its full detail."""
    from poise.db.base import utcnow
    from poise.jobs.models import JobRun
    from poise.jobs.queries import chunk_owners, chunk_tallies

    with open_session(load_settings()) as session:
        job = session.get(JobRun, job_id)
        if job is None:
            fail(f"no job {job_id}: `poise jobs list` shows the jobs there are")
        now = utcnow()
        lines = [
            f"Job {job.id}: {job.kind}" + (f" ({job.subject})" if job.subject else ""),
            f"status:     {job.status}",
            f"progress:   {_progress(job)}",
            f"queued:     {_when(job.created_at, now)}",
            f"heartbeat:  {_when(job.heartbeat_at, now)}",
            f"finished:   {_when(job.finished_at, now)}",
            f"owner:      {job.owner or '-'}",
        ]
        tallies = chunk_tallies(session, job.id)
        if tallies:
            lines.append("chunks:     " + "; ".join(_tally(t) for t in tallies))
            lines.append(f"workers:    {', '.join(chunk_owners(session, job.id)) or '-'}")
        lines.append("detail:" + (f"\n{job.detail}" if job.detail else "     -"))
    for line in lines:
        out.print(line, markup=False, highlight=False)


def _check_filters(session: Session, status: str | None, kind: str | None) -> None:
    """Refuse a status or kind no job can have, naming the ones there are: a typo otherwise
    read as "No jobs match"."""
    from poise.jobs.models import JOB_STATUSES
    from poise.jobs.queries import stored_kinds
    from poise.scheduler import job_kinds

    if status is not None and status not in JOB_STATUSES:
        fail(f"no job status {status!r}: use one of {', '.join(JOB_STATUSES)}")
    if kind is not None:
        kinds = sorted({*job_kinds(), *stored_kinds(session)})
        if kind not in kinds:
            fail(f"no kind of job {kind!r}: use one of {', '.join(kinds)}")


def _row(job: JobRun, now: datetime) -> tuple[str, ...]:
    from poise.jobs.queries import short_detail

    if job.finished_at is not None:
        heard = f"finished {_age(now - job.finished_at)} ago"
    elif job.heartbeat_at is not None:
        heard = f"heartbeat {_age(now - job.heartbeat_at)} ago"
    else:
        heard = "-"
    return (
        str(job.id),
        job.kind,
        job.status,
        f"{job.done:,}/{job.total:,}",
        f"{job.created_at:%Y-%m-%d %H:%M}",
        heard,
        job.owner or "-",
        short_detail(job.detail),
    )


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as lines of columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join(
            [*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]
        ).rstrip()
        for row in rows
    ]


def _progress(job: JobRun) -> str:
    return f"{job.done:,}/{job.total:,} ({job.percent}%)" if job.total else f"{job.done:,}"


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({_age(now - moment)} ago)"


def _age(delta: timedelta) -> str:
    """A span as one rounded unit: "45s", "12m", "3h", "2d"."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _tally(tally: ChunkTally) -> str:
    """ "2 done (1,200 of the progress, 3 tries)": how many chunks, and how much they hold."""
    tries = f", {counted(tally.attempts, 'try', 'tries')}" if tally.attempts else ""
    return f"{tally.chunks:,} {tally.status} ({tally.size:,} of the progress{tries})"
