"""Every write of alerts: managing rules, and recording the notifications events raise.

Recording only writes delivery rows (see :mod:`.delivery` for sending them). Each row's key
says what it is about, unique per rule, so a conversation alerts a rule once however often it
is scored, and a hotspot once a week.

An alert leaves Poise for a chat channel, a customer's webhook or a mailbox, where Poise's
permissions no longer hold: every piece of customer-written text in it (a conversation's
subject, a kudos comment, a manual gap's search words) is redacted here, as the public wall
redacts praise, before the row is stored, so every channel sends the same redacted message.
The link back into Poise and the figures stay.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import User
from poise.connectors.alerts import queries
from poise.connectors.alerts.models import CHANNELS, EVENTS, AlertDelivery, AlertRule
from poise.connectors.alerts.queries import may_manage, require_manager
from poise.connectors.alerts.quiet import parse_clock, parse_zone
from poise.connectors.alerts.targets import TargetGuard, TargetRefusedError
from poise.conversations.models import Conversation
from poise.db.base import utcnow
from poise.errors import FieldChecks, InvalidInput
from poise.redaction import StaffNames, redact

if TYPE_CHECKING:
    from poise.insights.filters import InsightFilters
    from poise.insights.hotspots import Group, HotspotReport

CONVERSATION_EVENTS = ("early_warning", "escalating")
MAX_HOURLY = 1000


@dataclass(frozen=True)
class RuleForm:
    """A rule as typed into its form (every field a string, checked by :func:`_checked`)."""

    name: str = ""
    event: str = "early_warning"
    channel: str = "slack"
    target: str = ""
    tag: str = ""
    threshold: str = "50"
    quiet_start: str = ""
    quiet_end: str = ""
    timezone: str = "UTC"
    hourly_limit: str = "10"
    enabled: bool = True

    @classmethod
    def of(cls, rule: AlertRule) -> RuleForm:
        """The form filled in from a stored rule, for its edit page."""
        return cls(
            name=rule.name,
            event=rule.event,
            channel=rule.channel,
            target=rule.target,
            tag=rule.tag,
            threshold=f"{round(rule.threshold * 100)}",
            quiet_start=rule.quiet_start,
            quiet_end=rule.quiet_end,
            timezone=rule.timezone,
            hourly_limit=str(rule.hourly_limit),
            enabled=rule.enabled,
        )


def create_rule(
    session: Session, *, actor: User, team_id: int, form: RuleForm, guard: TargetGuard
) -> AlertRule:
    """A new rule for the team; a webhook rule gets its own signing secret.

    ``guard`` checks the address (public hosts only, unless the operator allowed internal ones).
    """
    require_manager(actor, team_id)
    rule = AlertRule(team_id=team_id, secret=secrets.token_urlsafe(32), last_error="")
    _apply(rule, form, actor, guard)
    session.add(rule)
    session.commit()
    return rule


def update_rule(
    session: Session, *, actor: User, rule_id: int, form: RuleForm, guard: TargetGuard
) -> AlertRule:
    """Change a rule; it then reads the team's insights as the person who saved it."""
    rule = queries.rule(session, actor=actor, rule_id=rule_id)
    _apply(rule, form, actor, guard)
    session.commit()
    return rule


def delete_rule(session: Session, *, actor: User, rule_id: int, confirmed: bool) -> str:
    """Remove a rule and its log once the deletion is ``confirmed``; returns its name.

    Both are gone for good, and one stray click on the edit page's Delete took them: the
    lead now ticks "Yes, delete" beside the button first (as an admin does for a team)."""
    rule = queries.rule(session, actor=actor, rule_id=rule_id)
    if not confirmed:
        raise InvalidInput(
            f"tick “Yes, delete {rule.name}” beside the button to delete it: nothing was deleted",
            field="confirm",
        )
    name = rule.name
    session.delete(rule)
    session.commit()
    return name


def queue_test(session: Session, *, actor: User, rule_id: int, base_url: str) -> AlertDelivery:
    """A test alert through the rule's channel, sent at once (quiet hours and limit aside)."""
    rule = queries.rule(session, actor=actor, rule_id=rule_id)
    now = utcnow()
    delivery = AlertDelivery(
        rule_id=rule.id,
        key=f"test:{secrets.token_hex(8)}",
        event="test",
        title=f"Test alert from Poise: {rule.name}",
        text=f"{actor.name} checked that alerts of {rule.team.name} reach this channel.",
        link=f"{base_url.rstrip('/')}/alerts?team={rule.team_id}",
        due_at=now,
    )
    session.add(delivery)
    session.commit()
    return delivery


