"""Zendesk: the cursor-based incremental ticket export, each ticket's comments, and the
``zen:event-type:ticket.comment_added`` webhook signed ``base64(HMAC-SHA256(timestamp + body))``.

Tickets are read by the file importer's own reader, so a ticket imported from an export file
and the same ticket pulled from the API are one conversation with the same turns. Control
characters (``poise.textcontrols``) are dropped first, as every connector drops them (from
the users' names too, which the reader reads apart from the tickets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from poise.connectors.client import Api, Seam
from poise.connectors.pull import CredentialField, Delivery, Page, Vendor, newest
from poise.connectors.text import obj, text_id, when
from poise.connectors.webhooks import base64_hmac, body_digest, json_body, require_match
from poise.conversations.importers.common import ImportLimits
from poise.conversations.importers.zendesk import ticket_record
from poise.errors import InvalidInput, PermissionDenied
from poise.textcontrols import without_controls_in as scrubbed

EXPORT = "/api/v2/incremental/tickets/cursor.json"
SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
COMMENT_ADDED = "zen:event-type:ticket.comment_added"
DELETED = ("zen:event-type:ticket.soft_deleted", "zen:event-type:ticket.permanently_deleted")
STATUS = {s.upper(): s for s in ("new", "open", "pending", "hold", "solved", "closed")}


class Zendesk(Vendor):
    name = "zendesk"
    title = "Zendesk"
    fields = (
        CredentialField(
            "subdomain",
            "Subdomain",
            pattern=r"[a-z0-9][a-z0-9-]{0,62}",
            hint="acme for acme.zendesk.com",
        ),
        CredentialField("email", "Agent e-mail", pattern=r"[^@\s]+@[^@\s]+"),
        CredentialField("api_token", "API token", secret=True),
    )
    signature_header = SIGNATURE
    signature_shape = re.compile(r"[A-Za-z0-9+/]{43}=")  # base64 of an HMAC-SHA256
    signature_what = "Zendesk signature"

    def unsigned(self, headers: Mapping[str, str]) -> str | None:
        """No signature of Zendesk's shape, or no readable time it was signed at."""
        if problem := super().unsigned(headers):
            return problem
        if when(headers.get(TIMESTAMP)) is None:
            return "the Zendesk signature timestamp is missing or unreadable: nothing read"
        return None

    def api(self, credentials: Mapping[str, str], seam: Seam) -> Api:
        base = f"https://{credentials['subdomain']}.zendesk.com"
        auth = (f"{credentials['email']}/token", credentials["api_token"])
        return Api(self.title, base, seam, auth=auth)

    def fetch(self, api: Api, cursor: str | None, start: datetime, limits: ImportLimits) -> Page:
        params: dict[str, Any] = {"include": "users"}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = int(start.timestamp())
        data = obj(api.get(EXPORT, params))
        page = Page(cursor=data.get("after_cursor") or cursor, done=bool(data.get("end_of_stream")))
        users = list(data.get("users") or [])
        tickets = [t for t in data.get("tickets") or [] if isinstance(t, dict)]
        for ticket in tickets:
            self._take(api, ticket, users, limits, page)
        page.through = newest([when(t.get("updated_at")) for t in tickets])
        return page

    def _take(
        self, api: Api, ticket: dict[str, Any], users: list[Any], limits: ImportLimits, page: Page
    ) -> None:
        ticket_id = text_id(ticket.get("id"))
        if ticket.get("status") == "deleted":
            page.deleted.append(ticket_id)
            return
        comments, authors = _comments(api, ticket_id)
        whole = scrubbed({**ticket, "comments": comments})
        record = ticket_record(whole, scrubbed(users + authors), limits)
        if isinstance(record, list):
            reasons = "; ".join(f"{name}: {why}" for name, why in record[:3])
            page.refused.append(f"ticket {ticket_id}: {reasons}")
            return
        page.records.append(record)

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> None:
        stamp = headers.get(TIMESTAMP, "")
        require_match(
            base64_hmac(secret, stamp.encode() + body, "sha256"),
            headers.get(SIGNATURE),
            "Zendesk signature",
        )

    def delivery(self, headers: Mapping[str, str], body: bytes, limits: ImportLimits) -> Delivery:
        sent_at = when(headers.get(TIMESTAMP))
        if sent_at is None:
            raise PermissionDenied("the Zendesk signature timestamp is missing or unreadable")
        data = json_body(body)
        # The replay key comes from what the signature covers: the event id in the body, else
        # a digest of the body. (The ``X-Zendesk-Webhook-Invocation-Id`` header is not signed:
        # a captured event without an id, sent again with a new invocation id, was a new key.)
        key = text_id(data.get("id")) or body_digest(body)
        if data.get("type") in DELETED:
            return Delivery(key, sent_at, deleted=[_ticket_id(data)])
        if data.get("type") != COMMENT_ADDED:
            return Delivery(key, sent_at)  # other events change nothing Poise keeps
        record = ticket_record(scrubbed(_event_ticket(data)), [], limits)
        if isinstance(record, list):
            if any(name == "comments" for name, _ in record):  # a private note: nothing to keep
                return Delivery(key, sent_at)
            raise InvalidInput("; ".join(f"{name}: {why}" for name, why in record[:3]))
        return Delivery(key, sent_at, [record])


def _comments(api: Api, ticket_id: str) -> tuple[list[Any], list[Any]]:
    """Every comment of a ticket (following ``next_page``) and the users they name."""
    comments: list[Any] = []
    users: list[Any] = []
    url: str | None = f"/api/v2/tickets/{ticket_id}/comments.json"
    params: dict[str, Any] | None = {"include": "users"}
    while url:
        data = obj(api.get(url, params))
        comments.extend(data.get("comments") or [])
        users.extend(data.get("users") or [])
        url, params = data.get("next_page"), None
    return comments, users


def _ticket_id(data: dict[str, Any]) -> str:
    detail = obj(data.get("detail"))
    ticket_id = text_id(detail.get("id")) if detail else ""
    if not ticket_id:
        raise InvalidInput("detail.id: the ticket id is missing")
    return ticket_id


def _event_ticket(data: dict[str, Any]) -> dict[str, Any]:
    """A ``ticket.comment_added`` event as the ticket-with-comments the reader takes."""
    detail = obj(data.get("detail"))
    event = obj(data.get("event"))
    comment = obj(event.get("comment"))
    author = obj(comment.get("author"))
    role = "agent" if author.get("is_staff") else "end-user"
    return {
        "id": _ticket_id(data),
        "subject": detail.get("subject"),
        "status": STATUS.get(str(detail.get("status", "")).upper()),
        "created_at": detail.get("created_at"),
        "requester_id": detail.get("requester_id"),
        "tags": detail.get("tags") or [],
        "priority": detail.get("priority"),
        "via": detail.get("via"),
        "comments": [
            {
                "id": comment.get("id"),
                "body": comment.get("body"),
                "public": comment.get("is_public", True),
                "created_at": data.get("time"),
                "author_id": author.get("id"),
                "author": {"name": author.get("name"), "role": role},
            }
        ],
    }
