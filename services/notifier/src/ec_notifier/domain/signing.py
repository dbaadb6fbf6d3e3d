"""The signature on subscription deliveries: `X-EC-Signature: t=<unix seconds>,
v1=<hex HMAC-SHA256 of "<t>.<body>">`. Pure; `verify` is the receiver's side,
kept here so the README's recipe is tested code."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

HEADER = "X-EC-Signature"
TOLERANCE_S = 300
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, *, now: int, tolerance_s: int = TOLERANCE_S
) -> bool:
    """True when `header` signs `body` with `secret`, made within the tolerance."""
    pairs = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [value.strip() for key, value in pairs if key.strip() == "t"]
    # Only a plausible Unix time is a timestamp: a thousand digits is not one,
    # and neither is a digit `int` reads from another script.
    if len(stamps) != 1 or not _UNIX_SECONDS.fullmatch(stamps[0]):
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, body, timestamp).split(",v1=", 1)[1]
    return any(
        hmac.compare_digest(expected.encode(), value.strip().encode())
        for key, value in pairs
        if key.strip() == "v1"
    )
