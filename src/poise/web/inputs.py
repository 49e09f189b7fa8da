"""Text that cannot crash us: control characters and deep JSON refused at the edge.

A NUL byte in a search, a product or an article title used to reach PostgreSQL, which refuses
it with a ``DataError`` (a 500). One check here runs before every route (an app-wide
dependency): it reads the path, the query string and a form or JSON body of a checked size,
and answers 400 naming each field that holds a control character: C0, DEL and C1, the set
Poise's signed webhook refuses (:mod:`poise.textcontrols`). Tab, newline and carriage return
stay allowed: long text has them. ``CleanText`` is the same rule for a pydantic field.

A page's form values are the exception: they are stripped of those characters, not refused. A
person posting a form pasted them without seeing them (a ``\x0b`` from a word processor, an
escape from a terminal), cannot see them in the field to remove them, and never meant them;
refusing answered the bare error page and lost what they typed. A JSON body and the signed
webhook keep the refusal naming the field (400 or 422): a machine sending one has an encoding
bug its author should hear of, and it can fix and resend (so do the API's form uploads).
Field names, the path and the query string are still refused (a filter form shows its own
message beside the field, ``checks_own_query``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from pydantic import AfterValidator
from starlette.datastructures import FormData

from poise.errors import InvalidInput
from poise.jsonbounds import TooDeep, loads_bounded
from poise.textcontrols import TEXT_CONTROLS, control_name, without_controls

LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""Half of a UTF-16 pair, which JSON may spell (``"\\ud800"``) but no UTF-8 column stores."""

CHECKED_BODY_BYTES = 1 << 20
"""JSON and plain form bodies are checked here whole; :class:`poise.web.bodies.BodyCap`
refuses larger ones (413) before they are read. A larger multipart body (an upload) has its
text fields checked when its route reads it (:func:`takes_a_body`); the uploaded file's
bytes are the import's own to clean, and webhooks check their own content."""

PLAIN_FORM = "application/x-www-form-urlencoded"
FORM_TYPES = (PLAIN_FORM, "multipart/form-data")


def is_signed_body(path: str) -> bool:
    """Whether the route checks its body itself, after the signature (Poise's own webhook and
    each helpdesk's): an unsigned sender learns nothing of the body from a refusal, and a
    signed one gets the webhook's own 400 naming the field."""
    return "/webhooks/" in path or path.endswith("/webhook")


def is_json_body(content_type: str) -> bool:
    """A JSON body, as FastAPI reads one: a JSON type, or no type at all."""
    return not content_type or "json" in content_type


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
    """Why ``value`` is refused, or None when it holds no control character or lone surrogate.

    A lone surrogate passed every ``str`` field without a length limit and failed at the
    first encoding (the tokenizer, the database) as a 500.
    """
    found = TEXT_CONTROLS.search(value)
    if found is not None:
        name = control_name(found.group())
        return f"must not contain control characters ({name} at character {found.start() + 1})"
    half = LONE_SURROGATE.search(value) if not value.isascii() else None
    if half is not None:
        code = ord(half.group())
        return (
            f"must not contain a lone surrogate (U+{code:04X} at character {half.start() + 1}): "
            "it is not valid Unicode"
        )
    return None


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
    if is_signed_body(request.url.path):
        return None
    content_type = request.headers.get("content-type", "")
    if is_json_body(content_type):  # at most CHECKED_BODY_BYTES: BodyCap refused the rest
        return await request.body()
    if content_type.startswith(PLAIN_FORM):  # capped alike
        return await request.form()
    if not content_type.startswith(FORM_TYPES):
        return None
    declared = request.headers.get("content-length", "")
    small = declared.isascii() and declared.isdecimal() and int(declared) <= CHECKED_BODY_BYTES
    if small or takes_a_body(request):
        return await request.form()
    return None


def takes_a_body(request: Request) -> bool:
    """Whether the route reads a body of its own (an upload's ``File`` and ``Form`` fields):
    FastAPI has parsed that form before any dependency runs, so checking its text costs
    nothing more. A larger multipart body went unchecked, so an upload page's fields kept
    the control characters every other form drops, and the API's were not refused. A large
    body sent to a route that reads none is still left unread."""
    route = request.scope.get("route")
    return isinstance(route, APIRoute) and route.body_field is not None


def strip_form_controls(form: FormData) -> None:
    """Drop the control characters from every text value of ``form``, in place.

    In place because FastAPI parsed the form before any dependency ran and reads its ``Form``
    fields from that same object (``request.form()`` hands it out again, cached), so a copy
    would reach no route. Files are left as they are: their bytes are their own.
    """
    items = form.multi_items()
    cleaned = [(k, without_controls(v) if isinstance(v, str) else v) for k, v in items]
    if cleaned != items:
        stripped = FormData(cleaned)
        form._dict, form._list = stripped._dict, stripped._list


def is_api(path: str) -> bool:
    """Whether a program, not a person at a page, sends to ``path``: the JSON API's uploads
    are forms too, and keep the refusal naming the field."""
    return path.startswith("/api/")


def _body_strings(body: FormData | bytes | None, path: str) -> Iterator[tuple[Loc, str]]:
    """The strings of a read form or JSON body, each with its field (a page's form values
    stripped of control characters first: see the module's docstring)."""
    if isinstance(body, FormData):
        if not is_api(path):
            strip_form_controls(body)
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
    """App-wide dependency: 400 naming each path, query or body field with a control character
    (a page's form values are stripped of them instead).

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
    pairs += list(_body_strings(body, request.url.path))
    problems = _problems(iter(pairs))
    if problems:
        raise InvalidInput("; ".join(dict.fromkeys(problems)))
