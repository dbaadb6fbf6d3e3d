"""What the delivery log keeps of another system's answer, or of a request
that got none. The log is read by auditors and operators: it must never become
a window onto a receiver's internals (an error page, a stack trace) nor tell
an open port from a closed one, so it keeps a status, a short printable
excerpt, and coarse reasons."""

from __future__ import annotations

import httpx

from ec_notifier.store.claims import Outcome
from ec_platform.outbound.policy import OutboundRefused

EXCERPT_CHARS = 100


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of `text`, control characters dropped and
    runs of white space made one space."""
    printable = "".join(c if c.isprintable() else " " for c in text[: limit * 4])
    short = " ".join(printable.split())
    return short if len(short) <= limit else short[: limit - 1] + "…"


def unanswered(error: Exception, prefix: str = "") -> Outcome:
    """The outcome of a request that got no answer: refused by the outbound
    policy (for good), or could not connect, timed out, broke off (for now)."""
    if isinstance(error, OutboundRefused):
        # Our own refusal, which says nothing of the host's health.
        return Outcome(False, f"{prefix}{error}", permanent=True, host_ok=True)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        # Refused, reset and timed out read the same: no port scan through us.
        return Outcome(False, f"{prefix}could not connect", host_ok=False)
    if isinstance(error, httpx.TimeoutException):
        return Outcome(False, f"{prefix}timed out", host_ok=False)
    return Outcome(False, f"{prefix}no answer ({type(error).__name__})", host_ok=False)
