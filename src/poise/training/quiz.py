"""Quizzes: a plain-text format leads can write, and grading that explains itself.

The format, one question per block::

    ? What should the first sentence of a reply do?
    - Restate our policy
    * Show you understood the situation
    ? Which help before a launch?
    * Reading the release notes
    * Rehearsing rude questions
    - Hoping for the best
    ? In one sentence, why own the next step?
    = The customer knows who acts next and when, so they stop chasing us.

``*`` marks a right choice (two or more make it multiple choice), ``-`` a wrong one (a
choice question needs at least one), and ``=`` a model answer, which makes the question free
text graded by word overlap (and takes no choices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from poise.errors import InvalidInput
from poise.knowledge.text import STOP as MANUAL_STOP
from poise.knowledge.text import WORD

# Function words the manual's search list (``STOP``) lets through: they hold a sentence
# together but carry none of its meaning, so an answer is never asked for them (a learner read
# "Missing: because, not"). Numbers, "next", "now", "once", "again" and "always" stay: in
# support they often are the meaning ("refund now", "apologise once").
_MORE_FUNCTION_WORDS = (
    "about above across after against ago all along already also although am among another any "
    "anybody anyone anything around because been before behind being below beneath beside "
    "besides between beyond both doing done down during each either else enough even ever every "
    "everybody everyone everything except few had having he her here hers herself him himself "
    "his inside itself just least less like many may might more most much must myself off only "
    "onto other others ought ours ourselves out outside over own per quite rather really same "
    "several shall she should since some somebody someone something still such those though "
    "through throughout till too toward towards under underneath unless until up upon us very "
    "via whatever whether while whom whose within yet yours yourself yourselves"
)
STOP = MANUAL_STOP | frozenset(_MORE_FUNCTION_WORDS.split())
# A negation is no key word of its own, but it turns the meaning of the word it negates: "do
# not promise a refund" asks for "not promise", and an answer saying "promise" says otherwise.
_NEGATIONS = (
    "not no never nor neither none nothing nobody nowhere without cannot dont didnt doesnt "
    "isnt arent wasnt werent cant couldnt wouldnt shouldnt wont havent hasnt hadnt"
)
NEGATIONS = frozenset(_NEGATIONS.split())  # and every word ending in "n't"
_NOT_REALLY = frozenset({"only", "just"})  # "not only X but Y" says X, it does not deny it
# A negation reaches the next key word of its clause, and never past a clause's end.
_TOKEN = re.compile(rf"{WORD.pattern}|[.,;:!?()\[\]\n]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_VOWEL = re.compile("[aeiouy]")
_NOT_PLURALS = frozenset({"news"})  # an "s" that makes no plural: "news" is not "new"
TEXT_FULL_CREDIT = 0.5  # share of the model answer's key words that earns full marks


@dataclass(frozen=True)
class Graded:
    """One question's score in [0, 1] and a sentence saying why."""

    score: float
    explanation: str


def parse_quiz(text: str) -> list[dict[str, Any]]:
    """Questions from the plain-text format; a clear error names the line that is wrong."""
    questions: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        marker, rest = line[0], line[1:].strip()
        if marker == "?":
            questions.append({"prompt": rest, "choices": [], "answer": [], "model_answer": ""})
        elif not questions:
            raise InvalidInput(f"quiz line {number}: start a question with '?'", field="quiz")
        elif marker in "*-":
            question = questions[-1]
            if not rest:
                raise InvalidInput(
                    f"a choice has no text after '{marker}' in: {question['prompt']}", field="quiz"
                )
            if marker == "*":
                question["answer"].append(len(question["choices"]))
            question["choices"].append(rest)
        elif marker == "=":
            questions[-1]["model_answer"] = rest
        else:
            raise InvalidInput(f"quiz line {number}: begin with ?, *, - or =", field="quiz")
    for question in questions:
        _finish(question)
    return questions


def _finish(question: dict[str, Any]) -> None:
    if not question["prompt"]:
        raise InvalidInput("a quiz question has no text after '?'", field="quiz")
    prompt = question["prompt"]
    if question["model_answer"] and question["choices"]:
        raise InvalidInput(
            f"a question takes choices or a model answer, not both: {prompt}", field="quiz"
        )
    if question["model_answer"]:
        question["kind"] = "text"
    elif not question["answer"]:
        raise InvalidInput(f"mark the right choice with '*' in: {prompt}", field="quiz")
    elif len(question["answer"]) == len(question["choices"]):
        # one choice, or every choice right: nothing to get wrong, full marks for anyone
        raise InvalidInput(
            f"add a wrong choice with '-' (every choice is right) in: {prompt}", field="quiz"
        )
    else:
        question["kind"] = "multiple" if len(question["answer"]) > 1 else "single"


def quiz_text(questions: list[dict[str, Any]]) -> str:
    """The plain-text form of ``questions`` (what the edit form shows)."""
    lines: list[str] = []
    for question in questions:
        lines.append(f"? {question['prompt']}")
        for index, choice in enumerate(question.get("choices", [])):
            lines.append(f"{'*' if index in question['answer'] else '-'} {choice}")
        if question.get("model_answer"):
            lines.append(f"= {question['model_answer']}")
    return "\n".join(lines)


def _is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


