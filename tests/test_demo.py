"""The demo generator: reproducible, realistic in shape and mix, and every record valid.

The checks are statistical where the brief is ("~45% rated"), with ranges wide enough that a
change of seed passes but a broken generator does not.
"""

from __future__ import annotations

import re
import statistics
import string
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from poise.auth.models import ROLES
from poise.conversations.models import AUTHOR_ROLES, CHANNELS, STATUSES
from poise.conversations.records import ConversationRecord, RatingRecord
from poise.demo import ADMIN_EMAIL, DemoOrg, generate_demo
from poise.demo import scripts as s
from poise.demo.catalogue import ISSUES, SLOT_NAMES, TOPICS
from poise.demo.people import STAFF_NAMES

NOW = datetime(2025, 6, 2, 9, tzinfo=UTC)
DAYS = 90


@pytest.fixture(scope="module")
def org() -> DemoOrg:
    return generate_demo(7, now=NOW)


@pytest.fixture(scope="module")
def conversations(org: DemoOrg) -> list[ConversationRecord]:
    return org.conversations


def agent_emails(org: DemoOrg) -> set[str]:
    return {u.email for u in org.users if u.role == "agent"}


def is_positive(rating: RatingRecord) -> bool:
    return rating.score == 3 if rating.scale == "three" else rating.score >= 4


def is_negative(rating: RatingRecord) -> bool:
    return rating.score == 1 if rating.scale == "three" else rating.score <= 2


def first_customer_turn(c: ConversationRecord) -> str:
    return next(m.body for m in c.messages if m.author_role == "customer")


# ------------------------------------------------------------------ reproducibility
def test_same_seed_and_now_give_identical_output(org: DemoOrg) -> None:
    assert generate_demo(7, now=NOW) == org


def test_another_seed_gives_another_organisation(org: DemoOrg) -> None:
    other = generate_demo(8, now=NOW)
    assert other.users != org.users
    assert [c.messages for c in other.conversations] != [c.messages for c in org.conversations]


def test_now_defaults_to_this_hour_in_utc() -> None:
    before = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    demo = generate_demo(conversations=40, days=10)
    after = datetime.now(UTC)
    times = [m.sent_at for c in demo.conversations for m in c.messages]
    assert max(times) < after
    assert min(times) >= before - timedelta(days=10, hours=1)


def test_now_must_be_aware_and_arguments_sensible() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_demo(now=datetime(2025, 6, 2, 9))
    with pytest.raises(ValueError, match="days"):
        generate_demo(days=0, now=NOW)
    with pytest.raises(ValueError, match="conversations"):
        generate_demo(conversations=-1, now=NOW)


def test_now_in_another_zone_is_taken_as_the_same_instant() -> None:
    elsewhere = NOW.astimezone(datetime.fromisoformat("2025-01-01T00:00+02:00").tzinfo)
    assert generate_demo(3, conversations=30, now=elsewhere) == generate_demo(
        3, conversations=30, now=NOW
    )


@pytest.mark.parametrize(("count", "days"), [(0, 90), (1, 90), (25, 1), (200, 3)])
def test_small_and_short_demos_still_valid(count: int, days: int) -> None:
    demo = generate_demo(1, conversations=count, days=days, now=NOW)
    assert len(demo.conversations) == count
    for c in demo.conversations:
        assert_valid(c, agent_emails(demo), days)


# ------------------------------------------------------------------ the organisation
def test_three_teams_with_agents_a_lead_each_and_one_admin(org: DemoOrg) -> None:
    assert len(org.teams) == 3
    assert 20 <= len(org.users) <= 25
    assert {u.role for u in org.users} <= set(ROLES)
    roles = Counter(u.role for u in org.users)
    assert roles["admin"] == 1
    assert roles["lead"] == 3
    assert 18 <= roles["agent"] <= 22
    for team in org.teams:
        members = [u for u in org.users if u.team == team]
        assert sum(u.role == "lead" for u in members) == 1
        assert sum(u.role == "agent" for u in members) >= 5
    admin = next(u for u in org.users if u.role == "admin")
    assert admin.email == ADMIN_EMAIL
    assert admin.team is None


