"""The shared intake of helpdesks' native webhooks: verify, check the window, refuse replays,
store. Each vendor module only says how its signature is made and how its body reads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.connectors.models import Connector
from poise.connectors.pull import Vendor
from poise.conversations.actions import (
    Replayed,
    check_window,
    first_delivery,
    forget_old_deliveries,
    refuse_future_turn,
    retried_on_race,
    stored_conversation_ids,
)
from poise.conversations.importers.common import ImportLimits, text_problem
from poise.conversations.models import Integration
from poise.conversations.writer import WriteCounts, delete_conversations, write_conversations
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.jsonbounds import TooDeep, loads_bounded


class NotSetUp(NotFound):
    """No connector (or no webhook secret) for this helpdesk: refused, nothing stored.

    Said as such (404) rather than as a signature that does not match, which sent whoever set
    up the helpdesk's side looking for a wrong secret. It names only the helpdesk the sender
    already put in the URL, and nothing of the body is read.
    """


@dataclass
class WebhookResult:
    """What one delivery changed."""

    conversations: int
    messages: int
    deleted: int
    new_turn_ids: list[int]  # conversations that gained a turn: to score, then to react to


def signed(secret: str, data: bytes, digest: str) -> bytes:
    return hmac.new(secret.encode(), data, digest).digest()


def base64_hmac(secret: str, data: bytes, digest: str) -> str:
    """``base64(HMAC(secret, data))``: Zendesk (SHA-256) and Help Scout (SHA-1)."""
    return base64.b64encode(signed(secret, data, digest)).decode()


def require_match(expected: str, given: str | None, what: str) -> None:
    """Refuse unless ``given`` equals ``expected`` (compared in constant time)."""
    if not given or not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise PermissionDenied(f"the {what} does not match")


def body_digest(body: bytes) -> str:
    """A replay key for vendors that send no delivery id."""
    return hashlib.sha256(body).hexdigest()


def json_body(body: bytes) -> dict[str, Any]:
    """A JSON object body that the database can store, or a clear refusal.

    Nesting is bounded (the parser's RecursionError was a 500), and a lone surrogate that
    JSON spells as ``\\ud800`` is refused here: it parses, but no UTF-8 column stores it, and
    it used to fail at the first write (the replay cache) as a 500.
    """
    try:
        data = loads_bounded(body)
    except TooDeep as exc:
        raise InvalidInput(f"the webhook body is refused: {exc}") from exc
    except ValueError as exc:
        raise InvalidInput("the webhook body is not JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("the webhook body must be a JSON object")
    _refuse_lone_surrogates(data)
    return data


def _refuse_lone_surrogates(data: dict[str, Any]) -> None:
    """Walk every key and string of a parsed body (no recursion) for text no column stores."""
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and (problem := text_problem(item)) and "surrogate" in problem:
            raise InvalidInput(f"the webhook body has a text that {problem}")


def _integration(session: Session, vendor: Vendor) -> Integration:
    """The vendor's connector's webhook integration, or :class:`NotSetUp`."""
    connector = session.scalar(select(Connector).where(Connector.vendor == vendor.name))
    integration = connector.integration if connector else None
    if integration is None:
        raise NotSetUp(
            f"the {vendor.title} connector is not set up in Poise (no webhook secret): "
            "nothing stored"
        )
    return integration


def refuse_unsigned(session: Session, vendor: Vendor, headers: Mapping[str, str]) -> None:
    """Refuse, before its body is read, a delivery that carries no signature of the vendor's
    shape (:class:`PermissionDenied`, as a signature that does not match).

    A native delivery may be 4 MiB and was read whole before the signature was checked, so
    an unsigned post cost that much. A well-formed signature costs nothing here: its HMAC is
    checked by :func:`receive`, after the body. Only a refusal looks the connector up, so a
    helpdesk not set up yet is still told so (404) rather than sent after its signature.
    """
    problem = vendor.unsigned(headers)
    if problem is not None:
        _integration(session, vendor)
        raise PermissionDenied(problem)


def receive(
    session: Session,
    vendor: Vendor,
    headers: Mapping[str, str],
    body: bytes,
    *,
    limits: ImportLimits,
    now: datetime,
) -> WebhookResult:
    """Verify a native delivery with the connector's secret, then store what it brings.

    A helpdesk with no connector set up (``NotSetUp``), forged (bad signature), stale (sent
    outside the window) and replayed (key seen before) deliveries raise before anything is
    written.
    """
    integration = _integration(session, vendor)
    vendor.verify(integration.secret, headers, body)
    delivery = vendor.delivery(headers, body, limits)
    if delivery.sent_at is not None:
        check_window(delivery.sent_at, now)
    for record in delivery.records:
        for message in record.messages:
            refuse_future_turn(message.sent_at, now, f"the time of message {message.external_id}")
    conversation_key = delivery.records[0].external_id if delivery.records else vendor.name
    integration_id = integration.id

    def store() -> tuple[WriteCounts, int]:
        if not first_delivery(session, integration_id, conversation_key, delivery.key, now):
            named = [record.external_id for record in delivery.records]
            raise Replayed(
                "this delivery was received before: nothing stored",
                stored_conversation_ids(session, vendor.name, named),
            )
        written = write_conversations(session, vendor.name, delivery.records, newer_only=True)
        return written, delete_conversations(session, vendor.name, delivery.deleted)

    written, deleted = retried_on_race(session, store)  # turns of one new ticket at once
    integration.last_used_at = now
    forget_old_deliveries(session, now)
    session.commit()
    return WebhookResult(
        written.conversations_created + written.conversations_updated,
        written.messages_created,
        deleted,
        written.new_turn_ids,
    )
