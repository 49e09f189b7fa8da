"""Recorded helpdesk answers replayed through ``httpx.MockTransport``, the connectors' seam.

Each route answers from its own queue, in order; a request nobody recorded fails the test, so a
sync that asks for more (or other) pages than expected is caught. Waits are recorded, not slept.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from poise.connectors.actions import sync_connector
from poise.connectors.client import Seam
from poise.conversations.models import Conversation, Message
from poise.settings import Settings

Answer = httpx.Response | Exception


class Replay:
    """A fake helpdesk: ``add(method, path, answer, ...)`` then pass ``seam`` to a sync."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.slept: list[float] = []
        self.seam = Seam(httpx.MockTransport(self._answer), sleep=self.slept.append)

    def add(self, method: str, path: str, *answers: Answer) -> Replay:
        self.routes.setdefault((method, path), []).extend(answers)
        return self

    def json(self, method: str, path: str, *bodies: Any) -> Replay:
        return self.add(method, path, *(ok(body) for body in bodies))

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        assert queue, f"unexpected request {request.method} {request.url}"
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def params(self, path: str) -> list[dict[str, str]]:
        """The query parameters of every request to ``path``, in order."""
        return [dict(r.url.params) for r in self.requests if r.url.path == path]

    def unused(self) -> dict[tuple[str, str], int]:
        return {key: len(queue) for key, queue in self.routes.items() if queue}


def sync(session: Session, vendor: str, replay: Replay, settings: Settings) -> None:
    """One sync run of ``vendor``'s connector against the replayed helpdesk."""
    sync_connector(session, vendor, seam=replay.seam, settings=settings)


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def too_many(retry_after: str = "7") -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": retry_after}, json={"error": "slow down"})


def crash(reason: str = "connection reset by peer") -> Exception:
    return httpx.ReadError(reason)


def bodies(session: Session, source: str, external_id: str) -> list[tuple[str, str]]:
    """(role, body) of a conversation's turns, oldest first."""
    conv = session.scalar(
        select(Conversation).where(
            Conversation.source == source, Conversation.external_id == external_id
        )
    )
    assert conv is not None, f"{source} conversation {external_id} is not stored"
    session.refresh(conv)
    return [(m.author_role, m.body) for m in conv.messages]


def count(session: Session, model: type[Any]) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def all_bodies(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Message.body)))


def dumps(data: Any) -> bytes:
    return json.dumps(data).encode()


Signed = tuple[bytes, dict[str, str]]  # a body and the headers it is sent with


def refusals(client: TestClient, url: str, *, good: Signed, forged: Signed, stale: Signed) -> None:
    """Forged and stale deliveries get 401 and store nothing; the good one is stored once and
    its replay gets 409."""
    session_less = [
        client.post(url, content=body, headers=h).status_code for body, h in (forged, stale)
    ]
    assert session_less == [401, 401]
    first = client.post(url, content=good[0], headers=good[1])
    assert first.status_code == 200, first.text
    assert first.json()["messages"] >= 1
    assert client.post(url, content=good[0], headers=good[1]).status_code == 409
