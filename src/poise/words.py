"""Counting words for pages and commands: "1 row", "2 rows", "1,204 conversations"."""

from __future__ import annotations


def counted(number: int, one: str, many: str | None = None) -> str:
    """``number`` with the noun it counts, singular for one (``many`` defaults to one + "s"),
    thousands grouped with commas: pages and commands alike ("scored 10205 messages" stood
    beside "3,000 conversations" in one command's line)."""
    noun = one if number == 1 else (many if many is not None else one + "s")
    return f"{number:,} {noun}"


def grouped(number: int | None) -> str:
    """A bare count with thousands grouped, as :func:`counted` writes it: a table's "1,343 of
    3,000" beside a headline "3,000", not "1343 of 3000"; a dash for no count, as a figure
    without data reads."""
    return "—" if number is None else f"{number:,}"
