"""Named reads for the connectors page: each helpdesk, how its syncs go, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from poise.auth.models import User
from poise.auth.permissions import require_admin
from poise.connectors.actions import sync_subject
from poise.connectors.models import Connector
from poise.connectors.pull import Vendor
from poise.connectors.vendors import VENDORS
from poise.jobs import ACTIVE, JobRun, jobs_for


@dataclass
class ConnectorStatus:
    """One helpdesk on the admin page: set up or not, and how its syncs go."""

    vendor: Vendor
    connector: Connector | None
    job: JobRun | None
    last_sync: str
    lag: str
    error: str
    backfill: str = ""  # where the first sync stands, until it is done


def how_long(delta: timedelta) -> str:
    """A duration as people say it: "just now", "12 minutes", "3 hours", "2 days"."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "under a minute"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")  # pragma: no cover


def _last_sync(connector: Connector, now: datetime) -> str:
    if connector.last_sync_at is None:
        return "never: press Sync now for the first backfill"
    outcome = "failed" if connector.last_error else "succeeded"
    return f"{how_long(now - connector.last_sync_at)} ago ({outcome})"


def _backfill(connector: Connector, job: JobRun | None) -> str:
    """Where the first sync stands: the page said "still running" before any sync had run."""
    if connector.backfilled:
        return ""
    if job is not None and job.status in ACTIVE:
        return "backfill running"
    if connector.last_sync_at is None:
        return "backfill not started: the next scheduled sync or Sync now starts it"
    return "backfill not finished: the next sync goes on from where it stopped"


def _lag(connector: Connector, vendor: Vendor, now: datetime) -> str:
    if connector.synced_through is None:
        return "nothing synced yet"
    behind = how_long(now - connector.synced_through)
    return f"newest change stored is {behind} old in {vendor.title}"


def connector_statuses(session: Session, *, actor: User, now: datetime) -> list[ConnectorStatus]:
    """Every helpdesk Poise can connect to, with its connector where there is one (admins)."""
    require_admin(actor)
    rows = session.scalars(select(Connector).options(joinedload(Connector.integration))).all()
    stored = {c.vendor: c for c in rows}
    jobs = jobs_for(session, [sync_subject(name) for name in VENDORS])
    statuses = []
    for name, vendor in VENDORS.items():
        connector = stored.get(name)
        job = jobs.get(sync_subject(name))
        statuses.append(
            ConnectorStatus(
                vendor=vendor,
                connector=connector,
                job=job,
                last_sync=_last_sync(connector, now) if connector else "not connected",
                lag=_lag(connector, vendor, now) if connector else "",
                error=connector.last_error if connector else "",
                backfill=_backfill(connector, job) if connector else "",
            )
        )
    return statuses
