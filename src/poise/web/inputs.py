"""Text that cannot crash us: control characters and deep JSON refused at the edge.

A NUL byte in a search, a product or an article title used to reach PostgreSQL, which refuses
it with a ``DataError`` (a 500). One check here runs before every route (an app-wide
dependency): it reads the path, the query string and a form or JSON body of a checked size,
and answers 400 naming each field that holds a control character. Tab, newline and carriage
return stay allowed: long text has them. ``CleanText`` is the same rule for a pydantic field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import AfterValidator
from starlette.datastructures import FormData

from poise.errors import InvalidInput
from poise.jsonbounds import TooDeep, loads_bounded

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 controls and DEL, except tab, newline and carriage return."""

CHECKED_BODY_BYTES = 1 << 20
"""Form and JSON bodies up to this size are checked here; larger ones are uploads and
webhooks, which check their own content (and a last-resort handler catches the rest)."""

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

SIGNED_BODY_MARK = "/webhooks/"
"""Webhook bodies are checked by their route, after the signature: an unsigned sender learns
nothing, and a signed one gets the webhook's own 400 naming the field."""

Loc = tuple[str | int, ...]

OWN_QUERY_CHECK = "poise_checks_own_query"
"""The endpoint attribute naming the query parameters a page checks itself (see below)."""

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def checks_own_query(*names: str) -> Callable[[Endpoint], Endpoint]:
    """Mark a page that refuses control characters in these query parameters itself.

    The app-wide check answers the bare error page; a filter form would rather show the
    message beside its field with the other filters kept, so it takes these over (and must
    refuse them itself: ``control_message`` is the rule).
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, OWN_QUERY_CHECK, frozenset(names))
        return endpoint

    return mark


def _own_query(request: Request) -> frozenset[str]:
    """The query parameters the matched page checks itself (none unless it says so)."""
    endpoint = request.scope.get("endpoint")
    return frozenset(getattr(endpoint, OWN_QUERY_CHECK, ()))


def control_message(value: str) -> str | None:
    """Why ``value`` is refused, or None when it holds no control character."""
    found = CONTROL.search(value)
    if found is None:
        return None
    code = ord(found.group())
    name = "NUL" if code == 0 else f"U+{code:04X}"
    return f"must not contain control characters ({name} at character {found.start() + 1})"


def refuse_control(value: str) -> str:
    """A pydantic validator: the value unchanged, or a ValueError saying what is wrong."""
    message = control_message(value)
    if message:
        raise ValueError(message)
    return value


CleanText = Annotated[str, AfterValidator(refuse_control)]


def _strings(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every string in a parsed JSON value (keys too), with where it sits."""
    stack: list[tuple[Loc, Any]] = [(loc, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield where, str(key)
                stack.append(((*where, str(key)), inner))
        elif isinstance(item, list):
            stack.extend(((*where, i), inner) for i, inner in enumerate(item))


def _field(loc: Loc) -> str:
    """A field as people name it: ``title``, ``messages.0.body``, ``query parameter q``."""
    where, *rest = loc
    dotted = ".".join(str(part) for part in rest) or "the body"
    return f"{where} parameter {dotted}" if where in ("path", "query") else dotted


def _problems(pairs: Iterator[tuple[Loc, str]]) -> list[str]:
    found = ((loc, control_message(value)) for loc, value in pairs)
    return [f"{_field(loc)}: {message}" for loc, message in found if message]


async def read_small_body(request: Request) -> FormData | bytes | None:
    """Await a form or JSON body small enough to check (cached on the request for the route).

    Only awaits the request; the checking itself runs in ``refuse_control_characters`` on the
    thread pool, so a large JSON body never parses on the event loop.
    """
    if SIGNED_BODY_MARK in request.url.path:
        return None
    declared = request.headers.get("content-length", "")
    if not (declared.isascii() and declared.isdecimal()) or int(declared) > CHECKED_BODY_BYTES:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        return await request.form()
    if "json" in content_type:
        return await request.body()
    return None


def _body_strings(body: FormData | bytes | None) -> Iterator[tuple[Loc, str]]:
    """The strings of a read form or JSON body, each with its field."""
    if isinstance(body, FormData):
        return iter([(("body", k), v) for k, v in body.multi_items() if isinstance(v, str)])
    if not body:
        return iter(())
    try:
        data = loads_bounded(body)
    except TooDeep as exc:
        raise InvalidInput(f"the body is refused: {exc}") from None
    except ValueError:
        return iter(())  # not JSON: the route's own parsing says so
    return _strings(data, ("body",))


def refuse_control_characters(
    request: Request, body: Annotated[FormData | bytes | None, Depends(read_small_body)]
) -> None:
    """App-wide dependency: 400 naming each path, query or body field with a control character.

    A 400 like every other refused value (``InvalidInput``), so a form answers the same
    status whether this check or the area's own one catches the character. Query parameters
    a page marked with ``checks_own_query`` are left to that page.
    """
    pairs: list[tuple[Loc, str]] = [
        (("path", k), v) for k, v in request.path_params.items() if isinstance(v, str)
    ]
    own = _own_query(request)
    for key, value in request.query_params.multi_items():
        pairs += [(("query", key), key)] + ([] if key in own else [(("query", key), value)])
    pairs += list(_body_strings(body))
    problems = _problems(iter(pairs))
    if problems:
        raise InvalidInput("; ".join(dict.fromkeys(problems)))
