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
