"""Freshdesk: tickets listed by ``updated_since`` (oldest change first), each ticket's
conversations and satisfaction ratings, and an automation-rule webhook proven by a shared
secret header (Freshdesk signs nothing).

Freshdesk's ticket list leaves out deleted and spam tickets unless a filter asks for them, so
each run that reaches the end of the listing also reads the ``filter=deleted`` list once.
"""

from __future__ import annotations

import hashlib
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
from poise.connectors.text import fit, obj, plain, text_id, when, zulu
from poise.connectors.webhooks import body_digest, json_body, require_match
from poise.conversations.importers.common import ImportLimits, priority_tag
from poise.conversations.records import (
    ConversationRecord,
    CustomerRecord,
    MessageRecord,
    RatingRecord,
)
from poise.db.base import utcnow
from poise.errors import InvalidInput

TICKETS = "/api/v2/tickets"
PER_PAGE = 100
LAST_PAGE = 300  # Freshdesk lists at most this many pages of one query
SECRET_HEADER = "x-poise-freshdesk-secret"  # noqa: S105 - a header name
STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "resolved"}
NAMED_STATUS = {"open": "open", "pending": "pending", "resolved": "resolved", "closed": "resolved"}
CHANNEL = {1: "email", 2: "email", 3: "phone", 7: "chat", 9: "chat", 10: "email"}
CHANNEL_NAMES = {"email": "email", "portal": "email", "phone": "phone", "chat": "chat"}
# Freshdesk numbers its priorities; Poise stores them as a `priority:…` tag.
PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}


