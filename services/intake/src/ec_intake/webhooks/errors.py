"""Why a webhook could not become incidents. Only the HTTP layer maps these to
status codes; the suggested mapping is in each class's docstring."""

from __future__ import annotations

from typing import Literal

# Why an authentic, well-formed delivery holds no incident: a Prometheus label
# value, so a short fixed set.
IgnoreReason = Literal["ping", "event_type", "record_type", "no_alerts"]


class WebhookError(Exception):
    """The base of every webhook failure."""


class NotAnIncident(WebhookError):
    """A genuine delivery that does not describe an incident: PagerDuty's test
    event (`pagey.ping`) or `service.updated`, Jira's `comment_created`, a
    ServiceNow problem record, an Alertmanager group without alerts.

    Acknowledged with a 2xx and ignored, recording nothing: platforms treat a 4xx
    as a permanent failure (PagerDuty disables a subscription after three), and
    nothing is wrong with the delivery. `reason` is one of a few codes, `detail`
    says it in words."""

    def __init__(self, reason: IgnoreReason, detail: str) -> None:
        super().__init__(detail)
        self.reason: IgnoreReason = reason
        self.detail = detail


class InvalidPayload(WebhookError):
    """The payload lacks or garbles something an incident needs. `field` is the
    dotted path inside the payload (`issue.key`, `alerts.1.fingerprint`).

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
