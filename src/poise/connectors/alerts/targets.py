"""Where an alert may post: public ``http(s)`` addresses only, so a rule cannot make Poise
reach inside its own network (server-side request forgery).

A rule's address is checked when the rule is saved and again before every send, because what a
name resolves to can change after it was saved; the send then connects to the very address that
was checked, not to whatever the name resolves to a moment later. Loopback, private, link-local
(``169.254.169.254``, the cloud metadata service), shared (carrier-grade NAT), multicast,
reserved and unspecified addresses are refused, IPv6 forms that carry one of them
(``::ffff:127.0.0.1``, 6to4, NAT64, Teredo) included.

An on-premises deployment whose chat server lives on the internal network sets
``POISE_ALERTS_ALLOW_PRIVATE_HOSTS``; the scheme is checked even then.

Name resolution is injected (:data:`Resolver`) as outbound HTTP is: tests give a resolver that
answers without the network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port)`` → the IP addresses the host name resolves to; raises :class:`OSError`."""

SCHEMES = ("http", "https")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
OPT_IN = "POISE_ALERTS_ALLOW_PRIVATE_HOSTS"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefusedError(Exception):
    """The address may not be posted to; the message says why, in words for the rule's form."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to, in its order of preference."""
    found: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 zone id is not part of it
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class Target:
    """A checked address: the URL as the rule has it, and the addresses to connect to.

    ``addresses`` is empty when the operator allowed internal hosts: the name is then left to
    the HTTP client to resolve, as before.
    """

    url: httpx.URL
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetGuard:
    """Checks alert addresses; ``allow_private`` is the operator's opt-in for internal hosts."""

    allow_private: bool = False
    resolve: Resolver = field(default=system_resolver)

    def check(self, address: str) -> Target:
        """``address`` parsed and resolved, or :class:`TargetRefusedError` saying why not."""
        try:
            url = httpx.URL(address)
        except httpx.InvalidURL:
            raise TargetRefusedError("write a full address starting with https://") from None
        if url.scheme not in SCHEMES or not url.host:
            raise TargetRefusedError("write a full address starting with https:// (or http://)")
        if self.allow_private:
            return Target(url)
        host = url.host
        literal = _ip(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            addresses = self._resolved(host, url.port or (443 if url.scheme == "https" else 80))
        for found in addresses:
            why = internal(found)
            if why:
                said = host if literal is not None else f"{host} resolves to {found}, which"
                raise TargetRefusedError(
                    f"{said} is {why}: alerts go only to public addresses (the operator can "
                    f"allow internal ones with {OPT_IN})"
                )
        return Target(url, tuple(addresses))

    def _resolved(self, host: str, port: int) -> list[str]:
        try:
            addresses = list(self.resolve(host, port))
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise TargetRefusedError(f"no address found for {host}: check the spelling")
        return addresses


def _ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def internal(address: str) -> str:
    """Why ``address`` is not a public one (e.g. ``"a loopback address"``), or ``""``."""
    ip = _ip(address)
    if ip is None:
        return "not an IP address"
    for inner in _carried(ip):
        why = internal(str(inner))
        if why:
            return why
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for hit, why in checks if hit), "")


def _carried(ip: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    carried = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in NAT64:
        carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [inner for inner in carried if inner is not None]
