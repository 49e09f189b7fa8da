"""Form errors shown beside their field, with what the person typed kept.

A refused form post renders its page again (status 400) instead of the bare error page, so
nothing typed is lost: the route catches :class:`~poise.errors.InvalidInput`, rolls back, and
passes ``errors=field_errors(exc, "the field it most likely concerns")`` plus the submitted
values to the template, which shows each message with the ``field_error`` macro.
"""

from __future__ import annotations

from poise.errors import InvalidFields, InvalidInput

FORM = "form"  # the key of a message about the form as a whole


def field_errors(error: InvalidInput, default: str = FORM) -> dict[str, str]:
    """``{field: message}``: each field an ``InvalidFields`` names, else the field the error
    names, else ``default``."""
    if isinstance(error, InvalidFields):
        return dict(error.problems)
    return {error.field or default: str(error)}
