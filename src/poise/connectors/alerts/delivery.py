"""Sending what is due: quiet hours, the rate limit, retries, and the thread that does it.

Events only write delivery rows (in their own transaction); this module sends them later, on
a thread of its own in ``poise serve`` or at the end of a ``poise alerts`` command, so a slow
or dead receiver never holds up scoring or a web request.

- **Quiet hours** hold an alert until the window ends (see :mod:`.quiet`).
- **Rate limit**: at most ``hourly_limit`` alerts of a rule in any hour. The rest are marked
  ``limited`` (counted on the log at once) and, as soon as the hour has room, told in one
  summary alert that names them: nothing is lost silently.
- **Retries**: a failed send is tried again after 1, 2, 4 and 8 minutes, then given up
  (``failed``); each failure's plain-words reason shows on the rules page. A test alert is
  tried once, since someone is watching for it.
- **Several processes**: each claims a row by moving its due time forward by a lease, in one
  conditional UPDATE, so two never send the same row; a process that dies mid-send leaves the
  row to be claimed again when the lease ends (delivery is at least once).
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from poise.connectors.alerts.actions import FORMER_SUBJECT_LABELS, SUBJECT_LABELS, customer_words
from poise.connectors.alerts.channels import DeliveryError, Sender
from poise.connectors.alerts.models import AlertDelivery, AlertRule
from poise.connectors.alerts.quiet import quiet_until
from poise.db.base import utcnow
from poise.faults import log_failure
from poise.morale.actions import staff_names
from poise.redaction import StaffNames
from poise.words import counted

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)
LEASE = timedelta(minutes=5)
HOUR = timedelta(hours=1)
BATCH = 100
SUMMARY_NAMES = 5  # titles a summary lists by name
UNLIMITED = ("test",)  # kinds that neither quiet hours nor the rate limit hold


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    limited: int = 0

    def __str__(self) -> str:
        return (
            f"{counted(self.sent, 'alert')} sent, {self.retrying:,} to retry, "
            f"{self.failed:,} failed, {self.held:,} held for quiet hours, "
            f"{self.limited:,} over the rate limit"
        )


def deliver_due(
    session: Session,
    sender: Sender,
    *,
    base_url: str,
    now: datetime,
    stopping: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send every delivery due at ``now``, one transaction each; what happened, counted.

    Once ``stopping`` says so, no further delivery is claimed: a server shutting down left
    its dispatcher claiming and sending the rest of its batch after the shutdown had
    returned (seen in the tests, where the next test's delivery of the same id was claimed
    by the stopped server's clock and pushed hours ahead)."""
    report = DeliveryReport()
    summarise_limited(session, base_url=base_url, now=now)
    due = select(AlertDelivery.id).where(
        AlertDelivery.status == "pending", AlertDelivery.due_at <= now
    )
    ids = session.scalars(due.order_by(AlertDelivery.id).limit(BATCH)).all()
    staff = staff_names(session) if ids else StaffNames()
    for delivery_id in ids:
        if stopping():
            break
        delivery = _claim(session, delivery_id, now)
        if delivery is not None:
            lease = delivery.due_at
            _deliver_one(session, sender, delivery, now, report, staff)
            _commit_if_held(session, delivery_id, lease)
    return report


QUOTED = re.compile(r"“([^”]*)”")  # the digest quotes kudos comments and gap searches so


def redact_outgoing(delivery: AlertDelivery, staff: StaffNames) -> None:
    """Redact the customers' words a delivery carries, again, as it leaves.

    Alerts are redacted when recorded; those recorded before that (still pending, held by
    quiet hours or retrying) would otherwise leave with the subject, kudos or gap searches
    word for word. Only the parts customers write are touched (a conversation alert's
    subject, a summary's list of such titles, the digest's quotes): the figures, staff names
    and links stay. Redacting redacted words changes nothing, so a new alert sends as is.
    """
    if delivery.event in ("early_warning", "escalating"):
        delivery.title = _subject_redacted(delivery.title, staff)[:300]
    if delivery.event == "summary":
        lines = delivery.text.split("\n")
        delivery.text = "\n".join(_subject_redacted(line, staff) for line in lines)
    delivery.text = QUOTED.sub(lambda m: f"“{customer_words(m[1], staff)}”", delivery.text)


