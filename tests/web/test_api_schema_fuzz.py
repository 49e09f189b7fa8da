"""Schemathesis against the OpenAPI schema: no 5xx, and every answer matches the schema.

A bounded run: every operation, as an agent and as an admin (each with an API token), a few
generated requests each, on a database holding a little of everything so some ids exist.
Checks: no server error, a documented status code, the documented content type and a body
that validates against the response schema.
"""

from __future__ import annotations

import time
from collections import Counter

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.auth.actions import create_api_token

EXAMPLES = 5  # per operation and role: 2 roles x ~55 operations stay well under 90 s
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same requests on every run, so CI cannot flake
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _fuzz(operation: APIOperation, headers: dict[str, str], seen: Counter[int]) -> None:
    """A few generated requests to one operation; raises on the first that fails a check."""

    @BOUNDED
    @given(case=operation.as_strategy())
    def call(case: Case) -> None:
        response = case.call(headers=headers, timeout=120)  # a first call may load a model
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    call()


def _explained(exc: BaseException) -> str:
    """The failure, with the checks that failed inside a group (a flaky one reads as a group)."""
    inner = getattr(exc, "exceptions", ())
    return "; ".join([str(exc), *(_explained(e) for e in inner)])


def test_every_operation_answers_within_its_schema(app: FastAPI, session: Session) -> None:
    agent = make_user(session, role="agent", team="Support")
    admin = make_user(session, role="admin")
    for n in range(3):
        make_conversation(session, assignee_email=agent.email if n else None)
    tokens = {
        "agent": create_api_token(session, actor=None, user=agent),
        "admin": create_api_token(session, actor=None, user=admin),
    }
    schema = openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    seen: dict[str, Counter[int]] = {role: Counter() for role in tokens}
    started = time.monotonic()
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            for role, token in tokens.items():
                try:
                    _fuzz(operation, {"Authorization": f"Bearer {token}"}, seen[role])
                except Exception as exc:  # every operation is tried; all failures are shown
                    failures.append(f"{role} {operation.label}: {_explained(exc)}"[:3000])
    finally:
        shutdown_lifespans()
    assert not failures, "\n\n".join(failures)
    for role, statuses in seen.items():  # the tokens worked: many requests got through
        assert sum(n for code, n in statuses.items() if code < 300) > 20, (role, statuses)
    # About 30 s on a busy 2-core machine; the bound catches a run that stopped being bounded.
    assert time.monotonic() - started < 180


def test_a_page_past_any_database_integer_is_refused(client: TestClient, session: Session) -> None:
    """Found by schemathesis: ``/api/v1/kb/articles?page=`` 2^63 or more was a 500 on SQLite."""
    token = create_api_token(session, actor=None, user=make_user(session, role="admin"))
    headers = {"Authorization": f"Bearer {token}"}
    for page in (2**63, 10**30):
        answer = client.get(f"/api/v1/kb/articles?page={page}", headers=headers)
        assert answer.status_code == 422, answer.text
    assert client.get("/api/v1/kb/articles?page=1", headers=headers).status_code == 200
