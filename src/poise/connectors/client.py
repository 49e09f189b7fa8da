"""The one HTTP client every connector pulls through: JSON, rate limits, errors in plain words.

The transport and the sleep are injected: tests replay recorded responses through
``httpx.MockTransport`` and never wait out a ``Retry-After``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from poise.db.base import utcnow

Sleep = Callable[[float], None]
RETRIES = 5  # 429/503 answers honoured in a row before the sync gives up until next time
LONGEST_WAIT = 900.0  # seconds: a longer Retry-After ends this sync; the next one goes on
TIMEOUT = 30.0


class ConnectorError(Exception):
    """A sync could not go on; the message says why in words an admin can act on."""


@dataclass
class Seam:
    """What a sync talks to the world through: real HTTP by default, a replay in tests."""

    transport: httpx.BaseTransport | None = None
    sleep: Sleep = field(default=time.sleep)


def retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait as the answer asks (seconds or an HTTP date), else a growing pause."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
        except (TypeError, ValueError):
            pass
    return float(2**attempt)


class Api:
    """JSON over HTTPS to one vendor, retrying rate-limited and busy answers."""

    def __init__(
        self,
        title: str,
        base_url: str,
        seam: Seam,
        *,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
    ) -> None:
        self.title = title
        self.sleep = seam.sleep
        self.client = httpx.Client(
            base_url=base_url,
            transport=seam.transport,
            headers={"Accept": "application/json", **(headers or {})},
            auth=auth,
            timeout=TIMEOUT,
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", url, params=params)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """The decoded JSON answer; waits out 429 and 503 as ``Retry-After`` says."""
        for attempt in range(RETRIES + 1):
            response = self._send(method, url, **kwargs)
            if response.status_code not in (429, 503) or attempt == RETRIES:
                return self._json(response)
            wait = retry_after(response, attempt)
            if wait > LONGEST_WAIT:
                raise ConnectorError(
                    f"{self.title} asked us to wait {int(wait)} s before the next request; "
                    "the next sync goes on from here"
                )
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        request = self.client.build_request(method, url, **kwargs)
        self._on_vendor_host(request.url)
        try:
            return self.client.send(request)
        except httpx.TimeoutException as exc:
            raise ConnectorError(f"{self.title} did not answer within {TIMEOUT:.0f} s") from exc
        except httpx.TransportError as exc:
            raise ConnectorError(f"could not reach {self.title}: {exc}") from exc

    def _on_vendor_host(self, url: httpx.URL) -> None:
        """Refuse an address off the vendor's own host. An answer names further pages by full
        address (Zendesk's ``next_page``); followed anywhere, it would take this client's
        credentials, sent with every request, to whatever host it named, an internal one
        (``169.254.169.254``, the cloud metadata service) included."""
        base = self.client.base_url
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            raise ConnectorError(
                f"{self.title} pointed the sync at another host ({url.host or url}); it only "
                f"follows addresses on {base.host}"
            )

    def _json(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise ConnectorError(
                f"{self.title} refused the credentials ({status}): check them on the "
                "connectors page"
            )
        if status == 404:
            raise ConnectorError(
                f"{self.title} has no such address ({response.request.url.path}): check the "
                "account name"
            )
        if status == 429:
            raise ConnectorError(f"{self.title} kept answering 'too many requests'")
        if status >= 400:
            raise ConnectorError(f"{self.title} answered {status} {response.reason_phrase}")
        try:
            return response.json()
        except ValueError as exc:
            raise ConnectorError(f"{self.title} answered something that is not JSON") from exc
