"""The conversations JSON API under ``/api/v1`` and the signed webhook intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from poise.auth.deps import ApiLead, ApiUser
from poise.conversations import actions, queries
from poise.conversations.routes import Filters, UploadDep, import_upload_file
from poise.conversations.schemas import (
    ConversationPage,
    ConversationPublic,
    ConversationSummary,
    ImportReportPublic,
    JobStatus,
    RowErrorPublic,
    WebhookReceipt,
)
from poise.conversations.scoring import score_messages
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.jobs import JobRun
from poise.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1")


@router.get("/conversations", response_model=ConversationPage, tags=["conversations"])
def list_conversations(
    session: SessionDep, user: ApiUser, filters: Filters, page: int = 1, page_size: int = 50
) -> ConversationPage:
    """Conversations newest first, filtered by channel, status, assignee, product and dates."""
    if not 1 <= page_size <= 200:
        raise InvalidInput("page_size must be between 1 and 200")
    listing = queries.list_conversations(
        session, actor=user, filters=filters, page=page, page_size=page_size
    )
    return ConversationPage(
        items=[ConversationSummary.model_validate(c) for c in listing.items],
        total=listing.total,
        page=listing.page,
        page_size=listing.page_size,
    )


@router.get(
    "/conversations/{conversation_id}", response_model=ConversationPublic, tags=["conversations"]
)
def get_conversation(
    session: SessionDep, user: ApiUser, conversation_id: int
) -> ConversationPublic:
    """One conversation with its messages and rating."""
    conv = queries.get_conversation(session, actor=user, conversation_id=conversation_id)
    return ConversationPublic.model_validate(conv)


@router.post("/imports", response_model=ImportReportPublic, tags=["imports"])
async def import_file(
    request: Request, session: SessionDep, settings: SettingsDep, user: ApiLead, upload: UploadDep
) -> JSONResponse:
    """Import a file (leads and admins). 200 when stored, 422 with every refusal when not.

    ``scoring_job_id`` names the background job scoring the new customer messages
    (``GET /api/v1/jobs/{id}``).
    """
    report, job_id = await import_upload_file(request, session, settings, user, upload)
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


@router.get("/stats", tags=["conversations"])
def stats(session: SessionDep, user: ApiUser) -> dict[str, int]:
    """Counts of teams, users, conversations, messages and ratings."""
    return queries.counts(session)


@router.post(
    "/webhooks/messages",
    response_model=WebhookReceipt,
    tags=["webhooks"],
    responses={401: {"description": "Unknown integration or wrong signature"}},
)
async def webhook_message(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    x_poise_integration: Annotated[str, Header()],
    x_poise_signature: Annotated[str, Header()],
) -> JSONResponse:
    """Create or extend a conversation with one message.

    Sign the raw body with the integration's secret: ``X-Poise-Signature: sha256=<hex of
    HMAC-SHA256(secret, body)>`` and name the sender in ``X-Poise-Integration``. Re-sending
    the same message id changes nothing.
    """
    body = await request.body()
    if len(body) > settings.max_message_chars * 4 + 65536:
        return JSONResponse({"detail": "the webhook body is too large"}, status_code=413)
    try:
        receipt = actions.receive_webhook_message(
            session,
            integration_name=x_poise_integration,
            signature=x_poise_signature,
            body=body,
            max_message_chars=settings.max_message_chars,
        )
    except PermissionDenied as exc:
        return JSONResponse({"detail": str(exc)}, status_code=401)
    if receipt.message_created:  # one turn: score it now, so the assist panel sees it at once
        score_messages(session, conversation_ids=[receipt.conversation_id])
    status = 201 if receipt.message_created else 200
    return JSONResponse(receipt.model_dump(), status_code=status)


@router.get("/jobs/{job_id}", response_model=JobStatus, tags=["jobs"])
def job_status(session: SessionDep, user: ApiUser, job_id: int) -> JobStatus:
    """Status and progress of background work (e.g. scoring an import)."""
    job = session.get(JobRun, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return JobStatus.model_validate(job)
