"""Native webhooks of ITSM and alerting platforms, read into IncidentIn.

Pure: no HTTP, no I/O. The route `POST /v1/webhooks/{source}` is expected to:

1. find the source's configuration (`source_config(source, overrides)`; unknown
   source: 404);
2. `verify_request(config.signature, request.headers, raw_body, now=time.time())`
   on the raw bytes, before parsing (BadSignature: 401);
3. parse the JSON and call `to_incidents(payload, config)` (InvalidPayload: 422
   naming `error.field`; NotAnIncident: a 2xx saying it was ignored, recording
   nothing, since platforms disable webhooks that keep getting 4xx);
4. record each incident as `POST /v1/incidents` does (Alertmanager sends several).
"""

from ec_intake.webhooks.config import (
    CustomerDefault,
    CustomerMapping,
    MappedCustomer,
    Platform,
    SignatureConfig,
    SourceConfig,
)
from ec_intake.webhooks.defaults import PLATFORM_DEFAULTS, source_config
from ec_intake.webhooks.errors import (
    BadSignature,
    IgnoreReason,
    InvalidPayload,
    NotAnIncident,
    WebhookError,
)
from ec_intake.webhooks.registry import (
    BUILT_IN_SOURCES,
    Mapper,
    delivery_id_of,
    mapper_for,
    to_incidents,
)
from ec_intake.webhooks.signatures import (
    ec_signature,
    header_value,
    pagerduty_signature,
    verify_ec,
    verify_pagerduty,
    verify_request,
)

__all__ = [
    "BUILT_IN_SOURCES",
    "PLATFORM_DEFAULTS",
    "BadSignature",
    "CustomerDefault",
    "CustomerMapping",
    "IgnoreReason",
    "InvalidPayload",
    "MappedCustomer",
    "Mapper",
    "NotAnIncident",
    "Platform",
    "SignatureConfig",
    "SourceConfig",
    "WebhookError",
    "delivery_id_of",
    "ec_signature",
    "header_value",
    "mapper_for",
    "pagerduty_signature",
    "source_config",
    "to_incidents",
    "verify_ec",
    "verify_pagerduty",
    "verify_request",
]
