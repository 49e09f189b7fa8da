"""Turns one planned contact into a conversation: turns, words, timestamps, outcome, rating.

A conversation is first laid out as a list of steps (who speaks, what kind of turn), then each
step gets its words from the issue catalogue and the mood phrases, and a time from the
channel's rhythm. Doing the layout first keeps the shapes realistic (an agent never "fixes"
before the customer said anything, an open conversation ends on the customer) whatever the
words turn out to be.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    RatingRecord,
)
from poise.demo import scripts as s
from poise.demo.catalogue import Issue
from poise.demo.people import DemoUser

Step = tuple[str, str]  # (author role, kind of turn)

# Seconds between turns, (shortest, longest), drawn log-uniformly: chat answers in seconds to
# minutes, e-mail in hours, a phone transcript in seconds, social media in between.
GAPS: dict[str, dict[str, tuple[float, float]]] = {
    "chat": {"first": (20, 420), "agent": (30, 300), "customer": (15, 240), "same": (8, 90)},
    "email": {
        "first": (1800, 26 * 3600),
        "agent": (900, 9 * 3600),
        "customer": (600, 16 * 3600),
        "same": (120, 3600),
    },
    "phone": {"first": (3, 15), "agent": (8, 70), "customer": (6, 60), "same": (2, 12)},
    "social": {
        "first": (300, 4 * 3600),
        "agent": (180, 5400),
        "customer": (120, 7200),
        "same": (30, 600),
    },
}
# Delay from resolution to the survey answer, by channel (seconds).
RATING_DELAYS: dict[str, tuple[float, float]] = {
    "chat": (5, 600),
    "email": (600, 2 * 86400),
    "phone": (60, 1800),
    "social": (3600, 86400),
}
SATISFACTION = ("happy", "neutral", "unhappy", "hostile")
THREE_SCORES: dict[str, tuple[float, ...]] = {  # weights for scores 3, 2, 1
    "happy": (88, 10, 2),
    "neutral": (66, 26, 8),
    "unhappy": (18, 37, 45),
    "hostile": (4, 21, 75),
}
FIVE_SCORES: dict[str, tuple[float, ...]] = {  # weights for scores 5, 4, 3, 2, 1
    "happy": (70, 23, 5, 1, 1),
    "neutral": (34, 36, 18, 8, 4),
    "unhappy": (6, 14, 25, 25, 30),
    "hostile": (2, 5, 13, 20, 60),
}
TONE_SATISFACTION = {
    "thankful": "happy",
    "relieved": "happy",
    "turnaround": "happy",
    "neutral": "neutral",
    "grudging": "unhappy",
    "hostile": "hostile",
}
TURNAROUND_CHANCE = {"frustrated": 0.4, "angry": 0.35, "abusive": 0.15}
MAX_TURNS = 10
# Optional steps dropped, in this order, until a conversation fits in MAX_TURNS.
_TRIMMABLE: tuple[Step, ...] = (("customer", "bye"), ("agent", "close"), ("customer", "extra"))
_APOSTROPHES = (
    ("I'm", "im"),
    ("I've", "ive"),
    ("don't", "dont"),
    ("can't", "cant"),
    ("it's", "its"),
    ("isn't", "isnt"),
    ("won't", "wont"),
    ("didn't", "didnt"),
    ("doesn't", "doesnt"),
    ("that's", "thats"),
)


@dataclass(slots=True)
class Contact:
    """One planned conversation before it has words: who, when, where, about what, in which mood.

    ``parent`` is the earlier conversation a repeat contact follows up on.
    """

    opened_at: datetime
    issue: Issue
    customer: CustomerRecord
    channel: str
    mood: str
    agent: DemoUser
    subject: str
    slots: dict[str, str]
    status: str = "resolved"
    drift: Issue | None = None
    contact_number: int = 1
    parent: Contact | None = None
    incident: bool = False  # caught by the bad firmware release


@dataclass(slots=True)
class _Thread:
    """What rendering has decided so far, shared by the step writers."""

    contact: Contact
    turnaround: bool = False
    escalating: bool = False
    reaction: str = ""
    loops: int = 0
    boundary_due: bool = False
    ask: int = 0  # which of the issue's questions the agent asks


def pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[rng.randrange(len(options))]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts "I", a slot (a name) or an acronym."""
    if text.startswith(("I ", "I'", "{")) or text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def carry_on(intro: str, sentence: str) -> str:
    """Join an intro and a sentence: continue it after a letter or ':', start anew otherwise."""
    if not intro:
        return cap(sentence)
    if intro[-1].isalpha() or intro.endswith((":", ",")):
        return f"{intro} {lower_first(sentence)}"
    return f"{intro} {cap(sentence)}"


