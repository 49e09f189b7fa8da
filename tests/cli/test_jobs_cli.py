"""`poise jobs list` and `poise jobs show`: the background work as an operator on the server
reads it, from the real CLI on a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from poise.cli import app as cli
from poise.cli.jobs import STATUS_HELP
from poise.db.base import utcnow
from poise.jobs.models import JOB_STATUSES, JobChunk, JobRun
from poise.scheduler import job_kinds
from poise.settings import Settings

runner = CliRunner()
FAILURE = (
    "chunk 3 failed: database is locked after 5 tries (error 7f3a9c)\n"
    "the rest of this long reason is printed whole by show, never cut to the list's column"
)


def _chunks(job: JobRun, *rows: tuple[int, str, int, str]) -> list[JobChunk]:
    """``job``'s chunks, one per ``(size, status, attempts, owner)`` row: the commands read
    only those, so each chunk's seq and its single key follow the row's place."""
    return [
        JobChunk(
            job_id=job.id,
            seq=seq,
            keys=[seq + 1],
            size=size,
            status=status,
            attempts=attempts,
            owner=owner,
        )
        for seq, (size, status, attempts, owner) in enumerate(rows)
    ]


def _jobs(session: Session) -> dict[str, JobRun]:
    """Three jobs, oldest first: a finished rescoring, a running scoring, a failed scoring."""
    now = utcnow()
    jobs = {
        "done": JobRun(
            kind="rescore",
            subject="scheduled:rescore",
            status="done",
            done=40,
            total=40,
            detail="scored 40 messages",
            owner="web-1:11",
            created_at=now - timedelta(hours=3),
            finished_at=now - timedelta(hours=2),
        ),
        "running": JobRun(
            kind="score",
            subject="import:1",
            status="running",
            done=1200,
            total=4000,
            owner="worker-2:22",
            heartbeat_at=now - timedelta(minutes=20),  # minutes: a slow run reads the same
            created_at=now - timedelta(minutes=30),
        ),
        "failed": JobRun(
            kind="score",
            subject="import:2",
            status="failed",
            done=2000,
            total=5000,
            detail=FAILURE,
            owner="web-1:11",
            created_at=now - timedelta(minutes=12),
            finished_at=now - timedelta(minutes=10),
        ),
    }
    session.add_all(jobs.values())
    session.flush()
    session.add_all(
        _chunks(
            jobs["failed"],
            (2000, "done", 1, "worker-2:22"),
            (1000, "done", 1, "worker-3:33"),
            (1500, "failed", 5, "worker-3:33"),
            (500, "pending", 0, ""),
        )
    )
    session.commit()
    return jobs


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_list_shows_the_newest_first_with_progress_times_and_owner(
    cli_env: Settings, session: Session
) -> None:
    jobs = _jobs(session)
    result = runner.invoke(cli, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    header, *rows = _lines(result.output)
    assert header.split() == [
        "id",
        "kind",
        "status",
        "progress",
        "queued",
        "last",
        "heard",
        "owner",
        "detail",
    ]
    assert [row.split()[0] for row in rows] == [
        str(jobs[name].id) for name in ("failed", "running", "done")
    ]
    failed, running, done = rows
    assert "score" in failed and "failed" in failed and "2,000/5,000" in failed
    assert "finished 10m ago" in failed and "web-1:11" in failed
    assert "chunk 3 failed: database is locked" in failed and "printed whole" not in failed
    assert "1,200/4,000" in running and "heartbeat 20m ago" in running
    assert "worker-2:22" in running
    assert "finished 2h ago" in done and "scored 40 messages" in done


def test_list_filters_by_status_and_kind_and_limits(cli_env: Settings, session: Session) -> None:
    jobs = _jobs(session)
    failed = runner.invoke(cli, ["jobs", "list", "--status", "failed"])
    assert failed.exit_code == 0, failed.output
    assert [row.split()[0] for row in _lines(failed.output)[1:]] == [str(jobs["failed"].id)]
    scoring = runner.invoke(cli, ["jobs", "list", "--kind", "score", "--limit", "1"])
    assert [row.split()[0] for row in _lines(scoring.output)[1:]] == [str(jobs["failed"].id)]
    none = runner.invoke(cli, ["jobs", "list", "--status", "cancelled", "--kind", "score"])
    assert none.exit_code == 0 and none.output.strip() == "No jobs match."


def test_show_sums_the_chunks_by_status_and_prints_the_failure_whole(
    cli_env: Settings, session: Session
) -> None:
    job = _jobs(session)["failed"]
    result = runner.invoke(cli, ["jobs", "show", str(job.id)])
    assert result.exit_code == 0, result.output
    assert f"Job {job.id}: score (import:2)" in result.output
    assert "status:     failed" in result.output
    assert "progress:   2,000/5,000 (40%)" in result.output
    assert (
        "chunks:     2 done (3,000 of the progress, 2 tries); 1 failed (1,500 of the progress,"
        " 5 tries); 1 pending (500 of the progress)"
    ) in result.output
    assert "workers:    worker-2:22, worker-3:33" in result.output
    assert result.output.rstrip().endswith(FAILURE)


def test_show_of_a_job_that_is_not_there_is_refused(cli_env: Settings, session: Session) -> None:
    result = runner.invoke(cli, ["jobs", "show", "999"])
    assert result.exit_code == 2
    assert "no job 999: `poise jobs list` shows the jobs there are" in result.output


def test_an_unknown_status_or_kind_is_refused_naming_the_known_ones(
    cli_env: Settings, session: Session
) -> None:
    _jobs(session)
    status = runner.invoke(cli, ["jobs", "list", "--status", "stuck"])
    assert status.exit_code == 2
    assert (
        "no job status 'stuck': use one of queued, running, done, failed, cancelled, interrupted"
    ) in status.output
    kind = runner.invoke(cli, ["jobs", "list", "--kind", "scoring"])
    assert kind.exit_code == 2
    assert "no kind of job 'scoring': use one of " in kind.output
    for known in ("score", "rescore", "kb-mine", "kb-reembed", "connector-sync", "insights-digest"):
        assert known in kind.output


def test_the_empty_state_says_so(cli_env: Settings, session: Session) -> None:
    result = runner.invoke(cli, ["jobs", "list"])
    assert result.exit_code == 0 and result.output.strip() == "No jobs yet."


def test_listing_and_showing_write_nothing(cli_env: Settings, session: Session) -> None:
    jobs = _jobs(session)
    before = [(j.id, j.status, j.owner, j.heartbeat_at, j.detail) for j in jobs.values()]
    runner.invoke(cli, ["jobs", "list"])
    runner.invoke(cli, ["jobs", "show", str(jobs["running"].id)])
    session.expire_all()
    after = [(j.id, j.status, j.owner, j.heartbeat_at, j.detail) for j in jobs.values()]
    assert after == before
    assert session.scalar(select(func.count(JobRun.id))) == 3


def test_the_help_and_the_filters_name_the_code_s_statuses_and_kinds() -> None:
    assert all(status in STATUS_HELP for status in JOB_STATUSES)
    assert "connector-syncs" not in job_kinds()  # a schedule entry that only fans out syncs
    assert {"score", "rescore", "connector-sync", "insights-rollup"} <= set(job_kinds())
