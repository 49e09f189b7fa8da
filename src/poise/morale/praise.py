"""What counts as praise: green robots with comments and customer turns that thank the agent.

Shared by the Happy File collection, the kudos board and the balance chart, so the three
always agree on what "praise" means: a customer turn is praise when the signals scored it
satisfied and calm (:func:`praise_turn`, in SQL) and it is a thank-you (:func:`is_thanks`);
the kudos board, which proposes one comment to a whole team, also asks :func:`is_praise`.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, or_, select
from sqlalchemy.orm import Session

from poise.conversations.models import Conversation, Message, Rating
from poise.db.bulk import upsert_rows
from poise.morale.models import ThanksVerdict
from poise.redaction import EMAIL_RE
from poise.signals import get_scorer

if TYPE_CHECKING:
    from poise.signals.negativity import NegativityScorer
    from poise.signals.types import NegativityResult

VERDICTS = cast(Table, ThanksVerdict.__table__)
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


def negative_turn() -> ColumnElement[bool]:
    """A customer turn the signals scored negative: what an agent "absorbs" in the balance.

    One predicate for the live balance and the insights rollup's weekly counts, so the two
    cannot drift apart.
    """
    return and_(Message.author_role == "customer", Message.negativity >= NEGATIVE_TURN)


def praise_turn() -> ColumnElement[bool]:
    """A customer turn the signals scored satisfied and calm: praise when it is also a
    thank-you (``is_thanks``, checked in Python). Shared like :func:`negative_turn`."""
    return and_(
        Message.author_role == "customer",
        Message.emotion == "satisfied",
        Message.negativity < PRAISE_MAX_NEGATIVITY,
    )


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

    The thank-you check runs in Python on the result (``is_thanks``, through
    :func:`thanks_candidates` and its kept verdicts), since a lexicon and the feeling model
    are not SQL.
    """
    query = (
        select(Message, Conversation.assignee_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(praise_turn())
        .where(Conversation.assignee_id.is_not(None))
    )
    if agent_ids is not None:
        query = query.where(Conversation.assignee_id.in_(agent_ids))
    if start is not None:
        query = query.where(Message.sent_at >= start)
    if end is not None:
        query = query.where(Message.sent_at < end)
    return query.order_by(Message.sent_at, Message.id)


def verdict_join() -> ColumnElement[bool]:
    """A turn's remembered verdict, while the scores it was judged with still stand."""
    return and_(
        ThanksVerdict.message_id == Message.id,
        ThanksVerdict.signal_version == Message.signal_version,
    )


def thanks_candidates(
    agent_ids: list[int] | None, start: datetime | None = None, end: datetime | None = None
) -> Select[Any]:
    """:func:`praise_candidates` with each turn's remembered verdict (None: not judged yet).

    Turns already judged not to thank are left out in SQL, so no caller reads them again.
    """
    return (
        praise_candidates(agent_ids, start, end)
        .outerjoin(ThanksVerdict, verdict_join())
        .add_columns(ThanksVerdict.thanks)
        .where(or_(ThanksVerdict.thanks.is_(None), ThanksVerdict.thanks))
    )


def thanked(known: bool | None, body: str) -> bool:
    """The remembered verdict, or :func:`is_thanks` judged now for a turn not judged yet."""
    return is_thanks(body) if known is None else known


def remember_verdicts(session: Session, verdicts: dict[int, tuple[str, bool]]) -> None:
    """Keep these turns' verdicts, ``{message id: (signal_version, thanks)}`` (no commit).

    An upsert: a stale verdict of the same turn is replaced, and a collection and a rollup
    judging the same new turn at once both succeed.
    """
    rows = [
        {"message_id": i, "signal_version": version, "thanks": thanks}
        for i, (version, thanks) in sorted(verdicts.items())
    ]
    upsert_rows(session, VERDICTS, rows, key="message_id", update=["signal_version", "thanks"])


def judge(
    message_id: int,
    version: str | None,
    known: bool | None,
    body: str,
    judged: dict[int, tuple[str, bool]],
) -> bool:
    """Whether a candidate turn thanks (:func:`thanked`), noting a new verdict in ``judged``
    for :func:`remember_verdicts` (a turn without a signal version is judged, not kept)."""
    thanks = thanked(known, body)
    if known is None and version is not None:
        judged[message_id] = (version, thanks)
    return thanks


# A request or a question is never praise, however warmly it ends ("Appreciate any help!").
# Checked on every sentence, once the @handles and a greeting that open it are set aside, so
# "hi all, what's the score with ..." and "YOU ARE AMAZING! FOLLOW ME BACK, PLEASE!" are asks.
# An auxiliary opens a question only before its subject: "Will you ...", "Is it ...", "Can
# Maya ..."; before a verb it opens a statement without its "I": "Will check it out. Thanks".
QUESTION_START_RE = re.compile(
    r"^\s*(?:(?:how|what(?! an? )|why|when|where|which|who)\b(?!['’]t)|"
    r"(?:can|could|would|will|is|are|do|does|did)\s+(?:i|you|u|we|they|he|she|it|there|this|"
    r"that|these|those|the|a|an|my|your|our|their|any\w*|some\w*|(?-i:[A-Z]\w*))\b)"
    r"(?!.*!\W*$)",  # "Is the best!" / "How kind of you!" exclaim, not ask
    re.IGNORECASE,
)
# A question after the thanks, without its "?": "thanks, do u have it in size 10". An
# auxiliary before its subject opens a clause only in a question.
INVERTED_QUESTION_RE = re.compile(
    r"(?:^|,|\band\b)\s*(?:do|does|can|could|is|are|will|would|should)\s+"
    r"(?:you|u|i|we|they|it|there|someone|anyone|somebody)\b(?!.*!\W*$)",
    re.IGNORECASE,
)
REQUEST_RE = re.compile(
    r"\?|\b(?:any help|help me|please (?:help|advise|fix|let me know|check|sort)|i need|"
    r"(?<!no )(?<!n't )need(?:s|ed)? (?:the|a|an|my|someone|you|it|this)|"
    r"i can(?:no|')t(?! (?:thank|believe|recommend|praise|say enough|fault))|i am unable|"
    r"i'm unable|unable to|is there (?:a|any) way|how (?:do|can|to)|still (?:waiting|not|no)|"
    r"not working|doesn't work|does not work|one more thing|(?:issue|problem|error)s? "
    r"(?:remains|persists|is back)|still (?:shows|has|is|isn't|doesn't|can't)|"
    r"(?:i'?m |am )?wondering (?:if|whether)|(?<!no )need to|"
    r"please(?! (?:thank|pass|tell|give|let \w+ know))|pl[sz]|"
    # Asks without a question mark: "let me know when ...", "waiting for your email", "thank
    # you in advance", "send me the form", "I'd like to cancel", "I still don't understand".
    r"let (?:me|us) know|(?:waiting|wait) (?:for|on)|awaiting|in advance|"
    r"(?:send|tell|remind|email|text|show) (?:me|us)|i(?:'d| would) like|"
    r"i want(?! to (?:thank|say|praise))|still (?:don'?t|do not|haven'?t|have not)|"
    # A hope for the fix is a problem still open: "I hope it gets fixed soon".
    r"hop(?:e|ing)(?: that)? (?:it|this|that|they|the|my)|hopefully|"
    # A polite ask for news is a case still open: "I'd appreciate an update".
    r"(?:appreciate|love|get|want) (?:an|any|some) update|any updates?)\b",
    re.IGNORECASE,
)
# Faint or ironic praise is not praise: "Thanks, I guess.", "Best bank ever, said no one",
# "Superb service!!! (not)", and a polite refusal: "no thank you, I'll go elsewhere".
HEDGE_RE = re.compile(
    r"\b(?:i guess|i suppose|no,? thanks?(?: you)?|said no ?(?:one|body)|whatever|meh)\b|"
    r"\(\s*not\s*\)",
    re.IGNORECASE,
)
OPENING_RE = re.compile(
    r"^(?:\s*[.\"“]?@\w+[:,]?)+\s*|^\s*(?:hi|hello|hey|dear)\b[^,.!?]{0,30}[,.!]\s*",
    re.IGNORECASE,
)
# A smiley ends a sentence as a full stop does: "Hope you're well :) Our report is late."
SENTENCE_RE = re.compile(
    r"(?<=[.!?…])\s+|\.{2,}\s*|\s*[;\n]\s*|(?<=[:;][)D(])\s+|(?<=[:;]-[)D(])\s+"
)
# A short name in quotes inside a sentence is a thing's name, not a person credited: "the
# 'Team activity' report" (a whole comment in quotes keeps its words).
QUOTED_RE = re.compile(r"(?<=\w )['\"‘“][^'\"‘’“”\s]+(?: [^'\"‘’“”\s]+){0,3}['\"’”](?!\w)")
# "Great job, but they are a bit pricey": what follows a "but" is the point of the message.
# Sarcasm turns the same way after a lone word of praise or a "love how": "Oh fantastic, my
# flight got cancelled AGAIN", "Love how you transfer me to five departments".
CONTRAST_RE = re.compile(
    r"\b(?:but|however|though|although|except|unfortunately|sadly|shame)\b|"
    r"^\W*(?:(?:oh|wow|yeah|well|just)\W+)?(?:great|fantastic|brilliant|amazing|perfect|"
    r"lovely|nice|wonderful|super|awesome|excellent|superb|cool)\s*,|"
    r"\b(?:love|amazing|great|nice|funny|interesting|brilliant)\s+how\b",
    re.IGNORECASE,
)
# What a customer thanks for: "thanks for keeping me on hold all afternoon" thanks for an
# act that hurt, which is sarcasm; "thanks for fixing my account" thanks for a fix. Thanks for
# a quality ("your patience with my late payment", "being so understanding") is praise, however
# the feeling model reads the trouble it was shown in.
THANKS_FOR_RE = re.compile(
    r"\b(?:thanks|thank (?:you|u)|thx|ty|cheers|appreciate it)(?: (?:so|very) much| a lot)? for "
    r"(?!(?:all )?your\b|being\b)([^,.!?;]+)",
    re.IGNORECASE,
)
SARCASM_MIN_NEGATIVITY = 0.5
# ... or for a wait: "thanks for replying after 9 days", "cheers for the 45 minute hold music".
WAIT_RE = re.compile(
    r"\b(?:on hold|hold music|queue|after (?:\d+|a|an|two|three|several) "
    r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?))\b",
    re.IGNORECASE,
)
# A fix that did not happen is an open problem, whatever the tone: "didn't solve anything",
# "not fixed yet", "no solution".
UNSOLVED_RE = re.compile(
    r"(?:n't|\bnot|\bnever)\s+(?:\w+\s+)?(?:solv|fix|sort|resolv|work|arriv|answer|repl|respond)\w*|"
    r"\bno (?:solution|fix|answer|reply|response|refund)\b",
    re.IGNORECASE,
)
# A problem told as solved: the feeling model reads "Sofia fixed my booking" or "the app syncs
# again" as a problem report, so such a clause is set aside when judging the feeling, unless
# something in it is still open ("not fixed", "still gone", "nothing works").
SOLVED_RE = re.compile(
    r"\b(?:fixed|sorted|solved|resolved|working|works|worked|syncs|gone|refunded|restored|"
    r"recovered|unlocked|rerouted|rebooked|waived|cleared|replaced|reset|arrived|"
    r"fixing|sorting|solving|resolving|refunding|replacing|"
    r"went through|back (?:up|on|online|to normal)|got (?:it|them|everything|my \w+) back|"
    r"(?:in|into) my account)\b",
    re.IGNORECASE,
)
# Thanks in any register or language, beyond ``GRATITUDE_RE``: "tysm", "props to", "hats off".
THANKS_RE = re.compile(
    r"\b(?:tysm|thank u|cheers|props|shout ?outs? to|hats off|credit to|respect to|merci|gracias|"
    r"grazie|obrigad[oa]|danke)\b",
    re.IGNORECASE,
)
# Praise of a person or of the help in so many words: "Super agent!!", "the rep was
# outstanding". The feeling model often rates such short exclamations neutral; this phrase
# stands in for thanks (the checks for sarcasm and open problems still apply).
PRAISE_WORDS = (
    r"(?:great|excellent|super|brilliant|amazing|awesome|fantastic|outstanding|lovely|helpful|"
    r"kind|patient|friendly|wonderful|fab|superb|top notch|first class|professional|polite|"
    r"knowledgeable|best|nicest|incredible|exceptional)"
)
HELPERS = (
    r"(?:agent|team|support|service|help|person|lady|guy|man|woman|staff|rep|crew|operator|"
    r"tech|engineer|colleague|advis[oe]r)"
)
PRAISED_HELP_RE = re.compile(
    rf"\b{PRAISE_WORDS} (?:\w+ )?{HELPERS}\b|"
    rf"\b(?:{HELPERS}|she|he|you|they)(?:'re| (?:was|were|is|are|has been|have been)) "
    rf"(?:(?:so|very|really|super|truly|just) )?{PRAISE_WORDS}\b",
    re.IGNORECASE,
)
# ... or of someone by name: "Rosa was fab" (case-sensitive, so the name is a name).
NAMED_PRAISE_RE = re.compile(
    rf"\b[A-Z][a-z]+ (?:was|is|has been) (?:(?:so|very|really|just|absolutely) )?"
    rf"(?i:{PRAISE_WORDS})\b"
)
OPEN_RE = re.compile(r"\b(?:not|no longer|still|yet|nothing|nobody|never)\b|n't\b", re.IGNORECASE)
CLAUSE_SPLIT_RE = re.compile(r"(?<=[.!?…,;:])\s+|\s+[-–—]\s+|\n+")
# Praise has someone to praise: it thanks, or speaks to or of the people and their help.
# "Haha, that will be a great day!" is cheerful and praises no one. "Thanks to our new
# mods" is "because of", not thanks. "Your" alone credits no one: "your prices", "your new
# app" praise the product; "your team", "your help" are credited by the noun.
TARGET_RE = re.compile(
    r"\b(?:thanks? to (?!(?:our|my|the|a|an|this|that|these|its)\b)|thank(?!s? to)\w*|thx|ty|"
    r"tysm|grateful|appreciat\w*|kudos|cheers|props|shout ?outs?|hats off|credit to|"
    r"respect to|merci|gracias|grazie|obrigad[oa]|danke|"
    r"you|you're|youre|u|y'?all|guys|folks|he|she|him|her|his|"
    r"staff|team|crew|agent|rep|representative|person|lady|guy|man|woman|gentleman|colleague|"
    r"operator|technician|tech|engineer|advis[oe]r|consultant|"
    r"nurse|pharmacist|pilot|attendants?|service|support|assistance|help\w*|"
    r"job|work|legend|stars?|hero|angel|lifesaver)\b",
    re.IGNORECASE,
)
SECOND_PERSON_RE = re.compile(r"\b(?:you|your|you're|youre|u|ur|y'?all)\b", re.IGNORECASE)
# Or names someone: a capitalised word that opens a sentence as the subject of what they did
# ("Sam fixed it", "Fatima was a star"), or one thanked, credited or met ("Cheers Dave",
# "credit to Priyanka", "a chat with Ola"). A capitalised word elsewhere is as often a place
# or a brand ("The weather in Lisbon").
NAME_RE = re.compile(r"[A-Z][a-z]+")
PAST_RE = re.compile(
    r"\w+ed|went|got|had|made|took|kept|gave|found|rang|ran|sorted|was|is|has|did|knew|saw"
)
# Capitalised words that open a sentence and name no one: "It was delicious" credits no one.
NOT_NAME_RE = re.compile(
    r"It|This|That|These|Those|There|Here|Everything|Something|Nothing|Anything|All|Which|"
    r"What|We|They|My|Our|Your|Their|Its|The|Today|Yesterday|Delivery|Shipping|Food|Price"
)
CLAUSE_RE = re.compile(r",|\b(?:but|and|so|then)\b")
NAME_BEFORE_RE = re.compile(
    r"^(?:to|from|with|by|thanks|thank|you|cheers|ty|thx|agent|mr|ms|mrs|dr|and)$", re.IGNORECASE
)
# A thank-you that signs off a case still being handled hands over its details: an order,
# account or serial number, a booking code ("Thanks! It's PX-915519."), the account's e-mail
# address ("Thanks! The account email is ana@example.com."). Read once the @handles, links
# and hashtags are set aside (a handle may be all digits), the addresses first: their "@"
# is no handle's.
DETAILS_RE = re.compile(r"\d{3,}|\b(?=[A-Za-z-]*\d)(?=[\d-]*[A-Za-z])[A-Za-z\d-]{5,}\b")
MENTION_RE = re.compile(r"@\w+|https?://\S+|#\w+")
# The customer's own apology is no complaint about us, though the feeling model reads it as
# one: "Sorry for losing my temper earlier. Thank you for being so patient."
APOLOGY_RE = re.compile(
    r"^\W*(?:(?:i['’]?m|i am|so|very|really)\s+)*(?:sorry|apologies|my apologies|my bad)\b",
    re.IGNORECASE,
)
PRAISE_MAX_COMPLAINT = 0.5
# The feeling model's P(positive) for a comment that neither thanks nor praises the help in
# words. One that does needs no minimum: the model rates "tysm for fixing my account!!!" or
# "Super agent!!" neutral, and the checks for asks, hedges, sarcasm and open problems (and
# P(negative), complaint) still apply.
PRAISE_MIN_POSITIVE = 0.5
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
        REQUEST_RE.search(sentence)
        or QUESTION_START_RE.search(sentence)
        or INVERTED_QUESTION_RE.search(sentence)
        for sentence in sentences(text) or [text]
    )


