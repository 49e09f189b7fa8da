"""Every change to connectors: credentials saved, a sync run, a native webhook received."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.auth.permissions import require_admin
from poise.connectors.client import ConnectorError, Seam
from poise.connectors.models import Connector
from poise.connectors.pull import MAX_PAGES, Progress, SyncCounts, Vendor, pull
from poise.connectors.vendors import VENDORS
from poise.connectors.webhooks import WebhookResult, receive, refuse_unsigned
from poise.conversations.actions import free_sender_name
from poise.conversations.importers.common import ImportLimits
from poise.conversations.models import Integration
from poise.conversations.scoring import score_messages
from poise.db.base import utcnow
from poise.errors import FieldChecks, NotFound
from poise.hooks import Hooks
from poise.jobs import InProcessJobs, JobProgress, JobRun, JobWork, Resumer, jobs_for
from poise.jobs.kinds import CONNECTOR_SYNC
from poise.settings import Settings

WEBHOOK_SECRET = "webhook_secret"  # noqa: S105 - a form field name


def vendor_named(name: str) -> Vendor:
    """The vendor called ``name``, or a clear refusal naming the ones there are."""
    try:
        return VENDORS[name]
    except KeyError:
        raise NotFound(f"no helpdesk called {name!r}: use one of {', '.join(VENDORS)}") from None


def credentials_from_settings(vendor: Vendor, settings: Settings) -> dict[str, str]:
    """The vendor's credentials set as ``POISE_<VENDOR>_<FIELD>`` (absent ones left out)."""
    found: dict[str, str] = {}
    for field in vendor.fields:
        value = getattr(settings, f"{vendor.name}_{field.name}", None)
        if value:
            found[field.name] = str(value)
    return found


def _checked(vendor: Vendor, given: Mapping[str, str], stored: Mapping[str, str]) -> dict[str, str]:
    """Every credential field, checked; an empty secret keeps the one stored. Every refusal
    is said at once, each beside its field (one a round made a form of three take three)."""
    checks = FieldChecks()
    checked: dict[str, str] = {}
    for field in vendor.fields:
        value = (given.get(field.name) or "").strip()
        if not value and field.secret:
            value = stored.get(field.name, "")
        if not value:
            checks.refuse(field.name, f"{field.label} is required")
        elif len(value) > 500 or not re.fullmatch(field.pattern, value):
            hint = field.hint or "check it"
            checks.refuse(field.name, f"{field.label} does not look right ({hint})")
        else:
            checked[field.name] = value
    checks.done()
    return checked


def save_connector(
    session: Session, *, actor: User | None, vendor_name: str, given: Mapping[str, str]
) -> Connector:
    """Create or update a connector's credentials and webhook secret (admins only).

    The webhook secret lives in the connector's own :class:`Integration`, so native webhooks
    share the replay cache with Poise's own. Left empty, a stored secret is kept; a new
    connector without one gets a random secret (Freshdesk sends it back as a header).
    """
    require_admin(actor)
    vendor = vendor_named(vendor_name)
    connector = session.scalar(select(Connector).where(Connector.vendor == vendor.name))
    stored = connector.credentials if connector else {}
    checks = FieldChecks()  # the secret's refusal is said with the credentials', not after
    credentials: dict[str, str] = checks.check(partial(_checked, vendor, given, stored), {})
    secret = (given.get(WEBHOOK_SECRET) or "").strip()
    if len(secret) > 128:
        checks.refuse(WEBHOOK_SECRET, "the webhook secret is longer than 128 characters")
    checks.done()
    if connector is None:
        connector = Connector(vendor=vendor.name, credentials={})
        session.add(connector)
    connector.credentials = credentials
    _set_webhook_secret(session, connector, secret)
    session.commit()
    return connector


def _set_webhook_secret(session: Session, connector: Connector, secret: str) -> None:
    """Keep the secret in the connector's own integration, made on its first save under the
    first free name of ``{vendor}-connector``, ``{vendor}-connector-2``…

    The name was taken unchecked: an admin's webhook integration ``zendesk-connector`` was
    taken over (its secret replaced by the helpdesk's, so the admin's sender was refused from
    then on), and a name a lead had imported under became a sender's, whose deliveries would
    land among the lead's rows. It is now checked as a new integration's is
    (:func:`~poise.conversations.actions.free_sender_name`, claimed so that an import or an
    integration of that name at the same moment waits). A taken name is passed over rather
    than refused: the connector form asks for credentials, not a name, so a refusal would
    leave the admin nothing to change there; the connector's conversations are stored under
    the vendor's name and its webhook is addressed by vendor, so only the connectors page
    (which shows the name) and ``/admin/integrations`` ever say it.
    """
    if connector.integration is None:
        name = free_sender_name(session, f"{connector.vendor}-connector", claim=True)
        connector.integration = Integration(name=name, secret=secret or secrets.token_urlsafe(32))
    if secret:
        connector.integration.secret = secret