def roughen(rng: random.Random, text: str) -> str:
    """Typing as people do in chat: lower case, missing apostrophes and a transposed letter."""
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.5:
        for proper, sloppy in _APOSTROPHES:
            text = text.replace(proper, sloppy).replace(proper.lower(), sloppy)
    if rng.random() < 0.6:
        words = text.split(" ")
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if long_words:
            i = long_words[rng.randrange(len(long_words))]
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            text = " ".join(words)
    if rng.random() < 0.4 and len(text) > 2:
        text = text.rstrip(".")
    return text


def gap(rng: random.Random, channel: str, kind: str) -> timedelta:
    low, high = GAPS[channel][kind]
    return timedelta(seconds=low * (high / low) ** rng.random())


# ------------------------------------------------------------------ layout
def _layout(rng: random.Random, contact: Contact, thread: _Thread) -> list[Step]:
    """The shape of the conversation: which turns, in which order, how it ends."""
    channel, status = contact.channel, contact.status
    steps: list[Step] = [("agent", "greet")] if channel == "phone" else []
    steps.append(("customer", "open"))
    if status == "open" and rng.random() < 0.45:
        return [*steps, ("customer", "nudge")]  # nobody has answered yet
    extra_chance = {"chat": 0.15, "email": 0.07, "social": 0.1, "phone": 0.0}[channel]
    if contact.mood == "abusive":
        extra_chance *= 3
    if rng.random() < extra_chance:
        steps.append(("customer", "extra"))
    if status == "pending" and channel != "phone" and rng.random() < 0.35:
        return [*steps, ("agent", "ask")]  # waiting on the customer's answer
    if (
        status == "resolved"
        and channel == "email"
        and contact.parent is None
        and rng.random() < 0.3
    ):
        steps.append(("agent", "fix_direct"))
    else:
        steps += [("agent", "ask"), ("customer", "details")]
        weights = (65, 27, 8) if contact.parent is None else (45, 40, 15)
        thread.loops = rng.choices((0, 1, 2), weights)[0]
        if status != "resolved":
            thread.loops = min(thread.loops, 1)
        for _ in range(thread.loops):
            steps += [("agent", "try"), ("customer", "still")]
        if status == "pending":
            return [*steps, ("agent", "escalate")]
        if status == "open":
            return steps
        steps.append(("agent", "fix"))
    if rng.random() < 0.85:
        steps.append(("customer", "reaction"))
        if contact.drift is not None:
            steps += [("agent", "drift_fix"), ("customer", "drift_reaction")]
        if rng.random() < 0.65:
            steps.append(("agent", "close"))
            if channel in ("chat", "phone") and rng.random() < 0.35:
                steps.append(("customer", "bye"))
    else:
        contact.drift = None
    for optional in _TRIMMABLE:
        if len(steps) > MAX_TURNS and optional in steps:
            steps.remove(optional)
    while len(steps) > MAX_TURNS:  # drop a try/still loop
        at = steps.index(("agent", "try"))
        del steps[at : at + 2]
        thread.loops -= 1
    return steps


def _decide_arc(rng: random.Random, contact: Contact, thread: _Thread) -> None:
    """Whether the mood turns around or escalates, and how the customer reacts at the end."""
    mood = contact.mood
    thread.turnaround = contact.status == "resolved" and rng.random() < TURNAROUND_CHANCE.get(
        mood, 0.0
    )
    thread.escalating = (
        mood in ("calm", "confused", "anxious") and thread.loops > 0 and rng.random() < 0.6
    )
    if thread.turnaround:
        tone = "turnaround"
    elif mood == "grateful":
        tone = "thankful"
    elif mood == "anxious" and not thread.escalating:
        tone = "relieved" if rng.random() < 0.7 else "thankful"
    elif mood in ("calm", "confused", "anxious"):
        if thread.escalating:
            tone = "grudging" if rng.random() < 0.55 else "neutral"
        else:
            tone = "thankful" if rng.random() < 0.45 else "neutral"
    elif mood == "frustrated":
        tone = "neutral" if rng.random() < 0.5 else "grudging"
    elif mood == "angry":
        tone = "grudging" if rng.random() < 0.7 else "hostile"
    else:
        tone = "hostile" if rng.random() < 0.6 else "grudging"
    if contact.parent is not None and tone in ("thankful", "neutral") and rng.random() < 0.4:
        tone = "grudging"
    thread.reaction = tone


