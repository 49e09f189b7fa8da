"""The conversations JSON API under ``/api/v1`` and the signed webhook intake."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from poise.auth.deps import ApiLead, ApiUser
from poise.auth.models import User
from poise.conversations import actions, queries
from poise.conversations.routes import Filters, UploadDep, import_upload_file
from poise.conversations.schemas import (
    INLINED_MESSAGES,
    ConversationPage,
    ConversationPublic,
    ConversationSummary,
    ImportReportPublic,
    JobStatus,
    MessagePage,
    MessagePublic,
    RatingPublic,
    RowErrorPublic,
    WebhookReceipt,
)
from poise.conversations.scoring import score_left_turns, score_live_turns
from poise.conversations.scoring_left import conversations_left
from poise.errors import PermissionDenied
from poise.jobs import cancel_job
from poise.jobs.models import JobRun
from poise.web.bodies import webhook_body
from poise.web.deps import HooksDep, SessionDep, SettingsDep
from poise.web.paging import PAGED, page_headers
from poise.web.params import ApiPageQuery, IdPath, PageSizeQuery

router = APIRouter(prefix="/api/v1")


@router.get(
    "/conversations",
    summary="List conversations",
    response_model=ConversationPage,
    tags=["conversations"],
    responses=PAGED,
)
def list_conversations(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    filters: Filters,
    page: ApiPageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> ConversationPage:
    """Conversations newest first, filtered by channel, status, assignee, product, dates,
    signal and words (``q``: every word in the subject, purpose or customer)."""
    listing = queries.list_conversations(
        session, actor=user, filters=filters, page=page, page_size=page_size
    )
    response.headers.update(page_headers(listing, request.url))
    return ConversationPage.of(
        listing, [ConversationSummary.model_validate(c) for c in listing.items]
    )


THREAD_LINK: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Link": {
                "description": 'Where the thread goes on, as `<URL>; rel="messages"` (the '
                "same URL as `messages_next`); absent when `messages` is the whole thread.",
                "schema": {"type": "string"},
            }
        }
    }
}


@router.get(
    "/conversations/{conversation_id}",
    summary="Get a conversation with its first messages",
    response_model=ConversationPublic,
    tags=["conversations"],
    responses=THREAD_LINK,
)
def get_conversation(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    conversation_id: IdPath,
) -> ConversationPublic:
    """One conversation with its rating and the opening of its thread: at most the first
    200 messages inline (`messages`, oldest first). `messages_total` says how many the thread
    holds and `messages_truncated` whether some were left out; the rest is read a page at a
    time from `messages_next` (also in `Link: <…>; rel="messages"`), the thread's
    `/conversations/{id}/messages` at `page=2&page_size=200`, then by its own `Link` headers.
    A thread of 200 messages or fewer comes whole, as before."""
    # Every turn inline made an imported thread of 87,747 turns a response of megabytes.
    conv = queries.get_conversation(session, actor=user, conversation_id=conversation_id)
    opening = queries.opening_messages(session, conv, limit=INLINED_MESSAGES)
    rest = None
    if opening.pages > 1:
        rest = str(
            request.url_for("list_messages", conversation_id=conv.id).include_query_params(
                page=2, page_size=INLINED_MESSAGES
            )
        )
        response.headers["Link"] = f'<{rest}>; rel="messages"'
    return ConversationPublic(
        **ConversationSummary.model_validate(conv).model_dump(),
        messages=[MessagePublic.model_validate(m) for m in opening.items],
        messages_total=opening.total,
        messages_truncated=rest is not None,
        messages_next=rest,
        rating=RatingPublic.model_validate(conv.rating) if conv.rating else None,
    )


@router.get(
    "/conversations/{conversation_id}/messages",
    summary="List a conversation's messages",
    response_model=MessagePage,
    tags=["conversations"],
    responses=PAGED,
)
def list_messages(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    conversation_id: IdPath,
    page: ApiPageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> MessagePage:
    """A conversation's messages oldest first, a page at a time: the whole of a long
    thread, whose first 200 messages only the conversation itself inlines."""
    listing = queries.list_messages(
        session, actor=user, conversation_id=conversation_id, page=page, page_size=page_size
    )
    response.headers.update(page_headers(listing, request.url))
    return MessagePage.of(listing, [MessagePublic.model_validate(m) for m in listing.items])


@router.post(
    "/imports",
    summary="Import a file of conversations",
    response_model=ImportReportPublic,
    tags=["imports"],
)
def import_file(
    request: Request, session: SessionDep, settings: SettingsDep, user: ApiLead, upload: UploadDep
) -> JSONResponse:
    """Import a file (leads and admins). 200 when stored, 422 with every refusal when not.

    ``scoring_job_id`` names the background job scoring the new customer messages
    (``GET /api/v1/jobs/{id}``); null when the import stored no new message. Plain
    ``def``: parsing and writing run on the thread pool.
    """
    report, job_id = import_upload_file(request, session, settings, user, upload)
    body = ImportReportPublic(
        scoring_job_id=job_id,
        run_id=report.run_id,
        status=report.status,
        rows_total=report.rows_total,
        rows_rejected=report.rows_rejected,
        conversations_created=report.counts.conversations_created,
        conversations_updated=report.counts.conversations_updated,
        messages_created=report.counts.messages_created,
        ratings_created=report.counts.ratings_created,
        errors=[RowErrorPublic(line=e.line, field=e.field, reason=e.reason) for e in report.errors],
    )
    return JSONResponse(body.model_dump(), status_code=422 if report.status == "rejected" else 200)


@router.get("/stats", summary="Counts of what is stored", tags=["conversations"])
def stats(session: SessionDep, user: ApiUser) -> dict[str, int]:
    """Counts of teams and users, and of the conversations the token's owner may open, with
    their messages and ratings (an admin's: every one)."""
    return queries.counts(session, actor=user)


def signed_message(request: Request) -> None:
    """Refuse a delivery with no well-formed ``X-Poise-Signature`` before its body is read
    (401, as a signature that does not match): declared before the body, so FastAPI runs it
    first. A header parameter cannot do it: FastAPI checks those after every dependency."""
    problem = actions.unsigned_problem(request.headers.get("x-poise-signature"))
    if problem is not None:
        raise HTTPException(401, problem)


@router.post(
    "/webhooks/messages",
    summary="Receive a message (Poise's own signed webhook)",
    response_model=WebhookReceipt,
    tags=["webhooks"],
    status_code=201,
    responses={
        201: {
            "description": "The message is stored and scored; when scoring it failed, it is "
            "stored all the same and `scoring_job_id` names the background job that scores it",
            "model": WebhookReceipt,
        },
        200: {
            "description": "A message stored already, not by a delivery of the last hour (an "
            "import, a sync, an earlier delivery): nothing changed",
            "model": WebhookReceipt,
        },
        400: {"description": "A signed body that is not a valid message"},
        401: {
            "description": "Unknown integration, wrong signature or a stale timestamp; no "
            "well-formed signature at all is refused before the body is read"
        },
        409: {
            "description": "A message received in the last hour (a replayed delivery, or the "
            "sender sending it again): nothing stored, as a helpdesk's own webhook answers. "
            "The first delivery stored it, and it is scored by that delivery or the job its "
            "answer named; a replay of one still waiting for its score (its server died "
            "before scoring it) queues the job that scores it"
        },
        413: {"description": "The body is larger than a message can be"},
    },
)
def webhook_message(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hooks: HooksDep,
    _signed: Annotated[None, Depends(signed_message)],
    body: Annotated[bytes, Depends(webhook_body)],
    x_poise_integration: Annotated[str, Header()],
    x_poise_timestamp: Annotated[str, Header()],
    x_poise_signature: Annotated[str, Header()],
) -> JSONResponse:
    """Create or extend a conversation with one message.

    Name the sender in ``X-Poise-Integration``, put the sending time (Unix seconds) in
    ``X-Poise-Timestamp`` and sign both with the integration's secret: ``X-Poise-Signature:
    sha256=<hex of HMAC-SHA256(secret, "{timestamp}.{raw body}")>``. A timestamp more than
    5 minutes from the server's clock is refused. A message id received in the last hour is
    refused (409) and changes nothing, and a message older than the conversation's newest
    turn does not change its fields. A delivery that failed stored nothing: send it again.
    A stored message is answered as stored even when scoring it fails: ``scoring_job_id``
    then names the background job that scores it (null when it was scored at once). A
    replay of a message still waiting for its score (its server died before scoring it) is
    refused all the same, and queues the job that scores it.
    Plain ``def``: storing and scoring run on the thread pool, never on the event loop.
    """
    try:
        receipt = actions.receive_webhook_message(
            session,
            integration_name=x_poise_integration,
            signature=x_poise_signature,
            timestamp=x_poise_timestamp,
            body=body,
            max_message_chars=settings.max_message_chars,
        )
    except actions.Replayed as exc:  # its turn may wait for a score still: a job scores it
        score_left_turns(session, exc.conversation_ids, hooks=hooks, jobs=request.app.state.jobs)
        return JSONResponse({"detail": str(exc)}, status_code=409)
    except PermissionDenied as exc:
        return JSONResponse({"detail": str(exc)}, status_code=401)
    if receipt.message_created:  # one turn: score it now, so the assist panel sees it at once
        jobs = request.app.state.jobs
        ids = [receipt.conversation_id]
        receipt.scoring_job_id = score_live_turns(session, ids, hooks=hooks, jobs=jobs)
    status = 201 if receipt.message_created else 200
    return JSONResponse(receipt.model_dump(), status_code=status)


@router.get(
    "/jobs/{job_id}", summary="A background job's progress", response_model=JobStatus, tags=["jobs"]
)
def job_status(session: SessionDep, user: ApiLead, job_id: IdPath) -> JobStatus:
    """Status and progress of background work (e.g. scoring an import).

    For leads and admins: they start the work (imports, syncs, mining) and only their pages
    show a job; its detail may name an import's file or error, which is not an agent's to read.
    A job working on another team's import or conversations answers as a missing one.
    """
    return _job_status(session, user, queries.readable_job(session, actor=user, job_id=job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    summary="Cancel a background job",
    response_model=JobStatus,
    tags=["jobs"],
)
def cancel_job_api(session: SessionDep, user: ApiLead, job_id: IdPath) -> JobStatus:
    """Cancel a queued or running job (leads and admins); 400 once it has ended.

    Running work stops at its next chunk boundary; what it had written stays. Another team's
    import or conversations' scoring answers as a missing job.
    """
    queries.readable_job(session, actor=user, job_id=job_id)
    return _job_status(session, user, cancel_job(session, job_id, by=user.name))


def _job_status(session: Session, user: User, job: JobRun) -> JobStatus:
    """``job`` as its reader may see it: its subject narrowed to what they may open, and, for
    a scoring that ended badly, how many conversations it left (the Jobs page's rule)."""
    status = JobStatus.model_validate(job)
    status.subject = queries.readable_subject(session, user, job.subject)
    status.conversations_left = conversations_left(session, user, job)
    return status
