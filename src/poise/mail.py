"""Outbound e-mail over SMTP, configured by one URL (``POISE_SMTP_URL``).

Unset, Poise sends no mail at all: every reminder still shows in the app. One connection
serves a whole batch, so a morning's reminders cost one login to the mail server.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal
from urllib.parse import unquote, urlsplit

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand mail over: host, port, security and optional login."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp+starttls://user:pass@host:587`` → an :class:`SmtpServer`; ValueError if unusable."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"POISE_SMTP_URL must start with one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    if not parts.hostname:
        raise ValueError("POISE_SMTP_URL needs a host, e.g. smtp://mail.example.com:25")
    security, default_port = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError("POISE_SMTP_URL has a port that is not a number") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class Mailer:
    """Sends :class:`EmailMessage` objects through one SMTP server, From one address."""

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    @classmethod
    def from_url(cls, url: str | None, sender: str) -> Mailer | None:
        """The configured mailer, or None when no SMTP URL is set."""
        return cls(parse_smtp_url(url), sender) if url else None

    def message(self, *, to: str, subject: str, text: str) -> EmailMessage:
        """A plain-text message from this mailer's sender."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        return message

    @contextmanager
    def connection(self) -> Iterator[smtplib.SMTP]:
        """One logged-in SMTP connection; ``OSError`` or ``SMTPException`` when that fails."""
        server = self.server
        client: smtplib.SMTP
        if server.security == "tls":
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if server.username:
                client.login(server.username, server.password or "")
            yield client
