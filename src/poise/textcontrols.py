"""The control characters no text Poise stores may hold: one set for every way text comes in.

C0 (but tab, newline and carriage return), DEL and C1 (U+0080–U+009F). NUL the database
cannot store; the others are invisible, break terminals, CSV exports and JSON readers
downstream, and only ever arrive by mistake (a bad encoding, binary pasted in). The JSON API
refuses them naming the field (``poise.web.inputs``), Poise's signed webhook refuses them
naming the field, a browser form's values are stripped of them (the person cannot see them to
remove them, and what they typed is kept), and a helpdesk connector drops them (a sync must
not stop at one odd ticket). The set lives below the areas so the shell (``web/``) and every
area share it: forms refused C0 only while the webhook refused C1 too.
"""

from __future__ import annotations

import re

TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 controls but tab, newline and carriage return; DEL; C1."""


def control_name(char: str) -> str:
    """How a refusal names a control character: ``NUL`` or ``U+0085``."""
    code = ord(char)
    return "NUL" if code == 0 else f"U+{code:04X}"


def without_controls(text: str) -> str:
    """``text`` with every character of :data:`TEXT_CONTROLS` dropped."""
    return TEXT_CONTROLS.sub("", text)
