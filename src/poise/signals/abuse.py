"""Abuse aimed at people, and threats to leave: two different things an agent handles apart.

**Abuse** is insults or slurs aimed at the agent or the company's people, harassment, and
threats of harm. A learned model would confuse "this policy is stupid" or "useless support"
(frustration with the service) with "you are stupid" (abuse); leads act on the flag, so it is
rule-based, explainable and strict about *direction*: a mild insult counts only when aimed at
a person ("you", "you guys", "your staff", "the agent"), never at a thing ("your app").

**Leaving** is a threat to cancel, switch, complain publicly, leave a bad review or go to a
regulator. It is not abuse: it asks for a retention or escalation path, so it is reported
separately (``leaving_evidence``).
"""

from __future__ import annotations

import re

from poise.signals.text import normalize, sentences, words

# Always abusive, whatever the direction.
_SEVERE = frozenset(
    {
        "asshole",
        "assholes",
        "cunt",
        "cunts",
        "bastard",
        "bastards",
        "bitch",
        "bitches",
        "dickhead",
        "motherfucker",
        "motherfuckers",
        "scumbag",
        "scumbags",
        "shithead",
        "retard",
        "retards",
        "retarded",
        "faggot",
        "fag",
        "tranny",
        "nigger",
        "nigga",
        "spic",
        "chink",
        "kike",
        "wetback",
        "whore",
        "slut",
    }
)
# Abusive when aimed at the agent ("you idiot", "your useless staff").
_INSULTS = frozenset(
    {
        "idiot",
        "idiots",
        "moron",
        "morons",
        "stupid",
        "dumb",
        "useless",
        "incompetent",
        "pathetic",
        "clown",
        "clowns",
        "imbecile",
        "imbeciles",
        "loser",
        "losers",
        "liar",
        "liars",
        "thief",
        "thieves",
        "crooks",
        "scum",
        "worthless",
        "brainless",
        "clueless",
        "ignorant",
        "lazy",
        "disgusting",
        "jerk",
        "jerks",
        "fools",
        "fool",
        "trash",
        "garbage",
        "cheaters",
        "cheater",
        "criminals",
        "pigs",
        "dense",
        "wankers",
        "dickheads",
        "amateurs",
        "frauds",
        "scammers",
    }
)
# Plural insults that address whoever reads them when they stand alone ("Thanks BA. Morons.").
_ADDRESSED = frozenset({"morons", "idiots", "liars", "losers", "clowns", "crooks", "criminals"})
# A first-person word between target and insult points the insult back at the writer
# ("you must think we're stupid", "I'm not retarded").
_SELF = frozenset({"i", "i'm", "im", "we", "we're", "me", "us", "myself", "ourselves"})
# Words that point at the agent themself; "your" only counts when a person follows it.
_YOU = frozenset({"you", "you're", "youre", "u", "yall", "y'all", "ya"})
_POSSESSIVE = frozenset({"your", "ur", "the", "this", "that", "these", "those"})
_PEOPLE = frozenset(
    {
        "staff",
        "agent",
        "agents",
        "rep",
        "reps",
        "representative",
        "representatives",
        "employee",
        "employees",
        "people",
        "guys",
        "team",
        "manager",
        "managers",
        "workers",
        "advisor",
        "adviser",
        "operator",
        "operators",
        "technician",
        "driver",
        "woman",
        "man",
        "guy",
        "lady",
        "girl",
        "boy",
        "person",
        "ceo",
    }
)
_REACH = 6  # an insult up to this many words after its target ("you guys are a bunch of thieves")
_THREATS = re.compile(
    r"\b(?:i(?:'ll| will| am going to|'m going to|'m gonna| gonna)\s+(?:kill|hurt|find|destroy|"
    r"beat|shoot|stab|end)\s+(?:you|u|your)\b|watch your back|i know where you live|"
    r"(?:hope|wish) (?:you|u) (?:die|get hurt|rot)|you(?:'ll| will) (?:pay|regret)|"
    r"burn (?:it|your \w+|the \w+) down|(?<!the )f+u+c+k+ (?:you|u|off|y'all)\b|"
    r"^\W*f+u+c+k+ (?!it\b|this\b|that\b|me\b|my\b|the\b|off\b)[@a-z]\w*|"
    r"screw you\b|stfu|shut up|go to hell|piss off|kys\b|kill yourself|"
    r"(?:you|u|y'all|yall|you guys|you people|you lot)(?: \w+)? (?:suck|are shit|are scum)\b)",
    re.IGNORECASE,
)


