"""Chunks of a split job, run here without a broker: a chunk delivered twice writes once, and
the job's progress and summary come from its chunk rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from builders import conversation_record, drifting_conversation
from poise.background import collect_praise, split_kinds
from poise.conversations.models import Message
from poise.conversations.writer import write_conversations
from poise.hooks import Hooks
from poise.jobs import JobChunk, JobRun
from poise.jobs.chunks import SplitKind, _write, plan_job, run_chunk


def _kinds() -> dict[str, SplitKind]:
    """The kinds as the face wires them: a finished scoring collects praise."""
    return split_kinds(Hooks(scoring_finished=[collect_praise]))


def _store(session: Session, count: int) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    records = [
        conversation_record(
            customer_text=f"Order {n} is late again and I am fed up ({n * 3})",
            start=start + timedelta(minutes=n),
        )
        for n in range(count)
    ]
    write_conversations(session, "helpdesk", records)
    session.commit()


def _planned(session: Session, size: int) -> tuple[int, list[int]]:
    job = JobRun(kind="score", subject="test")
    session.add(job)
    session.flush()
    return job.id, plan_job(session, job, _kinds()["score"], None, size)


def _maker(session: Session) -> sessionmaker[Session]:
    return sessionmaker(bind=session.get_bind(), expire_on_commit=False)


def test_chunks_hold_whole_conversations_and_add_up_to_the_job(session: Session) -> None:
    _store(session, 25)
    job_id, chunk_ids = _planned(session, 10)
    chunks = session.scalars(select(JobChunk).order_by(JobChunk.seq)).all()
    assert [chunk.id for chunk in chunks] == chunk_ids
    assert [chunk.size for chunk in chunks] == [10, 10, 5]
    keys = [key for chunk in chunks for key in chunk.keys]
    assert keys == sorted(keys) and len(keys) == len(set(keys)) == 25
    job = session.get(JobRun, job_id)
    assert job is not None and job.total == 25 and job.done == 0


def test_a_chunk_delivered_twice_is_written_once(session: Session) -> None:
    _store(session, 12)
    job_id, (first, second) = _planned(session, 6)
    kinds = _kinds()
    maker = _maker(session)
    # Two deliveries of the first chunk both computed its scores before either wrote them.
    with maker() as one, maker() as two:
        keys = list(session.get(JobChunk, first).keys)  # type: ignore[union-attr]
        early = kinds["score"].compute(one, keys)
        late = kinds["score"].compute(two, keys)
        one.commit(), two.commit()
        assert _write(one, first, job_id, early) == "written"
        assert _write(two, first, job_id, late) == "done by another delivery"
    assert run_chunk(maker, first, kinds, owner="test:1") == "already done"
    session.expire_all()
    job = session.get(JobRun, job_id)
    assert job is not None and job.status == "queued" and job.done == 6
    assert run_chunk(maker, second, kinds, owner="test:1") == "written"
    session.expire_all()
    job = session.get(JobRun, job_id)
    assert job is not None and job.status == "done" and job.done == job.total == 12
    assert job.detail.startswith("scored 12 messages in 12 conversations")
    unscored = select(func.count(Message.id)).where(
        Message.author_role == "customer", Message.signal_version.is_(None)
    )
    assert session.scalar(unscored) == 0


def test_the_split_rescore_refreshes_drift_an_older_drift_model_measured(session: Session) -> None:
    """After a drift model change every turn is scored, so the scheduler saw no re-score to
    queue and the workers' split re-score planned no chunk: the old model's drift flag stayed
    (``poise signals rescore`` refreshed it; the split path did not)."""
    from poise.conversations.models import Conversation
    from poise.conversations.scoring import score_messages
    from poise.scheduler import rescore_wanted
    from poise.signals import get_scorer

    drifting_conversation(session)
    _store(session, 3)  # current in every way: not re-scored
    score_messages(session)
    assert not rescore_wanted(session)
    conv = session.query(Conversation).filter_by(external_id="dr").one()
    current = get_scorer("drift").version
    assert conv.drifted and conv.signals_version and current in conv.signals_version
    conv.drifted, conv.drift_turn = False, None  # as an older drift model left it
    conv.signals_version = conv.signals_version.replace(current, "drift-2000.1.1")
    session.commit()
    assert rescore_wanted(session)
    job = JobRun(kind="rescore", subject="test")
    session.add(job)
    session.flush()
    kinds = _kinds()
    chunk_ids = plan_job(session, job, kinds["rescore"], None, 10)
    session.commit()
    assert [list(session.get(JobChunk, c).keys) for c in chunk_ids] == [[conv.id]]  # type: ignore[union-attr]
    assert run_chunk(_maker(session), chunk_ids[0], kinds, owner="test:1") == "written"
    session.expire_all()
    conv = session.query(Conversation).filter_by(external_id="dr").one()
    assert conv.drifted and conv.drift_turn == 4
    assert conv.signals_version and current in conv.signals_version.split("+")
    assert not rescore_wanted(session)