def test_staff_emails_are_firstname_lastname_and_unique(org: DemoOrg) -> None:
    emails = [u.email for u in org.users]
    assert len(set(emails)) == len(emails)
    for user in org.users:
        if user.role != "admin":
            assert re.fullmatch(r"[a-z]+\.[a-z]+@poise\.demo", user.email), user.email
    # A comment naming "Maria" must credit exactly one person, whatever the seed.
    assert len({name.split()[0] for name in STAFF_NAMES}) == len(STAFF_NAMES)


# ------------------------------------------------------------------ every record valid
def assert_valid(c: ConversationRecord, agents: set[str], days: int = DAYS) -> None:
    assert c.channel in CHANNELS
    assert c.status in STATUSES
    assert c.subject and c.purpose and c.product and c.feature
    assert c.customer is not None and c.customer.external_id and c.customer.name
    assert c.assignee_email in agents
    assert 2 <= len(c.messages) <= 10
    assert [m.external_id for m in c.messages] == [f"m{i}" for i in range(1, len(c.messages) + 1)]
    assert c.opened_at == c.messages[0].sent_at
    assert NOW - timedelta(days=days) <= c.opened_at
    for m in c.messages:
        assert m.author_role in AUTHOR_ROLES
        assert m.body.strip(), c.external_id
        assert "{" not in m.body and "}" not in m.body, m.body
        assert m.sent_at.utcoffset() == timedelta(0)
        assert m.sent_at < NOW
        if m.author_role == "agent":
            assert m.author_email == c.assignee_email
    assert "{" not in c.subject
    for earlier, later in pairwise(c.messages):
        assert earlier.sent_at < later.sent_at
    if c.status == "resolved":
        assert c.resolved_at is not None
        assert c.resolved_at.utcoffset() == timedelta(0)
        assert c.messages[-1].sent_at <= c.resolved_at <= NOW
    else:
        assert c.resolved_at is None
        assert c.rating is None
    if c.rating is not None:
        assert c.resolved_at is not None
        assert 1 <= c.rating.score <= (3 if c.rating.scale == "three" else 5)
        assert c.resolved_at <= c.rating.rated_at <= NOW
        assert c.rating.agent_email == c.assignee_email
        assert "{" not in c.rating.comment


def test_every_record_is_valid(org: DemoOrg, conversations: list[ConversationRecord]) -> None:
    agents = agent_emails(org)
    for c in conversations:
        assert_valid(c, agents)
    ids = [c.external_id for c in conversations]
    assert len(set(ids)) == len(ids)


def test_assignees_belong_to_the_team_for_the_product(
    org: DemoOrg, conversations: list[ConversationRecord]
) -> None:
    team_of = {u.email: u.team for u in org.users}
    teams_for = defaultdict(set)
    for c in conversations:
        teams_for[(c.product, c.feature)].add(team_of[c.assignee_email or ""])
    assert all(len(teams) == 1 for teams in teams_for.values())
    assert {t for teams in teams_for.values() for t in teams} == set(org.teams)


# ------------------------------------------------------------------ counts and mix
def test_counts_channels_products_and_customers(
    conversations: list[ConversationRecord],
) -> None:
    assert len(conversations) == 3000
    channels = Counter(c.channel for c in conversations)
    assert set(channels) == set(CHANNELS)
    assert channels["chat"] > channels["phone"] > channels["social"] > 0.05 * 3000
    assert channels["email"] > channels["phone"]
    assert len({c.product for c in conversations}) >= 3
    assert len({(c.product, c.feature) for c in conversations}) >= 10
    per_customer = Counter(c.customer.external_id for c in conversations if c.customer)
    assert 1600 <= len(per_customer) <= 2000
    assert sum(1 for n in per_customer.values() if n > 1) > 300


