"""Whose incident it is: the source's customer mappings, then the payload's own
customer fields, then the default customer, which is flagged as unresolved
rather than passed off as a real customer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ec_intake.webhooks.config import CustomerMapping, MappedCustomer, SourceConfig
from ec_intake.webhooks.errors import InvalidPayload
from ec_intake.webhooks.extract import as_id, as_name, dig, lookup

# The keys under which platforms put an id or a name in a reference object.
_REFERENCE_KEYS = ("value", "id", "key", "name", "display_value", "summary", "displayName")


@dataclass(frozen=True)
class ResolvedCustomer:
    customer: dict[str, str]
    resolved: bool
    # The mapping's path that named the customer, when one did.
    mapped_by: str | None = None


def resolve_customer(
    values: Mapping[str, Any], record: Any, config: SourceConfig, *, where: str
) -> ResolvedCustomer:
    """`values` holds what the payload said (`customer.id`, `.name`, `.tier`);
    `where` is the path reported when a customer is required and none is found."""
    for mapping in config.customer_mappings:
        hit = _mapped(mapping, record)
        if hit is not None:
            path, mapped = hit
            customer = _complete(mapped.id, mapped.name, mapped.tier, config)
            return ResolvedCustomer(customer, True, path)
    customer_id = as_id(values.get("customer.id"))
    if customer_id is not None:
        name, tier = (as_name(values.get(f"customer.{key}")) for key in ("name", "tier"))
        return ResolvedCustomer(_complete(customer_id, name, tier, config), True)
    if config.default_customer is None:
        raise InvalidPayload(where, "missing, and no default customer")
    return ResolvedCustomer(config.default_customer.model_dump(), False)


def _complete(
    customer_id: str, name: str | None, tier: str | None, config: SourceConfig
) -> dict[str, str]:
    return {
        "id": customer_id,
        "name": name or customer_id,
        "tier": tier or config.customer_tiers.get(customer_id, config.default_tier),
    }


def _mapped(mapping: CustomerMapping, record: Any) -> tuple[str, MappedCustomer] | None:
    for path in (mapping.path,) if isinstance(mapping.path, str) else mapping.path:
        found = lookup(mapping.customers, *candidates(dig(record, path)))
        if found is not None:
            return path, found
    return None


def candidates(value: Any) -> list[str]:
    """Every id and name a payload value offers: a scalar, the ids and names of
    a reference object, and those of every item of a list (PagerDuty's teams,
    Jira's organisations)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [text for item in value for text in candidates(item)]
    if isinstance(value, Mapping):
        found = (_scalar(value.get(key)) for key in _REFERENCE_KEYS)
        return list(dict.fromkeys(text for text in found if text))
    text = _scalar(value)
    return [text] if text else []


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return as_id(value)