def gives_details(text: str) -> bool:
    """Whether a message hands over a reference, a number, a code or an e-mail address: a
    case still open."""
    if EMAIL_RE.search(text):
        return True
    return DETAILS_RE.search(MENTION_RE.sub(" ", text)) is not None


def says_thanks(sentence: str) -> bool:
    """Whether a sentence thanks or praises the help in words (any register)."""
    return bool(
        is_gratitude(sentence)
        or THANKS_RE.search(sentence)
        or PRAISED_HELP_RE.search(sentence)
        or NAMED_PRAISE_RE.search(sentence)
    )


def is_thanks(text: str) -> bool:
    """A customer's thank-you for the Happy File and the balance's praise received.

    It thanks (``is_gratitude``) and credits someone, asks for nothing, hedges nothing, tells
    no fix that did not happen, hands over no details of a case still open, and no other
    sentence feels negative (P(negative) >= 0.5; a sentence that tells a solved problem or
    the customer's own apology is not read). Looser than :func:`is_praise`, which the kudos
    board adds on top: that one also drops a thank-you whose other sentences merely report a
    problem ("I hard restarted my system. That worked. Thank you!") or feel lukewarm.
    Chosen on the development half of a hand-labelled set of real customer thank-you turns
    (``benchmarks/labelled_sets.py happy``): on the held-out half it keeps 81 % of what it
    takes to be thanks against 68 % for ``is_gratitude`` alone, and finds 85 % of the thanks.
    """
    parts = sentences(text)
    if (
        not parts
        or not is_gratitude(text)
        or is_request(text)
        or HEDGE_RE.search(text)
        or UNSOLVED_RE.search(text)
        or gives_details(text)
        or not any(credits_someone(part) for part in parts)
    ):
        return False
    others = [
        part
        for part in parts
        if len(part.split()) >= MIN_SENTENCE_WORDS
        and not says_thanks(part)
        and not told_as_solved(part)
        and not APOLOGY_RE.search(part)
    ]
    if not others:
        return True
    return not any(r.negative for r in get_scorer("negativity").score_batch(others))


