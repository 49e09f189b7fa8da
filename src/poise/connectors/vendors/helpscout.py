"""Help Scout (Mailbox API 2.0): an OAuth token from the app's id and secret, conversations
listed by ``modifiedSince`` with their threads embedded, and webhooks signed
``base64(HMAC-SHA1(secret, body))``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from poise.connectors.client import Api, Seam
from poise.connectors.pull import (
    CredentialField,
    Delivery,
    Page,
    Vendor,
    newest,
    next_page,
    read_cursor,
    turn,
)
from poise.connectors.text import fit, listed, obj, plain, text_id, when, zulu
from poise.connectors.webhooks import base64_hmac, body_digest, json_body, require_match
from poise.conversations.importers.common import ImportLimits
from poise.conversations.records import ConversationRecord, CustomerRecord, MessageRecord
from poise.errors import InvalidInput, PermissionDenied

BASE = "https://api.helpscout.net"
SIGNATURE = "x-helpscout-signature"
EVENT = "x-helpscout-event"
STATUS = {"active": "open", "pending": "pending", "closed": "resolved"}
CHANNEL = {"email": "email", "chat": "chat", "phone": "phone"}
CUSTOMER_THREADS = frozenset(("customer",))
AGENT_THREADS = frozenset(("message", "reply", "chat", "phone"))  # "note" is private


class HelpScout(Vendor):
    name = "helpscout"
    title = "Help Scout"
    fields = (
        CredentialField("app_id", "App ID", hint="from Your Profile > My Apps"),
        CredentialField("app_secret", "App secret", secret=True),
    )
    signature_header = SIGNATURE
    signature_shape = re.compile(r"[A-Za-z0-9+/]{27}=")  # base64 of an HMAC-SHA1
    signature_what = "Help Scout signature"

    def api(self, credentials: Mapping[str, str], seam: Seam) -> Api:
        api = Api(self.title, BASE, seam)
        grant = {
            "grant_type": "client_credentials",
            "client_id": credentials["app_id"],
            "client_secret": credentials["app_secret"],
        }
        token = obj(api.post("/v2/oauth2/token", data=grant)).get("access_token", "")
        api.client.headers["Authorization"] = f"Bearer {token}"
        return api

    def fetch(self, api: Api, cursor: str | None, start: datetime, limits: ImportLimits) -> Page:
        state = read_cursor(cursor, {"since": start.isoformat(), "page": 1})
        params = {
            "status": "all",
            "modifiedSince": zulu(state["since"]),
            "sortField": "modifiedAt",
            "sortOrder": "asc",
            "embed": "threads",
            "page": state["page"],
        }
        data = obj(api.get("/v2/conversations", params))
        found = listed(obj(data.get("_embedded")).get("conversations"))
        conversations = [c for c in found if isinstance(c, dict)]
        page = Page(through=newest([_changed_at(c) for c in conversations]))
        for conversation in conversations:
            _take(conversation, limits, page)
        numbers = obj(data.get("page"))
        more = int(numbers.get("number", 1)) < int(numbers.get("totalPages", 1))
        page.cursor, page.done = next_page(state, more, page.through)
        return page

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> None:
        require_match(
            base64_hmac(secret, body, "sha1"), headers.get(SIGNATURE), "Help Scout signature"
        )

    def delivery(self, headers: Mapping[str, str], body: bytes, limits: ImportLimits) -> Delivery:
        """Help Scout signs the body only: the event name (``X-HelpScout-Event``) is not
        signed, so what the body is must agree with it, and the window is read from the body.
        """
        data = json_body(body)
        key = body_digest(body)
        sent_at = _sent_at(data)
        if headers.get(EVENT) == "convo.deleted":
            if sent_at is not None:
                raise InvalidInput(
                    "a convo.deleted delivery carries only the conversation id, and this body "
                    "is a whole conversation: its event header does not match the body"
                )
            return Delivery(key, None, deleted=[_required_id(data)])  # {"id": n}: no time
        if not str(headers.get(EVENT, "")).startswith("convo."):
            return Delivery(key, None)  # not a conversation: nothing is stored
        if sent_at is None:
            raise PermissionDenied(
                "the Help Scout conversation carries no time (createdAt, userUpdatedAt or a "
                "thread's createdAt), so its freshness cannot be checked: nothing stored"
            )
        page = Page()
        _take(data, limits, page)
        if page.deleted:
            return Delivery(key, sent_at, deleted=page.deleted)
        return Delivery(key, sent_at, page.records)


def _required_id(data: dict[str, Any]) -> str:
    conversation_id = text_id(data.get("id"))
    if not conversation_id:
        raise InvalidInput("id: the conversation id is missing")
    return conversation_id


def _sent_at(conversation: dict[str, Any]) -> datetime | None:
    """A webhook's delivery time, read from the signed body (Help Scout sends no other): the
    conversation's newest change, or its creation when it names no change."""
    return newest([_changed_at(conversation), when(conversation.get("createdAt"))])


