"""An agent's report of what they did, rewritten as a step another agent can follow.

Agents write to the customer: "I've issued a full refund to your card", "I'm sending you a
replacement". A manual's step is read by the next agent, so it says what to do and to whom:
"Issue a full refund to the customer's card", "Send the customer a replacement". Mined drafts
used to keep the first form, so a published article read like one agent's reply.

Only a sentence that opens with the agent's own action is rewritten ("I've …", "We have …",
"I'll …", "I'm …ing", "Let me …"); what the agent *saw* ("I've found the problem", "I can
see …") is a finding, not a step, and stays as written, as does everything else. The verb's
base form comes from a short list of irregular verbs, then from the shipped MiniLM
vocabulary (30,522 word pieces, so "issued" → "issue" and "processed" → "process" are
told apart by which one is a word), then from English spelling rules. The customer becomes
"the customer" the first time and "they" / "them" / "their" after, whose verbs agree as
"you"'s do ("you'll have it" → "they'll have it").
"""

from __future__ import annotations

import json
import re
from functools import cache

from poise import minilm

ACTION_RE = re.compile(
    r"^(?P<lead>(?:i|we)(?:'ve|’ve| have)|(?:i|we)(?:'ll|’ll| will| can)|"
    r"(?:i|we)(?:'m|’m| am|'re|’re| are)|let me|let us)"
    r"(?: (?:also|just|now|already|quickly|gone ahead and|go ahead and|went ahead and))*"
    r" (?P<verb>[a-z]+(?:-[a-z]+)?)\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Seeing, knowing and feeling are findings, not steps; "be" and "have" need their object.
NOT_STEPS = frozenset((
    "be", "been", "being", "have", "had", "having", "see", "seen", "seeing", "look", "looked",
    "looking", "find", "found", "finding", "notice", "noticed", "noticing", "think", "thought",
    "believe", "believed", "know", "knew", "known", "understand", "understood", "hope", "hoped",
    "appreciate", "appreciated", "need", "needed", "want", "wanted", "afraid", "sorry", "happy",
    "glad", "here", "able", "unable", "going", "still", "not", "also", "never",
    "showing",  # "We're showing a departure at 8:25": what the system shows
))  # fmt: skip
IRREGULAR = {
    "sent": "send", "sending": "send", "made": "make", "set": "set", "put": "put",
    "reset": "reset", "given": "give", "gave": "give", "shown": "show", "done": "do",
    "taken": "take", "run": "run", "ran": "run", "written": "write", "got": "get",
    "gotten": "get", "left": "leave", "held": "hold", "told": "tell", "paid": "pay",
    "built": "build", "brought": "bring", "kept": "keep", "re-sent": "re-send",
    "resent": "resend", "added": "add", "adding": "add", "spoken": "speak", "spoke": "speak",
    "forwarded": "forward", "refunded": "refund", "split": "split", "cut": "cut",
    "dealt": "deal", "sorted": "sort", "lit": "light", "shut": "shut", "chose": "choose",
    "chosen": "choose", "rebuilt": "rebuild", "withdrawn": "withdraw", "undone": "undo",
}  # fmt: skip
SUBJECT_NEXT = frozenset((
    "can", "could", "will", "would", "should", "may", "might", "must", "shall", "need", "have",
    "had", "are", "were", "do", "did", "don't", "didn't", "won't", "can't", "shouldn't", "get",
    "got", "receive", "received", "see", "saw",
))  # fmt: skip
PRONOUNS = re.compile(r"\b(?:you(?:'re|’re|'ve|’ve|'ll|’ll|'d|’d)?|your|yours|yourself)\b", re.I)
CONTRACTED = {"re": "they're", "ve": "they've", "ll": "they'll", "d": "they'd"}
CLAUSE_END = re.compile(r"[;:.]|,(?! and\b)|\b(?:so|which|because|but|then|as|once|until|when)\b")
COORDINATED = re.compile(r"(?P<and>\band (?:also )?)(?P<verb>[a-z]+(?:-[a-z]+)?)\b")
E_ENDINGS = ("at", "iz", "is", "v", "c", "u", "g", "ur", "bl", "pl")


def as_agent_step(sentence: str) -> str | None:
    """The sentence as the agent's step, or ``None`` when it is not the agent's own action."""
    match = ACTION_RE.match(sentence.strip())
    if not match:
        return None
    lead, verb = match["lead"].lower(), match["verb"].lower()
    form = _form_after(lead)
    base = _base_form(verb, form)
    if base is None:
        return None
    text = base + _for_the_next_agent(_coordinated(match["rest"], form))
    return text[:1].upper() + text[1:]


def _form_after(lead: str) -> str:
    """Which verb form the lead takes: "I've" a participle, "I'm" an -ing, "I'll" the base."""
    if lead.endswith(("ve", "have")):
        return "ed"
    if lead.endswith(("m", "re")):
        return "ing"
    return "base"


def _base_form(verb: str, form: str) -> str | None:
    """ "issued" → "issue", "sending" → "send"; ``None`` when the word is not the verb form
    the lead takes ("I'm sorry", "I have a question")."""
    if verb in NOT_STEPS:
        return None
    if form == "base":
        return verb  # "I'll send", "let me reset"
    if verb in IRREGULAR and (form == "ed") != verb.endswith("ing"):
        return IRREGULAR[verb]
    return _stem(verb, form) if verb.endswith(form) else None


def _coordinated(rest: str, form: str) -> str:
    """ "… and flagged the account" → "… and flag the account", within the first clause only
    (after it, "it removed … and kept …" is no longer the agent's doing)."""
    if form == "base":
        return rest
    clause = CLAUSE_END.search(rest)
    cut = clause.start() if clause else len(rest)

    def base(match: re.Match[str]) -> str:
        verb = _base_form(match["verb"].lower(), form)
        return match[0] if verb is None else f"{match['and']}{verb}"

    return COORDINATED.sub(base, rest[:cut]) + rest[cut:]


def _stem(word: str, suffix: str) -> str | None:
    """The base of a regular past participle or present participle (``None`` for a word
    too short to be one: "red", "bring")."""
    stem = word[: -len(suffix)]
    tries = [stem + "e", stem] if suffix == "ing" else [word[:-1], stem]
    if stem.endswith("i") and suffix == "ed":
        tries.insert(0, stem[:-1] + "y")  # applied → apply
    if len(stem) > 2 and stem[-1] == stem[-2]:
        tries.append(stem[:-1])  # cancelled → cancel, setting → set
    for candidate in tries:
        if candidate in _words() and len(candidate) > 2:
            return candidate
    if len(stem) < 3:
        return None
    if stem.endswith(E_ENDINGS):
        return stem + "e"  # escalated → escalate, authorised → authorise
    return stem[:-1] if stem[-1] == stem[-2] else stem


@cache
def _words() -> frozenset[str]:
    """Whole words of the shipped MiniLM vocabulary (no ``##`` pieces)."""
    with (minilm.FOLDER / "tokenizer.json").open(encoding="utf-8") as handle:
        vocab = json.load(handle)["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha())


def _for_the_next_agent(rest: str) -> str:
    """ "… to your card" → "… to the customer's card"; later mentions become they / them."""
    named = False

    def swap(match: re.Match[str]) -> str:
        nonlocal named
        word = match[0].lower().replace("’", "'")
        after = rest[match.end() :].lstrip().split(" ", 1)[0].lower()
        if word == "your":
            out = "their" if named else "the customer's"
        elif word == "yours":
            out = "theirs"
        elif word == "yourself":
            out = "themselves"
        elif "'" in word:
            out = CONTRACTED[word.split("'", 1)[1]]
        elif after in SUBJECT_NEXT:
            out = "they"
        else:
            out = "them" if named else "the customer"
        named = True
        return out

    return PRONOUNS.sub(swap, rest)


# Words that open a statement, not an instruction: its subject ("the router", "your plan",
# "it", "we"), a question word or a conjunction ("if the order has shipped, …").
STATEMENT_OPENERS = frozenset((
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "it's", "they", "their",
    "there", "there's", "here", "here's", "i", "i'm", "i've", "i'll", "i'd", "we", "we're",
    "we've", "we'll", "we'd", "our", "you", "you're", "you've", "you'll", "you'd", "your",
    "my", "he", "she", "his", "her", "them", "one", "each", "every", "all", "both", "some",
    "most", "many", "any", "no", "nothing", "everything", "something", "someone", "anyone",
    "everyone", "only", "if", "as", "so", "but", "and", "or", "because", "since", "though",
    "although", "however", "unfortunately", "sadly", "currently", "usually", "normally",
    "what", "which", "when", "where", "who", "why", "how", "is", "are", "was", "were", "do",
    "does", "did", "can", "could", "will", "would", "should", "may", "might", "must", "has",
    "have", "had", "to", "with", "without", "for", "from", "in", "on", "at", "by", "of",
    "about", "after", "before", "once", "until", "while", "yes", "no", "not", "also", "still",
))  # fmt: skip
# A verb followed by these reads as a statement about a thing: "Order numbers are …".
FINITE_NEXT = frozenset((
    "is", "are", "was", "were", "can", "could", "will", "would", "should", "may", "might",
    "must", "has", "have", "had", "does", "did", "isn't", "aren't", "wasn't", "won't", "can't",
))  # fmt: skip
# What a verb's object starts with: "DM us …", "Reinstall it …", "Refund the charge".
OBJECT_NEXT = frozenset((
    "us", "me", "it", "them", "him", "her", "the", "a", "an", "your", "our", "their", "this",
    "that", "these", "those", "my", "his", "its", "out", "up", "back", "off", "over", "down",
))  # fmt: skip
NEGATED_IMPERATIVE = re.compile(r"^(?:don't|don’t|do not|never|always|let's|let’s)\b", re.I)
# "Under Wi-Fi > Security, choose …", "To resolve it, check …", "First, …": the lead before
# the main clause, whose first word tells an instruction from a statement.
LEAD_CLAUSE = re.compile(
    r"^(?:(?:first|then|next|now|also|finally|alternatively|otherwise|meanwhile|in the "
    r"meantime|for now),?\s+|(?:under|in|on|from|at|via|to|for|after|before|once|if|when|"
    r"while|within|inside)\b[^,:;.!?]{0,60}[,:]\s+)",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.IGNORECASE)


def is_instruction(text: str) -> bool:
    """Whether the step tells the next agent what to do ("Reset the password.", "DM us the
    order number.", "Under Billing, choose …") rather than states what is so ("The logs show
    the router overheating.", "Your plan switches at renewal.", "Only admins can invite.").

    English instructions open with a bare verb; statements with their subject. Without a
    part-of-speech tagger the verb is told by its forms in the shipped vocabulary ("send" has
    "sending", "router" has no "routered") or by the object that follows it ("Reinstall it")."""
    if text.startswith("Ask the customer:"):
        return True
    clause = text.strip(" (-*•\"'")
    for _ in range(2):
        clause = LEAD_CLAUSE.sub("", clause, count=1)
    if NEGATED_IMPERATIVE.match(clause):
        return True
    said = [w.lower().replace("’", "'") for w in WORD_RE.findall(clause)[:3]]
    if not said or said[0] in STATEMENT_OPENERS or said[0].isdigit():
        return False
    first, after = said[0], said[1] if len(said) > 1 else ""
    if after in OBJECT_NEXT:
        return not _is_participle(first)
    if FINITE_NEXT.intersection(said[1:]) or _is_participle(first):
        return False  # "Order numbers are …", "Deactivated users count …"
    if _says_s_verb(said[1:]):
        return False  # "Excel guesses the wrong encoding"
    return _has_verb_forms(first)


def _says_s_verb(rest: list[str]) -> bool:
    """ "guesses the …", "needs a …": a verb with an -s after one word, so that word was
    the subject. (A plural object then its own object, "Send files the …", is rare.)"""
    if len(rest) < 2 or rest[1] not in OBJECT_NEXT or not rest[0].endswith("s"):
        return False
    base = rest[0][:-2] if rest[0].endswith("es") else rest[0][:-1]
    return _has_verb_forms(base) or _has_verb_forms(rest[0][:-1])


def _is_participle(word: str) -> bool:
    """ "deactivated", "checking", "done": a form that opens a statement, not an order."""
    if word in IRREGULAR and IRREGULAR[word] != word:
        return True
    if word.endswith("ing") and len(word) > 5:
        return not _has_verb_forms(word)
    if word.endswith("ed") and len(word) > 4 and not _has_verb_forms(word):
        return any(_stem_tries(word))
    return False


def _stem_tries(word: str) -> list[str]:
    stem = word[:-2]
    tries = [word[:-1], stem, stem[:-1] + "y" if stem.endswith("i") else ""]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        tries.append(stem[:-1])
    return [t for t in tries if len(t) > 2 and t in _words()]


def _has_verb_forms(word: str) -> bool:
    """ "send" has "sending", "check" "checked", "stop" "stopped": a verb's base form."""
    if word in IRREGULAR.values():
        return True
    stem = word[:-1] if word.endswith("e") else word
    forms = (word + "ed", word + "d", stem + "ing", word + word[-1] + "ed", word + word[-1] +
             "ing", word[:-1] + "ied" if word.endswith("y") else "")  # fmt: skip
    return any(f in _words() for f in forms if f and f != word)
