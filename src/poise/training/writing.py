"""Checking what people write in training: one rule, one wording, for every text field."""

from __future__ import annotations

from poise.errors import InvalidInput
from poise.visible import shows_anything


def written(text: str, *, what: str, limit: int, field: str | None = None) -> str:
    """Trimmed ``text``, or InvalidInput saying plainly what is wrong with it.

    ``what`` names the field as the sentence needs it: "the question", "your reflection";
    ``field`` is the form field's name, so a form can show the message beside it.
    """
    if "\x00" in text:
        raise InvalidInput(f"{what} contains a NUL character; remove it and try again", field=field)
    text = text.strip()
    if not shows_anything(text):
        raise InvalidInput(f"write {what} first", field=field)
    if len(text) > limit:
        raise InvalidInput(
            f"keep {what} under {limit} characters (it has {len(text)})", field=field
        )
    return text
