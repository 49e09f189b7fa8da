"""Helpdesk values made safe to store: plain text from HTML, times as aware UTC, fitted lengths.

A live sync must not stop at one odd ticket, so values are fitted (control characters dropped,
lengths cut to the column) rather than refused; the Zendesk connector reuses the file
importer's reader instead, so a file and the API agree turn for turn, both dropping the same
control characters first (:func:`poise.textcontrols.without_controls_in`).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from poise.textcontrols import TEXT_CONTROLS

_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_BLANKS = re.compile(r"[ \t]+")
_LINES = re.compile(r"\n\s*\n+")


def plain(value: Any) -> str:
    """The text of an HTML (or plain) body, with paragraph breaks kept as new lines."""
    if not isinstance(value, str):
        return ""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", value)))
    text = _BLANKS.sub(" ", fit(text, len(text)))
    return _LINES.sub("\n\n", text).strip()


def fit(value: Any, limit: int) -> str:
    """``value`` as text without control characters, cut to ``limit`` characters."""
    if value is None:
        return ""
    return TEXT_CONTROLS.sub("", str(value)).strip()[:limit]


def when(value: Any) -> datetime | None:
    """An ISO 8601 time or Unix seconds as aware UTC; ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+01:00 has no UTC time
        return None


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: fields of odd shape read as absent."""
    return value if isinstance(value, dict) else {}


def listed(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one: a list of odd shape reads as none."""
    return value if isinstance(value, list) else []


def text_id(value: Any) -> str:
    """An id as the text key Poise stores (numbers and strings alike), ``""`` when absent."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return fit(value, 128)


def name_of(person: Any) -> str:
    """A person's display name from ``name`` or ``first``/``last`` (Help Scout)."""
    if not isinstance(person, dict):
        return ""
    if person.get("name"):
        return fit(person["name"], 200)
    return fit(f"{person.get('first') or ''} {person.get('last') or ''}", 200)


def email_of(person: Any) -> str | None:
    """A plausible e-mail address of a person, else ``None``."""
    email = person.get("email") if isinstance(person, dict) else None
    if isinstance(email, str) and "@" in email and len(email) <= 254:
        return email.strip()
    return None


def zulu(value: Any) -> str:
    """A time as the APIs' references write it, ``2026-11-02T09:00:00Z`` (UTC, whole seconds):
    Help Scout's ``modifiedSince`` and Freshdesk's ``updated_since``. Cut down to the second,
    a listing asks from a moment earlier, never later; the idempotent writer ignores the
    ticket that comes again."""
    moment = when(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else str(value)
