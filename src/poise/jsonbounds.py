"""JSON that cannot crash a parser: nesting is bounded, and refused with a message.

Python's C parser recurses once per ``[`` or ``{``: 100,000 of them raise RecursionError (a
500 through the API, a traceback in the CLI). Web bodies and imported files both read JSON
through ``loads_bounded``, so either case is a refusal that says why.
"""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_DEPTH = 64
"""Deeper than any body or record Poise reads."""


class TooDeep(ValueError):  # noqa: N818 - reads as the refusal it is
    """A JSON document nests arrays and objects deeper than the limit."""


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises TooDeep, not RecursionError, for deep nesting.

    The C parser stops at Python's recursion limit; whatever parses is then walked without
    recursion to hold ``max_depth``, so later code may recurse over it safely.
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels") from None
    if depth(data) > max_depth:
        raise TooDeep(f"the JSON nests deeper than {max_depth} levels")
    return data


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            inner = item.values() if isinstance(item, dict) else item
            stack.extend((child, level) for child in inner if isinstance(child, dict | list))
    return deepest
