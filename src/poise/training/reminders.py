"""Training reminders by e-mail: each morning, one message per person with what is due.

In the app, Today and the badge on the Training tab are the reminder; e-mail is the same list
for people who are not looking at Poise, sent only when ``POISE_SMTP_URL`` is set. Each person
gets at most one reminder a day: the ``ReminderSent`` row is claimed before the mail is handed
over, so a rerun, or a second worker doing the same, skips whoever already has one.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from poise.auth.models import User
from poise.db.base import utcnow
from poise.faults import log_failure
from poise.mail import Mailer
from poise.training import queries
from poise.training.models import ReminderSent
from poise.training.queries import Today
from poise.words import counted

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


@dataclass
class ReminderReport:
    """What one reminder run did: sent, already reminded today, and failures with reasons."""

    sent: int = 0
    already: int = 0
    nothing_due: int = 0
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{counted(self.sent, 'reminder')} sent; {self.already:,} already reminded today; "
            f"{self.nothing_due:,} with nothing due"
        )
        return text + (f"; {len(self.failed):,} failed" if self.failed else "")


def compose(mailer: Mailer, user: User, today: Today, base_url: str) -> EmailMessage:
    """The reminder: each due lesson with its link, assignments first, then reviews."""
    base = base_url.rstrip("/")
    lines = [f"Hello {user.name},", "", f"You have {_things(today.count)} to do in training:", ""]
    for assignment in today.assignments:
        overdue = " (overdue)" if assignment.due_at < today.now else ""
        lines.append(
            f"- {assignment.lesson.current.title}: due {assignment.due_at:%Y-%m-%d}{overdue}"
        )
        lines.append(f"  {base}/training/lessons/{assignment.lesson_id}")
    for card in today.reviews:
        lines.append(f"- {card.lesson.current.title}: a short review to keep it fresh")
        lines.append(f"  {base}/training/lessons/{card.lesson_id}")
    lines += ["", f"Everything due is also on your Today page: {base}/training", "", "— Poise"]
    subject = f"Training today: {_things(today.count)} to do"
    return mailer.message(to=user.email, subject=subject, text="\n".join(lines))


def _things(count: int) -> str:
    return f"{count} {'thing' if count == 1 else 'things'}"


def send_reminders(
    session: Session,
    *,
    mailer: Mailer,
    base_url: str,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ReminderReport:
    """E-mail everyone who has something due and no reminder yet today; report what happened.

    A failed hand-over releases that person's claim, so the next run tries them again.
    """
    now = now or utcnow()
    due = queries.everyone_due(session, now=now)
    people = session.scalars(select(User).where(User.is_active).order_by(User.id)).all()
    report = ReminderReport()
    with mailer.connection() as client:
        for done, user in enumerate(people, start=1):
            today = due.get(user.id)
            if today is None or not today.count:
                report.nothing_due += 1
            elif (claim := _claim(session, user, today, now)) is None:
                report.already += 1
            else:
                message = compose(mailer, user, today, base_url)
                _hand_over(session, client, message, claim, report)
            if progress:
                progress(done, len(people))
    return report


def _claim(session: Session, user: User, today: Today, now: datetime) -> ReminderSent | None:
    """Insert today's reminder row for ``user``; None when it is already there."""
    claim = ReminderSent(user_id=user.id, day=now.date(), items=today.count, sent_at=now)
    session.add(claim)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return claim


def _hand_over(
    session: Session,
    client: smtplib.SMTP,
    message: EmailMessage,
    claim: ReminderSent,
    report: ReminderReport,
) -> None:
    try:
        client.send_message(message)
    except smtplib.SMTPException as exc:
        session.delete(claim)
        session.commit()
        report.failed.append(f"{message['To']}: {exc}")
        return
    report.sent += 1


def next_run(now: datetime, hour: int) -> datetime:
    """When the daily reminders run next: today at ``hour`` UTC, or tomorrow once it passed."""
    run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return run if run > now else run + timedelta(days=1)


async def remind_daily(
    maker: sessionmaker[Session], mailer: Mailer, *, base_url: str, hour: int
) -> None:
    """Run by ``poise serve`` while it is up: catch up on today's reminders, then daily at ``hour``.

    Several web workers may each run this loop; the per-day claim keeps it to one mail a person.
    Failures are logged and retried next time, never raised into the server.
    """
    now = utcnow()
    if now.hour < hour:
        await asyncio.sleep((next_run(now, hour) - now).total_seconds())
    while True:
        try:
            report = await asyncio.to_thread(_run_once, maker, mailer, base_url)
            log.info("training reminders: %s", report)
        except (OSError, smtplib.SMTPException) as exc:  # a refusal names its recipients
            log_failure(log, "training reminders: the mail server could not be reached", exc=exc)
        now = utcnow()
        await asyncio.sleep((next_run(now, hour) - now).total_seconds())


def _run_once(maker: sessionmaker[Session], mailer: Mailer, base_url: str) -> ReminderReport:
    with maker() as session:
        return send_reminders(session, mailer=mailer, base_url=base_url)
