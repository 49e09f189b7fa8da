"""Coaching for a reflection: a question, a reframe of the agent's own sentence, examples.

For each pessimistic dimension (rating 5 or more) the agent gets one question that invites
a more accurate explanation, a suggested rewrite of their own sentence when a simple one
exists ("always" → "sometimes", "everyone" → "this customer", "I'm useless" → "I struggled
with this one"), and two short before/after examples written for Poise.

The aim is accuracy, not denial: a helpful explanation is temporary, specific and fair about
causes. The personal prompt asks what else played a part and what part was the agent's,
so owning a real mistake stays possible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from poise.signals.explanatory import ExplanatoryResult, normalize
from poise.signals.explanatory_cues import PERM, PERS, PERV


@dataclass(frozen=True)
class Example:
    """A pessimistic explanation and a kinder, more accurate one."""

    before: str
    after: str


@dataclass(frozen=True)
class Coaching:
    """What to ask and suggest for one pessimistic dimension."""

    dimension: str
    prompt: str
    reframe: str | None
    examples: list[Example]


PROMPTS: dict[str, str] = {
    PERM: "Is this every call, or this one? What was different about today, and what could "
    "be different next time?",
    PERV: "Is this everything, or one part of the job: this customer, this topic, this "
    "moment? Name one thing that went fine today.",
    PERS: "What else was going on: the customer's day, the system, the policy, the wait? "
    "Which part was yours to own, and which part wasn't?",
}
EXAMPLES: dict[str, list[Example]] = {
    PERM: [
        Example(
            "I always freeze when customers shout.",
            "I froze on that call; the shouting caught me off guard. Next time I'll pause "
            "and breathe before I answer.",
        ),
        Example(
            "I'll never understand the billing rules.",
            "I don't know the pro-rata rules well yet; I'll ask a colleague to walk me "
            "through them this week.",
        ),
    ],
    PERV: [
        Example(
            "I'm useless at this job.",
            "I struggled with that refund question. Most of my calls today went fine.",
        ),
        Example(
            "Every customer hates us.",
            "This customer was angry about the late delivery, and it came out at me.",
        ),
    ],
    PERS: [
        Example(
            "It was all my fault he got angry.",
            "I missed his first email, which didn't help; he had also waited a week "
            "because the courier lost his parcel.",
        ),
        Example(
            "I'm so stupid, I gave her the wrong date.",
            "I read the wrong date off the screen; the order page shows two dates and "
            "they are easy to mix up. I'll check the delivery field first.",
        ),
    ],
}

_Rule = tuple[re.Pattern[str], str]

# Where a universal word starts a clause it is the subject, and its verb must agree with what
# replaces it; after one of these words it is an object, and any plural reads as English.
_CLAUSE = r"(^|[.!?;:,]\s*|\b(?:and|so|but|because|now|today|then|when|while|since)\s+)"
_OBJECT_AFTER = (
    r"with|into|on|in|to|for|at|about|of|through|across|after|over|up|made|make|makes|"
    r"making|let|letting|keep|ruin|ruined|ruins|answer|answered|handle|handled|take|took|"
    r"lose|lost|fail|failed|annoy|annoyed|upset|disappoint|disappointed"
)
_ROUGHLY = r"pretty much |just about "
_EVERYONE = r"(?:everyone|everybody)"
_EVERY_NOUNS = {
    "customer": "customers",
    "call": "calls",
    "caller": "callers",
    "chat": "chats",
    "ticket": "tickets",
    "conversation": "conversations",
    "reply": "replies",
    "email": "emails",
    "shift": "shifts",
}


def _every_one_of(nouns: dict[str, str]) -> list[tuple[str, str]]:
    """ "every call was" → "many calls were"; "into every call" → "into many calls".

    "Every call I take goes wrong" is left alone: its verb would need to change too.
    """
    pairs: list[tuple[str, str]] = []
    for noun, plural in nouns.items():
        every = rf"(?<!nearly )(?<!almost )every (?:single )?{noun}\b(?!,? not just)"
        when = r"( today| tonight| this week| this morning)?"
        for verb, agreed in (("(?:'s| is)", "are"), (" was", "were"), (" has", "have")):
            pairs.append((rf"{_CLAUSE}{every}{when}{verb}\b", rf"\1many {plural}\2 {agreed}"))
        pairs.append((rf"\b({_OBJECT_AFTER}) (?:{_ROUGHLY})?{every}", rf"\1 many {plural}"))
    return pairs


def _rules(pairs: list[tuple[str, str]]) -> list[_Rule]:
    return [(re.compile(pattern, re.IGNORECASE), replacement) for pattern, replacement in pairs]


# Rewrites of the agent's own words, toward the optimistic pole of each dimension. Patterns
# allow a missing apostrophe ("im", "its"): agents type fast after a hard call.
REWRITES: dict[str, list[_Rule]] = {
    PERM: _rules(
        [
            (
                r"\bi'?ll never be\b|\bi will never be\b|\bi(?:'?m| am) never going to be\b",
                "I'm not yet",
            ),
            # "unlikely" keeps the sentence true and takes the "never" out ("not certain to"
            # read as if the speaker hoped it would not happen).
            (r"\b(is|was|am|are|were|'s|'m)\s+never going to\b", r"\1 unlikely to"),
            # "never" + a bare verb only: "I never know" → "I don't always know"; a past
            # tense ("I never got") is left alone rather than made ungrammatical.
            (
                r"\b(i|we|you|they)\s+never\s+(?!\w+ed\b|(?:got|did|had|was|were|made|said|"
                r"knew|thought|went|came|took|gave|felt|saw|found|told|could|would|should|"
                r"ever|will|can|am|have)\b)(?=\w)",
                r"\1 don't always ",
            ),
            (
                r"\b(he|she|it)\s+never\s+(\w*(?:ch|sh|ss|x|z|go|do))es\b",
                r"\1 doesn't always \2",
            ),
            (r"\b(he|she|it)\s+never\s+(\w+?[^s])s\b", r"\1 doesn't always \2"),
            (r"\b(is|are|was|were|am|'s|'re|'m)\s+never any\b", r"\1 not always"),
            # "never going back" has no "not always" form that is English: leave it.
            (r"\b(is|are|was|were|am|'s|'re|'m)\s+never\b(?!\s+going\b)", r"\1 not always"),
            # A clause after "every time" keeps its verb: "every time someone shouts I freeze"
            # → "sometimes when someone shouts I freeze".
            (
                r"\b(?:every single time|every time|each time)\b(?=,?\s+(?:i|you|he|she|they|we|"
                r"someone|somebody|anyone|a|an|the|customers?|people|it|my|this|that)\b)",
                "sometimes when",
            ),
            (r"\b(?:every single time|every time|each time)\b", "this time"),
            (r"\bwhenever\b", "when"),
            (r"\b(?:always|still) will\b", "won't always"),
            (r"\balways (has|have|had)( been)?\b", r"\1\2 for a while"),
            # "same as always" and "as always" are set phrases: rewriting them reads badly.
            (r"(?<!\bas )(?<!n't )(?<!not )\b(?:always|constantly|all the time)\b", "sometimes"),
            (r"\b(?:since )?forever\b", "for a while"),
            (r"\s+(?:(?:yet|once) )?again(?= today\b)", ""),
            (r"\b(?:(?:yet|once) )?again\b", "this time"),
            (
                r"\bi'?m (?:just )?(?:bad|terrible|awful|hopeless|useless|rubbish|no good|"
                r"not good) (at|with)\b",
                r"I'm not yet good \1",
            ),
            (
                r"\bthat'?s (?:just )?how (?:it is|it goes|customers are|people are)\b",
                "that's how it went today",
            ),
        ]
    ),
    PERV: _rules(
        [
            (
                r"\bi'?m (?:just |so )?(?:useless|hopeless|bad|terrible|rubbish|no good|awful) "
                r"at (?:this|my) (?:whole )?job\b",
                "I struggled with one part of the job today",
            ),
            (
                r"\bi'?m (?:just |so )?(?:useless|hopeless|bad|terrible|rubbish|no good|awful|"
                r"a disaster) (?:at|with) (?!this\b|my\b)",
                "I struggled with ",
            ),
            (
                r"\bi'?m (?:just |so |such )?(?:a |an )?(?:useless|hopeless|failure|idiot|"
                r"stupid|disaster|incompetent|terrible agent|bad agent)"
                r"(?: (?:at|with) (?:this|my)(?: whole)?(?: job)?)?\b",
                "I struggled with this one",
            ),
            (r"\bi (?:can'?t|cannot) do (?:this|my|the) job\b", "I found this call hard"),
            (r"\bnot cut out for (?:this|the job|support)\b", "still learning this part"),
            # The universal word is narrowed to "a lot", "some people" or "many calls", in a
            # form that keeps the verb's agreement; where no form would ("everyone complains",
            # a list such as "the training, everything, so"), the word is left as written.
            (r"\beverything (?=(?:i|we|you)\b)", "something "),
            (rf"{_CLAUSE}everything\b(?![,-])", r"\1a lot"),
            (
                rf"(?<!nearly )(?<!almost )\b(?:{_ROUGHLY})?everything\b(?![,-])",
                "a lot of things",
            ),
            (rf"{_CLAUSE}{_EVERYONE}(?:'s| is)\b", r"\1some people are"),
            (rf"{_CLAUSE}{_EVERYONE} was\b", r"\1some people were"),
            (rf"{_CLAUSE}{_EVERYONE} has\b", r"\1some people have"),
            (
                rf"{_CLAUSE}{_EVERYONE}(?= (?:\w+ed|can|could|will|would|got|felt|knew|took)\b)",
                r"\1some people",
            ),
            (rf"\b({_OBJECT_AFTER}) (?:{_ROUGHLY})?{_EVERYONE}\b(?!,)", r"\1 some people"),
            # "Everyone hates me": a plural would need the verb changed; the one customer
            # behind the feeling keeps it singular and is the specific reading.
            (rf"{_CLAUSE}{_EVERYONE}(?= \w+[^s\W]s\b)", r"\1this customer"),
            *_every_one_of(_EVERY_NOUNS),
            (
                r"(?<!nearly )(?<!almost )"
                r"\ball (?:of )?(?:my |the )?(customers|calls|chats|tickets|conversations)\b",
                r"some \1",
            ),
            (r"\b(about|at|do|fix|fixes|get) anything\b(?!\s+(?:that|which)\b)", r"\1 this"),
            (r"\b(?:this|my) (?:whole )?job\b", "this part of the job"),
        ]
    ),
    PERS: _rules(
        [
            # "It's all my fault the report dragged on" keeps its clause: "It's partly my
            # fault that the report dragged on" ("partly down to me the report…" was not English).
            (
                r"\b(it'?s |it is |it was |is it )?(?:all |entirely |totally )?my fault(?: that)?"
                r"(?=\s+(?:the|a|an|he|she|they|we|it|this|that|his|her|their|our|my|you)\b)",
                r"\1partly my fault that",
            ),
            (
                r"\bi'?m (?:just |so )?(?:stupid|useless|hopeless|rubbish|terrible|awful) "
                r"(?:at|with) (?!this\b|my\b)",
                "I struggled with ",
            ),
            (
                r"\b(it'?s |it is |it was )?(?:all |entirely |totally )?(?<!partly )my fault\b",
                r"\1partly down to me",
            ),
            (r"\bbecause of me\b", "partly because of me"),
            (r"\bit was (?:always )?me\b", "it wasn't only me"),
            (r"\bit'?s (?:always )?me\b", "it isn't only me"),
            (
                r"\bi'?m (?:just |so |such )?(?:a |an )?(?:stupid|idiot|moron|useless|hopeless)"
                r"(?: at (?:this|my) (?:whole )?job)?\b",
                "I made a mistake",
            ),
            (r"\bi'?m the problem\b", "I was one part of this"),
        ]
    ),
}
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def _sentence_with(text: str, phrase: str) -> str | None:
    """The sentence of ``text`` whose normalised form holds ``phrase``."""
    for sentence in _SENTENCE.split(text):
        if phrase and phrase in normalize(sentence):
            return sentence.strip()
    return None


def reframe(sentence: str, dimension: str) -> str | None:
    """``sentence`` rewritten toward the optimistic pole, or None when no rule applies."""
    sentence = sentence.replace("’", "'")
    rewritten = sentence
    for pattern, replacement in REWRITES[dimension]:
        rewritten = pattern.sub(replacement, rewritten)
    if rewritten == sentence:
        return None
    return rewritten[:1].upper() + rewritten[1:]


def coach(text: str, result: ExplanatoryResult) -> list[Coaching]:
    """A prompt, a reframe when possible, and examples for each pessimistic dimension."""
    found = []
    for rating in result.dimensions:
        if not rating.pessimistic:
            continue
        strongest = next((e.phrase for e in rating.evidence if e.weight > 0), "")
        sentence = _sentence_with(text, strongest) or text.strip()
        found.append(
            Coaching(
                dimension=rating.dimension,
                prompt=PROMPTS[rating.dimension],
                reframe=reframe(sentence, rating.dimension),
                examples=EXAMPLES[rating.dimension],
            )
        )
    return found
