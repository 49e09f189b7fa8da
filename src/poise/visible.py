"""Whether a text shows anything: one rule for every area that takes words from people."""

from __future__ import annotations

import unicodedata


def shows_anything(text: str) -> bool:
    """Whether ``text`` has a character a reader can see.

    Zero-width spaces, joiners, direction marks and byte-order marks (Unicode format
    characters) are invisible but not whitespace, so ``str.strip`` keeps them: pasted alone,
    they passed for a reflection, a comment or a review's strengths that no one could read.
    """
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def invisible_char(text: str) -> str | None:
    """The first character of ``text`` nobody sees (a zero-width space, a direction override,
    a soft hyphen, a control), or None: a name or address holding one reads as another, so
    it is refused where it is typed. ``sam\u200b@example.com`` made a second account that
    reads as sam@example.com, and nobody could sign in to it."""
    return next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")), None)
