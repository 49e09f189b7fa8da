"""The lesson a drill becomes: a markdown body listing its pairs and a free-text quiz.

Pure text in, text out, so what a lesson says can be read and tested without a database.
The quiz is written in the plain-text format of ``poise.training.quiz`` (one line a marker),
so questions and answers are folded onto one line there; the body keeps answers as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from poise.training.actions import MAX_BODY, MAX_TITLE

if TYPE_CHECKING:
    from poise.training.models import Drill

QUIZ_QUESTIONS = 10  # the quiz asks the most-voted pairs; every pair is a practice scenario
_MARKDOWN = re.compile(r"([\\`*_\[\]#<>|])")


@dataclass(frozen=True)
class Pair:
    """A rude question and the answer the lead endorsed."""

    question: str
    answer: str


def one_line(text: str) -> str:
    """Runs of white space (new lines included) as one space."""
    return " ".join(text.split())


def inline(text: str) -> str:
    """Text for a heading or a sentence: on one line, markdown's marks shown as typed."""
    return _MARKDOWN.sub(r"\\\1", one_line(text))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(drill: Drill) -> str:
    if drill.launch_until and drill.launch_until != drill.launch_on:
        return f"between {drill.launch_on.isoformat()} and {drill.launch_until.isoformat()}"
    return f"on {drill.launch_on.isoformat()}"


def _intro(drill: Drill, count: int) -> str:
    what = f"**{inline(drill.product)}**"
    if drill.feature:
        what += f" ({inline(drill.feature)})"
    picked = "here is the one" if count == 1 else f"here are the {count}"
    parts = [
        f"{what} launches {_when(drill)}. Before it does, the team imagined the rudest "
        f"questions customers could ask and wrote model answers; {picked} the lead endorsed, "
        "most-voted first.",
    ]
    if drill.changes:
        parts.append(f"**What changes.** {drill.changes.strip()}")
    parts.append(
        "Each pair is also a practice scenario under *Practice*, and a draft article of the "
        "manual waiting for a lead to publish."
    )
    return "\n\n".join(parts)


def _section(number: int, pair: Pair) -> str:
    return f"## {number}. “{inline(pair.question)}”\n\n{pair.answer.strip()}"


def _body(drill: Drill, pairs: list[Pair]) -> str:
    """The intro and as many pairs as fit a lesson body; a note names how many did not."""
    body = _intro(drill, len(pairs))
    for number, pair in enumerate(pairs, start=1):
        section = _section(number, pair)
        rest = len(pairs) - number
        note = f"\n\n*…and {rest + 1} more: practise them as scenarios.*"
        if len(body) + 2 + len(section) + len(note) > MAX_BODY:
            return body + note
        body += "\n\n" + section
    return body


def _quiz(pairs: list[Pair]) -> str:
    lines: list[str] = []
    for pair in pairs[:QUIZ_QUESTIONS]:
        lines.append(f"? A customer asks: “{one_line(pair.question)}” How do you answer?")
        lines.append(f"= {one_line(pair.answer)}")
    return "\n".join(lines)


def lesson_text(drill: Drill, pairs: list[Pair]) -> tuple[str, str, str]:
    """Title, markdown body and plain-text quiz of the lesson for ``drill``'s endorsed pairs."""
    title = _short(f"Rude questions: {one_line(drill.name)}", MAX_TITLE)
    return title, _body(drill, pairs), _quiz(pairs)
