"""No route or dependency that touches the database, files or models runs on the event loop.

An ``async def`` route runs on the event loop itself: one blocking call there (a query, a
40 MB parse, scoring) stalls every other request, ``/healthz`` included (measured: 12.5 s
during an upload import). Plain ``def`` routes run on FastAPI's thread pool.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

# Async on purpose: each only awaits the request (its form or body stream), touching nothing else.
AWAITS_ONLY = {"verify_csrf", "get_form", "webhook_body", "read_small_body"}


def _async_dependencies(dependant: Dependant) -> Iterator[str]:
    for dep in dependant.dependencies:
        if dep.call is not None and inspect.iscoroutinefunction(dep.call):
            yield getattr(dep.call, "__name__", repr(dep.call))
        yield from _async_dependencies(dep)


def test_every_route_and_dependency_that_may_block_is_plain_def(app: FastAPI) -> None:
    routes: list[Any] = [r for r in app.routes if isinstance(r, APIRoute)]
    assert len(routes) > 50
    async_routes = [r.path for r in routes if inspect.iscoroutinefunction(r.endpoint)]
    assert async_routes == []
    async_deps = {name for r in routes for name in _async_dependencies(r.dependant)}
    assert async_deps <= AWAITS_ONLY