def _changed_at(conversation: dict[str, Any]) -> datetime | None:
    """When the conversation last changed: its last update or its newest thread."""
    threads = listed(obj(conversation.get("_embedded")).get("threads"))
    times = [when(t.get("createdAt")) for t in threads if isinstance(t, dict)]
    return newest([when(conversation.get("userUpdatedAt")), *times])


def _take(conversation: dict[str, Any], limits: ImportLimits, page: Page) -> None:
    conversation_id = _required_id(conversation)
    if conversation.get("state") == "deleted" or conversation.get("status") == "spam":
        page.deleted.append(conversation_id)
        return
    record = _record(conversation_id, conversation, limits)
    if record.messages:
        page.records.append(record)
    elif conversation.get("state") != "draft":
        page.refused.append(f"conversation {conversation_id}: no customer-visible thread")


def _record(
    conversation_id: str, conversation: dict[str, Any], limits: ImportLimits
) -> ConversationRecord:
    threads = listed(obj(conversation.get("_embedded")).get("threads"))
    messages = [m for t in threads if isinstance(t, dict) and (m := _thread(t, limits))]
    messages.sort(key=lambda m: m.sent_at)
    status = STATUS.get(str(conversation.get("status")))
    tags = [fit(t.get("tag"), 120) for t in listed(conversation.get("tags")) if isinstance(t, dict)]
    assignee = obj(conversation.get("assignee"))
    return ConversationRecord(
        external_id=conversation_id,
        channel=CHANNEL.get(str(conversation.get("type")), "email"),
        messages=messages,
        subject=fit(conversation.get("subject"), 300),
        tags=[t for t in tags if t],
        status=status,
        opened_at=when(conversation.get("createdAt")),
        resolved_at=when(conversation.get("closedAt")) if status == "resolved" else None,
        customer=_customer(conversation.get("primaryCustomer")),
        assignee_email=assignee.get("email") if isinstance(assignee.get("email"), str) else None,
    )


def _thread(thread: dict[str, Any], limits: ImportLimits) -> MessageRecord | None:
    """A customer's or an agent's thread; notes and line items are not messages."""
    kind = thread.get("type")
    author = obj(thread.get("createdBy"))
    if kind in CUSTOMER_THREADS or (kind == "chat" and author.get("type") == "customer"):
        role = "customer"
    elif kind in AGENT_THREADS:
        role = "agent"
    else:
        return None
    body = plain(thread.get("body"))
    return turn(
        text_id(thread.get("id")), role, body, when(thread.get("createdAt")), author, limits
    )


def _customer(person: Any) -> CustomerRecord | None:
    if not isinstance(person, dict) or not text_id(person.get("id")):
        return None
    name = fit(f"{person.get('first') or ''} {person.get('last') or ''}", 200)
    email = person.get("email") if isinstance(person.get("email"), str) else None
    return CustomerRecord(text_id(person.get("id")), name, email)
