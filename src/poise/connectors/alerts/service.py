"""Alerts in a running server: the delivery thread, its HTTP client, and the scoring reaction.

The face (:mod:`poise.app`) starts this in its lifespan and hooks :meth:`AlertService.on_scored`
to the conversations' scored event; alerts never import the face, conversations never import
alerts.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Sequence

import httpx
from sqlalchemy.orm import Session, sessionmaker

from poise.connectors.alerts.actions import record_conversation_alerts
from poise.connectors.alerts.channels import Sender
from poise.connectors.alerts.delivery import Dispatcher
from poise.connectors.alerts.targets import Resolver, TargetGuard, system_resolver
from poise.mail import Mailer
from poise.settings import Settings


def target_guard(settings: Settings, resolve: Resolver = system_resolver) -> TargetGuard:
    """Alert addresses checked as the operator set it (``POISE_ALERTS_ALLOW_PRIVATE_HOSTS``)."""
    return TargetGuard(allow_private=settings.alerts_allow_private_hosts, resolve=resolve)


@functools.cache
def verified_tls() -> ssl.SSLContext:
    """The TLS settings alerts are posted with, as httpx makes them (its CA bundle, or
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``), made once per process: reading the CA bundle took
    20-70 ms of every app's start, and the tests start hundreds of apps."""
    return httpx.create_ssl_context()


def make_sender(
    settings: Settings,
    client: httpx.Client | None = None,
    resolve: Resolver = system_resolver,
) -> Sender:
    """The channels as configured: HTTP with the alert timeout, e-mail when SMTP is set.

    Redirects are not followed: a receiver could otherwise send the post on to an address the
    check refuses.
    """
    client = client or httpx.Client(
        timeout=settings.alert_timeout, follow_redirects=False, verify=verified_tls()
    )
    mailer = Mailer.from_url(settings.smtp_url, settings.mail_from)
    return Sender(client, mailer, target_guard(settings, resolve))


class AlertService:
    """Sends alerts on a thread of its own while the server runs."""

    def __init__(
        self,
        settings: Settings,
        maker: sessionmaker[Session],
        client: httpx.Client | None = None,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.base_url = settings.base_url
        self.sender = make_sender(settings, client, resolve)
        self.dispatcher = Dispatcher(maker, self.sender, base_url=settings.base_url)
        self.dispatcher.start()  # also sends what a previous run left due

    def on_scored(self, session: Session, conversation_ids: Sequence[int]) -> None:
        """Live turns were scored: record the alerts they raise, then send them at once."""
        if record_conversation_alerts(session, conversation_ids, base_url=self.base_url):
            self.dispatcher.wake()

    def wake(self) -> None:
        self.dispatcher.wake()

    def shutdown(self) -> None:
        self.dispatcher.shutdown()
        self.sender.client.close()
