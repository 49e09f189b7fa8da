"""The plain checks of a parameter's text (an id, a count, a day), without FastAPI.

The insights' digests and exposure parse days with them and a webhook's shape bounds its page
size by them, and a ``poise worker`` runs those (the weekly digest, the hotspot alerts, a
helpdesk's sync): importing them from :mod:`poise.web.params` loaded FastAPI into every worker
(a fifth of a second of its start-up) for no route. The routes import them from
:mod:`poise.web.params` as before, which re-exports them.
"""

from __future__ import annotations

from datetime import date

from poise.errors import InvalidInput

MAX_ID = 2**31 - 1
"""The largest id any table holds: PostgreSQL's ``integer``."""
MAX_PAGE_SIZE = 200
"""The most rows one page of a JSON list holds (the webhook's and API's shapes say so)."""


def is_id(value: str) -> bool:
    """Whether text names an id a table can hold: ASCII digits from 1 to ``MAX_ID``.

    ``str.isdigit`` also accepts "²", which ``int`` then refuses (a 500); and a thousand
    digits would reach the database as a number no column holds.
    """
    return value.isascii() and value.isdecimal() and len(value) <= 10 and 1 <= int(value) <= MAX_ID


def is_count(value: str) -> bool:
    """Whether text is a small whole number (0 to 999,999,999) in ASCII digits."""
    return value.isascii() and value.isdecimal() and len(value) <= 9


MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(9998, 12, 31)
"""Days a filter or form may name: a day after 9998 overflows the "day after" arithmetic
that makes an inclusive end exclusive (``9999-12-31`` used to be a 500)."""


def parse_day(value: str, name: str, field: str | None = None) -> date:
    """A day from ``YYYY-MM-DD`` text, or InvalidInput naming the field (``field`` is the form
    field's name, for forms that show the message beside it)."""
    if not value.strip():  # "not ''" quoted nothing back at someone who left it empty
        raise InvalidInput(f"enter {name}, e.g. 2026-11-02", field=field)
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{name} must be a date like 2026-11-02, not {value!r}", field=field
        ) from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise InvalidInput(
            f"{name} must be between {MIN_DAY} and {MAX_DAY}, not {value!r}", field=field
        )
    return day
