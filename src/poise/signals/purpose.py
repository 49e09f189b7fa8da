"""The purpose: what the customer came for, as a short statement.

Not a greeting ("Good day. I have a short question.") and not the whole first message: the
sentence of the first customer turns that states the problem or the request. Rules, on
purpose: they must be explainable, and the agent corrects the result in one click. A purpose
given on import or by the agent, or the manual issue the conversation matches, wins over this
(the caller decides).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from poise.signals.text import readable, sentences, words

MAX_WORDS = 25
MIN_WORDS = 3
# Sentences that open or close a message without stating anything.
_PLEASANTRY = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|dear|good (?:day|morning|afternoon|evening)|greetings|"
    r"thanks?(?: you)?(?: in advance| so much)?|thx|cheers|regards|best|kind regards|"
    r"hope you(?:'re| are) (?:well|doing well|ok)|how are you|i hope this finds you well|"
    r"(?:i|we) (?:have|got) an? (?:short |quick |small )?(?:question|query|problem|issue)|"
    r"(?:can|could) (?:you|someone|anyone) (?:please )?help(?: me)?|please help|"
    r"(?:i )?need (?:some )?help|help|sorry to bother you|excuse me|any(?:one|body) there|"
    r"sos|urgent)\b[\s\w,'-]{0,24}[.!?:]*$)",
    re.IGNORECASE,
)
_OPENER = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|good (?:day|morning|afternoon|evening)|dear \w+)(?: there| team)?"
    r"[\s,!.:-]+)+",
    re.IGNORECASE,
)
# Words that mark the sentence stating a problem or a request.
_STATES = re.compile(
    r"\?|\b(?:not|no|never|can't|cannot|won't|doesn't|didn't|isn't|wasn't|haven't|hasn't|"
    r"error|broken|broke|crash\w*|fail\w*|wrong|missing|lost|charged|refund|cancel\w*|"
    r"still|problem|issue|stopped|down|late|delayed|declined|locked|how|why|where|when|"
    r"want|need|would like|trying to|tried|drop\w*|keeps?|again|times?|hours|days|waiting|"
    r"overcharged|twice|double\w*|stuck|slow|disconnect\w*)\b",
    re.IGNORECASE,
)


def candidates(customer_turns: Sequence[str], limit: int = 6) -> list[str]:
    """Sentences of the first customer turns an agent may pick as the purpose in one click.

    Those that state a problem or a request come first, in the customer's order, then the
    rest: a first sentence of pure feeling ("I am so fed up with you people.") used to head
    the list above the router that drops, which is what the agent would pick.
    """
    found = [s for text in customer_turns[:3] for s in _candidates(text)]
    found.sort(key=lambda s: _STATES.search(s) is None)
    return list(dict.fromkeys(_short(s) for s in found))[:limit]


def _candidates(text: str) -> list[str]:
    """The sentences of one turn that may state something (greetings and sign-offs dropped)."""
    out = []
    for sentence in sentences(readable(text)):
        clean = _OPENER.sub("", sentence.strip(" -–—,"))
        clean = clean[:1].upper() + clean[1:]
        if len(words(clean)) < MIN_WORDS or _PLEASANTRY.match(clean):
            continue
        out.append(clean)
    return out


def _short(sentence: str) -> str:
    parts = sentence.split()
    if len(parts) <= MAX_WORDS:
        return sentence
    return " ".join(parts[:MAX_WORDS]).rstrip(",;:") + "…"


def state_purpose(customer_turns: Sequence[str]) -> str:
    """The sentence of the first customer turns that states the problem, shortened.

    The first turn that has any sentence worth stating is used; within it, the first sentence
    that reads as a problem or a request, else its first sentence. Empty when no customer turn
    says anything yet.
    """
    for text in customer_turns[:3]:
        found = _candidates(text)
        if found:
            stating = next((s for s in found if _STATES.search(s)), found[0])
            return _short(stating)
    return ""


def given_purpose(purpose: str | None, first_customer_turn: str) -> str | None:
    """``purpose`` when someone stated it; None when it only repeats the first customer message.

    Importers and webhooks store the start of the first customer message as a placeholder
    purpose when none was given (mining and FCR read it as such); that is not a statement of
    the purpose, so the stated one is used instead.
    """
    text = (purpose or "").strip()
    if not text:
        return None
    first = first_customer_turn.strip()
    if first and (first.startswith(text) or text.startswith(first)):
        return None
    return text
