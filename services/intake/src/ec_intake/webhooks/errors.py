"""Why a webhook could not become incidents. Only the HTTP layer maps these to
status codes; the suggested mapping is in each class's docstring."""

from __future__ import annotations


class WebhookError(Exception):
    """The base of every webhook failure."""


class NotAnIncident(WebhookError):
    """A genuine webhook that does not describe an incident (PagerDuty's
    `service.updated`, Jira's `comment_created`, ...).

    Answered 422 (`/problems/not-an-incident`) with the reason, publishing
    nothing: subscribe the platform to incident events only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidPayload(WebhookError):
    """The payload lacks or garbles something an incident needs. `field` is the
    dotted path inside the payload (`issue.fields.summary`, `alerts.1.fingerprint`).

    Answer 422 with an `errors` entry naming `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BadSignature(WebhookError):
    """The request's signature is missing, malformed, stale or wrong. `reason`
    never contains a secret or a computed digest.

    Answer 401, before the body is parsed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
