"""The API's refusals come in two documented shapes, whoever finds the problem.

- 422: the request does not fit the schema (a parameter or body field missing, malformed or
  out of range); ``detail`` lists every problem with ``loc``, ``msg`` and ``type``, whether
  FastAPI or Poise's own code finds it.
- 400 (and 401, 403, 404, …): the request fits but Poise refuses it; ``detail`` is one message.

A list's ``page_size`` out of range answered 400 with a sentence while ``page`` out of range
answered 422 with a list, in the same request; and ``POST /api/v1/kb/gaps`` with neither field
answered 400 where ``POST /api/v1/assist`` with neither answered 422.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user
from poise.auth.actions import create_api_token

LISTS = {  # each list of the API and its largest page
    "/api/v1/conversations": 200,
    "/api/v1/users": 200,
    "/api/v1/training/drills": 200,
    "/api/v1/happy-file": 100,
}


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    token = create_api_token(session, actor=None, user=make_user(session, role="admin"))
    return {"Authorization": f"Bearer {token}"}


def _problems(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    assert isinstance(problems, list) and problems
    for problem in problems:
        assert {"loc", "msg", "type"} <= problem.keys()
    return list(problems)


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_page_size_out_of_range_is_refused_like_any_bounded_parameter(
    client: TestClient, admin: dict[str, str], path: str
) -> None:
    most = LISTS[path]
    assert client.get(f"{path}?page_size={most}", headers=admin).status_code == 200
    for size in (0, most + 1):
        (problem,) = _problems(client.get(f"{path}?page_size={size}", headers=admin))
        assert problem["loc"] == ["query", "page_size"]
    both = _problems(client.get(f"{path}?page=0&page_size=0", headers=admin))
    assert sorted(p["loc"][1] for p in both) == ["page", "page_size"]  # every problem at once


def test_a_body_missing_both_of_its_alternatives_is_a_422_like_assists(
    client: TestClient, admin: dict[str, str]
) -> None:
    (gap,) = _problems(client.post("/api/v1/kb/gaps", headers=admin, json={}))
    assert gap["loc"] == ["body"] and "give a query or a conversation_id" in gap["msg"]
    (assist,) = _problems(client.post("/api/v1/assist", headers=admin, json={}))
    assert assist["loc"] == gap["loc"] and assist["type"] == gap["type"] == "value_error"


def test_a_refusal_of_a_well_formed_request_is_a_400_with_one_message(
    client: TestClient, admin: dict[str, str]
) -> None:
    late = client.get(
        "/api/v1/conversations?opened_from=2026-10-09&opened_to=2026-10-01", headers=admin
    )
    assert late.status_code == 400
    said = late.json()
    assert said["detail"].startswith("opened_from (2026-10-09) is")
    assert said["fields"] == {"opened_from": said["detail"]}  # the parameter at fault, by name
    missing = client.get("/api/v1/conversations/999999", headers=admin)
    assert missing.status_code == 404 and isinstance(missing.json()["detail"], str)


def test_the_schema_documents_each_shape(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    answers = spec["paths"]["/api/v1/conversations"]["get"]["responses"]
    invalid = answers["422"]["content"]["application/json"]["schema"]
    problem = invalid["properties"]["detail"]["items"]
    assert invalid["properties"]["detail"]["type"] == "array"
    assert {"loc", "msg", "type"} <= set(problem["required"])
    for code in ("400", "403", "404"):
        refused = answers[code]["content"]["application/json"]["schema"]
        assert refused["properties"]["detail"]["type"] == "string", code
    sizes = spec["paths"]["/api/v1/conversations"]["get"]["parameters"]
    (size,) = [p for p in sizes if p["name"] == "page_size"]
    assert (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 200)


def test_a_json_body_sent_under_another_type_is_told_to_say_json(
    client: TestClient, admin: dict[str, str]
) -> None:
    """JSON sent as text/plain (a script's forgotten header) was refused as "Input should be
    a valid dictionary…", which names neither the header nor the fix."""
    body = json.dumps({"email": "cy@example.com", "name": "Cy"})
    sent = client.post(
        "/api/v1/users", headers={**admin, "Content-Type": "text/plain"}, content=body
    )
    (problem,) = _problems(sent)
    assert problem["loc"] == ["body"]
    assert "Content-Type: application/json" in problem["msg"] and "text/plain" in problem["msg"]
    right = client.post("/api/v1/users", headers=admin, content=body)
    assert right.status_code == 400 or right.status_code == 201, right.text
