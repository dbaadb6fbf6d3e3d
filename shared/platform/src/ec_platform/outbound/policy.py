"""Where the services may send requests: the outbound policy, pure.

Addresses that people type (a contact's webhook, a subscription's URL, an ITSM
connection's base URL) must not turn the notifier into a way into the network
it runs in: loopback, private, link-local, cloud metadata (169.254.169.254) and
every other address that is not global is refused, unless an operator allowed
its network (`EC_OUTBOUND_ALLOWED_NETWORKS`). `outbound_transport` applies this
to every connection actually made."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("http", "https")
# What each kind of address is called in a refusal, in the order they are asked.
_KINDS = (
    ("is_unspecified", "an unspecified"),
    ("is_loopback", "a loopback"),
    ("is_link_local", "a link-local"),
    ("is_multicast", "a multicast"),
    ("is_private", "a private"),
    ("is_reserved", "a reserved"),
)


class OutboundRefused(Exception):
    """The policy refuses this destination: sending there can never succeed."""


def parse_networks(text: str | None) -> tuple[IPNetwork, ...]:
    """`EC_OUTBOUND_ALLOWED_NETWORKS`: comma-separated CIDRs (a bare address is
    its own /32 or /128); empty or unset allows nothing more."""
    networks = []
    for part in (text or "").split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"EC_OUTBOUND_ALLOWED_NETWORKS: {entry!r} is not a network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def refusal_of(address: IPAddress) -> str | None:
    """What kind of address that is not global `address` is ("a loopback
    address"), IPv4 inside IPv6 included; None for a global one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal_of(address.ipv4_mapped)
    for attribute, kind in _KINDS:
        if getattr(address, attribute):
            return f"{kind} address"
    if not address.is_global:
        return "an address that is not global"
    return None


@dataclass(frozen=True)
class OutboundPolicy:
    """Global addresses, and those inside `allowed`."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_setting(cls, text: str | None) -> OutboundPolicy:
        return cls(parse_networks(text))

    def is_allowed(self, address: IPAddress) -> bool:
        return self.refusal(address) is None

    def refusal(self, address: IPAddress) -> str | None:
        """The kind of refused address `address` is, or None if allowed."""
        kind = refusal_of(address)
        if kind is None or self._inside_allowed(address):
            return None
        return kind

    def check_addresses(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Every address a name has must pass: the one connected to is then
        one of them, whichever it is."""
        for address in addresses:
            kind = self.refusal(address)
            if kind is None:
                continue
            said = (
                f"{address} is {kind}"
                if literal_address(host) == address
                else f"{host} resolves to {address}, {kind}"
            )
            raise OutboundRefused(f"refused: {said} (not in EC_OUTBOUND_ALLOWED_NETWORKS)")

    def check_url(self, url: str) -> tuple[str, IPAddress | None]:
        """The URL's host, and its address when the URL gives one literally
        (then checked here); raises OutboundRefused otherwise."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 (a port out of range raises here)
        except ValueError:
            raise OutboundRefused("refused: not a valid URL") from None
        if parts.scheme.lower() not in SCHEMES:
            raise OutboundRefused("refused: only http and https URLs are allowed")
        if not host:
            raise OutboundRefused("refused: the URL names no host")
        literal = literal_address(host)
        if literal is not None:
            self.check_addresses(host, (literal,))
        return host, literal

    def _inside_allowed(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self.allowed
        )


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally (`[::1]` too), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
