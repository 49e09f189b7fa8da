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
from pydantic import BaseModel


class ErrorPublic(BaseModel):
    """What every refusal carries: a message for the person, or a list of field problems."""

    detail: str | list[dict[str, Any]]


ERRORS: dict[int, str] = {
    400: "A value is not acceptable, or holds a control character (the message names it).",
    401: "No valid API token, or a webhook signature that does not verify.",
    403: "The caller's role does not allow this.",
    404: "No such thing, or one the caller may not see.",
    422: "A parameter or body field is malformed or out of range (ids: 1 to 2^31 - 1).",
    503: "Poise is busy (no free database connection); retry after `Retry-After` seconds.",
}
PUBLIC_PATHS = {"/healthz"}


def document_errors(app: FastAPI) -> None:
    """Add the shared error answers to every route in the schema (before it is first built)."""
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        codes = [400, 422, 503] if route.path in PUBLIC_PATHS else list(ERRORS)
        for code in codes:
            if code not in route.responses:  # routes shared by the apps of a process have it
                route.responses[code] = _answer(ERRORS[code])


def _answer(description: str) -> dict[str, Any]:
    """A documented error answer: its description and the JSON body schema (a copy each)."""
    schema = copy.deepcopy(_error_schema())
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@functools.cache
def _error_schema() -> dict[str, Any]:
    """The error body's JSON schema, generated once (pydantic takes a while per call)."""
    return ErrorPublic.model_json_schema()
