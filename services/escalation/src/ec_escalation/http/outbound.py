"""Contacts' chat and webhook addresses the notifier could never send to are
refused when given (422 naming the field), not stored to fail at every event:
the same outbound policy the notifier applies to each connection."""

from __future__ import annotations

from ec_escalation.http import bodies as b
from ec_escalation.http.context import EscalationContext
from ec_platform.http.problems import invalid_input
from ec_platform.outbound.policy import OutboundRefused
from ec_platform.outbound.transport import check_destination


async def check_contact_addresses(context: EscalationContext, body: b.CommandBody) -> None:
    if not isinstance(body, b.ContactsBody):
        return
    for side, contacts in (("provider", body.provider), ("customer", body.customer)):
        for index, contact in enumerate(contacts):
            if contact.address is None:
                continue
            try:
                await check_destination(context.outbound, contact.address, context.resolver)
            except OutboundRefused as error:
                raise invalid_input(f"{side}.{index}.address", str(error)) from None
