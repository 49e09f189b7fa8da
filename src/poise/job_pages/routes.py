"""``/admin/jobs``: the background jobs for admins, newest first, one job's chunks and detail,
and cancelling a queued or running one.

Before this page a failed scoring said "the server log has the detail" and only ``poise jobs``
on the server showed more. The page reads only (``poise.jobs.queries``); cancelling is the
jobs' own action (:func:`poise.jobs.cancel_job`), the one the import page's button uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.deps import AdminUser
from poise.auth.models import User
from poise.conversations.models import ImportRun
from poise.conversations.queries import (
    CONVERSATIONS_JOB,
    IMPORT_JOB,
    job_conversation_ids,
    visible_imports,
)
from poise.conversations.scoring_left import covered_conversations
from poise.conversations.visibility import openable_conversations
from poise.errors import InvalidInput, NotFound
from poise.jobs import ACTIVE, cancel_job
from poise.jobs.models import JOB_STATUSES, JobRun
from poise.jobs.queries import (
    DETAIL_WIDTH,
    chunk_owners,
    chunk_tallies,
    failed_chunks,
    job_page,
    short_detail,
    stored_kinds,
)
from poise.scheduler import job_kinds
from poise.web.csrf import verify_csrf
from poise.web.deps import (
    SessionDep,
    SettingsDep,
    flash,
    redirect,
    render,
    render_form,
    safe_next,
)
from poise.web.params import IdPath, PageQuery

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

LIST = "/admin/jobs"
CONNECTOR_JOB = re.compile(r"connector:(.+)")  # connectors.actions.sync_subject
SCHEDULED_JOB = re.compile(r"scheduled:(.+)")  # scheduler.subject
# Subjects of the manual's work (knowledge's MINING_SUBJECT, model_cards' REEMBED_SUBJECT):
# words, the page that shows the work, and the least role that opens that page.
MANUAL_JOBS = {
    "kb:mine": ("the manual's proposals", "/manual/proposals", "lead"),
    "kb:reembed": ("the manual's encoder", "/admin/models#manual-encoder", "admin"),
}


@dataclass(frozen=True)
class Subject:
    """What a job works for, in words, and the page that shows it when the reader may open it."""

    words: str
    href: str = ""


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    page: PageQuery = 1,
    status: str = "",
    kind: str = "",
) -> HTMLResponse:
    """The newest jobs, of one status and one kind when asked; a status or kind no job can
    have is said beside its filter, and the list shows every job instead."""
    kinds = sorted({*job_kinds(), *stored_kinds(session)})
    errors = _filter_errors(status, kind, kinds)
    status_shown = "" if "status" in errors else status
    kind_shown = "" if "kind" in errors else kind
    listing = job_page(
        session,
        status=status_shown or None,
        kind=kind_shown or None,
        page=page,
        page_size=settings.page_size,
    )
    # the pager and Cancel keep the filters applied, not a refused one
    filters = {k: v for k, v in (("status", status_shown), ("kind", kind_shown)) if v}
    context = {
        "listing": listing,
        "subjects": subjects(session, user, listing.items),
        "details": {job.id: short_detail(job.detail) for job in listing.items},
        "detail_width": DETAIL_WIDTH,  # poise.js cuts a polled job's detail there too
        "statuses": JOB_STATUSES,
        "kinds": kinds,
        "form": {"status": status, "kind": kind},
        "filtered": bool(status_shown or kind_shown),
        "base_query": urlencode(filters),
        "back": f"{LIST}?{urlencode({**filters, 'page': page})}",
        "active_statuses": ACTIVE,
    }
    return render_form(request, "job_pages/jobs.html", context, errors)


@router.get("/admin/jobs/{job_id}", response_class=HTMLResponse)
def job_detail_page(
    request: Request, session: SessionDep, user: AdminUser, job_id: IdPath
) -> HTMLResponse:
    """One job: its times, its chunks by status, its whole detail and, for a scoring that did
    not get through, the conversations it left (those the admin may open, as links)."""
    job = session.get(JobRun, job_id)
    if job is None:
        raise NotFound(f"There is no job {job_id}: the Jobs page lists the jobs there are.")
    failed = failed_chunks(session, job.id)
    context = {
        "job": job,
        "subject": subjects(session, user, [job])[job.id],
        "tallies": chunk_tallies(session, job.id),
        "workers": chunk_owners(session, job.id),
        "failed": failed,
        "covered": covered_conversations(session, user, job, failed),
        "active_statuses": ACTIVE,
    }
    return render(request, "job_pages/job.html", context)


@router.post("/admin/jobs/{job_id}/cancel")
def cancel_from_jobs_page(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    job_id: IdPath,
    back: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Cancel a queued or running job and come back to the Jobs page it was cancelled from (a
    job that ended meanwhile is said there, not as an error page)."""
    try:
        job = cancel_job(session, job_id, by=user.name)
    except InvalidInput as exc:
        session.rollback()
        flash(request, str(exc), "error")
    else:
        flash(request, f"Job {job.id} cancelled: what it had done stays; start it again to finish.")
    return redirect(_back_to_jobs(back))


