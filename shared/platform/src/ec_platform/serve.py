"""Running an app as its own process: `python -m ec_<service> [--host] [--port]`."""

from __future__ import annotations

import argparse
import ipaddress
import os
from collections.abc import Callable, Sequence

import uvicorn
from fastapi import FastAPI

from ec_platform.observability.logs import configure_logging
from ec_platform.settings import PlatformSettings


def serve(
    create_app: Callable[..., FastAPI],
    *,
    name: str,
    default_port: int,
    argv: Sequence[str] | None = None,
    told_address: bool = False,
) -> None:
    """`argv` is the options after the program's name (default: the command line's).
    With `told_address`, `create_app` is called with `listening_on`, the address
    it is reached at on this machine (links it hands out follow the real port)."""
    parser = argparse.ArgumentParser(prog=f"python -m ec_{name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("EC_LOG_FORMAT", "text"),
        help="one line a record, each with its trace_id and span_id (default: EC_LOG_FORMAT)",
    )
    args = parser.parse_args(argv)
    configure_logging(args.log_level, args.log_format)
    proxies = trusted_proxies(PlatformSettings().trusted_proxies)
    app = (
        create_app(listening_on=listening_url(args.host, args.port))
        if told_address
        else create_app()
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        # A client's address and scheme come from X-Forwarded-* only when the
        # peer is a proxy named in EC_TRUSTED_PROXIES; rate limits, throttles
        # and the console's cookies depend on them.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


def listening_url(host: str, port: int) -> str:
    """The address a server listening on host:port is reached at from this
    machine: a wildcard host is reached on the loopback."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def trusted_proxies(setting: str) -> list[str]:
    """EC_TRUSTED_PROXIES as addresses and networks; a wrong entry stops the start."""
    entries = [entry.strip() for entry in setting.split(",") if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SystemExit(
                f"EC_TRUSTED_PROXIES: {entry!r} is not an address or a network"
            ) from None
    return entries
