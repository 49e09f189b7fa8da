"""A small lexicon for abuse aimed at the agent: insults, slurs and threats.

A learned model would confuse "this policy is stupid" (frustration) with "you are
stupid" (abuse); leads act on the flag, so it is rule-based, explainable and strict about
*direction*: mild insults count only when aimed at "you"/"your staff".
"""

from __future__ import annotations

import re

from poise.signals.text import words

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
    }
)
_TARGETS = frozenset({"you", "you're", "youre", "ur", "u", "your", "yall", "y'all", "ya"})
_THREATS = re.compile(
    r"\b(?:i(?:'ll| will| am going to|'m going to|'m gonna| gonna)\s+(?:kill|hurt|find|destroy|"
    r"beat|shoot|stab|end)\s+(?:you|u|your)\b|watch your back|i know where you live|"
    r"(?:hope|wish) (?:you|u) (?:die|get hurt|rot)|you(?:'ll| will) (?:pay|regret)|"
    r"burn (?:it|your \w+|the \w+) down|f+u+c+k+ (?:you|u|off)\b|screw you|stfu|shut up|"
    r"go to hell|piss off|kys\b|kill yourself)",
    re.IGNORECASE,
)


def abuse_evidence(text: str) -> list[str]:
    """Words and phrases that make ``text`` abusive toward the agent (empty if none)."""
    found = [m.group(0).lower() for m in _THREATS.finditer(text)]
    toks = words(text)
    for i, tok in enumerate(toks):
        aimed = any(t in _TARGETS for t in toks[max(0, i - 3) : i])
        if tok in _SEVERE or (tok in _INSULTS and aimed):
            found.append(tok)
    return list(dict.fromkeys(found))
