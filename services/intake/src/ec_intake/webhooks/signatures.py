"""Is a delivery authentic? Pure functions over the raw body and its headers;
every comparison is constant-time, and no error names a secret or a digest.

- PagerDuty: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>`, possibly
  several comma-separated (one per secret during a rotation); any match will do.
- Everything else (`ec-hmac`, the scheme the notifier signs with too):
  `X-EC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; the
  timestamp must be within a tolerance of now, so a captured delivery cannot be
  replayed later. Several `v1=` entries are allowed, as for PagerDuty."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping

from pydantic import SecretStr

from ec_intake.webhooks.config import SignatureConfig
from ec_intake.webhooks.errors import BadSignature

DEFAULT_TOLERANCE_SECONDS = 300
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
# A plausible Unix time: a longer one is no timestamp (and would overflow a float).
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
Secret = str | SecretStr


def _key(secret: Secret) -> bytes:
    text = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return text.encode("utf-8")


def _digest(secret: Secret, message: bytes) -> str:
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def _any_match(message: bytes, candidates: list[str], secrets: Iterable[Secret]) -> bool:
    # No early exit: every pair is compared, in constant time.
    matched = False
    for secret in secrets:
        expected = _digest(secret, message).encode("ascii")
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate.encode("ascii"))
    return matched


def _pairs(header: str) -> list[tuple[str, str]]:
    pairs = []
    for part in header.split(","):
        key, equals, value = part.partition("=")
        if equals:
            pairs.append((key.strip(), value.strip()))
    return pairs


def _v1_signatures(pairs: Iterable[tuple[str, str]]) -> list[str]:
    found = [value.lower() for key, value in pairs if key == "v1"]
    return [value for value in found if _HEX_DIGEST.fullmatch(value)]


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, ignoring case (plain dicts as well as Starlette's Headers)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def pagerduty_signature(body: bytes, secret: Secret) -> str:
    return f"v1={_digest(secret, body)}"


def verify_pagerduty(body: bytes, header: str | None, secrets: Iterable[Secret]) -> None:
    if not header:
        raise BadSignature("missing X-PagerDuty-Signature header")
    candidates = _v1_signatures(_pairs(header))
    if not candidates:
        raise BadSignature("no v1 signature in X-PagerDuty-Signature")
    if not _any_match(body, candidates, secrets):
        raise BadSignature("no signature matches the body")


def ec_signature(body: bytes, secret: Secret, timestamp: int) -> str:
    return f"t={timestamp},v1={_digest(secret, f'{timestamp}.'.encode() + body)}"


def verify_ec(
    body: bytes,
    header: str | None,
    secrets: Iterable[Secret],
    *,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    if not header:
        raise BadSignature("missing X-EC-Signature header")
    pairs = _pairs(header)
    stamps = [value for key, value in pairs if key == "t"]
    candidates = _v1_signatures(pairs)
    if len(stamps) != 1 or not _UNIX_SECONDS.fullmatch(stamps[0]) or not candidates:
        raise BadSignature("malformed X-EC-Signature header: want t=<unix seconds>,v1=<hex>")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_seconds:
        raise BadSignature(f"timestamp more than {tolerance_seconds} s from now")
    if not _any_match(f"{timestamp}.".encode() + body, candidates, secrets):
        raise BadSignature("no signature matches the body")


def verify_request(
    config: SignatureConfig, headers: Mapping[str, str], body: bytes, *, now: float
) -> bool:
    """Raises BadSignature unless the delivery is signed as `config` says.
    Returns False, checking nothing, when no secret is configured (the bearer
    token then authenticates alone), True once a signature matched."""
    if not config.enabled:
        return False
    header = header_value(headers, config.header_name)
    if config.scheme == "pagerduty":
        verify_pagerduty(body, header, config.secrets)
    else:
        verify_ec(body, header, config.secrets, now=now, tolerance_seconds=config.tolerance_seconds)
    return True
