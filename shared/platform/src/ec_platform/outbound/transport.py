"""The outbound policy applied where it counts: on the connection itself.

An httpx transport whose network backend resolves the name itself, checks
every address it gets, and connects to a checked address. The name is resolved
once per connection and never again by anyone else, so a name that answers a
global address to a first look-up and 127.0.0.1 to the next (DNS rebinding)
cannot get through. The request keeps its URL: the Host header, and TLS's SNI
and certificate verification, stay on the original name (httpcore takes them
from the request's origin, not from the address connected to)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

from ec_platform.outbound.policy import IPAddress, OutboundPolicy, OutboundRefused, literal_address

# Resolves (host, port) to addresses; a fake stands in for the DNS in tests.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


async def system_resolver(host: str, port: int) -> Sequence[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_checked(
    policy: OutboundPolicy, host: str, port: int, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """`host`'s addresses, every one of them allowed; OutboundRefused if any is
    not; OSError (socket.gaierror) if the name does not resolve."""
    literal = literal_address(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        addresses = _unique(
            ipaddress.ip_address(a.split("%", 1)[0]) for a in await resolver(host, port)
        )
        if not addresses:
            raise socket.gaierror(f"{host} has no address")
    policy.check_addresses(host, addresses)
    return addresses


async def check_destination(
    policy: OutboundPolicy, url: str, resolver: Resolver = system_resolver
) -> None:
    """Refuses (OutboundRefused) a URL that can never pass: a wrong scheme, a
    refused literal address, a name with a refused address. A name that does not
    resolve now is let through: it may tomorrow, and is checked at each send."""
    host, literal = policy.check_url(url)
    if literal is not None or _never_in_dns(host):
        return
    port = httpx.URL(url).port or (443 if url.lower().startswith("https") else 80)
    try:
        await resolve_checked(policy, host, port, resolver)
    except OSError:
        return


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy allows, the ones it checked."""

    def __init__(
        self,
        policy: OutboundPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve_checked(self.policy, host, port, self.resolver)
        except OSError:
            # Coarse on purpose: what the resolver said is nobody's business.
            raise httpcore.ConnectError("could not resolve the host") from None
        failed: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failed = error
        assert failed is not None
        raise failed

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("refused: unix sockets are not an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class OutboundTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (pool, HTTP/1.1, TLS), its connections made by a
    CheckedBackend. Refuses other schemes before anything is connected. Proxies
    from the environment do not apply to a client given a transport, so they
    cannot route around the check either."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        limits: httpx.Limits | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        limits = limits or httpx.Limits()
        super().__init__(limits=limits)
        self.policy = policy
        # httpx builds its pool without a way to pass a network backend; the
        # pool is the one attribute its transport uses, so this one replaces it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(policy, resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.policy.check_url(str(request.url))
        return await super().handle_async_request(request)


def _never_in_dns(host: str) -> bool:
    # RFC 6761: no public DNS answers these; asking would only be traffic.
    return host.rstrip(".").lower().rpartition(".")[2] in ("example", "invalid", "test")


def _unique(addresses: Iterable[IPAddress]) -> list[IPAddress]:
    return list(dict.fromkeys(addresses))
