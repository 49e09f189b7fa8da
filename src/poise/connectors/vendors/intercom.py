"""Intercom: conversations found by ``updated_at`` through the search API, each read whole
with its ``conversation_parts``; webhooks signed ``X-Hub-Signature: sha1=<hex HMAC-SHA1>``
with the app's client secret.
"""

from __future__ import annotations

import hashlib
import hmac
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
    read_cursor,
    turn,
    write_cursor,
)
from poise.connectors.text import fit, listed, obj, plain, text_id, when
from poise.connectors.webhooks import json_body, require_match
from poise.conversations.importers.common import ImportLimits, priority_tag
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    RatingRecord,
)
from poise.errors import InvalidInput, PermissionDenied

BASE = "https://api.intercom.io"
VERSION = "2.11"
PER_PAGE = 50
SIGNATURE = "x-hub-signature"
STATUS = {"open": "open", "snoozed": "pending", "closed": "resolved"}
CHANNEL = {"email": "email", "twitter": "social", "facebook": "social", "phone_call": "phone"}
CUSTOMERS = frozenset(("user", "lead", "contact"))
MESSAGE_PARTS = frozenset(("comment", "open", "close"))  # "note" is private


class Intercom(Vendor):
    name = "intercom"
    title = "Intercom"
    fields = (CredentialField("access_token", "Access token", secret=True),)
    signature_header = SIGNATURE
    signature_shape = re.compile(r"sha1=[0-9a-f]{40}")  # hex of an HMAC-SHA1
    signature_what = "Intercom signature"

    def api(self, credentials: Mapping[str, str], seam: Seam) -> Api:
        headers = {
            "Authorization": f"Bearer {credentials['access_token']}",
            "Intercom-Version": VERSION,
        }
        return Api(self.title, BASE, seam, headers=headers)

    def fetch(self, api: Api, cursor: str | None, start: datetime, limits: ImportLimits) -> Page:
        state = read_cursor(cursor, {"since": int(start.timestamp()), "after": None})
        pagination: dict[str, Any] = {"per_page": PER_PAGE}
        if state.get("after"):
            pagination["starting_after"] = state["after"]
        query = {
            "query": {"field": "updated_at", "operator": ">", "value": int(state["since"]) - 1},
            "sort": {"field": "updated_at", "order": "ascending"},
            "pagination": pagination,
        }
        data = obj(api.post("/conversations/search", json=query))
        found = [c for c in listed(data.get("conversations")) if isinstance(c, dict)]
        page = Page(through=newest([when(c.get("updated_at")) for c in found]))
        for summary in found:
            _take(api.get(f"/conversations/{text_id(summary.get('id'))}"), limits, page)
        after = obj(obj(data.get("pages")).get("next")).get("starting_after")
        since = int(page.through.timestamp()) if page.through else int(state["since"])
        if after:
            page.cursor, page.done = write_cursor(since=state["since"], after=after), False
        else:
            page.cursor, page.done = write_cursor(since=since, after=None), True
        return page

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> None:
        digest = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        require_match(f"sha1={digest}", headers.get(SIGNATURE), "Intercom signature")

    def delivery(self, headers: Mapping[str, str], body: bytes, limits: ImportLimits) -> Delivery:
        data = json_body(body)
        key = text_id(data.get("id"))
        if not key:
            raise InvalidInput("id: the notification id is missing")
        sent_at = when(data.get("created_at"))
        if sent_at is None:  # every notification carries it, signed: without it, no window
            raise PermissionDenied(
                "the Intercom notification's created_at is missing or unreadable, so its "
                "freshness cannot be checked: nothing stored"
            )
        item = obj(data.get("data")).get("item")
        topic = str(data.get("topic", ""))
        if not topic.startswith("conversation.") or not isinstance(item, dict):
            return Delivery(key, sent_at)
        if topic == "conversation.deleted":
            return Delivery(key, sent_at, deleted=[text_id(item.get("id"))])
        page = Page()
        _take(item, limits, page)
        return Delivery(key, sent_at, page.records)


def _take(conversation: Any, limits: ImportLimits, page: Page) -> None:
    if not isinstance(conversation, dict) or not text_id(conversation.get("id")):
        raise InvalidInput("a conversation without an id")
    record = _record(conversation, limits)
    if record.messages:
        page.records.append(record)
    else:
        page.refused.append(f"conversation {record.external_id}: no customer-visible message")


def _record(conversation: dict[str, Any], limits: ImportLimits) -> ConversationRecord:
    conversation_id = text_id(conversation.get("id"))
    source = obj(conversation.get("source"))
    parts = listed(obj(conversation.get("conversation_parts")).get("conversation_parts"))
    opening = _part(
        {**source, "part_type": "comment", "created_at": conversation.get("created_at")},
        limits,
        f"{conversation_id}-source",
    )
    messages = [opening] if opening else []
    messages += [m for p in parts if isinstance(p, dict) and (m := _part(p, limits))]
    messages.sort(key=lambda m: m.sent_at)
    status = STATUS.get(str(conversation.get("state")))
    tags = listed(obj(conversation.get("tags")).get("tags"))
    return ConversationRecord(
        external_id=conversation_id,
        channel=CHANNEL.get(str(source.get("type")), "chat"),
        messages=messages,
        subject=fit(plain(source.get("subject")) or conversation.get("title"), 300),
        tags=[fit(t.get("name"), 120) for t in tags if isinstance(t, dict) and t.get("name")]
        + priority_tag("high" if conversation.get("priority") == "priority" else None),
        status=status,
        opened_at=when(conversation.get("created_at")),
        resolved_at=when(conversation.get("updated_at")) if status == "resolved" else None,
        customer=_customer(conversation, source),
        rating=_rating(conversation.get("conversation_rating")),
    )


def _part(
    part: dict[str, Any], limits: ImportLimits, external_id: str = ""
) -> MessageRecord | None:
    """A customer's or a teammate's message; a ``note`` is private, events carry no text."""
    if part.get("part_type") not in MESSAGE_PARTS:
        return None
    author = obj(part.get("author"))
    role = "customer" if author.get("type") in CUSTOMERS else "agent"
    part_id = external_id or text_id(part.get("id"))
    return turn(
        part_id, role, plain(part.get("body")), when(part.get("created_at")), author, limits
    )


def _customer(conversation: dict[str, Any], source: dict[str, Any]) -> CustomerRecord | None:
    contacts = listed(obj(conversation.get("contacts")).get("contacts"))
    author = obj(source.get("author"))
    contact = contacts[0] if contacts and isinstance(contacts[0], dict) else author
    contact_id = text_id(contact.get("id"))
    if not contact_id:
        return None
    email = author.get("email") if author.get("type") in CUSTOMERS else None
    language = contact.get("language_override") or contact.get("browser_language")
    return CustomerRecord(
        contact_id,
        fit(author.get("name"), 200) if author.get("type") in CUSTOMERS else "",
        email if isinstance(email, str) and "@" in email else None,
        fit(language, 35) or None,
    )


def _rating(answer: Any) -> RatingRecord | None:
    if not isinstance(answer, dict) or not isinstance(answer.get("rating"), int):
        return None
    rated_at = when(answer.get("created_at"))
    score = answer["rating"]
    if rated_at is None or not 1 <= score <= 5:
        return None
    return RatingRecord("five", score, rated_at, fit(answer.get("remark"), 2000))
