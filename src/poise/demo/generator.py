"""The demo organisation as a whole: staff, customers, when they write in, and repeat contacts.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same seed and
``now`` give the same organisation byte for byte: a demo, a screenshot or a failing test can be
reproduced exactly. No database here; the caller writes the records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from poise.conversations.records import ConversationRecord, CustomerRecord
from poise.demo import scripts
from poise.demo.catalogue import DEVICES, ISSUES, TEAMS, TOPICS, Issue
from poise.demo.conversation import Contact, pick, render
from poise.demo.people import DemoUser, make_customers, make_staff, slug

CUSTOMERS_PER_CONVERSATION = 0.6  # 3,000 conversations come from ~1,800 customers
REPEAT_SHARE = 0.12  # follow-ups by the same customer about the same product and feature
DRIFT_SHARE = 0.08  # conversations where the customer brings up a second topic
CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "social")
CHANNEL_WEIGHTS: dict[str, tuple[float, ...]] = {  # per team, in CHANNELS order
    TEAMS[0]: (38, 36, 16, 10),
    TEAMS[1]: (26, 36, 28, 10),
    TEAMS[2]: (36, 42, 10, 12),
}
# Contacts by day of week (Monday first) and hour of day (UTC): busy weekday office hours.
DAY_WEIGHTS = (1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45)
HOUR_WEIGHTS = (
    0.15,
    0.1,
    0.08,
    0.08,
    0.1,
    0.2,
    0.45,
    0.9,
    1.5,
    1.9,
    2.0,
    1.9,
    1.7,
    1.8,
    1.9,
    1.8,
    1.6,
    1.4,
    1.2,
    1.1,
    1.0,
    0.8,
    0.5,
    0.3,
)
GROWTH = 0.25  # volume grows by a quarter over the period, as a young product's does
# A bad router firmware release: a few days when its complaints pile up, from customers who are
# upset, come back and rate us low (a true hotspot for insights to find, not a planted flag).
# It lies within the last four weeks, so the default 28-day insights window sees it.
INCIDENT_START = 0.13  # days before now, as a share of the period
INCIDENT_DAYS = 5
INCIDENT_ISSUE = "firmware_broke_wifi"
INCIDENT_BOOST = {INCIDENT_ISSUE: 30.0, "wifi_drops": 2.0}
INCIDENT_REPEAT_WEIGHT = 4  # a customer the release hit is this much likelier to come back
ORDINALS = ("first", "second", "third", "fourth", "fifth")
COUNTS = ("one", "two", "three", "four", "five")
AMOUNTS: dict[str, tuple[str, ...]] = {
    "Poise Mobile": ("€4.99", "€9.99", "£7.99", "$12.99", "€14.99", "$59.99"),
    "Router X2": ("€129.00", "£119.00", "$149.00", "€139.00"),
    "Web Dashboard": ("€240.00", "$480.00", "£199.00", "€1,150.00"),
    "Smart Plug Mini": ("€24.99", "£19.99", "$29.99"),
}
PLANS = ("Plus", "Family", "Premium", "Pro")
WEEKS = ("two weeks", "three weeks", "a month", "ten days", "six weeks", "over a month")
DEVICES_OWNED = (
    "iPhone 13",
    "iPhone 15",
    "Pixel 8",
    "Samsung Galaxy S23",
    "iPad",
    "OnePlus 11",
    "Galaxy Tab S8",
    "Moto G54",
    "Pixel 6a",
)
BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
FIRMWARE = ("2.5.3", "2.5.4", "2.6.1")
BAD_FIRMWARE = "2.6.0"
COLLEAGUES = ("Priyanka", "Megan", "Laura", "Aiko", "Fatou", "Sara", "Ines", "Olga")
ROOMS = ("upstairs office", "back bedroom", "kitchen", "garden office", "loft", "living room")
REPORTS = ("Monthly revenue", "Weekly sales", "Team activity", "Orders by region", "Churn overview")
CARDS = ("Visa", "Mastercard", "Amex")


@dataclass(slots=True)
class DemoOrg:
    """A whole support organisation, ready to be written to a Poise database."""

    teams: list[str]
    users: list[DemoUser]
    conversations: list[ConversationRecord]


def default_now() -> datetime:
    """Now in UTC, floored to the hour, so that runs within the same hour agree."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def generate_demo(
    seed: int = 7, *, conversations: int = 3000, days: int = 90, now: datetime | None = None
) -> DemoOrg:
    """A seeded, reproducible support organisation: 3 teams, ~24 staff, ``conversations``
    conversations over the ``days`` days before ``now`` (default: this hour, UTC).
    """
    if conversations < 0:
        raise ValueError("conversations must be zero or more")
    if days < 1:
        raise ValueError("days must be at least 1")
    if now is None:
        now = default_now()
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)

    rng = random.Random(seed)
    users = make_staff(rng)
    planner = _Planner(rng, users, now, days)
    customers = make_customers(rng, max(1, round(conversations * CUSTOMERS_PER_CONVERSATION)))
    contacts = planner.first_contacts(
        conversations - round(conversations * REPEAT_SHARE), customers
    )
    contacts += planner.repeat_contacts(contacts, conversations - len(contacts))
    if len(contacts) < conversations:  # too short a period for follow-ups: top up
        contacts += planner.first_contacts(conversations - len(contacts), customers)
    order = sorted(range(len(contacts)), key=lambda i: (contacts[i].opened_at, i))
    records = [render(rng, contacts[i], f"demo-{n:05d}", now) for n, i in enumerate(order, start=1)]
    return DemoOrg(teams=list(TEAMS), users=users, conversations=records)


