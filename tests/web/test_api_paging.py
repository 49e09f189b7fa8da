"""Every list of the JSON API pages alike (a ``page`` parameter, the total and the next page in
the headers, and, where the list comes in an envelope, the same five fields), and every
operation is titled in words.

A client that learnt to page one list (follow ``Link: rel="next"`` until it is gone) must be
able to page every other without reading its documentation again."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user
from poise.auth.actions import create_api_token

ENVELOPE = {"items", "total", "page", "page_size", "pages"}
NEXT = re.compile(r'<([^>]+)>; rel="next"')


def _json_schema(operation: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The 200 answer's JSON schema, a ``$ref`` followed once."""
    content = operation["responses"]["200"].get("content", {})
    schema: dict[str, Any] = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _lists(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The GET operations under /api/v1 that take a ``page``: the paged lists."""
    found = {}
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        params = {p["name"] for p in get.get("parameters", [])} if get else set()
        if path.startswith("/api/v1/") and "page" in params:
            found[path] = get
    return found


def test_every_paged_list_declares_the_same_headers_and_envelope(app: FastAPI) -> None:
    spec = app.openapi()
    lists = _lists(spec)
    assert len(lists) >= 8, sorted(lists)
    for path, get in lists.items():
        headers = get["responses"]["200"].get("headers", {})
        assert {"X-Total-Count", "Link"} <= set(headers), path
        params = {p["name"] for p in get["parameters"]}
        assert "page_size" in params, path
        schema = _json_schema(get, spec)
        if schema.get("type") != "array":
            assert set(schema.get("properties", {})) == ENVELOPE, path


def test_a_client_pages_an_enveloped_list_by_its_link_header(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role="admin")
    for n in range(5):
        make_conversation(session, external_id=f"paged-{n}")
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=admin)}"}
    url: str | None = "/api/v1/conversations?page_size=2"
    seen: list[int] = []
    pages = []
    while url is not None:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert answer.headers["X-Total-Count"] == str(body["total"]) == "5"
        pages.append((body["page"], body["pages"], body["page_size"]))
        seen += [item["id"] for item in body["items"]]
        found = NEXT.search(answer.headers.get("Link", ""))
        url = found.group(1) if found else None
    assert pages == [(1, 3, 2), (2, 3, 2), (3, 3, 2)]
    assert len(seen) == len(set(seen)) == 5


def test_every_operation_has_a_title_in_words(app: FastAPI) -> None:
    """The API reference titled operations from their function names ("List Endpoint", "Get
    One", "Cancel Job Api"): every documented route now says what it does."""
    untitled = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute) and route.include_in_schema and not route.summary
    ]
    assert untitled == []