def five_point(value: Any) -> int | None:
    """Freshdesk's answer (103 extremely happy … -103 extremely unhappy) on a 1-5 scale."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return {103: 5, 102: 5, 101: 4, 100: 3, -101: 2, -102: 1, -103: 1}.get(value)


class Freshdesk(Vendor):
    name = "freshdesk"
    title = "Freshdesk"
    fields = (
        CredentialField(
            "domain",
            "Domain",
            pattern=r"[a-z0-9][a-z0-9-]{0,62}",
            hint="acme for acme.freshdesk.com",
        ),
        CredentialField("api_key", "API key", secret=True),
    )
    signature_header = SECRET_HEADER
    signature_shape = re.compile(r".{1,128}", re.DOTALL)  # the shared secret, as stored
    signature_what = "Freshdesk shared secret"

    def api(self, credentials: Mapping[str, str], seam: Seam) -> Api:
        base = f"https://{credentials['domain']}.freshdesk.com"
        return Api(self.title, base, seam, auth=(credentials["api_key"], "X"))

    def fetch(self, api: Api, cursor: str | None, start: datetime, limits: ImportLimits) -> Page:
        state = read_cursor(cursor, {"since": start.isoformat(), "page": 1})
        params = {
            "updated_since": zulu(state["since"]),
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": PER_PAGE,
            "page": state["page"],
            "include": "requester,description",  # the list leaves description_text out
        }
        tickets = [t for t in api.get(TICKETS, params) or [] if isinstance(t, dict)]
        page = Page(through=newest([when(t.get("updated_at")) for t in tickets]))
        for ticket in tickets:
            _take(api, ticket, limits, page)
        page.cursor, page.done = next_page(state, len(tickets) == PER_PAGE, page.through, LAST_PAGE)
        if page.done:
            page.deleted.extend(_deleted_since(api, state["since"]))
        return page

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> None:
        require_match(secret, headers.get(SECRET_HEADER), "Freshdesk shared secret")

    def delivery(self, headers: Mapping[str, str], body: bytes, limits: ImportLimits) -> Delivery:
        data = json_body(body).get("freshdesk_webhook")
        if not isinstance(data, dict):
            raise InvalidInput('expected {"freshdesk_webhook": {...}}')
        sent_at = when(data.get("ticket_updated_at"))
        return Delivery(body_digest(body), sent_at, _webhook_records(data, limits))


def _deleted_since(api: Api, since: str) -> list[str]:
    """Tickets deleted since ``since``, newest first (one page: the run after next takes the
    rest, and forgetting a ticket twice changes nothing)."""
    params = {
        "filter": "deleted",
        "updated_since": zulu(since),
        "order_by": "updated_at",
        "order_type": "desc",
        "per_page": PER_PAGE,
    }
    found = api.get(TICKETS, params) or []
    return [text_id(t.get("id")) for t in found if isinstance(t, dict) and text_id(t.get("id"))]


def _take(api: Api, ticket: dict[str, Any], limits: ImportLimits, page: Page) -> None:
    ticket_id = text_id(ticket.get("id"))
    if ticket.get("deleted") or ticket.get("spam"):
        page.deleted.append(ticket_id)
        return
    base = f"{TICKETS}/{ticket_id}"
    notes = _all_pages(api, f"{base}/conversations")
    ratings = _all_pages(api, f"{base}/satisfaction_ratings")
    record = _record(ticket, notes, ratings, limits)
    if record.messages:
        page.records.append(record)
    else:
        page.refused.append(f"ticket {ticket_id}: no public message to import")


def _all_pages(api: Api, url: str) -> list[dict[str, Any]]:
    """Every item of a paged list (Freshdesk pages by ``page``; a short page is the last)."""
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        batch = api.get(url, {"per_page": PER_PAGE, "page": number}) or []
        items.extend(item for item in batch if isinstance(item, dict))
        if len(batch) < PER_PAGE:
            return items
        number += 1


def _record(
    ticket: dict[str, Any],
    notes: list[dict[str, Any]],
    ratings: list[dict[str, Any]],
    limits: ImportLimits,
) -> ConversationRecord:
    ticket_id = text_id(ticket.get("id"))
    requester = obj(ticket.get("requester"))
    requester_id = text_id(ticket.get("requester_id"))
    first = turn(
        f"{ticket_id}-description",
        "customer",
        fit(
            ticket.get("description_text") or plain(ticket.get("description")),
            limits.max_message_chars,
        ),
        when(ticket.get("created_at")),
        requester,
        limits,
    )
    messages = [first] if first else []
    messages += [m for note in notes if (m := _note(note, requester_id, requester, limits))]
    messages.sort(key=lambda m: m.sent_at)
    status = STATUS.get(ticket.get("status"))  # type: ignore[arg-type]
    return ConversationRecord(
        external_id=ticket_id,
        channel=CHANNEL.get(ticket.get("source"), "email"),  # type: ignore[arg-type]
        messages=messages,
        subject=fit(ticket.get("subject"), 300),
        tags=[fit(t, 120) for t in ticket.get("tags") or [] if isinstance(t, str)]
        + priority_tag(PRIORITY.get(ticket.get("priority"))),  # type: ignore[arg-type]
        status=status,
        opened_at=when(ticket.get("created_at")),
        resolved_at=when(ticket.get("updated_at")) if status == "resolved" else None,
        customer=_customer(requester_id, requester),
        rating=_rating(ratings),
    )


def _note(
    note: dict[str, Any], requester_id: str, requester: Any, limits: ImportLimits
) -> MessageRecord | None:
    """A public reply; a private note (``private: true``) is not a customer message."""
    if note.get("private"):
        return None
    customer = bool(note.get("incoming")) or text_id(note.get("user_id")) == requester_id
    body = fit(note.get("body_text") or plain(note.get("body")), limits.max_message_chars)
    person = requester if customer else {}
    role = "customer" if customer else "agent"
    return turn(text_id(note.get("id")), role, body, when(note.get("created_at")), person, limits)


def _customer(requester_id: str, requester: Any) -> CustomerRecord | None:
    if not requester_id:
        return None
    name = fit(requester.get("name"), 200) if isinstance(requester, dict) else ""
    email = requester.get("email") if isinstance(requester, dict) else None
    language = requester.get("language") if isinstance(requester, dict) else None
    return CustomerRecord(
        requester_id,
        name,
        email if isinstance(email, str) and "@" in email else None,
        fit(language, 35) or None,
    )


def _rating(ratings: list[dict[str, Any]]) -> RatingRecord | None:
    for answer in ratings:
        scores = obj(answer.get("ratings"))
        score = five_point(scores.get("default_question")) if scores else None
        rated_at = when(answer.get("updated_at") or answer.get("created_at"))
        if score is not None and rated_at is not None:
            return RatingRecord("five", score, rated_at, fit(answer.get("feedback"), 2000))
    return None


def _webhook_records(data: dict[str, Any], limits: ImportLimits) -> list[ConversationRecord]:
    """The ticket's latest public reply, from the JSON body the automation rule sends."""
    ticket_id = text_id(data.get("ticket_id"))
    if not ticket_id:
        raise InvalidInput("freshdesk_webhook.ticket_id is missing")
    body = fit(plain(data.get("ticket_latest_public_comment")), limits.max_message_chars)
    if not body:
        return []
    role = "agent" if data.get("author_role") == "agent" else "customer"  # set by the rule
    requester = {"name": data.get("ticket_contact_name"), "email": data.get("ticket_contact_email")}
    key = hashlib.sha1(f"{ticket_id}|{role}|{body}".encode(), usedforsecurity=False).hexdigest()
    message = MessageRecord(key, role, body, when(data.get("ticket_updated_at")) or utcnow())
    if role == "customer":
        message.author_name = fit(requester["name"], 200)
    return [
        ConversationRecord(
            external_id=ticket_id,
            channel=CHANNEL_NAMES.get(str(data.get("ticket_source", "")).lower(), "email"),
            messages=[message],
            subject=fit(data.get("ticket_subject"), 300),
            status=NAMED_STATUS.get(str(data.get("ticket_status", "")).lower()),
        )
    ]
