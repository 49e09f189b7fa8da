"""A failure's log line says what failed (its kind, where, our ids) and never the customer's
words: an exception's message may quote them, and the log goes to the operators' log system.

Each test plants a customer's sentence and e-mail address in the failure and reads everything
an operator's handler would print (the message and any traceback a record carries)."""

from __future__ import annotations

import errno
import logging
import re
import smtplib
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from builders import make_conversation
from poise.conversations.models import Customer
from poise.conversations.scoring import live_scoring_work, live_subject
from poise.db import make_engine, make_sessionmaker
from poise.hooks import Hooks
from poise.jobs import InProcessJobs, JobProgress, broker
from poise.jobs.chunks import SplitKind
from poise.jobs.kinds import SCORE
from poise.jobs.models import JobChunk, JobRun
from poise.settings import Settings
from poise.signals import get_scorer
from support import ended_job

SENTENCE = "My husband Marek cancelled the order while I was in hospital"
EMAIL = "marek.nowak@example.org"
QUOTED = (SENTENCE, "Marek", "hospital", EMAIL, "marek.nowak")


def _printed(caplog: pytest.LogCaptureFixture) -> str:
    """All an operator's handler prints of the records: messages and their tracebacks."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def _assert_nothing_quoted(printed: str) -> None:
    leaked = [part for part in QUOTED if part in printed]
    assert not leaked, f"the log quotes {leaked}:\n{printed}"


def _failed_job(engine: Engine, session: Session, kind: str, work: object, subject: str) -> int:
    """Run ``work`` as a job on the in-process pool; its id, once it has failed."""
    jobs = InProcessJobs(make_sessionmaker(engine))
    try:
        job_id, future = jobs.submit(kind, work, subject=subject)  # type: ignore[arg-type]
        future.result(timeout=60)
    finally:
        jobs.shutdown()
    job = ended_job(session, job_id)
    assert job.status == "failed", job.detail
    _assert_nothing_quoted(job.detail)
    return job_id


def _error_id(session: Session, job_id: int) -> str:
    detail = session.get(JobRun, job_id).detail  # type: ignore[union-attr]
    found = re.search(r"\(error ([0-9a-f]+)\)", detail)
    assert found, detail
    return found.group(1)


def test_a_failed_job_logs_its_id_and_the_error_s_kind_never_the_customer_s_words(
    engine: Engine, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    def parse_rows(_session: Session, _progress: JobProgress) -> str:
        raise ValueError(f"row 7: cannot read {SENTENCE!r} from <{EMAIL}>")

    with caplog.at_level(logging.INFO, logger="poise"):
        job_id = _failed_job(engine, session, "import", parse_rows, "import:1")
    printed = _printed(caplog)
    _assert_nothing_quoted(printed)
    line = next(r.getMessage() for r in caplog.records if f"job {job_id} " in r.getMessage())
    assert f"error {_error_id(session, job_id)}" in line
    assert "ValueError" in line
    assert re.search(r"test_failure_logs\.py:\d+ in parse_rows", line), line
    assert "poise/jobs/__init__.py:" in line  # where the job ran it, no machine's path


def test_a_failed_scoring_job_logs_the_model_s_error_without_the_turn_it_quoted(
    engine: Engine,
    session: Session,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conv = make_conversation(session, customer_text=f"{SENTENCE}. Write to {EMAIL}.")

    def unreadable(texts: list[str], *_args: object, **_kwargs: object) -> object:
        raise RuntimeError(f"[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : input {texts[0]!r}")

    monkeypatch.setattr(get_scorer("negativity"), "score_batch", unreadable)
    work = live_scoring_work([conv.id], hooks=Hooks())
    with caplog.at_level(logging.INFO, logger="poise"):
        job_id = _failed_job(engine, session, SCORE, work, live_subject([conv.id]))
    printed = _printed(caplog)
    _assert_nothing_quoted(printed)
    assert re.search(rf"job {job_id} \(score\) failed: error [0-9a-f]+: RuntimeError", printed)
    assert re.search(r"in unreadable", printed), printed


def test_a_database_error_logs_its_sqlstate_and_constraint_never_the_row_s_values(
    engine: Engine, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL's DETAIL repeats the key (``Key (source, external_id)=(…)``) and
    SQLAlchemy's message the statement's parameters; neither reaches the log."""

    def store_twice(work_session: Session, _progress: JobProgress) -> str:
        for _ in range(2):
            work_session.add(Customer(source="zendesk", external_id=EMAIL, name=SENTENCE))
            work_session.flush()
        return "stored"

    with caplog.at_level(logging.INFO, logger="poise"):
        job_id = _failed_job(engine, session, "import", store_twice, "import:2")
    printed = _printed(caplog)
    _assert_nothing_quoted(printed)
    assert f"job {job_id} (import) failed" in printed
    assert "sqlalchemy.exc.IntegrityError" in printed
    if engine.dialect.name == "postgresql":
        assert "psycopg.errors.UniqueViolation [sqlstate 23505" in printed, printed
        assert "table customers" in printed and "constraint " in printed
    else:
        assert "sqlite3.IntegrityError [SQLITE_CONSTRAINT_UNIQUE]" in printed, printed


