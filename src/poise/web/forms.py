"""Form errors shown beside their field, with what the person typed kept.

A refused form post renders its page again (status 400) instead of the bare error page, so
nothing typed is lost: the route catches :class:`~poise.errors.InvalidInput`, rolls back, and
passes ``errors=field_errors(exc, "the field it most likely concerns")`` plus the submitted
values to the template, which shows each message with the ``field_error`` macro.
"""

from __future__ import annotations

from poise.errors import InvalidFields, InvalidInput

FORM = "form"  # the key of a message about the form as a whole


class RefusedFields(dict[str, str]):
    """A page's ``{field: message}``, which also hands the focus to one field only.

    The ``invalid`` macro gave every refused field ``autofocus``: several on one page, which
    HTML forbids and browsers resolve each their own way. The page asks while it renders, field
    after field, so the first refused field in the page's own order takes it (the order the
    checks ran in is not the page's: the alert form checks its channel first).
    """

    focused: str | None = None

    def takes_focus(self, name: str) -> bool:
        """Whether ``name`` is the first refused field asked for on this page."""
        if self.focused is None and self.get(name):
            self.focused = name
        return self.focused == name


def field_errors(error: InvalidInput, default: str = FORM) -> dict[str, str]:
    """``{field: message}``: each field an ``InvalidFields`` names, else the field the error
    names, else ``default``."""
    if isinstance(error, InvalidFields):
        return dict(error.problems)
    return {error.field or default: str(error)}
