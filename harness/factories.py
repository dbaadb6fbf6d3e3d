"""Test data: every call makes its own ids, so no test shares data with another."""

from __future__ import annotations

import uuid
from typing import Any


def incident_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "servicenow",
        "external_id": f"INC{uuid.uuid4().hex[:10].upper()}",
        "title": "Payment gateway returns 502 for all EU merchants",
        "priority": "P1",
        "customer": {"id": f"cust-{uuid.uuid4().hex[:6]}", "name": "Northwind", "tier": "gold"},
        "service": "payments-eu",
    }
    body.update(overrides)
    return body


TOKENS = {
    "admin": "admin:admin-secret",
    "intake": "itsm:intake-secret",
    "operator": "olivia:operator-secret",
    "auditor": "audrey:auditor-secret",
}
API_TOKENS = ",".join(f"{role}:{token}" for role, token in TOKENS.items())


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}
