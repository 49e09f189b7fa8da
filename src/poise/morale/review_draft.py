"""A peer review's first draft from AutoQA: the reviewer starts from it, and decides.

Only the words are drafted (strengths, one thing to try), never the scores: a score is the
reviewer's judgement, and a pre-ticked scale would be sent unread. Nothing is stored: the
draft is worked out when the form is read, as AutoQA's own pages are, and it is empty unless
the reviewee's team opted in to AutoQA.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.conversations.models import Message
from poise.morale.models import PeerReview
from poise.training.autoqa import team_opted_in, verdicts_on_replies
from poise.training.feedback import NEGATIVE, POSITIVE, SUGGESTIONS, LabelVerdict

# What a review says the reviewee did (AutoQA's titles say what a reply does).
DONE = {
    "acknowledges": "Acknowledged the customer's situation",
    "apologizes": "Apologised",
    "ownership": "Took ownership",
    "next_step": "Gave a concrete next step",
    "blames_customer": "Blamed the customer",
    "dismissive": "Brushed the customer off",
}
NOT_DONE = {
    "acknowledges": "No reply named the customer's situation",
    "apologizes": "No reply apologised",
    "ownership": "No reply took ownership",
    "next_step": "No reply gave a concrete next step",
}
# The good move whose absence the draft names first, when no reply blamed or brushed off.
MISSING_FIRST = ("next_step", "ownership", "acknowledges", "apologizes")


@dataclass(frozen=True)
class ReviewDraft:
    """The words a review form starts with; either may be empty."""

    strengths: str
    try_next: str


def review_draft(session: Session, review: PeerReview) -> ReviewDraft | None:
    """AutoQA's first draft on the reviewee's replies in the reviewed conversation; None when
    their team did not opt in or AutoQA found nothing to say. Reads only."""
    reviewee = review.reviewee
    if not team_opted_in(session, reviewee.team_id):
        return None  # nobody's replies are judged without their team's opt-in
    replies = session.scalars(
        select(Message)
        .where(Message.conversation_id == review.conversation_id)
        .where(Message.author_role == "agent", Message.author_user_id == reviewee.id)
        .order_by(Message.sent_at, Message.id)
    ).all()
    found = verdicts_on_replies(session, author=reviewee, messages=replies)
    bodies = {m.id: m.body for m in replies}
    draft = draft_from([(bodies[i], verdicts) for i, verdicts in found.items()])
    return draft if draft.strengths or draft.try_next else None


def draft_from(replies: Iterable[tuple[str, list[LabelVerdict]]]) -> ReviewDraft:
    """Strengths: each good move some reply made, quoting its first phrase. One thing to try:
    a blame or brush-off found, else a good move no reply made (nothing when no replies)."""
    first: dict[str, str] = {}  # label -> the first quote behind it, in reply order
    seen = False
    for body, verdicts in replies:
        seen = True
        for verdict in verdicts:
            if verdict.present and verdict.label not in first:
                first[verdict.label] = _quote(body, verdict.phrases[0] if verdict.phrases else "")
    if not seen:
        return ReviewDraft("", "")
    strengths = "\n".join(_line(DONE[label], first[label]) for label in POSITIVE if label in first)
    return ReviewDraft(strengths, _try_next(first))


def _try_next(first: dict[str, str]) -> str:
    """The one thing to try: the first blame or brush-off, else the first missing good move."""
    for label in NEGATIVE:
        if label in first:
            return f"{_line(DONE[label], first[label])}\n{SUGGESTIONS[label]}"
    for label in MISSING_FIRST:
        if label not in first:
            return f"{NOT_DONE[label]}. {SUGGESTIONS[label]}"
    return ""


def _line(done: str, quote: str) -> str:
    return f"{done}: “{quote}”" if quote else f"{done}."


def _quote(body: str, phrase: str) -> str:
    """The phrase as the reply wrote it: AutoQA finds phrases in lower-cased text with straight
    apostrophes and single spaces, and a review quoting "i'll" would misquote the agent."""
    words = [re.escape(word).replace("'", "['‘’]") for word in phrase.split()]
    if not words:
        return ""
    match = re.search(r"\s+".join(words), body, flags=re.IGNORECASE)
    return match.group(0) if match else phrase
