"""The signature on subscription deliveries: `X-EC-Signature: t=<unix seconds>,
v1=<hex HMAC-SHA256 of "<t>.<body>">`. Pure; `verify` is the receiver's side,
kept here so the README's recipe is tested code."""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "X-EC-Signature"
TOLERANCE_S = 300


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, *, now: int, tolerance_s: int = TOLERANCE_S
) -> bool:
    """True when `header` signs `body` with `secret`, made within the tolerance."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, body, timestamp).split(",v1=", 1)[1]
    return any(
        hmac.compare_digest(expected, value)
        for key, value in (p.split("=", 1) for p in header.split(",") if "=" in p)
        if key == "v1"
    )
