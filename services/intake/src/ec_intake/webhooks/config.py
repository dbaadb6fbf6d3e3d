"""How one source's webhooks become incidents: a frozen, validated model, so a
mistyped configuration fails at start-up rather than on the first webhook.

`paths` say where a field lives in the payload: a dotted path (`fields.summary`,
`alerts.0.labels.severity`) or several, the first one present winning. Its keys are
incident fields (`title`, `service`, `customer.id`, ...) or `attributes.<name>`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from ec_events.base import Name, Priority

Platform = Literal["servicenow", "jira", "pagerduty", "alertmanager", "generic"]
SignatureScheme = Literal["pagerduty", "ec-hmac"]
Paths = str | Annotated[tuple[str, ...], Field(min_length=1)]
Tier = Annotated[str, Field(min_length=1, max_length=40)]

MAPPABLE_FIELDS = frozenset(
    {
        "external_id",
        "title",
        "priority",
        "customer.id",
        "customer.name",
        "customer.tier",
        "service",
        "sla_breached",
        "reopen_count",
        "customer_escalation_requested",
        "status",
        "occurred_at",
    }
)
DEFAULT_HEADERS: dict[SignatureScheme, str] = {
    "pagerduty": "X-PagerDuty-Signature",
    "ec-hmac": "X-EC-Signature",
}


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CustomerDefault(_Config):
    id: Name
    name: Name
    tier: Tier


class SignatureConfig(_Config):
    """Checked only when `secrets` holds at least one secret; several allow a
    rotation without downtime. Secrets are `SecretStr`: never shown in reprs or logs."""

    scheme: SignatureScheme = "ec-hmac"
    header: str | None = None
    secrets: tuple[SecretStr, ...] = ()
    # ec-hmac only: how far the signed timestamp may be from now, either way.
    tolerance_seconds: int = Field(default=300, ge=1, le=86_400)

    @property
    def enabled(self) -> bool:
        return bool(self.secrets)

    @property
    def header_name(self) -> str:
        return self.header or DEFAULT_HEADERS[self.scheme]


class MappedCustomer(_Config):
    """The customer a mapping names: without `name` the id is shown; without
    `tier`, the source's `customer_tiers` and `default_tier` decide."""

    id: Name
    name: Name | None = None
    tier: Tier | None = None


class CustomerMapping(_Config):
    """Whose incident it is, for platforms without a customer of their own: the
    value at `path` (in the payload's incident record, as `paths` read it; an id
    or a name; in a list, any item) -> the customer it belongs to. A PagerDuty
    service or team, a Jira organisation, project or custom field, an alert label."""

    path: Paths
    customers: dict[Annotated[str, Field(min_length=1)], MappedCustomer] = Field(min_length=1)


UNKNOWN_CUSTOMER = CustomerDefault(id="unknown", name="Unknown customer", tier="standard")


class SourceConfig(_Config):
    source: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    platform: Platform
    # Platform value (matched exactly, then ignoring case) -> P1..P5.
    priority_map: dict[str, Priority] = Field(default_factory=dict)
    # Used when the payload names no priority, or one `priority_map` lacks (the
    # platform's own value stays in attributes); None refuses such a delivery.
    default_priority: Priority | None = "P3"
    # Platform value -> open, in_progress, on_hold, resolved, closed, ...
    status_map: dict[str, str] = Field(default_factory=dict)
    default_status: str = Field(default="open", min_length=1, max_length=40)
    # Tried in order before the payload's own customer fields (`paths`): the
    # first mapping that lists the payload's value names the customer.
    customer_mappings: tuple[CustomerMapping, ...] = ()
    # The whole customer, when neither a mapping nor the payload names one; the
    # incident is then flagged `customer_resolved: false`. None refuses it instead.
    default_customer: CustomerDefault | None = UNKNOWN_CUSTOMER
    # The tier of a named customer: `customer_tiers[id]`, else `default_tier`.
    customer_tiers: dict[str, Tier] = Field(default_factory=dict)
    default_tier: Tier = "standard"
    # When the payload names no service; None refuses such a delivery.
    default_service: Name | None = "unknown"
    paths: dict[str, Paths] = Field(default_factory=dict)
    # Field -> fixed value, for what the payload does not say.
    constants: dict[str, Any] = Field(default_factory=dict)
    # Field -> {payload value: incident value}; priority and status use their own maps.
    value_maps: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # The event types that describe an incident; a delivery of any other type is
    # acknowledged and ignored. Jira and PagerDuty name theirs; a generic source
    # says where its type is in `event_type_path` (without it, every delivery counts).
    event_types: tuple[str, ...] = ()
    event_type_path: str | None = None
    signature: SignatureConfig = SignatureConfig()

    @model_validator(mode="after")
    def _known_fields(self) -> SourceConfig:
        for setting in ("paths", "constants", "value_maps"):
            for key in getattr(self, setting):
                if key not in MAPPABLE_FIELDS and not key.startswith("attributes."):
                    raise ValueError(f"{setting}: {key!r} is not an incident field")
        for key in ("priority", "status"):
            if key in self.value_maps:
                raise ValueError(f"value_maps: map {key} with {key}_map instead")
        if self.platform == "generic":
            for needed in ("external_id", "title"):
                if needed not in self.paths and needed not in self.constants:
                    raise ValueError(f"a generic source needs paths[{needed!r}]")
        return self

    @model_validator(mode="after")
    def _event_type_path_for_generic(self) -> SourceConfig:
        if self.event_type_path is None:
            return self
        if self.platform != "generic":
            raise ValueError("event_type_path: only a generic source says where its type is")
        if not self.event_types:
            raise ValueError("event_type_path needs event_types: the types that are incidents")
        return self
