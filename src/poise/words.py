"""Counting words for pages and commands: "1 row", "2 rows", "1,204 conversations"."""

from __future__ import annotations


def counted(number: int, one: str, many: str | None = None, *, grouped: bool = True) -> str:
    """``number`` with the noun it counts, singular for one (``many`` defaults to one + "s");
    ``grouped`` writes thousands with commas, as pages do (commands print plain numbers)."""
    noun = one if number == 1 else (many if many is not None else one + "s")
    return f"{number:,} {noun}" if grouped else f"{number} {noun}"