def test_a_statement_s_error_names_no_parameters(engine: Engine, session: Session) -> None:
    """``hide_parameters``: SQLAlchemy's message of a failed statement, shown wherever it is
    printed (a command's error, another library's log), holds the SQL and not the values."""
    session.add(Customer(source="zendesk", external_id=EMAIL, name=SENTENCE))
    session.commit()
    session.add(Customer(source="zendesk", external_id=EMAIL, name=SENTENCE))
    with pytest.raises(Exception) as raised:
        session.flush()
    session.rollback()
    said = str(raised.value)
    assert "INSERT INTO customers" in said and "parameters hidden" in said
    assert SENTENCE not in said


def test_a_worker_s_retry_line_names_the_error_s_kind_never_the_row(
    settings: Settings,
    session: Session,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Celery logs each retry with the error it was handed (``retry: Retry in 1s: ...``):
    a chunk's racing duplicate (an ``IntegrityError``, retried) quoted its row there, from
    PostgreSQL's DETAIL (SQLite's names the columns only). One worker app per process: Celery
    shares a task's name between the apps of one process, so the first app's task would run."""
    if not settings.resolved_database_url.startswith("postgresql"):
        pytest.skip("SQLite's unique-constraint message holds no value")

    def store_twice(work_session: Session, _keys: list[int]) -> object:
        for _ in range(2):
            work_session.add(Customer(source="zendesk", external_id=EMAIL, name=SENTENCE))
            work_session.flush()
        raise AssertionError("the second row was stored")

    kind = SplitKind(whole=None, plan=None, compute=store_twice, finish=None)  # type: ignore[arg-type]
    job = JobRun(kind="duplicates", status="running")
    session.add(job)
    session.flush()
    chunk = JobChunk(job_id=job.id, seq=0, keys=[1], size=1)
    session.add(chunk)
    session.commit()
    worker = settings.model_copy(
        update={"broker_url": "memory://", "job_retry_seconds": [0.01, 0.01]}
    )
    made: list[Engine] = []

    def kept(*args: Any, **kwargs: Any) -> Engine:
        """The worker's own engine, closed at the end (a worker process's lives with it)."""
        made.append(make_engine(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(broker, "make_engine", kept)
    app = broker.make_celery(worker, {"duplicates": kind})
    try:
        with caplog.at_level(logging.INFO):
            app.tasks[broker.RUN_CHUNK].apply(args=[chunk.id])
    finally:
        for engine in made:
            engine.dispose()
    printed = _printed(caplog)
    _assert_nothing_quoted(printed)
    retry = next(r.getMessage() for r in caplog.records if "retry: Retry in" in r.getMessage())
    assert "IntegrityError [sqlstate 23505, table customers" in retry, retry
    session.expire_all()
    assert session.get(JobChunk, chunk.id).status == "failed"  # type: ignore[union-attr]


def test_a_mail_refusal_and_a_file_error_keep_their_codes_not_their_names() -> None:
    """The reminders' mail server refusing a recipient names the address; a file error names
    the file (an upload's name): the log keeps the kind and the system's code and text."""
    from poise.faults import described  # a helper of log_failure's, tested where it decides

    refused = smtplib.SMTPRecipientsRefused({EMAIL: (550, f"<{EMAIL}>: no such user".encode())})
    missing = FileNotFoundError(errno.ENOENT, "No such file", f"{SENTENCE}.csv")
    said = "\n".join(described(exc) for exc in (refused, missing))
    _assert_nothing_quoted(said)
    assert "smtplib.SMTPRecipientsRefused" in said
    assert "FileNotFoundError [ENOENT No such file or directory]" in said
