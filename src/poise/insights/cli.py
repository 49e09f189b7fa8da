"""Insights commands: ``poise insights digest`` e-mails each lead the week of their team;
``poise insights rollup`` counts the figures the dashboard reads."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from poise import words
from poise.cli.context import fail, load_settings, open_session, out, progress_bar

insights_app = typer.Typer(help="Insights chores that run on a schedule.", no_args_is_help=True)


@insights_app.command("digest")
def digest(
    day: Annotated[
        str | None,
        typer.Option(
            "--day",
            help="Send as on this day (YYYY-MM-DD): the week finished before it; default today.",
        ),
    ] = None,
) -> None:
    """E-mail each lead the weekly digest of their team (run weekly from cron).

    Needs POISE_SMTP_URL; without it the digest is still a page at /insights/digest.
    """
    import smtplib

    from poise.db.base import utcnow
    from poise.insights.digest import send_digests
    from poise.mail import Mailer

    settings = load_settings()
    mailer = Mailer.from_url(settings.smtp_url, settings.mail_from)
    if mailer is None:
        fail("set POISE_SMTP_URL to e-mail the digest; it is also a page at /insights/digest")
    try:
        today = date.fromisoformat(day) if day else utcnow().date()
    except ValueError:
        fail(f"--day must be a date like 2026-11-02, not {day!r}")
    with open_session(settings) as session:
        try:
            report = send_digests(session, mailer=mailer, base_url=settings.base_url, today=today)
        except (OSError, smtplib.SMTPException) as exc:
            fail(f"could not hand mail to {mailer.server.host}:{mailer.server.port}: {exc}")
    out.print(str(report), highlight=False)


@insights_app.command("rollup")
def rollup(
    queued: Annotated[
        bool,
        typer.Option(
            "--queued", help="Count only the conversations changed since the last rollup."
        ),
    ] = False,
) -> None:
    """Count the insights rollup: every conversation, or with --queued only the changed ones.

    The dashboard, hotspots, exposure and exports read the rollup. Without POISE_BROKER_URL
    the server counts what is queued every minute; with workers, ``poise scheduler`` queues it
    every 10 minutes. Run it whole after a migration or a change of POISE_FCR_WINDOW_DAYS.
    """
    from poise.insights.rollup import count_all, count_queued

    settings = load_settings()
    window = settings.fcr_window_days
    with open_session(settings) as session, progress_bar() as progress:
        task = progress.add_task("Counting conversations", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if queued:
            counted = count_queued(session, window_days=window, progress=advance)
        else:
            counted = count_all(session, window_days=window, progress=advance)
    said = words.counted(counted, "conversation")  # it read "1 conversation(s)"
    out.print(f"{said} counted into the insights rollup.", highlight=False)
