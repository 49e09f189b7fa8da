"""Alert commands for cron: ``poise alerts hotspots`` and ``poise alerts digest``.

Each records what is new, then sends what is due (retries and alerts released from quiet
hours included) before it returns; ``poise serve`` sends live conversation alerts itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from poise.cli.context import fail, load_settings, open_session, out
from poise.words import counted

if TYPE_CHECKING:  # the commands import the database: their help is instant
    from sqlalchemy.orm import Session

alerts_app = typer.Typer(help="Alerts to chat, webhooks and e-mail.", no_args_is_help=True)
DayOption = Annotated[
    str | None,
    typer.Option("--day", help="The day to check (YYYY-MM-DD): seven days to it; default today."),
]
DigestDayOption = Annotated[
    str | None,
    typer.Option(
        "--day",
        help="Post as on this day (YYYY-MM-DD): the Monday-Sunday week finished before it; "
        "default today.",
    ),
]
Recorder = Callable[["Session", str, date], int]


def _run(day: str | None, what: str, record: Recorder) -> None:
    from poise.connectors.alerts.delivery import deliver_due
    from poise.connectors.alerts.service import make_sender
    from poise.db.base import utcnow

    settings = load_settings()
    try:
        today = date.fromisoformat(day) if day else utcnow().date()
    except ValueError:
        fail(f"--day must be a date like 2026-11-02, not {day!r}")
    sender = make_sender(settings)
    with open_session(settings) as session, sender.client:
        added = record(session, settings.base_url, today)
        report = deliver_due(session, sender, base_url=settings.base_url, now=utcnow())
    out.print(f"{counted(added, what)} recorded; {report}", highlight=False)


@alerts_app.command("hotspots")
def hotspots(day: DayOption = None) -> None:
    """Alert each hotspot rule's team to hotspots new this week (run hourly or daily)."""
    from poise.connectors.alerts.actions import record_hotspot_alerts

    def record(session: Session, base_url: str, today: date) -> int:
        return record_hotspot_alerts(session, base_url=base_url, today=today)

    _run(day, "hotspot alert", record)


@alerts_app.command("digest")
def digest(day: DigestDayOption = None) -> None:
    """Post each digest rule's weekly digest of its team (run weekly from cron; a week
    already posted is not posted again)."""
    from poise.connectors.alerts.actions import record_digests

    def record(session: Session, base_url: str, today: date) -> int:
        return record_digests(session, base_url=base_url, today=today)

    _run(day, "digest", record)