# ------------------------------------------------------------------ words
def _customer_frame(rng: random.Random, contact: Contact, body: str, first_turn: bool) -> str:
    """Dress a customer's words for the channel: e-mail greeting and signature, chat typos."""
    channel, mood = contact.channel, contact.mood
    first = contact.slots["first"]
    if channel == "email":
        if rng.random() < 0.08:
            body = roughen(rng, body)
        if not first_turn:
            return f"{body}\n\n{first}"
        greeting = (
            ""
            if mood in ("angry", "abusive") and rng.random() < 0.5
            else pick(rng, s.EMAIL_GREETINGS)
        )
        signoff = pick(rng, s.EMAIL_SIGNOFFS[mood])
        signature = f"{signoff}\n{first}" if signoff else first
        return "\n\n".join(part for part in (greeting, body, signature) if part)
    if channel in ("chat", "social") and rng.random() < 0.35:
        body = roughen(rng, body)
    if channel == "social" and first_turn:
        return f"{s.SOCIAL_HANDLE} {body}"
    return body


def _agent_frame(rng: random.Random, contact: Contact, body: str) -> str:
    """Dress an agent's words: e-mail salutation and signature, social media initials."""
    agent = contact.agent
    if contact.channel == "email":
        first = contact.slots["first"]
        return (
            f"Hi {first},\n\n{body}\n\n{pick(rng, s.AGENT_EMAIL_SIGNOFFS)}\n"
            f"{agent.first_name}\nPoise Support"
        )
    if contact.channel == "social":
        initials = "".join(part[0] for part in agent.name.split()[:2])
        return f"{body} ^{initials}"
    return body


def _answer(rng: random.Random, thread: _Thread) -> int:
    """Which detail answers the agent's question (see :class:`Issue`)."""
    issue = thread.contact.issue
    if len(issue.details) == len(issue.asks):
        return thread.ask
    return rng.randrange(len(issue.details))


def _extra(rng: random.Random, thread: _Thread) -> str:
    """A second customer turn before any answer: a detail the agent will not ask for, or not."""
    contact, issue = thread.contact, thread.contact.issue
    if contact.mood in s.NEGATIVE_MOODS and rng.random() < 0.5:
        return pick(rng, s.NUDGES["negative"])
    others = [
        i
        for i in range(len(issue.details))
        if len(issue.details) == len(issue.asks) and i != thread.ask
    ]
    if not others:
        return pick(rng, s.EMAIL_ADDENDA if contact.channel == "email" else s.CHAT_WAITING)
    extras = s.EMAIL_EXTRAS if contact.channel == "email" else s.CHAT_EXTRAS
    return carry_on(pick(rng, extras), issue.details[others[rng.randrange(len(others))]])


def _customer_words(rng: random.Random, thread: _Thread, kind: str, index: int) -> str:
    contact, mood = thread.contact, thread.contact.mood
    issue = contact.issue
    negative = mood in s.NEGATIVE_MOODS
    if kind == "open":
        suffix = pick(rng, s.SUFFIXES[mood])
        if contact.parent is None:
            reports = s.INCIDENT_REPORTS if contact.incident and negative else issue.reports
            core = pick(rng, reports)
            if contact.channel == "phone":
                return join(f"{pick(rng, s.PHONE_OPENERS)} {lower_first(core)}", suffix)
            prefix = "" if contact.channel == "social" else pick(rng, s.PREFIXES[mood])
            return join(prefix, cap(core), suffix)
        if issue is contact.parent.issue:  # the same problem again
            recurrences = s.INCIDENT_RECURRENCES if contact.incident else issue.recurrences
            core = carry_on(pick(rng, s.FOLLOW_UP_INTROS), pick(rng, recurrences))
        else:  # another problem with the same feature
            core = carry_on(pick(rng, s.SIBLING_INTROS), pick(rng, issue.reports))
        return join(core, suffix)
    if kind == "nudge":
        return pick(rng, s.NUDGES["negative" if negative else "calm"])
    if kind == "extra":
        return _extra(rng, thread)
    if kind == "details":
        tone = "calm" if thread.turnaround and rng.random() < 0.5 else mood
        detail = issue.details[_answer(rng, thread)]
        if tone not in s.NEGATIVE_MOODS and detail.startswith(("Yes", "No")):
            return detail  # "Sure. No, I never saved..." reads wrong
        return carry_on(pick(rng, s.DETAIL_PREFIXES[tone]), detail)
    if kind == "still":
        tone = mood
        if thread.escalating:
            tone = "frustrated" if index == 0 else "angry"
        if mood == "abusive":
            thread.boundary_due = True
        still = issue.still[index % len(issue.still)]
        return join(cap(still), pick(rng, s.STILL_SUFFIXES[tone]))
    if kind == "reaction":
        words = pick(rng, s.REACTIONS[thread.reaction])
        if contact.drift is not None:
            second_topic = pick(rng, contact.drift.reports)
            words = join(words, carry_on(pick(rng, s.DRIFT_INTROS), second_topic))
        return words
    if kind == "drift_reaction":
        return pick(rng, s.REACTIONS["neutral" if negative else "thankful"])
    return pick(rng, s.BYES)  # "bye"


