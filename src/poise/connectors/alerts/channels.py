"""Where alerts go: a Slack-compatible incoming webhook, a signed JSON webhook, or e-mail.

**Slack-compatible**: ``POST`` of ``{"text": ..., "blocks": [...]}``; Slack, Mattermost,
Rocket.Chat and Microsoft Teams' Slack-compatible connectors read ``text`` at least.

**Signed JSON webhook**: ``POST`` of the alert as JSON with

- ``X-Poise-Timestamp``: the sending time in Unix seconds;
- ``X-Poise-Signature``: ``sha256=<hex HMAC-SHA256(secret, "{timestamp}.{raw body}")>``, the
  scheme of Poise's own incoming webhook, with the rule's secret;
- ``X-Poise-Delivery``: the delivery id, the same on every retry, so a receiver can drop a
  repeat (delivery is at least once);
- ``X-Poise-Event``: ``early_warning``, ``escalating``, ``hotspot``, ``digest``, ``summary``
  or ``test``.

A receiver recomputes the signature over the raw body and refuses a timestamp more than a few
minutes old. **E-mail** goes through the configured mailer (``POISE_SMTP_URL``).

Outbound HTTP goes through the :class:`httpx.Client` the face hands in (tests give theirs).
Before each ``POST`` the address is checked again (:mod:`.targets`): what a name resolves to may
have changed since the rule was saved, so the request then goes to the checked address itself,
with the name kept in ``Host`` and in TLS (SNI and the certificate check).
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from poise import __version__
from poise.connectors.alerts.models import AlertDelivery, AlertRule
from poise.connectors.alerts.targets import Target, TargetGuard, TargetRefusedError
from poise.conversations.actions import signature_for
from poise.mail import Mailer

BODY_SHOWN = 120  # characters of a refusing receiver's answer kept in the error


class DeliveryError(Exception):
    """A delivery failed; the message says why in plain words for the rules page."""


def slack_body(delivery: AlertDelivery) -> dict[str, object]:
    """Slack's incoming-webhook shape: ``text`` for every client, ``blocks`` for Slack."""
    title, text = _slack_escape(delivery.title), _slack_escape(delivery.text)
    return {
        "text": f"{title}\n{text}\n<{delivery.link}|Open in Poise>",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{text}"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in Poise"},
                        "url": delivery.link,
                    }
                ],
            },
        ],
    }


def _slack_escape(text: str) -> str:
    """Slack reads ``<…>`` as links and mentions: a customer's ``<!channel>`` stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_body(delivery: AlertDelivery, rule: AlertRule) -> dict[str, object]:
    """The signed webhook's JSON: the alert, what it is about, and where it links."""
    return {
        "id": delivery.id,
        "event": delivery.event,
        "title": delivery.title,
        "text": delivery.text,
        "url": delivery.link,
        "conversation_id": delivery.conversation_id,
        "team": {"id": rule.team_id, "name": rule.team.name},
        "rule": {"id": rule.id, "name": rule.name},
        "created_at": delivery.created_at.isoformat(),
    }


def signed_headers(
    secret: str, body: bytes, delivery: AlertDelivery, now: datetime
) -> dict[str, str]:
    """The headers that let a receiver check who sent ``body`` and when."""
    timestamp = str(int(now.timestamp()))
    return {
        "X-Poise-Timestamp": timestamp,
        "X-Poise-Signature": signature_for(secret, body, timestamp),
        "X-Poise-Delivery": str(delivery.id),
        "X-Poise-Event": delivery.event,
    }


class Sender:
    """Hands one delivery to its rule's channel; raises :class:`DeliveryError` when it fails."""

    def __init__(self, client: httpx.Client, mailer: Mailer | None, guard: TargetGuard) -> None:
        self.client = client
        self.mailer = mailer
        self.guard = guard

    def send(self, rule: AlertRule, delivery: AlertDelivery, now: datetime) -> None:
        if rule.channel == "email":
            self._mail(rule.target, delivery)
        elif rule.channel == "webhook":
            body = _json(webhook_body(delivery, rule))
            self._post(rule.target, body, signed_headers(rule.secret, body, delivery, now))
        else:
            self._post(rule.target, _json(slack_body(delivery)), {})

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        host = httpx.URL(url).host or url
        try:
            target = self.guard.check(url)
        except TargetRefusedError as exc:
            raise DeliveryError(f"not sent: {exc}") from None
        sent = {"Content-Type": "application/json", "User-Agent": f"Poise/{__version__}"}
        sent.update(headers)
        attempts = _pinned(target)
        for number, attempt in enumerate(attempts, 1):
            try:
                response = self.client.post(
                    attempt.url,
                    content=body,
                    headers={**sent, **attempt.host_header},
                    extensions=attempt.extensions,
                )
            except httpx.TimeoutException:
                raise DeliveryError(f"{host} did not answer in time") from None
            except httpx.ConnectError:
                if number < len(attempts):
                    continue  # the name's next address, as a plain connect would try it
                raise DeliveryError(f"could not connect to {host}") from None
            except httpx.HTTPError as exc:
                raise DeliveryError(f"sending to {host} failed: {exc}") from None
            break
        if not response.is_success:
            said = " ".join(response.text.split())[:BODY_SHOWN]
            reason = f"{response.status_code} {response.reason_phrase}".strip()
            raise DeliveryError(f"{host} refused it: {reason}{': ' + said if said else ''}")

    def _mail(self, to: str, delivery: AlertDelivery) -> None:
        if self.mailer is None:
            raise DeliveryError("e-mail alerts need POISE_SMTP_URL; no mail server is set up")
        text = f"{delivery.text}\n\n{delivery.link}\n\n— Poise"
        message = self.mailer.message(to=to, subject=delivery.title, text=text)
        try:
            with self.mailer.connection() as client:
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            server = self.mailer.server
            raise DeliveryError(
                f"the mail server {server.host}:{server.port} refused it: {exc}"
            ) from None


@dataclass(frozen=True)
class _Attempt:
    """One way to reach the receiver: a URL, and the name it stands for in Host and TLS."""

    url: httpx.URL
    host_header: dict[str, str]
    extensions: dict[str, Any]


def _pinned(target: Target) -> list[_Attempt]:
    """Where to send: each checked address in turn, the name kept for ``Host`` and TLS.

    Without checked addresses (internal hosts allowed) the URL as it is, resolved by the client.
    """
    url = target.url
    if not target.addresses:
        return [_Attempt(url, {}, {})]
    tls: dict[str, Any] = {"sni_hostname": url.host} if url.scheme == "https" else {}
    attempts = []
    for address in target.addresses:
        if address == url.host:  # an IP literal: nothing to pin
            attempts.append(_Attempt(url, {}, {}))
        else:
            name = {"Host": url.netloc.decode("ascii")}
            attempts.append(_Attempt(url.copy_with(host=address), name, tls))
    return attempts


def _json(body: dict[str, object]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()
