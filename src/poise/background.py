"""The face's wiring of background work: which kinds of job split, and which engine runs them.

Bulk scoring composes two areas (``conversations`` scores, ``morale`` collects the praise the
new scores reveal), so it is wired here, above the areas, for the web process and for
``poise worker`` alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from poise.connectors.client import Seam
from poise.hooks import Hooks
from poise.jobs import InProcessJobs, JobWork
from poise.jobs.chunks import ChunkResult, Scope, SplitKind, group_keys
from poise.settings import Settings


def _scoring(*, rescore: bool) -> SplitKind:
    from poise.conversations.scoring import ScoreCounts, compute_scores, count_pending
    from poise.morale.actions import collect_happy_items
    from poise.signals import get_scorer

    def whole(scope: Scope) -> JobWork:
        from poise.conversations.scoring import scoring_work

        return scoring_work(scope, rescore=rescore)

    def plan(session: Session, scope: Scope, size: int) -> Iterable[tuple[list[int], int]]:
        return group_keys(count_pending(session, scope, rescore=rescore), size)

    def compute(session: Session, keys: list[int]) -> ChunkResult:
        scored = compute_scores(session, keys, rescore=rescore)
        return ChunkResult(scored.write, scored.counts)

    def finish(session: Session, totals: dict[str, int]) -> str:
        version = get_scorer("negativity").version
        counts = ScoreCounts(totals.get("messages", 0), totals.get("conversations", 0), version)
        return f"{counts}; {collect_happy_items(session)}"  # praise needs the new scores

    return SplitKind(whole=whole, plan=plan, compute=compute, finish=finish)


def split_kinds() -> dict[str, SplitKind]:
    """Every kind of job that workers share, by name."""
    return {"score": _scoring(rescore=False), "rescore": _scoring(rescore=True)}


def record_only_hooks(settings: Settings) -> Hooks:
    """The reactions for a process without the server's alert thread (``poise connect``, a
    worker): alerts are recorded as rows only, and the server's delivery thread sends them at
    its next poll (``poise alerts`` commands send what is due as well)."""
    from poise.connectors.alerts.actions import record_conversation_alerts

    def record_alerts(session: Session, conversation_ids: Sequence[int]) -> None:
        record_conversation_alerts(session, conversation_ids, base_url=settings.base_url)

    return Hooks(conversations_scored=[record_alerts])


def make_jobs(
    settings: Settings,
    maker: sessionmaker[Session],
    *,
    seam: Seam | None = None,
    hooks: Hooks | None = None,
) -> InProcessJobs:
    """Celery workers when ``POISE_BROKER_URL`` is set; otherwise a pool in this process.

    ``seam`` is how a resumed connector sync reaches its helpdesk (tests replay through it);
    ``hooks`` are the reactions its live conversations get (default: record-only).
    """
    from poise.connectors.actions import JOB_KIND, resume_sync
    from poise.conversations.routes import resume_scoring

    hooks = hooks or record_only_hooks(settings)
    resumable = {
        "score": resume_scoring,
        JOB_KIND: resume_sync(settings, seam or Seam(), hooks),
    }
    if settings.broker_url:
        from poise.jobs.broker import BrokerJobs

        return BrokerJobs(maker, settings, resumable=resumable, splittable=split_kinds())
    return InProcessJobs(maker, resumable=resumable, splittable=split_kinds())