def _back_to_jobs(back: str) -> str:
    """``back`` when it is one of the Jobs pages (the list with its filters, or one job), so
    the form cannot send anyone elsewhere; the list otherwise."""
    local = safe_next(back, LIST)
    return local if local == LIST or local.startswith((f"{LIST}?", f"{LIST}/")) else LIST


def _filter_errors(status: str, kind: str, kinds: Sequence[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if status and status not in JOB_STATUSES:
        errors["status"] = f"No job has the status “{status}”: choose one from the list."
    if kind and kind not in kinds:
        errors["kind"] = f"No job is of the kind “{kind}”: choose one from the list."
    return errors


def subjects(session: Session, actor: User, jobs: Sequence[JobRun]) -> dict[int, Subject]:
    """Each job's subject in words ("import #12"), linked where ``actor`` may open it: an
    import that still exists and that they may read, a single conversation they may open."""
    imports = _readable_imports(session, actor, _import_ids(jobs))
    single = [ids[0] for ids in map(job_conversation_ids, (j.subject for j in jobs)) if ids]
    conversations = openable_conversations(session, actor, single)
    return {job.id: _subject(job.subject, imports, conversations, actor) for job in jobs}


def _subject(subject: str, imports: set[int], conversations: set[int], actor: User) -> Subject:
    if found := IMPORT_JOB.fullmatch(subject):
        run_id = int(found[1])
        return Subject(f"import #{run_id}", f"/import?run={run_id}" if run_id in imports else "")
    if CONVERSATIONS_JOB.fullmatch(subject):
        ids = job_conversation_ids(subject)
        source = "the sweep" if subject.startswith("sweep:") else "delivered turns"
        if len(ids) == 1:
            href = f"/conversations/{ids[0]}" if ids[0] in conversations else ""
            return Subject(f"{source}: conversation #{ids[0]}", href)
        return Subject(f"{source}: {len(ids):,} conversations")
    if found := CONNECTOR_JOB.fullmatch(subject):
        return Subject(f"{found[1]} sync", "/admin/connectors" if actor.is_admin else "")
    if found := SCHEDULED_JOB.fullmatch(subject):
        return Subject(f"the schedule: {found[1]}")
    if subject in MANUAL_JOBS:
        words, href, role = MANUAL_JOBS[subject]
        opens = actor.is_admin if role == "admin" else actor.is_lead
        return Subject(words, href if opens else "")
    return Subject(subject or "—")


def _import_ids(jobs: Iterable[JobRun]) -> list[int]:
    return [int(m[1]) for m in (IMPORT_JOB.fullmatch(j.subject) for j in jobs) if m]


def _readable_imports(session: Session, actor: User, run_ids: list[int]) -> set[int]:
    if not run_ids:
        return set()
    query = select(ImportRun.id).where(ImportRun.id.in_(run_ids), visible_imports(actor))
    return set(session.scalars(query))