def credits_someone(sentence: str) -> bool:
    """Whether a sentence thanks, addresses or names someone (the agent, the team)."""
    sentence = QUOTED_RE.sub(" ", sentence)
    return bool(TARGET_RE.search(sentence)) or names_someone(sentence)


def names_someone(sentence: str) -> bool:
    """Whether a sentence names a person: "Cheers Dave", "Sam fixed it"."""
    words = [word.strip(".,!?;:\"'()") for word in sentence.split()]
    for clause in CLAUSE_RE.split(sentence):
        head = [word.strip(".,!?;:\"'()") for word in clause.split()[:2]]
        if (
            len(head) == 2
            and NAME_RE.fullmatch(head[0])
            and not NOT_NAME_RE.fullmatch(head[0])
            and PAST_RE.fullmatch(head[1])
        ):
            return True
    return any(
        NAME_RE.fullmatch(word) and NAME_BEFORE_RE.match(before) for before, word in pairwise(words)
    )


def told_as_solved(clause: str) -> bool:
    """Whether a clause tells a problem that is now solved ("the issue was gone in minutes")."""
    return bool(SOLVED_RE.search(clause)) and not OPEN_RE.search(clause)


def feeling_text(text: str) -> str:
    """The comment without the clauses that tell a solved problem: what the feeling is read on."""
    return " ".join(c for c in CLAUSE_SPLIT_RE.split(text) if not told_as_solved(c)).strip()