def _agent_words(rng: random.Random, thread: _Thread, kind: str, index: int) -> str:
    contact, issue = thread.contact, thread.contact.issue
    boundary = ""
    if thread.boundary_due:  # the abusive mood's acknowledgement already sets the tone
        boundary, thread.boundary_due = pick(rng, s.BOUNDARIES), False
    if kind == "greet":
        return pick(rng, s.PHONE_GREETINGS)
    if kind in ("ask", "fix_direct"):
        if contact.parent is not None and rng.random() < 0.7:
            ack = pick(rng, s.FOLLOW_UP_ACKS)
        else:
            ack = pick(rng, s.ACKS[contact.mood])
        intro = pick(rng, s.CHAT_INTROS) if contact.channel == "chat" else ""
        if kind == "fix_direct":
            return join(intro, ack, boundary, pick(rng, issue.fixes))
        if contact.channel == "social":
            return join(ack, boundary, pick(rng, s.SOCIAL_ASKS), issue.asks[thread.ask])
        return join(intro, ack, boundary, issue.asks[thread.ask])
    if kind == "try":
        lead = pick(rng, s.TRY_INTROS if index == 0 else s.RETRY_INTROS)
        return join(lead, boundary, issue.tries[index % len(issue.tries)])
    if kind in ("fix", "escalate"):
        if thread.loops:
            lead = pick(rng, s.RETRY_INTROS)
        else:
            lead = pick(rng, s.FIX_INTROS if kind == "fix" else s.TRY_INTROS)
        words = pick(rng, issue.fixes if kind == "fix" else issue.escalations)
        if words.startswith("Thanks"):
            lead = ""  # not "Thanks for bearing with me. Thanks, you're verified."
        return join(lead, boundary, words)
    if kind == "drift_fix":
        assert contact.drift is not None
        return carry_on(pick(rng, s.DRIFT_ANSWERS), pick(rng, contact.drift.fixes))
    words = pick(
        rng,
        s.CLOSES_WARM
        if thread.reaction in ("thankful", "relieved", "neutral", "turnaround")
        else s.CLOSES_SORRY,
    )
    return join(words, s.EMAIL_AGENT_LAST_LINE) if contact.channel == "email" else words


# ------------------------------------------------------------------ assembly
def _times(
    rng: random.Random, contact: Contact, steps: list[Step], now: datetime
) -> list[datetime]:
    """Increasing send times in the channel's rhythm, from the opening turn on."""
    times = [contact.opened_at]
    answered = False
    for (previous_role, _), (role, kind) in pairwise(steps):
        if role == previous_role:
            pause = gap(rng, contact.channel, "same")
        elif role == "agent" and not answered:
            pause = gap(rng, contact.channel, "first")
        else:
            pause = gap(rng, contact.channel, role)
            if kind in ("fix", "try", "escalate") and contact.channel == "chat":
                pause *= 1.5
        answered = answered or (role == "agent" and kind != "greet")
        times.append(times[-1] + pause)
    return times


def _cut_at_now(
    contact: Contact, steps: list[Step], times: list[datetime], now: datetime
) -> tuple[list[Step], list[datetime]]:
    """Keep what has happened by ``now``: a conversation still going on is open or pending.

    When fewer than two turns would be left, the first two are squeezed in before ``now``, so
    that every conversation has at least two turns.
    """
    if times[-1] < now:
        return steps, times
    kept = max(2, sum(1 for t in times if t < now))
    steps, times = steps[:kept], times[:kept]
    if times[-1] >= now:
        room = (now - contact.opened_at) * 0.9
        span = times[-1] - contact.opened_at
        times = [contact.opened_at + (t - contact.opened_at) * (room / span) for t in times]
    contact.status = "open" if steps[-1][0] == "customer" else "pending"
    return steps, times


