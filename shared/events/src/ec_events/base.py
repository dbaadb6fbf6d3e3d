"""The base of every event contract and the value objects events share."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

Priority = Literal["P1", "P2", "P3", "P4", "P5"]
ChannelKind = Literal["email", "chat", "webhook"]
# The ITSM platforms Escalation Center can write back to.
Platform = Literal["servicenow", "jira", "pagerduty"]


# Checked in pydantic's core: millions of stored events are read through it.
AwareDatetime = pydantic.AwareDatetime
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class Frozen(BaseModel):
    """Immutable, and tolerant of fields added by newer producers."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(Frozen):
    """One fact. The class name is the event name; `schema_version` counts
    incompatible changes of its payload (old payloads are upcast on read)."""

    schema_version: ClassVar[int] = 1
    subject_field: ClassVar[str]

    @classmethod
    def event_name(cls) -> str:
        return cls.__name__

    @property
    def subject(self) -> str:
        """The aggregate id: the Kafka key and the CloudEvent subject."""
        return str(getattr(self, self.subject_field))


class Customer(Frozen):
    id: Name
    name: Name
    tier: Annotated[str, Field(min_length=1, max_length=40)]


class Person(Frozen):
    id: Name
    name: Name
    email: Email


class TeamMember(Person):
    role: Annotated[str, Field(min_length=1, max_length=80)]


class Contact(Frozen):
    name: Name
    email: Email
    channel: ChannelKind = "email"
    # Where chat or webhook messages go, when the channel is not email.
    address: str | None = None


class PlanAction(Frozen):
    title: Text
    owner: Name
    due: AwareDatetime


class PlatformRecord(Frozen):
    """An incident's record on the ITSM platform that reported it, as that
    platform's API addresses it: what writing back to it needs."""

    platform: Platform
    # ServiceNow's sys_id, Jira's issue key, PagerDuty's incident id.
    record_id: Name
    # As people know the record, where that differs: INC0012345, PagerDuty's incident number.
    number: Name | None = None