def is_praise(text: str) -> bool:
    """Praise a kudos round may propose.

    The comment must credit someone (thanks, "you", the team, a name), ask for nothing, hedge
    nothing, and no sentence may report an open problem. Then its feeling, read once the
    clauses that tell a solved problem are set aside, must be calm (P(negative) < 0.3;
    complaint < 0.5 unless P(positive) >= 0.5) and warm: it thanks or praises the help in
    words, or P(positive) >= 0.5.
    Green robots come with thanks-and-a-request messages ("Thanks! Any update on my
    refund?"), mixed ones ("Love you guys, but a bit pricey") and sarcasm ("thanks for the
    modem that doesn't work"): the whole-message feeling misses them, its sentences do not.
    A comment that is all solved problems and thanks ("Ines went above and beyond to get my
    parcel rerouted") is praise when it thanks or praises in words.
    """
    parts = sentences(text)
    if (
        not parts
        or is_request(text)
        or HEDGE_RE.search(text)
        or not any(credits_someone(part) for part in parts)
    ):
        return False
    scorer = get_scorer("negativity")
    if any(_reports_problem(scorer, part) for part in parts):
        return False
    gratitude = says_thanks(text)
    feeling = feeling_text(text)
    if not feeling:
        return gratitude
    whole = scorer.score(feeling)
    return (
        whole.score < PRAISE_MAX_NEGATIVITY
        and (gratitude or whole.positive >= PRAISE_MIN_POSITIVE)
        and (whole.complaint < PRAISE_MAX_COMPLAINT or whole.positive >= PRAISE_MIN_POSITIVE)
    )


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
        and not told_as_solved(turn[1])
        and scorer.score(turn[1]).complaint >= CONTRAST_MAX_COMPLAINT
    ):
        return True
    # Sarcasm praises first and strikes at "you" after a comma: "Thanks to your AMAZING
    # service, you have just lost 2 customers", "Thank you for ruining my phone". A part said
    # to the company that feels negative and reports a problem sinks the comment. (Only parts
    # said to "you": the feeling model reads a narrated fix, "explained every step and
    # called back", as a problem too.)
    if UNSOLVED_RE.search(sentence):
        return True
    thanked_for = THANKS_FOR_RE.search(sentence)
    if thanked_for and (
        WAIT_RE.search(thanked_for.group(1))
        or scorer.score(thanked_for.group(1)).score >= SARCASM_MIN_NEGATIVITY
    ):
        return True
    parts = [sentence, *(c for c in sentence.split(",") if len(c.split()) >= MIN_CLAUSE_WORDS)]
    if any(
        SECOND_PERSON_RE.search(p) and not told_as_solved(p) and _open_problem(scorer.score(p))
        for p in parts
    ):
        return True
    # A clause with its own subject that credits no one and feels negative is an open problem
    # even in a sentence that credits someone: "The rep was great, the company policy is
    # terrible". A clause that opens on a past verb goes on telling what the credited person
    # did ("..., explained every step and called back"), which the feeling model misreads.
    if any(
        not credits_someone(c)
        and not told_as_solved(c)
        and not PAST_RE.fullmatch(c.split()[0].lower())
        and scorer.score(c).negative
        for c in parts[1:]
    ):
        return True
    if credits_someone(sentence) or told_as_solved(sentence):
        return False
    result = scorer.score(sentence)
    return result.negative or (
        result.complaint >= PROBLEM_MIN_COMPLAINT and result.positive < PROBLEM_MAX_POSITIVE
    )


def _open_problem(result: NegativityResult) -> bool:
    """A clause that both feels negative and reports a problem."""
    return result.negative and result.complaint >= PROBLEM_MIN_COMPLAINT