def _rating(
    rng: random.Random, thread: _Thread, resolved_at: datetime, now: datetime
) -> RatingRecord | None:
    """The survey answer (or none), following how the conversation went."""
    contact = thread.contact
    if rng.random() >= 0.45:
        return None
    low, high = RATING_DELAYS[contact.channel]
    rated_at = resolved_at + timedelta(seconds=low * (high / low) ** rng.random())
    if rated_at > now:
        return None  # the customer has not answered the survey yet
    if thread.reaction:
        level = SATISFACTION.index(TONE_SATISFACTION[thread.reaction])
    else:
        level = 2 if contact.mood in s.NEGATIVE_MOODS else 0 if contact.mood == "grateful" else 1
    if contact.parent is not None and rng.random() < 0.5:
        level += 1
    if contact.incident and rng.random() < 0.75:  # a workaround for a release that broke it
        level += 1
    if thread.loops >= 2 and rng.random() < 0.5:
        level += 1
    satisfaction = SATISFACTION[min(level, 3)]
    five = rng.random() < (0.9 if contact.channel == "phone" else 0.08)
    if five:
        score = rng.choices((5, 4, 3, 2, 1), FIVE_SCORES[satisfaction])[0]
        sentiment = 1 if score >= 4 else 0 if score == 3 else -1
    else:
        score = rng.choices((3, 2, 1), THREE_SCORES[satisfaction])[0]
        sentiment = score - 2
    comment = _comment(rng, thread, sentiment) if rng.random() < 0.6 else ""
    return RatingRecord("five" if five else "three", score, rated_at, comment, contact.agent.email)


def _comment(rng: random.Random, thread: _Thread, sentiment: int) -> str:
    contact = thread.contact
    repeat = contact.parent is not None
    if sentiment > 0:
        if thread.reaction == "turnaround" and rng.random() < 0.6:
            pool = s.COMMENTS_TURNAROUND
        else:
            pool = s.COMMENTS_NAMED if rng.random() < 0.45 else s.COMMENTS_POSITIVE
    elif sentiment == 0:
        pool = s.COMMENTS_REPEAT if repeat and rng.random() < 0.4 else s.COMMENTS_NEUTRAL
    elif repeat and rng.random() < 0.5:
        pool = s.COMMENTS_REPEAT
    elif contact.issue.feature in s.COMMENTS_BY_FEATURE and rng.random() < 0.35:
        pool = s.COMMENTS_BY_FEATURE[contact.issue.feature]
    else:
        pool = s.COMMENTS_NEGATIVE
    return pick(rng, pool).format_map(contact.slots)


def render(
    rng: random.Random, contact: Contact, external_id: str, now: datetime
) -> ConversationRecord:
    """Write the whole conversation for ``contact``; every time stays before ``now``."""
    thread = _Thread(contact, ask=rng.randrange(len(contact.issue.asks)))
    steps = _layout(rng, contact, thread)
    _decide_arc(rng, contact, thread)
    steps, times = _cut_at_now(contact, steps, _times(rng, contact, steps, now), now)
    customer, agent = contact.customer, contact.agent
    messages: list[MessageRecord] = []
    counters = {"customer": 0, "agent": 0}
    for number, ((role, kind), sent_at) in enumerate(zip(steps, times, strict=True), start=1):
        index = counters[role] if kind in ("try", "still") else 0
        if role == "customer":
            words = _customer_words(rng, thread, kind, index).format_map(contact.slots)
            body = _customer_frame(rng, contact, words, first_turn=kind == "open")
            messages.append(MessageRecord(f"m{number}", role, body, sent_at, customer.name))
        else:
            words = _agent_words(rng, thread, kind, index).format_map(contact.slots)
            body = _agent_frame(rng, contact, words)
            messages.append(
                MessageRecord(f"m{number}", role, body, sent_at, agent.name, agent.email)
            )
        if kind in ("try", "still"):
            counters[role] += 1
    resolved_at: datetime | None = None
    rating: RatingRecord | None = None
    if contact.status == "resolved":
        low, high = (300, 86400) if contact.channel == "email" else (5, 180)
        resolved_at = min(times[-1] + timedelta(seconds=low * (high / low) ** rng.random()), now)
        rating = _rating(rng, thread, resolved_at, now)
    return ConversationRecord(
        external_id=external_id,
        channel=contact.channel,
        messages=messages,
        subject=contact.subject.format_map(contact.slots),
        purpose=contact.issue.purpose,
        product=contact.issue.product,
        feature=contact.issue.feature,
        status=contact.status,
        opened_at=times[0],
        resolved_at=resolved_at,
        customer=CustomerRecord(customer.external_id, customer.name, customer.email),
        assignee_email=agent.email,
        rating=rating,
    )
