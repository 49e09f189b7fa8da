"""The connectors admin page and each helpdesk's native webhook endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from poise.auth.deps import AdminUser
from poise.connectors import actions, queries
from poise.conversations.actions import Replayed
from poise.conversations.scoring import score_left_turns, score_live_turns
from poise.db.base import utcnow
from poise.errors import InvalidInput, PermissionDenied
from poise.web.bodies import webhook_body
from poise.web.csrf import verify_csrf
from poise.web.deps import FormDep, HooksDep, SessionDep, SettingsDep, flash, redirect, render
from poise.web.forms import field_errors

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
api = APIRouter(prefix="/api/v1")
PAGE = "connectors/connectors.html"
NamePath = Annotated[str, Path(pattern=r"^[a-z]{1,32}$", description="A helpdesk: zendesk, …")]


def _page(
    request: Request, session: SessionDep, user: AdminUser, status: int = 200, **extra: object
) -> HTMLResponse:
    statuses = queries.connector_statuses(session, actor=user, now=utcnow())
    context = {"statuses": statuses, "base_url": request.app.state.settings.base_url, **extra}
    return render(request, PAGE, context, status)


@router.get("/admin/connectors", response_class=HTMLResponse)
def connectors_page(request: Request, session: SessionDep, user: AdminUser) -> HTMLResponse:
    """Each helpdesk: its credentials form, last sync, lag and errors (a read: writes nothing)."""
    return _page(request, session, user)


@router.post("/admin/connectors/{vendor}", response_model=None)
def save_credentials(
    request: Request, session: SessionDep, user: AdminUser, vendor: NamePath, form: FormDep
) -> HTMLResponse | RedirectResponse:
    given = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    try:
        connector = actions.save_connector(session, actor=user, vendor_name=vendor, given=given)
    except InvalidInput as exc:
        session.rollback()
        errors = field_errors(exc)
        return _page(request, session, user, 400, errors=errors, form=given, editing=vendor)
    flash(request, f"Saved the {actions.vendor_named(connector.vendor).title} connector.")
    return redirect("/admin/connectors")


@router.post("/admin/connectors/{vendor}/sync")
def sync_now(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hooks: HooksDep,
    user: AdminUser,
    vendor: NamePath,
) -> RedirectResponse:
    """Queue a sync job at once (the schedule runs one every few minutes anyway)."""
    seam = request.app.state.connector_seam
    jobs = request.app.state.jobs
    job_id = actions.queue_sync(
        session, jobs, vendor, actor=user, seam=seam, settings=settings, hooks=hooks
    )
    flash(request, f"Sync queued (job {job_id}); this page shows how it went.")
    return redirect("/admin/connectors")


def signed_delivery(request: Request, session: SessionDep) -> None:
    """Refuse a delivery with no signature of the helpdesk's shape before its body is read:
    declared before the body, so FastAPI runs it first. The vendor is read from the path as
    given (a name that is no helpdesk is 404 here, not read first and refused after)."""
    try:
        actions.refuse_unsigned_vendor_webhook(
            session, request.path_params["vendor"], headers=request.headers
        )
    except PermissionDenied as exc:
        raise HTTPException(401, str(exc)) from None


@api.post(
    "/connectors/{vendor}/webhook",
    summary="Receive a helpdesk's own webhook",
    tags=["webhooks"],
    responses={
        401: {
            "description": "A forged signature or a stale delivery: nothing stored. A "
            "delivery with no signature header, or one of a shape the helpdesk never sends, "
            "is refused before its body is read"
        },
        200: {
            "description": "Stored: `conversations`, `messages` and `deleted` count what "
            "changed. `scoring_job_id` is null when the new turns were scored at once; when "
            "scoring them failed, they are stored all the same and it names the background "
            "job that scores them"
        },
        404: {"description": "No connector is set up for this helpdesk: nothing stored"},
        409: {
            "description": "A delivery received before: nothing stored. When its turns still "
            "wait for a score (the server died before scoring them), a job is queued for them"
        },
        413: {"description": "The body is larger than a delivery can be"},
    },
)
def vendor_webhook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hooks: HooksDep,
    vendor: NamePath,
    _signed: Annotated[None, Depends(signed_delivery)],
    body: Annotated[bytes, Depends(webhook_body)],
) -> JSONResponse:
    """A helpdesk's own webhook (``zendesk``, ``freshdesk``, ``helpscout``, ``intercom``),
    verified with its own signature scheme and the connector's secret.

    See ``docs/connectors.md`` for each vendor's setup. New turns are scored at once and the
    areas that react to live conversations (alerts) are told. A stored delivery is answered
    200 even when scoring fails: ``scoring_job_id`` then names the background job that scores
    the turns and tells those areas (null when they were scored at once). Plain ``def``:
    storing and scoring run on the thread pool.
    """
    try:
        result = actions.receive_vendor_webhook(
            session,
            vendor,
            headers=request.headers,
            body=body,
            max_message_chars=settings.max_message_chars,
        )
    except Replayed as exc:  # its turns may wait for a score still: a job scores them
        score_left_turns(session, exc.conversation_ids, hooks=hooks, jobs=request.app.state.jobs)
        return JSONResponse({"detail": str(exc)}, status_code=409)
    except PermissionDenied as exc:
        return JSONResponse({"detail": str(exc)}, status_code=401)
    job_id = None
    if result.new_turn_ids:  # scored, then alerts on a live conversation; a job if that fails
        jobs = request.app.state.jobs
        job_id = score_live_turns(session, result.new_turn_ids, hooks=hooks, jobs=jobs)
    return JSONResponse(
        {
            "conversations": result.conversations,
            "messages": result.messages,
            "deleted": result.deleted,
            "scoring_job_id": job_id,
        }
    )
