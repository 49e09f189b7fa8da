"""The face's wiring of background work: which kinds of job split, and which engine runs them.

Bulk scoring composes two areas (``conversations`` scores, ``morale`` collects the praise the
new scores reveal), so it is wired here, above the areas, for the web process and for
``poise worker`` alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session, sessionmaker

from poise.connectors.client import Seam
from poise.jobs import InProcessJobs, JobWork
from poise.jobs.chunks import ChunkResult, Scope, SplitKind, group_keys
from poise.settings import Settings


def _scoring(*, rescore: bool) -> SplitKind:
    from poise.conversations.scoring import ScoreCounts, compute_scores, count_pending
    from poise.morale.actions import collect_happy_items
    from poise.signals import get_scorer

    def whole(scope: Scope) -> JobWork:
        from poise.conversations.routes import scoring_work

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


def make_jobs(
    settings: Settings, maker: sessionmaker[Session], *, seam: Seam | None = None
) -> InProcessJobs:
    """Celery workers when ``POISE_BROKER_URL`` is set; otherwise a pool in this process.

    ``seam`` is how a resumed connector sync reaches its helpdesk (tests replay through it).
    """
    from poise.connectors.actions import JOB_KIND, resume_sync
    from poise.conversations.routes import resume_scoring

    resumable = {"score": resume_scoring, JOB_KIND: resume_sync(settings, seam or Seam())}
    if settings.broker_url:
        from poise.jobs.broker import BrokerJobs

        return BrokerJobs(maker, settings, resumable=resumable, splittable=split_kinds())
    return InProcessJobs(maker, resumable=resumable, splittable=split_kinds())