def test_mostly_resolved_with_the_open_ones_recent(
    conversations: list[ConversationRecord],
) -> None:
    statuses = Counter(c.status for c in conversations)
    assert statuses["resolved"] / len(conversations) > 0.9
    assert statuses["open"] > 0 and statuses["pending"] > 0
    unresolved = [c for c in conversations if c.status != "resolved"]
    recent = [c for c in unresolved if c.opened_at and NOW - c.opened_at < timedelta(days=4)]
    assert len(recent) / len(unresolved) > 0.6


def test_turns_follow_the_channel_rhythm(conversations: list[ConversationRecord]) -> None:
    def median_gap(channel: str) -> float:
        return statistics.median(
            (b.sent_at - a.sent_at).total_seconds()
            for c in conversations
            if c.channel == channel
            for a, b in pairwise(c.messages)
        )

    assert median_gap("phone") < 60
    assert median_gap("chat") < 5 * 60
    assert median_gap("email") > 60 * 60


def test_sometimes_the_customer_writes_twice_in_a_row(
    conversations: list[ConversationRecord],
) -> None:
    doubled = [
        c
        for c in conversations
        if any(a.author_role == b.author_role == "customer" for a, b in pairwise(c.messages))
    ]
    assert 0.03 < len(doubled) / len(conversations) < 0.2


def test_repeat_contacts_show_in_the_data(conversations: list[ConversationRecord]) -> None:
    """~12% come back about the same product and feature within a week (FCR can see it)."""
    seen: dict[tuple[str, str | None, str | None], list[datetime]] = defaultdict(list)
    repeats = 0
    for c in conversations:  # already in order of opening
        assert c.customer is not None and c.opened_at is not None
        key = (c.customer.external_id, c.product, c.feature)
        if any(timedelta(0) < c.opened_at - t <= timedelta(days=7) for t in seen[key]):
            repeats += 1
        seen[key].append(c.opened_at)
    assert 0.08 < repeats / len(conversations) < 0.18


def test_ratings_follow_the_mood_mix(conversations: list[ConversationRecord]) -> None:
    resolved = [c for c in conversations if c.status == "resolved"]
    ratings = [c.rating for c in resolved if c.rating is not None]
    assert 0.38 < len(ratings) / len(resolved) < 0.52
    positive = sum(is_positive(r) for r in ratings) / len(ratings)
    negative = sum(is_negative(r) for r in ratings) / len(ratings)
    assert 0.5 < positive < 0.8
    assert 0.08 < negative < 0.3
    commented = [r for r in ratings if r.comment]
    assert 0.5 < len(commented) / len(ratings) < 0.7
    by_scale = Counter((c.channel == "phone", c.rating.scale) for c in resolved if c.rating)
    assert by_scale[(True, "five")] > 4 * by_scale[(True, "three")]
    assert by_scale[(False, "three")] > 4 * by_scale[(False, "five")]
    # Negative ratings come from negative conversations: angry words, repeat contacts.
    angry_words = [p.lower() for p in s.SUFFIXES["angry"] + s.SUFFIXES["abusive"]]
    angry = [
        c
        for c in resolved
        if c.rating and any(w in first_customer_turn(c).lower() for w in angry_words)
    ]
    calm = [c for c in resolved if c.rating and c not in angry]
    assert sum(is_negative(c.rating) for c in angry if c.rating) / len(angry) > 2 * sum(
        is_negative(c.rating) for c in calm if c.rating
    ) / len(calm)


def test_some_comments_name_the_agent(
    org: DemoOrg, conversations: list[ConversationRecord]
) -> None:
    first_name = {u.email: u.first_name for u in org.users}
    named = [
        c
        for c in conversations
        if c.rating and first_name[c.assignee_email or ""] in c.rating.comment
    ]
    assert len(named) > 100
    assert all(c.rating and is_positive(c.rating) for c in named)