@dataclass(frozen=True)
class _Checked:
    """A rule's fields once every one of them was accepted."""

    name: str
    event: str
    channel: str
    target: str
    tag: str
    threshold: float
    quiet_start: str
    quiet_end: str
    timezone: str
    hourly_limit: int


def _checked(form: RuleForm, guard: TargetGuard) -> _Checked:
    """Every field checked, and every refusal raised at once (``InvalidFields``) so the form
    shows each beside its field, not one per post."""
    checks = FieldChecks()
    channel = checks.check(lambda: _choice(form.channel, CHANNELS, "channel"), "")
    start = checks.check(lambda: parse_clock(form.quiet_start, "quiet_start"), None)
    end = checks.check(lambda: parse_clock(form.quiet_end, "quiet_end"), None)
    checked = _Checked(
        name=checks.check(lambda: _name(form.name), ""),
        event=checks.check(lambda: _choice(form.event, EVENTS, "event"), ""),
        channel=channel,
        # an address is checked against a known channel only: against none it would say
        # nothing true
        target=checks.check(lambda: _target(form.target, channel, guard), "") if channel else "",
        tag=checks.check(lambda: _tag(form.tag), ""),
        threshold=checks.check(lambda: _percent(_threshold_text(form)), 0) / 100,
        quiet_start=start or "",
        quiet_end=end or "",
        timezone=checks.check(lambda: parse_zone(form.timezone), ""),
        hourly_limit=checks.check(lambda: _count(form.hourly_limit), 0),
    )
    if start is not None and end is not None:
        _check_window(checks, start, end)
    checks.done()
    return checked


def _check_window(checks: FieldChecks, start: str, end: str) -> None:
    """Quiet hours have both ends or neither, and are not empty."""
    if bool(start) != bool(end):
        checks.refuse("quiet_end", "give both ends of quiet hours, or neither")
    elif start and start == end:
        # An empty window holds nothing, yet the rules list would show "22:00–22:00" as if
        # the night were quiet.
        checks.refuse(
            "quiet_end",
            "quiet hours must end at another time than they start, e.g. 22:00 to 07:00",
        )


def _apply(rule: AlertRule, form: RuleForm, actor: User, guard: TargetGuard) -> None:
    checked = _checked(form, guard)
    for name, value in asdict(checked).items():
        setattr(rule, name, value)
    rule.enabled = form.enabled
    rule.created_by_id = actor.id


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidInput("give the rule a name, e.g. “VIP early warnings”", field="name")
    if len(name) > 120:
        raise InvalidInput("keep the name under 120 characters", field="name")
    return name


def _choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise InvalidInput(f"choose one of: {', '.join(allowed)}", field=field)
    return value


def _target(value: str, channel: str, guard: TargetGuard) -> str:
    target = value.strip()
    if channel == "email":
        if "@" not in target or len(target) > 254 or any(c.isspace() for c in target):
            raise InvalidInput("write one e-mail address, e.g. leads@example.com", field="target")
        return target
    try:
        url = httpx.URL(target)
    except httpx.InvalidURL:
        url = httpx.URL("")
    if url.scheme not in ("http", "https") or not url.host or len(target) > 500:
        raise InvalidInput(
            "write the receiver's full address, e.g. https://hooks.slack.com/services/…",
            field="target",
        )
    try:
        guard.check(target)  # a name is resolved: it must not lead inside the network
    except TargetRefusedError as exc:
        raise InvalidInput(str(exc), field="target") from None
    return target


def _tag(value: str) -> str:
    tag = value.strip().lstrip("#")
    if len(tag) > 64:
        raise InvalidInput("a tag is at most 64 characters", field="tag")
    return tag


def _whole(text: str, most: int) -> int | None:
    """``text`` as a whole number from 1 to ``most``, else None. Its length is checked
    before it is read: 5,000 pasted digits are more than Python converts (a ValueError
    that answered the form with the bare error page)."""
    digits = text.lstrip("0") or "0"
    if not text.isdecimal() or len(digits) > len(str(most)):
        return None
    number = int(digits)
    return number if 1 <= number <= most else None


def _threshold_text(form: RuleForm) -> str:
    """The threshold as typed, or the default where it was left empty on a rule that never
    reads it (any event but ``escalating``): a lead who cleared the escalation risk on a
    digest or early-warning rule was refused for a field that rule ignores. Anything typed
    is still checked, beside the field."""
    if not form.threshold.strip() and form.event != "escalating":
        return RuleForm.threshold
    return form.threshold


def _percent(value: str) -> int:
    number = _whole(value.strip().rstrip("%"), 99)
    if number is None:
        raise InvalidInput("write a percentage from 1 to 99, e.g. 60", field="threshold")
    return number


def _count(value: str) -> int:
    number = _whole(value.strip(), MAX_HOURLY)
    if number is None:
        raise InvalidInput(f"write a whole number from 1 to {MAX_HOURLY}", field="hourly_limit")
    return number