class _Planner:
    """Decides who writes in when, about what, on which channel, in which mood, to whom."""

    def __init__(self, rng: random.Random, users: list[DemoUser], now: datetime, days: int) -> None:
        self.rng, self.now = rng, now
        self.start = now - timedelta(days=days)
        self.hours = days * 24
        self.agents = {
            team: [u for u in users if u.role == "agent" and u.team == team] for team in TEAMS
        }
        # Some agents take more conversations than others, as in any real team.
        self.agent_load = {
            team: [rng.uniform(0.6, 1.4) for _ in members] for team, members in self.agents.items()
        }
        self.incident_from = now - timedelta(days=round(days * INCIDENT_START))
        self.incident_to = self.incident_from + timedelta(days=INCIDENT_DAYS)
        self.hour_weights = list(accumulate(self._hour_weight(h) for h in range(self.hours)))
        self.issue_weights = list(accumulate(i.weight for i in ISSUES))
        self.incident_weights = list(
            accumulate(i.weight * INCIDENT_BOOST.get(i.key, 1.0) for i in ISSUES)
        )
        self.used_customers = 0

    def _hour_weight(self, hour: int) -> float:
        at = self.start + timedelta(hours=hour)
        weight = DAY_WEIGHTS[at.weekday()] * HOUR_WEIGHTS[at.hour]
        weight *= 1 + GROWTH * hour / self.hours
        if self.incident_from <= at < self.incident_to:
            weight *= 1.4
        return weight

    def first_contacts(self, count: int, customers: list[CustomerRecord]) -> list[Contact]:
        """New issues. Every customer writes in at least once before anyone writes twice."""
        rng = self.rng
        hours = rng.choices(
            range(len(self.hour_weights)), cum_weights=self.hour_weights, k=max(0, count)
        )
        contacts: list[Contact] = []
        for hour in sorted(hours):
            opened_at = self.start + timedelta(hours=hour, seconds=rng.uniform(0, 3599))
            if self.used_customers < len(customers):
                customer = customers[self.used_customers]
                self.used_customers += 1
            else:
                customer = customers[rng.randrange(len(customers))]
            in_incident = self.incident_from <= opened_at < self.incident_to
            weights = self.incident_weights if in_incident else self.issue_weights
            issue = rng.choices(ISSUES, cum_weights=weights)[0]
            incident = in_incident and issue.key == INCIDENT_ISSUE
            moods = scripts.INCIDENT_MOOD_WEIGHTS if incident else scripts.MOOD_WEIGHTS
            mood = rng.choices(scripts.MOODS, moods)[0]
            agent = self._agent(issue.team)
            contact = Contact(
                opened_at=opened_at,
                issue=issue,
                customer=customer,
                channel=self._channel(issue),
                mood=mood,
                agent=agent,
                subject=pick(rng, issue.subjects),
                slots=self._slots(issue, customer, opened_at),
                incident=incident,
            )
            self._finish(contact)
            contacts.append(contact)
        return contacts

    def repeat_contacts(self, earlier: list[Contact], count: int) -> list[Contact]:
        """Follow-ups 1–6 days after an earlier contact: same customer, product and feature."""
        rng = self.rng
        latest = self.now - timedelta(days=1, hours=1)
        parents = [
            c
            for c in earlier
            if c.opened_at <= latest
            for _ in range(INCIDENT_REPEAT_WEIGHT if c.incident else 1)
        ]
        repeats: list[Contact] = []
        while parents and len(repeats) < count:
            eligible = [c for c in repeats if c.opened_at <= latest]
            pool = eligible if eligible and rng.random() < 0.15 else parents
            parent = pool[rng.randrange(len(pool))]
            longest = min(6 * 86400.0, (self.now - parent.opened_at).total_seconds() - 1800)
            opened_at = parent.opened_at + timedelta(seconds=rng.uniform(86400, longest))
            repeats.append(self._repeat(parent, opened_at))
        return repeats

    def _repeat(self, parent: Contact, opened_at: datetime) -> Contact:
        rng = self.rng
        issue = parent.issue
        if rng.random() < 0.2:
            siblings = [
                i
                for i in ISSUES
                if i.product == issue.product and i.feature == issue.feature and i.key != issue.key
            ]
            issue = siblings[rng.randrange(len(siblings))] if siblings else issue
        channel = parent.channel if rng.random() < 0.5 else self._channel(issue)
        number = parent.contact_number + 1
        subject = pick(rng, issue.subjects)
        if channel == "email" and issue is parent.issue:
            subject = pick(rng, scripts.FOLLOW_UP_SUBJECTS).format(subject=parent.subject)
        agent = parent.agent if rng.random() < 0.45 else self._agent(issue.team)
        slots = dict(parent.slots)
        slots.update(
            prev_weekday=f"{parent.opened_at:%A}",
            prev_agent=parent.agent.first_name,
            # the same agent again reads their own notes, not "Maria's" in Maria's reply
            prev_notes="my" if agent is parent.agent else f"{parent.agent.first_name}'s",
            contact_ordinal=ORDINALS[min(number, len(ORDINALS)) - 1],
            contact_count=COUNTS[min(number, len(COUNTS)) - 1],
            product=issue.product,
            feature=issue.feature,
            topic=TOPICS[issue.feature],
        )
        contact = Contact(
            opened_at=opened_at,
            issue=issue,
            customer=parent.customer,
            channel=channel,
            mood=rng.choices(scripts.MOODS, scripts.REPEAT_MOOD_WEIGHTS)[0],
            agent=agent,
            subject=subject,
            slots=slots,
            contact_number=number,
            parent=parent,
            incident=parent.incident and issue is parent.issue,
        )
        self._finish(contact)
        return contact

    def _finish(self, contact: Contact) -> None:
        """Status by age (recent ones still open), the assignee's name, maybe a second topic."""
        rng = self.rng
        contact.slots["agent"] = contact.agent.first_name
        age_days = (self.now - contact.opened_at).total_seconds() / 86400
        unresolved = (
            0.7
            if age_days < 0.5
            else 0.45
            if age_days < 1
            else 0.25
            if age_days < 2
            else 0.12
            if age_days < 4
            else 0.003
        )
        if rng.random() < unresolved:
            contact.status = (
                "pending" if contact.channel == "phone" or rng.random() < 0.55 else "open"
            )
        if rng.random() < DRIFT_SHARE:  # same product: the slots (amounts…) still fit
            others = [
                i
                for i in ISSUES
                if i.key != contact.issue.key and i.product == contact.issue.product
            ]
            contact.drift = others[rng.randrange(len(others))]

    def _agent(self, team: str) -> DemoUser:
        return self.rng.choices(self.agents[team], self.agent_load[team])[0]

    def _channel(self, issue: Issue) -> str:
        channel: str = self.rng.choices(CHANNELS, CHANNEL_WEIGHTS[issue.team])[0]
        return channel

    def _slots(self, issue: Issue, customer: CustomerRecord, opened_at: datetime) -> dict[str, str]:
        """The particulars threaded through one conversation (and its follow-ups)."""
        rng = self.rng
        first = customer.name.split()[0]
        fw = BAD_FIRMWARE if issue.key == "firmware_broke_wifi" else pick(rng, FIRMWARE)
        if issue.team == DEVICES and self.incident_from <= opened_at < self.incident_to:
            fw = BAD_FIRMWARE
        return {
            "first": first,
            "agent": "",
            "product": issue.product,
            "feature": issue.feature,
            "order": f"PX-{rng.randint(100000, 999999)}",
            "amount": pick(rng, AMOUNTS[issue.product]),
            "card": f"{pick(rng, CARDS)} ending {rng.randint(1000, 9999)}",
            "plan": pick(rng, PLANS),
            "weeks": pick(rng, WEEKS),
            "weekday": f"{opened_at - timedelta(days=rng.randint(1, 6)):%A}",
            "device": pick(rng, DEVICES_OWNED),
            "browser": pick(rng, BROWSERS),
            "fw": fw,
            "email": customer.email or f"{slug(first)}@example.com",
            "colleague": pick(rng, COLLEAGUES),
            "room": pick(rng, ROOMS),
            "report": pick(rng, REPORTS),
            "seats": str(rng.randint(15, 40)),
            "stake": pick(rng, scripts.STAKES),
            "years": str(rng.randint(2, 12)),
            "prev_weekday": "",
            "prev_agent": "",
            "prev_notes": "",
            "contact_ordinal": "first",
            "contact_count": "one",
            "topic": TOPICS[issue.feature],
        }