def _subject_redacted(title: str, staff: StaffNames) -> str:
    """A conversation alert's title (or a summary's line naming one), its subject redacted."""
    for label in (*SUBJECT_LABELS, *FORMER_SUBJECT_LABELS):
        head, found, subject = title.partition(label)
        if found and head in ("", "- "):
            return f"{head}{label}{customer_words(subject, staff)}"
    return title


def _claim(session: Session, delivery_id: int, now: datetime) -> AlertDelivery | None:
    """This process's turn at the row, or None when another process took it first."""
    claimed = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery_id,
            AlertDelivery.status == "pending",
            AlertDelivery.due_at <= now,
        )
        .values(due_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(AlertDelivery, delivery_id)


def _commit_if_held(session: Session, delivery_id: int, lease: datetime) -> bool:
    """Write a delivery's outcome only while this process still holds the row's claim.

    A send that outlived its lease may have been claimed again by another dispatcher, whose
    outcome is then the one to keep. In the suite, a stopped server's thread still in a slow
    send wrote "sent" over the next test's delivery of the same id (ids restart there), which
    that test's dispatcher then never sent. The row is locked while checked (PostgreSQL), so
    no claim can land between the check and the write."""
    with session.no_autoflush:
        found = select(AlertDelivery.due_at).where(AlertDelivery.id == delivery_id)
        held = session.scalar(found.with_for_update())
    if held != lease:
        session.rollback()
        return False
    session.commit()
    return True


def _deliver_one(
    session: Session,
    sender: Sender,
    delivery: AlertDelivery,
    now: datetime,
    report: DeliveryReport,
    staff: StaffNames,
) -> None:
    rule = delivery.rule
    if delivery.event not in UNLIMITED and _held_back(session, rule, delivery, now, report):
        return
    redact_outgoing(delivery, staff)  # the log then shows what was sent
    try:
        sender.send(rule, delivery, now)
    except DeliveryError as exc:
        _failed(rule, delivery, str(exc), now, report)
        return
    delivery.status, delivery.sent_at, delivery.error = "sent", now, ""
    delivery.attempts += 1
    rule.last_error, rule.last_error_at = "", None
    report.sent += 1


def _held_back(
    session: Session,
    rule: AlertRule,
    delivery: AlertDelivery,
    now: datetime,
    report: DeliveryReport,
) -> bool:
    """Quiet hours (held), a switched-off rule (dropped) or the rate limit (limited)."""
    if not rule.enabled:
        delivery.status, delivery.error = "failed", "not sent: the rule was switched off"
        delivery.due_at = now  # when it was dropped, for the log (see _failed)
        return True
    held = quiet_until(now, rule.quiet_start, rule.quiet_end, rule.timezone)
    if held is not None:
        delivery.due_at = held
        report.held += 1
        return True
    if sent_in_hour(session, rule.id, now) >= rule.hourly_limit:
        delivery.status = "limited"
        report.limited += 1
        return True
    return False


def sent_in_hour(session: Session, rule_id: int, now: datetime) -> int:
    """Alerts of the rule sent in the hour up to ``now`` (test alerts do not count)."""
    return (
        session.scalar(
            select(func.count(AlertDelivery.id)).where(
                AlertDelivery.rule_id == rule_id,
                AlertDelivery.status == "sent",
                AlertDelivery.sent_at > now - HOUR,
                AlertDelivery.event.not_in(UNLIMITED),
            )
        )
        or 0
    )


def _failed(
    rule: AlertRule, delivery: AlertDelivery, reason: str, now: datetime, report: DeliveryReport
) -> None:
    delivery.attempts += 1
    delivery.error = reason[:500]
    last = delivery.event in UNLIMITED or delivery.attempts >= MAX_ATTEMPTS
    if last:
        # A failed row is never due again: its due time keeps when it was given up, which
        # the log shows in place of a sent time (the claim had moved it a lease ahead).
        delivery.status, delivery.due_at = "failed", now
        report.failed += 1
        note = f"gave up after {_tries(delivery.attempts)}"
    else:
        delivery.due_at = now + FIRST_RETRY * 2 ** (delivery.attempts - 1)
        report.retrying += 1
        note = f"{_tries(delivery.attempts)} so far; trying again at {delivery.due_at:%H:%M} UTC"
    rule.last_error = f"{reason} ({note})"[:500]
    rule.last_error_at = now


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"


def summarise_limited(session: Session, *, base_url: str, now: datetime) -> int:
    """One summary alert per rule whose alerts the limit held back, once the hour has room."""
    made = 0
    rows = session.execute(
        select(AlertDelivery.rule_id, func.count(AlertDelivery.id), func.max(AlertDelivery.id))
        .where(AlertDelivery.status == "limited")
        .group_by(AlertDelivery.rule_id)
    ).all()
    for rule_id, count, last_id in rows:
        rule = session.get(AlertRule, rule_id)
        if rule is None or sent_in_hour(session, rule_id, now) >= rule.hourly_limit:
            continue
        made += _summary(session, rule, count, last_id, base_url, now)
    return made


def _summary(
    session: Session, rule: AlertRule, count: int, last_id: int, base_url: str, now: datetime
) -> int:
    limited = (AlertDelivery.rule_id == rule.id, AlertDelivery.status == "limited")
    held = select(AlertDelivery.title).where(*limited, AlertDelivery.id <= last_id)
    titles = session.scalars(held.order_by(AlertDelivery.id).limit(SUMMARY_NAMES)).all()
    more = f"\n…and {count - len(titles)} more." if count > len(titles) else ""
    session.execute(
        update(AlertDelivery)
        .where(*limited, AlertDelivery.id <= last_id)
        .values(status="summarised")
        .execution_options(synchronize_session=False)
    )
    session.add(
        AlertDelivery(
            rule_id=rule.id,
            key=f"summary:{last_id}",
            event="summary",
            title=f"{count} more alerts held back by the rate limit ({rule.hourly_limit} an hour)",
            text="\n".join(f"- {t}" for t in titles) + more,
            link=f"{base_url.rstrip('/')}/alerts/log?team={rule.team_id}",
            due_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:  # another process summarised them first
        session.rollback()
        return 0
    return 1


class Dispatcher:
    """Delivers due alerts on its own thread: woken after an event, and every ``poll`` seconds
    for alerts held by quiet hours or waiting for a retry."""

    def __init__(
        self,
        maker: sessionmaker[Session],
        sender: Sender,
        *,
        base_url: str,
        poll_seconds: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._maker, self._sender, self._base_url = maker, sender, base_url
        self._poll, self._clock = poll_seconds, clock
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="poise-alerts", daemon=True)

    def start(self) -> None:
        _RUNNING.add(self)
        self._thread.start()

    def wake(self) -> None:
        """New deliveries were committed: send them now rather than at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with self._maker() as session:
                    deliver_due(
                        session,
                        self._sender,
                        base_url=self._base_url,
                        now=self._clock(),
                        stopping=self._stop.is_set,
                    )
            except Exception as exc:
                log_failure(log, "delivering alerts failed; trying again at the next poll", exc=exc)
            self._wake.wait(self._poll)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop after the send in progress (a row cut short is claimed again after its lease)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        _RUNNING.discard(self)


_RUNNING: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


def running_dispatchers() -> list[Dispatcher]:
    """The dispatchers this process started and has not shut down. Each claims what is due on
    its own clock, from its own database: one a server left running (its lifespan never
    ended) sends, on the real clock, what a later server or test on that database records."""
    return list(_RUNNING)
