"""The face's wiring of background work: which kinds of job split, and which engine runs them.

Bulk scoring composes two areas (``conversations`` scores, ``morale`` collects the praise the
new scores reveal): the scoring tells ``Hooks.finished_scoring``, which the face fills with
:func:`collect_praise` here, for the web process, ``poise worker`` and the commands alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from poise.connectors.client import Seam
from poise.hooks import Hooks
from poise.jobs import InProcessJobs, JobRun, JobWork, Resumer
from poise.jobs.chunks import ChunkResult, Scope, SplitKind, group_keys
from poise.jobs.kinds import CONNECTOR_SYNC, RESCORE, SCORE
from poise.settings import Settings


def collect_praise(session: Session) -> str:
    """Morale's reaction to a finished scoring: the praise the new scores reveal, collected
    into Happy Files."""
    from poise.morale.actions import collect_happy_items

    return str(collect_happy_items(session))


def _scoring(hooks: Hooks, *, rescore: bool) -> SplitKind:
    from poise.conversations.scoring import (
        ScoreCounts,
        compute_scores,
        count_pending,
        scored_and_after,
    )
    from poise.signals import get_scorer

    def whole(scope: Scope) -> JobWork:
        from poise.conversations.scoring import scoring_work

        return scoring_work(scope, hooks=hooks, rescore=rescore)

    def plan(session: Session, scope: Scope, size: int) -> Iterable[tuple[list[int], int]]:
        return group_keys(count_pending(session, scope, rescore=rescore), size)

    def compute(session: Session, keys: list[int]) -> ChunkResult:
        scored = compute_scores(session, keys, rescore=rescore)
        return ChunkResult(scored.write, scored.counts)

    def finish(session: Session, totals: dict[str, int]) -> str:
        version = get_scorer("negativity").version
        counts = ScoreCounts(totals.get("messages", 0), totals.get("conversations", 0), version)
        return scored_and_after(session, counts, hooks)

    return SplitKind(whole=whole, plan=plan, compute=compute, finish=finish)


def split_kinds(hooks: Hooks) -> dict[str, SplitKind]:
    """Every kind of job that workers share, by name; a scoring tells ``hooks`` it finished."""
    return {SCORE: _scoring(hooks, rescore=False), RESCORE: _scoring(hooks, rescore=True)}


def _resume_scoring(hooks: Hooks) -> Resumer:
    def resume(job: JobRun) -> JobWork:
        """After a restart, an interrupted scoring job does what is still pending of its
        work: a webhook's or the sweep's scores its conversations and tells ``hooks``
        (alerts: the live ones in ``poise serve``, recorded rows elsewhere)."""
        from poise.conversations.scoring import resumed_scoring_work

        return resumed_scoring_work(job.subject, hooks=hooks)

    return resume


def record_only_hooks(settings: Settings) -> Hooks:
    """The reactions for a process without the server's alert thread (``poise connect``, a
    worker): alerts are recorded as rows only, and the server's delivery thread sends them at
    its next poll (``poise alerts`` commands send what is due as well). A finished scoring
    collects praise, as in the server."""
    from poise.connectors.alerts.actions import record_conversation_alerts

    def record_alerts(session: Session, conversation_ids: Sequence[int]) -> None:
        record_conversation_alerts(session, conversation_ids, base_url=settings.base_url)

    return Hooks(conversations_scored=[record_alerts], scoring_finished=[collect_praise])


def resumers(settings: Settings, seam: Seam, hooks: Hooks) -> dict[str, Resumer]:
    """The kinds of job a process can take over from one that died, and how: a server's pool
    and, with workers, the scheduler's takeover turn alike (a job of any other kind is marked
    ``interrupted``)."""
    from poise.connectors.actions import resume_sync

    return {SCORE: _resume_scoring(hooks), CONNECTOR_SYNC: resume_sync(settings, seam, hooks)}


def make_jobs(
    settings: Settings,
    maker: sessionmaker[Session],
    *,
    seam: Seam | None = None,
    hooks: Hooks | None = None,
) -> InProcessJobs:
    """Celery workers when ``POISE_BROKER_URL`` is set; otherwise a pool in this process.

    ``seam`` is how a resumed connector sync reaches its helpdesk (tests replay through it);
    ``hooks`` are the reactions its live conversations and finished scorings get (default:
    record-only).
    """
    hooks = hooks or record_only_hooks(settings)
    resumable = resumers(settings, seam or Seam(), hooks)
    if settings.broker_url:
        from poise.jobs.broker import BrokerJobs

        return BrokerJobs(maker, settings, resumable=resumable, splittable=split_kinds(hooks))
    return InProcessJobs(
        maker,
        resumable=resumable,
        splittable=split_kinds(hooks),
        retry_seconds=settings.job_retry_seconds,
    )
