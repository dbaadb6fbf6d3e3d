"""The forms of the record ids each ITSM platform's API addresses a record by.

A record id is pasted into a request path on the platform, with the integration
user's credentials: one that is not of its platform's form (`../`, `?`, `#`)
could steer that request to another record or endpoint. Pure: checked where
record ids enter, before anything is stored."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo, field_validator

from ec_events.base import Platform, PlatformRecord

FORMS: dict[Platform, re.Pattern[str]] = {
    # ServiceNow's sys_id: a GUID written as 32 hex digits.
    "servicenow": re.compile(r"[0-9a-fA-F]{32}"),
    # A Jira issue key: the project key (a capital letter, then capitals, digits
    # or underscores), a hyphen, the number.
    "jira": re.compile(r"[A-Z][A-Z0-9_]*-[0-9]{1,18}"),
    # PagerDuty's object ids: capitals and digits (PT4KHLK, Q0RIJJZL24RC6W).
    "pagerduty": re.compile(r"[A-Z0-9]{1,64}"),
}
DESCRIPTIONS: dict[Platform, str] = {
    "servicenow": "a ServiceNow sys_id (32 hexadecimal digits)",
    "jira": "a Jira issue key (PROJECT-123)",
    "pagerduty": "a PagerDuty id (capital letters and digits)",
}


class RecordIdRejected(ValueError):
    """A record id that is not of its platform's form."""


def fits(platform: Platform, record_id: str) -> bool:
    """Whether `record_id` is of the form `platform`'s API addresses records by."""
    return FORMS[platform].fullmatch(record_id) is not None


def check_record_id(platform: Platform, record_id: str) -> str:
    """`record_id` itself, or RecordIdRejected saying which form it lacks."""
    if not fits(platform, record_id):
        # repr: an id with control characters is shown, never written out raw.
        raise RecordIdRejected(f"{record_id[:80]!r} is not {DESCRIPTIONS[platform]}")
    return record_id


class GivenPlatformRecord(PlatformRecord):
    """A platform record as a client gives it (an incident report, a link
    command): its `record_id` must be of its platform's form. Events keep the
    plain PlatformRecord, so records stored before this check still read."""

    @field_validator("record_id")
    @classmethod
    def _of_its_form(cls, value: str, info: ValidationInfo) -> str:
        platform = info.data.get("platform")
        if platform is None:  # the platform itself was refused: that error says enough
            return value
        try:
            return check_record_id(platform, value)
        except RecordIdRejected as error:
            raise ValueError(str(error)) from None


def _plain(record: GivenPlatformRecord) -> PlatformRecord:
    return PlatformRecord.model_validate(record.model_dump())


# The field type of a platform record a client gives: checked as above, then
# held as the plain PlatformRecord every event and comparison uses.
CheckedPlatformRecord = Annotated[GivenPlatformRecord, AfterValidator(_plain)]