def sync_connector(
    session: Session,
    vendor_name: str,
    *,
    seam: Seam,
    settings: Settings,
    progress: Progress | None = None,
    max_pages: int = MAX_PAGES,
) -> SyncCounts:
    """Pull what changed since the stored cursor; a first run backfills.

    Each page is committed with its cursor. On failure what was stored stays, the error is
    recorded on the connector in plain words, and :class:`ConnectorError` is raised.
    """
    vendor = vendor_named(vendor_name)
    connector = session.scalar(select(Connector).where(Connector.vendor == vendor.name))
    if connector is None:
        raise NotFound(f"{vendor.title} is not connected: run `poise connect {vendor.name}`")
    start = utcnow() - timedelta(days=settings.connector_backfill_days)
    limits = ImportLimits(max_message_chars=settings.max_message_chars)
    try:
        api = vendor.api(connector.credentials, seam)
        try:
            counts = pull(
                session,
                connector,
                vendor,
                api,
                start=start,
                limits=limits,
                progress=progress,
                max_pages=max_pages,
            )
        finally:
            api.close()
    except Exception as exc:
        session.rollback()
        reason = str(exc) if isinstance(exc, ConnectorError) else f"the sync stopped: {exc}"
        _record_failure(session, vendor, reason)
        raise ConnectorError(reason) from exc
    _record_success(connector, counts)
    session.commit()
    return counts


def _record_failure(session: Session, vendor: Vendor, reason: str) -> None:
    connector = session.scalar(select(Connector).where(Connector.vendor == vendor.name))
    if connector is None:  # pragma: no cover - deleted while syncing
        return
    connector.last_sync_at = connector.last_error_at = utcnow()
    connector.last_error = reason[:2000]
    session.commit()


def _record_success(connector: Connector, counts: SyncCounts) -> None:
    connector.last_sync_at = connector.last_success_at = utcnow()
    connector.last_summary = str(counts)
    connector.last_error = ""


def refuse_unsigned_vendor_webhook(
    session: Session, vendor_name: str, *, headers: Mapping[str, str]
) -> None:
    """Before the body is read: a helpdesk that does not exist (404), or a delivery with no
    signature of its shape (``PermissionDenied``; 404 when the connector is not set up)."""
    refuse_unsigned(session, vendor_named(vendor_name), headers)


def receive_vendor_webhook(
    session: Session,
    vendor_name: str,
    *,
    headers: Mapping[str, str],
    body: bytes,
    max_message_chars: int,
    now: datetime | None = None,
) -> WebhookResult:
    """A helpdesk's native webhook, verified with the connector's secret, then stored."""
    vendor = vendor_named(vendor_name)
    limits = ImportLimits(max_message_chars=max_message_chars)
    return receive(session, vendor, headers, body, limits=limits, now=now or utcnow())


def sync_subject(vendor_name: str) -> str:
    return f"connector:{vendor_name}"


def sync_work(vendor_name: str, *, seam: Seam, settings: Settings, hooks: Hooks) -> JobWork:
    """A sync as background work; the new customer turns are scored after it.

    Once the connector has finished its backfill, the conversations that gained a turn are
    live: ``hooks.scored`` tells the areas that react to them (alerts), as a webhook does.
    A backfill is history and alerts nobody. The face passes the hooks of the process the
    job runs in: the server's, which record and send at once, or a record-only set where no
    server runs (the server's delivery thread sends those rows at its next poll).
    """

    def work(session: Session, progress: JobProgress) -> str:
        counts = sync_connector(
            session, vendor_name, seam=seam, settings=settings, progress=progress
        )
        if not counts.messages:
            return str(counts)
        ids = sorted(set(counts.conversation_ids))
        scored = score_messages(session, conversation_ids=ids)
        if counts.live and counts.new_turn_ids:
            hooks.scored(session, sorted(set(counts.new_turn_ids)))
        return f"{counts}; {scored}"

    return work


def resume_sync(settings: Settings, seam: Seam, hooks: Hooks) -> Resumer:
    """After a restart, a sync job cut short goes on from its connector's stored cursor."""

    def resumer(job: JobRun) -> JobWork:
        vendor_name = job.subject.removeprefix("connector:")
        return sync_work(vendor_name, seam=seam, settings=settings, hooks=hooks)

    return resumer


def queue_sync(
    session: Session,
    jobs: InProcessJobs,
    vendor_name: str,
    *,
    actor: User | None,
    seam: Seam,
    settings: Settings,
    hooks: Hooks,
) -> int:
    """Start a sync job for a connector, or return the one already queued or running."""
    require_admin(actor)
    vendor = vendor_named(vendor_name)
    if session.scalar(select(Connector.id).where(Connector.vendor == vendor.name)) is None:
        raise NotFound(f"{vendor.title} is not connected yet: save its credentials first")
    subject = sync_subject(vendor.name)
    current = jobs_for(session, [subject]).get(subject)
    if current is not None and current.status in ("queued", "running"):
        return current.id
    work = sync_work(vendor.name, seam=seam, settings=settings, hooks=hooks)
    job_id, _ = jobs.submit(CONNECTOR_SYNC, work, subject=subject)
    return job_id


def queue_every_sync(
    session: Session, jobs: InProcessJobs, *, seam: Seam, settings: Settings, hooks: Hooks
) -> list[int]:
    """The schedule's turn: a sync job for every connector."""
    vendors = session.scalars(select(Connector.vendor).order_by(Connector.vendor)).all()
    return [
        queue_sync(session, jobs, v, actor=None, seam=seam, settings=settings, hooks=hooks)
        for v in vendors
        if v in VENDORS
    ]
