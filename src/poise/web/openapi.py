"""Every status code a route can answer is in the OpenAPI schema, with the body it carries.

Errors come from shared places (the error handlers, the admission gate, the input check), not
from each route, so they are added here to every documented route rather than by hand on each.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field


class ErrorPublic(BaseModel):
    """Every refusal but a 422: one message for the person, naming what to change."""

    detail: str = Field(examples=["opened_to must be a date like 2026-11-02, not 'soon'"])
    fields: dict[str, str] | None = Field(
        None,
        description="On a 400, each refused field of the body with its own message (several "
        "at once when several are refused); absent when the refusal names no field.",
        examples=[{"email": "not-an-address is not an e-mail address", "role": "no role 'x'"}],
    )


class FieldProblem(BaseModel):
    """One problem of a request that does not fit the schema (FastAPI's validation error)."""

    type: str = Field(examples=["less_than_equal"])
    loc: list[str | int] = Field(examples=[["query", "page_size"]])
    msg: str = Field(examples=["Input should be less than or equal to 200"])
    input: Any = None
    ctx: dict[str, Any] | None = None


class InvalidRequestPublic(BaseModel):
    """A 422: every problem of the request at once, each with where it is (``loc``)."""

    detail: list[FieldProblem]


ERRORS: dict[int, str] = {
    400: "A well-formed value Poise refuses (a rule of the thing, a control character, dates "
    "out of order): `detail` is one message that names it; `fields`, when the refusal is of "
    "body fields, gives each refused field its own message.",
    401: "No valid API token (unknown, revoked, or expired, which `detail` says), or a webhook "
    "signature that does not verify.",
    403: "The caller's role does not allow this.",
    404: "No such thing, or one the caller may not see (answered alike).",
    422: "The request does not fit the schema: a parameter or body field missing, malformed or "
    "out of range (ids: 1 to 2^31 - 1; `page_size`: 1 to the list's limit). `detail` lists "
    "every problem with its `loc`, `msg` and `type`.",
    503: "Poise is busy (no free database connection); retry after `Retry-After` seconds.",
}
TOO_LARGE = (
    "A JSON or form body over 1 MiB, refused before it is read (uploads have their own limit)."
)
PUBLIC_PATHS = {"/healthz"}


def document_errors(app: FastAPI) -> None:
    """Add the shared error answers to every route in the schema (before it is first built)."""
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        codes = [400, 422, 503] if route.path in PUBLIC_PATHS else list(ERRORS)
        for code in codes:
            if code not in route.responses:  # routes shared by the apps of a process have it
                route.responses[code] = _answer(code, ERRORS[code])
        if route.body_field is not None and 413 not in route.responses:
            route.responses[413] = _answer(413, TOO_LARGE)


def _answer(code: int, description: str) -> dict[str, Any]:
    """A documented error answer: its description and the JSON body schema (a copy each)."""
    schema = copy.deepcopy(_error_schema(code == 422))
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@functools.cache
def _error_schema(invalid_request: bool) -> dict[str, Any]:
    """The error body's JSON schema, generated once (pydantic takes a while per call)."""
    model = InvalidRequestPublic if invalid_request else ErrorPublic
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inlined(schema, defs)  # no reference left to resolve
    return inlined


def _inlined(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inlined(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(item, defs) for item in node]
    return node
