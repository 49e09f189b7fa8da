"""What counts as praise: green robots with comments and customer turns that thank the agent.

Shared by the Happy File collection, the kudos board and the balance chart, so the three
always agree on what "praise" means.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from poise.conversations.models import Conversation, Message, Rating
from poise.signals import get_scorer

if TYPE_CHECKING:
    from poise.signals.negativity import NegativityScorer
    from poise.signals.types import NegativityResult

PRAISE_MAX_NEGATIVITY = 0.3
HIGH_NEGATIVITY = 0.7
NEGATIVE_TURN = 0.5
GRATITUDE_RE = re.compile(
    r"\b(?:thank(?:s| you)?|thx|ty|grateful|appreciated?|star|legend|lifesaver|life saver|"
    r"amazing|brilliant|wonderful|fantastic|awesome|great job|well done|kudos|so helpful|"
    r"so kind|made my day|above and beyond|you rock|hero|angel|perfect)\b",
    re.IGNORECASE,
)


def is_gratitude(text: str) -> bool:
    """The signals say "satisfied"; this lexicon check says the customer thanked someone."""
    return GRATITUDE_RE.search(text) is not None


def green_robots(
    agent_ids: list[int] | None, start: datetime | None = None, end: datetime | None = None
) -> Select[Any]:
    """Positive ratings crediting these agents (or anyone), optionally within ``[start, end)``."""
    query = select(Rating).where(Rating.is_positive).where(Rating.agent_id.is_not(None))
    if agent_ids is not None:
        query = query.where(Rating.agent_id.in_(agent_ids))
    if start is not None:
        query = query.where(Rating.rated_at >= start)
    if end is not None:
        query = query.where(Rating.rated_at < end)
    return query.order_by(Rating.rated_at, Rating.id)


def praise_candidates(
    agent_ids: list[int] | None, start: datetime | None = None, end: datetime | None = None
) -> Select[Any]:
    """Customer turns the signals scored satisfied and calm, with their conversation's assignee.

    The gratitude check runs in Python on the result (``is_gratitude``), since a lexicon is
    not portable SQL.
    """
    query = (
        select(Message, Conversation.assignee_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.author_role == "customer")
        .where(Message.emotion == "satisfied")
        .where(Message.negativity < PRAISE_MAX_NEGATIVITY)
        .where(Conversation.assignee_id.is_not(None))
    )
    if agent_ids is not None:
        query = query.where(Conversation.assignee_id.in_(agent_ids))
    if start is not None:
        query = query.where(Message.sent_at >= start)
    if end is not None:
        query = query.where(Message.sent_at < end)
    return query.order_by(Message.sent_at, Message.id)


# A request or a question is never praise, however warmly it ends ("Appreciate any help!").
# Checked on every sentence, once the @handles and a greeting that open it are set aside, so
# "hi all, what's the score with ..." and "YOU ARE AMAZING! FOLLOW ME BACK, PLEASE!" are asks.
QUESTION_START_RE = re.compile(
    r"^\s*(?:how|what(?! an? )|why|when|where|which|who|can|could|would|will|is|are|"
    r"do|does|did)\b(?!['’]t)(?!.*!\W*$)",  # "Is the best!" / "How kind of you!" exclaim, not ask
    re.IGNORECASE,
)
REQUEST_RE = re.compile(
    r"\?|\b(?:any help|help me|please (?:help|advise|fix|let me know|check|sort)|i need|"
    r"i can(?:no|')t(?! (?:thank|believe|recommend|praise|say enough|fault))|i am unable|"
    r"i'm unable|unable to|is there (?:a|any) way|how (?:do|can|to)|still (?:waiting|not|no)|"
    r"not working|doesn't work|does not work|one more thing|(?:issue|problem|error)s? "
    r"(?:remains|persists|is back)|still (?:shows|has|is|isn't|doesn't|can't)|"
    r"(?:i'?m |am )?wondering (?:if|whether)|(?<!no )need to|"
    r"please(?! (?:thank|pass|tell|give|let \w+ know))|pl[sz])\b",
    re.IGNORECASE,
)
OPENING_RE = re.compile(
    r"^(?:\s*[.\"“]?@\w+[:,]?)+\s*|^\s*(?:hi|hello|hey|dear)\b[^,.!?]{0,30}[,.!]\s*",
    re.IGNORECASE,
)
SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+|\.{2,}\s*|\s*[;\n]\s*")
# "Great job, but they are a bit pricey": what follows a "but" is the point of the message.
CONTRAST_RE = re.compile(r"\b(?:but|however|though|although|except)\b", re.IGNORECASE)
# Praise has someone to praise: it thanks, or speaks to or of the people and their work.
# "Haha, that will be a great day!" is cheerful and praises no one. "Thanks to our new
# mods" is "because of", not thanks.
TARGET_RE = re.compile(
    r"\b(?:thanks? to (?!(?:our|my|the|a|an|this|that|these|its)\b)|thank(?!s? to)\w*|thx|ty|"
    r"grateful|appreciat\w*|kudos|cheers|you|your|yours|you're|youre|u|ur|y'?all|guys|folks|"
    r"he|she|him|her|his|staff|team|crew|agent|rep|pilot|attendants?|service|support|help\w*|"
    r"job|work|legend|stars?|hero|angel|lifesaver)\b",
    re.IGNORECASE,
)
SECOND_PERSON_RE = re.compile(r"\b(?:you|your|you're|youre|u|ur|y'?all)\b", re.IGNORECASE)
# Or names someone: a capitalised word inside a sentence ("Cheers Dave"), or one that opens
# it as the subject of a past action ("Sam fixed it", "Ines went above and beyond").
NAME_RE = re.compile(r"[A-Z][a-z]+")
PAST_RE = re.compile(r"\w+ed|went|got|had|made|took|kept|gave|found|rang|ran|sorted")
PRAISE_MAX_COMPLAINT = 0.5
PRAISE_MIN_POSITIVE = 0.5  # the feeling model's P(positive) for the whole comment ...
PRAISE_MIN_THANKS = 0.35  # ... or a calm, specific thank-you it rates just below that
PROBLEM_MIN_COMPLAINT = 0.5  # a sentence reporting a problem ...
PROBLEM_MAX_POSITIVE = 0.5  # ... that is not itself praise ("reps were wonderful" is)
CONTRAST_MAX_COMPLAINT = 0.4  # what follows a "but" may not report a problem at all
MIN_SENTENCE_WORDS = 3
MIN_CLAUSE_WORDS = 4


def sentences(text: str) -> list[str]:
    """The comment's sentences, with the @handles and greeting that open it set aside."""
    parts = [OPENING_RE.sub("", part) for part in SENTENCE_RE.split(OPENING_RE.sub("", text))]
    return [part.strip() for part in parts if part.strip()]


