"""The control characters no text Poise stores may hold: one set for every way text comes in.

C0 (but tab, newline and carriage return), DEL and C1 (U+0080–U+009F). NUL the database
cannot store; the others are invisible, break terminals, CSV exports and JSON readers
downstream, and only ever arrive by mistake (a bad encoding, binary pasted in). The JSON API
refuses them naming the field (``poise.web.inputs``), Poise's signed webhook refuses them
naming the field, a browser form's values are stripped of them (the person cannot see them to
remove them, and what they typed is kept), and a helpdesk connector and a file import drop
them (a sync or an import must not stop at one odd ticket, and a Zendesk export file stores
the same text as the same tickets synced). The set lives below the areas so the shell
(``web/``) and every area share it: forms refused C0 only while the webhook refused C1 too.
"""

from __future__ import annotations

import re
from typing import Any

TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 controls but tab, newline and carriage return; DEL; C1."""


def control_name(char: str) -> str:
    """How a refusal names a control character: ``NUL`` or ``U+0085``."""
    code = ord(char)
    return "NUL" if code == 0 else f"U+{code:04X}"


def without_controls(text: str) -> str:
    """``text`` with every character of :data:`TEXT_CONTROLS` dropped."""
    return TEXT_CONTROLS.sub("", text)


def without_controls_in(value: Any) -> Any:
    """A copy of a parsed JSON value with :data:`TEXT_CONTROLS` dropped from every string.

    For a helpdesk's tickets, from its API or from an export file alike: both are read by the
    file importer's reader, and one odd character must not refuse a ticket. A loop, not
    recursion: an API answer's nesting is not bounded.
    """
    root = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = without_controls(item)
        elif isinstance(item, dict):
            container[key] = dict(item)
            stack.extend((container[key], name) for name in item)
        elif isinstance(item, list):
            container[key] = list(item)
            stack.extend((container[key], index) for index in range(len(item)))
    return root[0]