# --- recording what events raise -------------------------------------------------------------


def record_conversation_alerts(
    session: Session,
    conversation_ids: Sequence[int],
    *,
    base_url: str,
    now: datetime | None = None,
) -> int:
    """Early warnings and escalations among these (live, just scored) conversations.

    A conversation belongs to its assignee's team; returns how many alerts were recorded.
    They are recorded, and so sent, in the order the conversations came in (by id): past a
    rule's hourly limit the first ones go out and the summary names the rest. Without the
    ORDER BY the order was the storage's, which PostgreSQL changes as rows are updated or
    written into space a vacuum freed.
    """
    conversations = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.id.in_(conversation_ids))
            .options(selectinload(Conversation.assignee))
            .order_by(Conversation.id)
        )
    )
    teams = {c.assignee.team_id for c in conversations if c.assignee and c.assignee.team_id}
    rules = session.scalars(
        select(AlertRule)
        .where(
            AlertRule.team_id.in_(teams),
            AlertRule.enabled.is_(True),
            AlertRule.event.in_(CONVERSATION_EVENTS),
        )
        .order_by(AlertRule.id)
    ).all()
    added = 0
    staff = _staff(session) if rules else StaffNames()
    for rule in rules:
        for conv in conversations:
            if _raises(rule, conv):
                alert = _conversation_alert(rule, conv, base_url, staff)
                added += _record(session, rule, alert, now)
    session.commit()
    return added


def _raises(rule: AlertRule, conv: Conversation) -> bool:
    if conv.assignee is None or conv.assignee.team_id != rule.team_id:
        return False
    if rule.tag and rule.tag.casefold() not in {t.casefold() for t in conv.tags or []}:
        return False
    if rule.event == "early_warning":
        return conv.early_warning
    return conv.escalation_risk is not None and conv.escalation_risk >= rule.threshold


@dataclass(frozen=True)
class Alert:
    key: str
    event: str
    title: str
    text: str
    link: str
    conversation_id: int | None = None


def _staff(session: Session) -> StaffNames:
    """Poise's users: their first names may stay in an alert, as on the wall."""
    return StaffNames.of(session.scalars(select(User.name)).all())


# What a conversation alert's title says before the subject (the customer's words).
SUBJECT_LABELS = ("Early warning: ", "Escalating: ")
# The labels alerts recorded before were titled with (still pending: held by quiet hours, retrying).
FORMER_SUBJECT_LABELS = ("Unhappy opening: ",)


def customer_words(text: str, staff: StaffNames) -> str:
    """Customer-written text as it may leave Poise: e-mails, phones, order and reference
    numbers, addresses, links and customers' names replaced by ``[email]``, ``[name]``…"""
    return redact(text, staff=staff).text


def _conversation_alert(
    rule: AlertRule, conv: Conversation, base_url: str, staff: StaffNames
) -> Alert:
    """What the alert says: the subject (redacted: customers write it, "Refund for PX-287515"),
    the signal and who has it; never the customer's messages."""
    about = customer_words(conv.subject, staff) if conv.subject else f"conversation {conv.id}"
    where = f"a {conv.channel} conversation" + (f" about {conv.product}" if conv.product else "")
    tags = f", tagged {', '.join('#' + t for t in conv.tags)}" if conv.tags else ""
    who = f", assigned to {conv.assignee.name}" if conv.assignee else ""
    if rule.event == "early_warning":
        title, signal = f"{SUBJECT_LABELS[0]}{about}", "The customer opened unhappy"
    else:
        title = f"{SUBJECT_LABELS[1]}{about}"
        signal = (
            f"Escalation risk {conv.escalation_risk or 0:.0%} "
            f"(this rule alerts from {rule.threshold:.0%})"
        )
    return Alert(
        key=f"conversation:{conv.id}",
        event=rule.event,
        title=title[:300],
        text=f"{signal} in {where}{tags}{who}.",
        link=f"{base_url.rstrip('/')}/conversations/{conv.id}",
        conversation_id=conv.id,
    )