def mood_share(conversations: list[ConversationRecord], mood: str) -> float:
    """Share of conversations whose opening carries one of the mood's set phrases."""

    def plain(text: str) -> str:
        return text.lower().replace("'", "")

    phrases = [plain(p) for p in s.PREFIXES[mood] + s.SUFFIXES[mood] if p and "{" not in p]
    hits = sum(any(p in plain(first_customer_turn(c)) for p in phrases) for c in conversations)
    return hits / len(conversations)


def test_the_mood_mix_is_realistic(conversations: list[ConversationRecord]) -> None:
    assert 0.005 < mood_share(conversations, "abusive") < 0.04
    assert 0.04 < mood_share(conversations, "angry") < 0.12
    assert 0.15 < mood_share(conversations, "frustrated") < 0.3
    assert 0.08 < mood_share(conversations, "grateful") < 0.2


def test_calm_complaints_drift_and_turnarounds_exist(
    conversations: list[ConversationRecord],
) -> None:
    texts = ["\n".join(m.body for m in c.messages) for c in conversations]
    assert any("still no refund after" in t.lower() for t in texts)
    drift = [t for t in texts if any(d in t for d in s.DRIFT_INTROS)]
    turnaround = [t for t in texts if any(r.split(".")[0] in t for r in s.REACTIONS["turnaround"])]
    assert len(drift) > 50
    assert len(turnaround) > 50


def test_texts_vary(conversations: list[ConversationRecord]) -> None:
    openings = [first_customer_turn(c) for c in conversations]
    assert len(set(openings)) / len(openings) > 0.9
    lower_case = sum(o == o.lower() for o in openings)
    assert lower_case > 50  # some people type in lower case


def test_a_firmware_incident_makes_a_hotspot(conversations: list[ConversationRecord]) -> None:
    """One bad release: its complaints cluster in a few days (something for insights)."""
    days = Counter(
        c.opened_at.date()
        for c in conversations
        if c.purpose == "Problems since the latest firmware update" and c.opened_at
    )
    busiest = sum(n for _, n in days.most_common(4))
    assert busiest > 0.3 * sum(days.values())  # spread evenly, 4 days of 90 would hold ~4%


def test_every_template_fills_from_the_slots() -> None:
    """A typo in a ``{slot}`` would only show on the conversation that draws it: check all."""
    slots = dict.fromkeys((*SLOT_NAMES, "subject"), "x")  # a follow-up quotes the subject
    formatter = string.Formatter()
    templates: list[str] = []
    for issue in ISSUES:
        for texts in (
            issue.subjects,
            issue.reports,
            issue.asks,
            issue.details,
            issue.tries,
            issue.still,
            issue.fixes,
            issue.recurrences,
            issue.escalations,
        ):
            assert texts, issue.key
            templates += texts
        assert issue.feature in TOPICS
    for value in vars(s).values():
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            templates += value
        elif isinstance(value, dict):
            templates += [
                t
                for texts in value.values()
                if isinstance(texts, tuple)
                for t in texts
                if isinstance(t, str)
            ]
    for template in templates:
        for _, name, _, _ in formatter.parse(template):
            assert name is None or name in slots, (name, template)
        template.format_map(slots)


def test_an_agent_never_reads_their_own_notes_as_a_colleague_s(
    conversations: list[ConversationRecord],
) -> None:
    """A follow-up answered by the same agent read "I can see Maria's notes from Saturday" in
    Maria's own reply: an agent reads their own notes as "my notes"."""
    mine = 0
    for c in conversations:
        for m in c.messages:
            if m.author_role != "agent" or "notes from" not in m.body:
                continue
            first = m.author_name.split()[0]
            assert f"I can see {first}'s notes" not in m.body, m.body
            mine += "I can see my notes" in m.body
    assert mine > 0  # the seed draws the same agent again often enough to say it