# A threat to leave is an intention ("I'm cancelling", "or I'll switch"), not a request ("how
# do I cancel?"): the act must follow a speaker or a condition within two words.
_INTENT = (
    r"(?:i'm|i am|i'll|i will|i shall|we're|we are|we'll|we will|or|otherwise|going to|gonna|"
    r"about to|ready to|time to|thinking of|thinking about|considering)"
)
_ACT = (
    r"(?:cancel(?:l?ing)?\b|switch(?:ing)?\b|leav(?:e|ing) (?:you|your)|"
    r"take (?:my|our) (?:business|money|custom)|clos(?:e|ing) (?:my|our) account|"
    r"report(?:ing)? (?:you|this|it)|su(?:e|ing)\b|fil(?:e|ing) a (?:formal )?complaint|"
    r"tell(?:ing)? (?:everyone|everybody|all my)|post(?:ing)? (?:this|about)|"
    r"writ(?:e|ing) an? (?:bad |terrible |1 star |one star )?review|"
    r"contact(?:ing)? (?:the )?(?:bbb|fcc|ombudsman|regulator|ftc|cfpb|trading standards|"
    r"attorney general|my lawyer|a lawyer|the press|the news))"
)
_GONE = (
    r"(?:never (?:\w+ )?(?:using|use|buying|buy|flying|fly|ordering|order|shopping|shop|booking|"
    r"book|staying|stay)\b(?: \w+){0,5}? (?:again|with (?:you|them|u))|never again|"
    r"cancel(?:s|ling|ing)?\b (?:\w+ ){0,2}(?:subscription|membership|account|contract|plan|"
    r"service|policy|"
    r"prime)\b|(?:close|delete|deactivate) (?:my|the) account|get(?:ting)? rid of (?:my|the|this)|"
    r"(?:stop|not) (?:being|be) a customer|want to be a customer|won't be (?:ordering|using|"
    r"buying|flying) (?:\w+ )?again|(?:not|never) (?:gonna|gona|going to) use (?:it|you|this)|"
    r"(?:so |i'm |i am )?done with (?:@?\w+)|can't wait to switch|"
    r"thinking of leaving|will just cancel|move on|make it public|#delete\w*|"
    r"lost (?:a|another) customer|"
    r"(?:i'm|i am) done with (?:you|this company)|"
    r"find (?:a |another )?(?:new |different )?(?:provider|company|bank|carrier)|"
    r"(?:bad|terrible|negative|1.star|one.star) review|#boycott\w*|bbb complaint|"
    r"chargeback|small claims|(?:the )?(?:bbb|fcc|ombudsman|ftc|cfpb)\b)"
)
_LEAVING = re.compile(rf"\b{_INTENT}\s+(?:\w+\s+){{0,2}}?{_ACT}|\b{_GONE}", re.IGNORECASE)


def _aimed_at_person(toks: list[str], i: int) -> bool:
    """Does a target word ("you", "your staff", "the agent") stand just before word ``i``,
    with no first-person word between them?"""
    window = toks[max(0, i - _REACH) : i]
    last_self = max((k for k, tok in enumerate(window) if tok in _SELF), default=-1)
    window = window[last_self + 1 :]
    for k, tok in enumerate(window):
        if tok in _YOU:
            return True
        if tok in _POSSESSIVE and k + 1 < len(window) and window[k + 1] in _PEOPLE:
            return True
        if tok in _PEOPLE and k > 0 and window[k - 1] in _YOU | _POSSESSIVE:
            return True
    return False


def abuse_evidence(text: str) -> list[str]:
    """Words and phrases that make ``text`` abusive toward the agent (empty if none)."""
    found = [m.group(0).lower() for m in _THREATS.finditer(normalize(text))]
    for sentence in sentences(normalize(text)):
        toks = words(sentence)
        for i, tok in enumerate(toks):
            if (
                (tok in _SEVERE and not any(t in _SELF for t in toks[max(0, i - 3) : i]))
                or (tok in _INSULTS and _aimed_at_person(toks, i))
                or (tok in _ADDRESSED and len(toks) <= 2)
            ):
                found.append(tok)
    return list(dict.fromkeys(found))


def leaving_evidence(text: str) -> list[str]:
    """Phrases that threaten to cancel, switch, complain publicly or go to a regulator."""
    return list(dict.fromkeys(m.group(0).lower().strip() for m in _LEAVING.finditer(text)))


# A phrase that starts at the act itself ("cancel my subscription", "close my account") is as
# often asked for ("How do I cancel my subscription?", "Please close my account") as
# threatened; one said with a speaker or a condition ("or I am cancelling"), or that only a
# threat says ("never again", "the ombudsman"), is a threat.
_ASKED_FOR = re.compile(r"(?:cancel|clos|delet|deactivat|get(?:ting)? rid|move on)")


def threats_to_leave(text: str) -> list[str]:
    """The leaving phrases of ``text`` that threaten, not those that only ask to cancel:
    early warning reads these (a calm "How do I cancel my subscription?" opens no warning)."""
    return [phrase for phrase in leaving_evidence(text) if not _ASKED_FOR.match(phrase)]