def _record(session: Session, rule: AlertRule, alert: Alert, now: datetime | None) -> int:
    """Store the alert unless the rule already has one with its key; 1 when stored."""
    seen = select(AlertDelivery.id).where(
        AlertDelivery.rule_id == rule.id, AlertDelivery.key == alert.key
    )
    if session.scalar(seen) is not None:
        return 0
    delivery = AlertDelivery(
        rule_id=rule.id,
        key=alert.key,
        event=alert.event,
        conversation_id=alert.conversation_id,
        title=alert.title,
        text=alert.text,
        link=alert.link,
        created_at=now or utcnow(),
        due_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:  # recorded by another process a moment ago
        return 0
    return 1


def _readers(session: Session, event: str) -> Iterable[tuple[AlertRule, User | None]]:
    """Each enabled rule of ``event`` with the person it reads the team's insights as.

    That is whoever last saved the rule, while they still lead the team (or are an admin);
    otherwise None, and the rule says so on its page instead of reading more than they may.
    """
    rules = session.scalars(
        select(AlertRule)
        .where(AlertRule.event == event, AlertRule.enabled.is_(True))
        .options(selectinload(AlertRule.created_by), selectinload(AlertRule.team))
        .order_by(AlertRule.id)
    ).all()
    for rule in rules:
        reader = rule.created_by
        if reader is None or not reader.is_active or not may_manage(reader, rule.team_id):
            rule.last_error = (
                "the person who last saved this rule no longer leads the team: save it again "
                "to read the team's insights as yourself"
            )
            rule.last_error_at = utcnow()
            yield rule, None
        else:
            yield rule, reader


def record_hotspot_alerts(session: Session, *, base_url: str, today: date) -> int:
    """A new hotspot (or a pervasive rise) in each team's last seven days, once a week each."""
    # Imported here: the insights bring the scorers and NumPy, and a worker that records a
    # scoring's conversation alerts (every worker, at start-up) needs none of them.
    from poise.insights.filters import InsightFilters
    from poise.insights.hotspots import hotspots

    added = 0
    for rule, reader in list(_readers(session, "hotspot")):
        if reader is None:
            continue
        filters = InsightFilters(start=today - timedelta(days=6), end=today, team_id=rule.team_id)
        report = hotspots(session, actor=reader, filters=filters)
        for alert in _hotspot_alerts(report, today, base_url):
            added += _record(session, rule, alert, None)
    session.commit()
    return added


def _hotspot_alerts(report: HotspotReport, today: date, base_url: str) -> list[Alert]:
    year, week, _ = today.isocalendar()
    stamp = f"{year}-W{week:02d}"
    base = base_url.rstrip("/")
    alerts = [_hotspot_alert(group, report.filters, stamp, base) for group in report.alarms]
    rise = report.pervasive
    if rise.pervasive:
        alerts.append(
            Alert(
                key=f"pervasive:{stamp}",
                event="hotspot",
                title="Pervasive: early warnings rose across most products at once",
                text=f"Up in {rise.rising} of {rise.products} products: look for a larger cause "
                "(an outage, a policy, a release).",
                link=f"{base}/insights/hotspots?{urlencode(report.filters.params())}",
            )
        )
    return alerts


def _hotspot_alert(group: Group, filters: InsightFilters, stamp: str, base: str) -> Alert:
    rates = []
    if group.unhappy_alarm and group.unhappy_rate is not None:
        rates.append(
            f"early warnings {group.unhappy_rate:.0%} against {group.rest_unhappy_rate or 0:.0%}"
        )
    if group.low_alarm and group.low_rate is not None:
        rates.append(f"low ratings {group.low_rate:.0%} against {group.rest_low_rate or 0:.0%}")
    query = urlencode(filters.params(kind=group.kind, value=group.value, of=group.product))
    return Alert(
        key=f"hotspot:{group.kind}:{group.product or ''}:{group.value}:{stamp}"[:200],
        event="hotspot",
        title=f"New hotspot: {group.label}"[:300],
        text=f"{'; '.join(rates)} for the rest of the traffic, over {group.n} conversations "
        f"from {filters.start} to {filters.end}.",
        link=f"{base}/insights/hotspot?{query}",
    )


def record_digests(session: Session, *, base_url: str, today: date) -> int:
    """Each digest rule's weekly digest of its team, once per week it covers: a cron that
    runs daily, or again on Tuesday, posted the same finished week each time it ran.

    The digest page's private check-in prompt is left out: a channel is not the lead's inbox;
    kudos comments and gap examples are customers' words, redacted.
    """
    # Imported here, as in record_hotspot_alerts: a conversation alert needs no digest.
    from poise.insights.digest import digest_lines, digest_subject, shareable, weekly_digest

    added = 0
    staff = _staff(session)
    for rule, reader in list(_readers(session, "digest")):
        if reader is None:
            continue
        digest = weekly_digest(session, actor=reader, team_id=rule.team_id, today=today)
        shared = replace(shareable(digest, staff), check_in=[])
        alert = Alert(
            key=f"digest:{digest.start.isoformat()}",
            event="digest",
            title=digest_subject(shared),
            text="\n".join(digest_lines(shared, base_url)),
            link=f"{base_url.rstrip('/')}/insights/digest?team={rule.team_id}",
        )
        added += _record(session, rule, alert, None)
    session.commit()
    return added