def is_request(text: str) -> bool:
    """A question, a request for help or a problem report in the customer's words."""
    return any(
        REQUEST_RE.search(sentence) or QUESTION_START_RE.search(sentence)
        for sentence in sentences(text) or [text]
    )


def credits_someone(sentence: str) -> bool:
    """Whether a sentence thanks, addresses or names someone (the agent, the team)."""
    return bool(TARGET_RE.search(sentence)) or names_someone(sentence)


def names_someone(sentence: str) -> bool:
    """Whether a sentence names a person: "Cheers Dave", "Sam fixed it"."""
    words = [word.strip(".,!?;:\"'()") for word in sentence.split()]
    if len(words) > 1 and NAME_RE.fullmatch(words[0]) and PAST_RE.fullmatch(words[1]):
        return True
    return any(NAME_RE.fullmatch(word) and word != "I" for word in words[1:])


def is_praise(text: str) -> bool:
    """Praise a kudos round may propose.

    The whole comment must feel positive (P(positive) >= 0.5, or 0.35 with thanks; P(negative)
    < 0.3), report no
    problem and credit someone; then no sentence may ask for anything or report an open
    problem. Green robots come with thanks-and-a-request messages ("Thanks! Any update on my
    refund?"), mixed ones ("Love you guys, but a bit pricey") and sarcasm ("thanks for the
    modem that doesn't work"): the whole-message feeling misses them, its sentences do not.
    """
    parts = sentences(text)
    if not parts or is_request(text) or not any(credits_someone(part) for part in parts):
        return False
    scorer = get_scorer("negativity")
    whole = scorer.score(text)
    if (
        whole.complaint >= PRAISE_MAX_COMPLAINT
        or whole.score >= PRAISE_MAX_NEGATIVITY
        or whole.positive < (PRAISE_MIN_THANKS if is_gratitude(text) else PRAISE_MIN_POSITIVE)
    ):
        return False
    return not any(_reports_problem(scorer, part) for part in parts)


def _reports_problem(scorer: NegativityScorer, sentence: str) -> bool:
    """An open problem in one sentence: one that credits no one and reports a problem or
    feels negative, a clause that feels negative, or a turn on "but" to a problem.

    A sentence that credits someone may tell the problem they solved ("Carlos called me back
    and fixed the router"): the feeling model reads that as a problem report, so only a
    negative clause or a "but" sinks it.
    """
    if len(sentence.split()) < MIN_SENTENCE_WORDS:
        return False
    turn = CONTRAST_RE.split(sentence, maxsplit=1)
    if (
        len(turn) == 2
        and len(turn[1].split()) >= MIN_SENTENCE_WORDS
        and scorer.score(turn[1]).complaint >= CONTRAST_MAX_COMPLAINT
    ):
        return True
    # Sarcasm praises first and strikes at "you" after a comma: "Thanks to your AMAZING
    # service, you have just lost 2 customers", "Thank you for ruining my phone". A part said
    # to the company that feels negative and reports a problem sinks the comment. (Only parts
    # said to "you": the feeling model reads a narrated fix, "explained every step and
    # called back", as a problem too.)
    parts = [sentence, *(c for c in sentence.split(",") if len(c.split()) >= MIN_CLAUSE_WORDS)]
    if any(SECOND_PERSON_RE.search(p) and _open_problem(scorer.score(p)) for p in parts):
        return True
    if credits_someone(sentence):
        return False
    result = scorer.score(sentence)
    return result.negative or (
        result.complaint >= PROBLEM_MIN_COMPLAINT and result.positive < PROBLEM_MAX_POSITIVE
    )


def _open_problem(result: NegativityResult) -> bool:
    """A clause that both feels negative and reports a problem."""
    return result.negative and result.complaint >= PROBLEM_MIN_COMPLAINT
