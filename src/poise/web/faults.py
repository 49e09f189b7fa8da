"""Faults a person can act on, and no traceback for anyone.

A full disk or a read-only database is named plainly (503: nothing was saved, try later); any
other unexpected error gets a plain message with a short error id, and the log keeps what an
operator needs (the error's kind and where it was raised, never its message or the statement's
parameters: :mod:`poise.faults`) under the same id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from poise.faults import fault_message, log_failure, new_error_id

log = logging.getLogger("poise.errors")

ErrorPage = Callable[[Request, int, str], Response]


def unexpected(error_id: str) -> str:
    """What a person sees for an error Poise did not expect (the log has the detail)."""
    return (
        f"Something went wrong on our side (error {error_id}). It has been logged; "
        "please try again, and quote the error id if it keeps happening."
    )


def install_fault_handlers(app: FastAPI, error_page: ErrorPage) -> None:
    """Answer database and file errors, and every other unexpected one, without a traceback."""

    async def fault(request: Request, exc: Exception) -> Response:
        error_id = new_error_id()
        message = fault_message(exc)
        log_failure(log, "error %s on %s %s", error_id, request.method, request.url.path, exc=exc)
        request.state.user = None  # the page must not reload anything from a failed session
        if message is not None:
            response = error_page(request, 503, f"{message} (error {error_id})")
            response.headers["Retry-After"] = "60"
            return response
        return error_page(request, 500, unexpected(error_id))

    app.add_exception_handler(SQLAlchemyError, fault)
    app.add_exception_handler(OSError, fault)
    app.add_exception_handler(Exception, last_resort)
    app.add_middleware(Contained)  # added last: outside every other middleware


async def last_resort(request: Request, exc: Exception) -> Response:
    """Outside the app's middleware: no template, only plain text or JSON."""
    error_id = new_error_id()
    log_failure(log, "error %s on %s %s", error_id, request.method, request.url.path, exc=exc)
    fault = fault_message(exc)
    message = f"{fault} (error {error_id})" if fault else unexpected(error_id)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=500)
    return PlainTextResponse(message, status_code=500)


class Contained:
    """ASGI middleware that answers an error no handler took, and keeps it in the app.

    Starlette's handler of last resort answers, then raises the error again for the server,
    whose log ("Exception in ASGI application") printed its traceback and message, which may
    quote a customer. Here it is logged once, as :mod:`poise.faults` says, and goes no further;
    once the answer has begun, the connection is only closed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting)
        except Exception as exc:
            response = await last_resort(Request(scope), exc)
            if not started:
                await response(scope, receive, send)