def stem(word: str) -> str:
    """The part of a lower-cased word its inflections share, so "refunded", "refunds" and
    "refunding" meet "refund", "promised" meets "promise" and "tried" meets "try".

    Inflections only (plural, -ed, -ing), then a final "e", in that order for every word, so a
    word and its inflected forms end alike; irregular forms ("said", "felt") stay apart. A final
    "ell" after a syllable loses an "l", so British "cancelled" meets "cancel"."""
    if word.endswith(("ies", "ied")) and len(word) > 4:
        word = word[:-3] + "y"
    elif (
        word.endswith("s")
        and len(word) > 3
        and not word.endswith(("ss", "us", "is"))
        and word not in _NOT_PLURALS
    ):
        word = word[:-1]
    suffix: str | None = ""
    while suffix is not None:  # "proceeded" -> "proceed" -> "proce", as "proceed" -> "proce"
        last, suffix = suffix, next((s for s in ("ing", "ed") if _strips(word, s)), None)
        word = _undoubled(word.removesuffix(suffix)) if suffix else word
    # "promised" and "agreed" lost the final "e" with their "d"; "seeing" kept it, as "see" has it
    word = word[:-1] if word.endswith("e") and len(word) > 2 and last != "ed" else word
    return _single_l(word)


def _single_l(word: str) -> str:
    """ "cancell" (of "cancelled", "cancelling") as "cancel", and "upsell" as "upsel" with
    "upselling": British spelling doubles the "l" of an unstressed last syllable. A one-syllable
    word ("tell", "spell", "yell") keeps both."""
    return word[:-1] if word.endswith("ell") and re.search("[aeiou]", word[:-3]) else word


def _strips(word: str, suffix: str) -> bool:
    """Whether ``suffix`` is an inflection of ``word``, not part of it ("bring", "red"). The
    "ed" of "agreed" and "guaranteed" is one, that of "feed", "need" and "seed" is not: a
    "fee" was a "feed" and a "see" a "seed"."""
    if not word.endswith(suffix):
        return False
    base = word.removesuffix(suffix)
    if suffix == "ed" and base.endswith("e"):
        base = base[:-1]
    return len(base) > 1 and _VOWEL.search(base) is not None


def _undoubled(base: str) -> str:
    """A stem less the consonant a short vowel doubled ("stopp" of "stopped" as "stop");
    "add", "call", "miss", "stuff" and "buzz" keep theirs."""
    short_vowel = len(base) > 3 and base[-3] in "aeiou" and base[-4] not in "aeiou"
    doubled = base[-1] == base[-2] and base[-1] not in "aeiouylsfz"
    return base[:-1] if doubled and short_vowel else base


def _plain(token: str) -> str:
    """A word less a possessive or a contracted verb: "customer's", "it'll", "you're" as
    "customer", "it", "you" (a negation, "don't", is read before)."""
    head, _, tail = token.partition("'")
    return head if tail in {"s", "ll", "ve", "re", "d", "m"} else token


def key_words(text: str) -> dict[str, str]:
    """The words that carry ``text``'s meaning, first seen first: each one's match key (its
    stem, after "not " when a negation turns it) and how ``text`` writes it ("refunded",
    "don't promise"). Function words and negations alone are never key words."""
    found: dict[str, str] = {}
    negation: str | None = None
    for token in _TOKEN.findall(text.translate(_APOSTROPHES).lower()):
        if not WORD.fullmatch(token):
            negation = None  # a clause ends: what it denied stays in it
        elif _is_negation(token):
            negation = token
        elif token in _NOT_REALLY:
            negation = None
        elif token in STOP or _plain(token) in STOP or (len(token) < 2 and not token.isdigit()):
            continue
        else:
            key = f"not {stem(_plain(token))}" if negation else stem(_plain(token))
            found.setdefault(key, f"{negation} {token}" if negation else token)
            negation = None
    return found


def grade_text(answer: str, model_answer: str) -> Graded:
    """Key-word overlap with the model answer: half its key words earns full marks."""
    wanted = key_words(model_answer)
    if not wanted:
        return Graded(1.0, "Any answer counts here.")
    said = key_words(answer)
    found = [key for key in wanted if key in said]
    score = min(1.0, len(found) / (len(wanted) * TEXT_FULL_CREDIT))
    missed = [shown for key, shown in wanted.items() if key not in said]
    shared = ", ".join(wanted[key] for key in found) or "none"
    return Graded(
        round(score, 2),
        f"Shared key words with the model answer: {shared}. "
        f"Missing: {', '.join(missed[:8]) or 'none'}. Model answer: {model_answer}",
    )


def grade_choices(chosen: list[int], question: dict[str, Any]) -> Graded:
    """Right picks earn credit, wrong picks cost as much; the right choices are named."""
    right = set(question["answer"])
    picked = set(chosen)
    score = max(0.0, (len(picked & right) - len(picked - right)) / len(right))
    names = "; ".join(question["choices"][i] for i in sorted(right))
    verdict = "Right." if score == 1 else "Not quite."
    return Graded(round(score, 2), f"{verdict} The answer: {names}.")


def grade(question: dict[str, Any], answer: str | list[int]) -> Graded:
    """Grade one answer: text for free-text questions, chosen indexes for the others."""
    if question["kind"] == "text":
        return grade_text(answer if isinstance(answer, str) else "", question["model_answer"])
    return grade_choices(answer if isinstance(answer, list) else [], question)


def closeness(reply: str, model_answer: str) -> float:
    """Share of the model answer's key words the reply also uses, in [0, 1]."""
    wanted = key_words(model_answer)
    said = key_words(reply)
    return round(sum(key in said for key in wanted) / len(wanted), 2) if wanted else 0.0
