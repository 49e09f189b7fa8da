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

WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_STOP_WORDS = (
    "a an and are as at be but by can do does for from has have how i if in into is it its "
    "me my of on or our so than that the their them then there they this to was we what "
    "when which who why will with you your"
)
STOP = frozenset(_STOP_WORDS.split())
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


def key_words(text: str) -> set[str]:
    """Content words, lower-cased with a plural 's' trimmed, so 'refunds' meets 'refund'."""
    found = (w.lower() for w in WORD.findall(text))
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in found if w not in STOP}


def grade_text(answer: str, model_answer: str) -> Graded:
    """Word overlap with the model answer: half its key words earns full marks."""
    wanted = key_words(model_answer)
    if not wanted:
        return Graded(1.0, "Any answer counts here.")
    found = wanted & key_words(answer)
    score = min(1.0, len(found) / (len(wanted) * TEXT_FULL_CREDIT))
    missed = sorted(wanted - found)
    shared = ", ".join(sorted(found)) or "none"
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
    return round(len(wanted & key_words(reply)) / len(wanted), 2) if wanted else 0.0
