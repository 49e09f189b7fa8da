"""Small text helpers the manual shares: safe markdown, highlight marks, words, vectors."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from markupsafe import Markup, escape

FloatArray = npt.NDArray[np.float32]
# Private-use characters mark highlighted spans: they never occur in customers' text, and
# escaping the text first then swapping them for <mark> keeps the HTML safe.
MARK_START = "\ue000"
MARK_END = "\ue001"
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_STOP_WORDS = (
    "a an and are as at be but by can could do does did for from had has have hi hello hey "
    "how i i'm if in into is it it's its me my of on or our please so than that the their "
    "them then there these they this to was we were what when where which who why will with "
    "would you your thanks thank"
)
STOP = frozenset(_STOP_WORDS.split())


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: tags are shown as text, and markdown-it refuses
    # javascript:, vbscript: and data: links, so an article cannot carry script.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> Markup:
    """A resolution's markdown as safe HTML."""
    html: str = _markdown().render(text or "")
    return Markup(html)  # noqa: S704 - html=False: markdown-it escapes every tag in the source


def highlighted(text: str) -> Markup:
    """Text with its marked spans as ``<mark>`` and everything else escaped."""
    safe = str(escape(text))
    return Markup(safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S704


def plain(text: str) -> str:
    """Text with the highlight marks removed (for JSON that wants the raw words too)."""
    return text.replace(MARK_START, "").replace(MARK_END, "")


def mark_spans(text: str) -> list[tuple[int, int]]:
    """Where the marked words lie in ``plain(text)``: ``(start, end)`` character offsets.

    JSON answers carry plain text and these spans, not ``<mark>`` tags: a client shows the
    text as text, and draws the marks itself if it wants them (only the pages write HTML)."""
    spans: list[tuple[int, int]] = []
    offset, start = 0, None
    for char in text:
        if char == MARK_START:
            start = offset
        elif char == MARK_END and start is not None:
            spans.append((start, offset))
            start = None
        elif char != MARK_END:
            offset += 1
    if start is not None and start < offset:  # a clipped snippet can end inside a mark
        spans.append((start, offset))
    return spans


# Markdown's marks: headings, quotes and bullets where a line starts; emphasis, code and
# links anywhere. A ">" inside a line is a menu path ("Settings > Users") and stays.
_LINE_MARKS = re.compile(r"^\s*(?:#{1,6}|>+|[*+-](?=\s))\s*")
_MARKDOWN_NOISE = re.compile(r"[*_`]+|\[([^\]]*)\]\([^)]*\)")


def plain_steps(markdown: str) -> str:
    """A resolution's markdown as one plain line of steps ("1. Check … 2. Send …"), for the
    snippet under a hit: what to do, not the title again."""
    lines = [" ".join(_LINE_MARKS.sub("", line).split()) for line in markdown.splitlines()]
    text = " ".join(line for line in lines if line)
    return " ".join(_MARKDOWN_NOISE.sub(lambda m: m.group(1) or "", text).split())


def words(text: str, *, keep_stop: bool = False) -> list[str]:
    """Lower-cased words of ``text``, stop words dropped unless asked for."""
    found = [w.lower() for w in WORD.findall(text)]
    return found if keep_stop else [w for w in found if w not in STOP and len(w) > 1]


def mark_words(text: str, terms: set[str]) -> str:
    """Mark every word of ``text`` that shares a five-letter stem with one of ``terms``."""
    stems = {t[:5] for t in terms}

    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        hit = word.lower() in terms or (word.lower()[:5] in stems and len(word) > 3)
        return f"{MARK_START}{word}{MARK_END}" if hit else word

    return WORD.sub(repl, text)


def to_blob(vector: FloatArray) -> bytes:
    """A vector as stored with its row: raw little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> FloatArray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"
