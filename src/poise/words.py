"""Counting words for pages and commands: "1 row", "2 rows", "1,204 conversations"."""

from __future__ import annotations


def counted(number: int, one: str, many: str | None = None) -> str:
    """``number`` with the noun it counts, singular for one (``many`` defaults to one + "s"),
    thousands grouped with commas: pages and commands alike ("scored 10205 messages" stood
    beside "3,000 conversations" in one command's line)."""
    noun = one if number == 1 else (many if many is not None else one + "s")
    return f"{number:,} {noun}"
