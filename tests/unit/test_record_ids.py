"""The forms of record ids each platform's API addresses records by: what the
intake and the escalation service take, and what they refuse."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ec_events.record_ids import GivenPlatformRecord, check_record_id, fits

GOOD = [
    ("servicenow", "9d385017c611228701d22104cc95c371"),
    ("servicenow", "A9E30C7DC61122760116894DE7BCC7BD"),
    ("jira", "SUP-42"),
    ("jira", "ITSM_2-482"),
    ("pagerduty", "PT4KHLK"),
    ("pagerduty", "Q0RIJJZL24RC6W"),
]
BAD = [
    ("servicenow", "../../../api/now/table/sys_user/62826bf03710200044e0bfc8bcbe5df1?x="),
    ("servicenow", "9d385017c611228701d22104cc95c37"),  # 31 digits
    ("servicenow", "9d385017c611228701d22104cc95c37g"),
    ("servicenow", "9d385017c611228701d22104cc95c371\n"),
    ("jira", "SUP-42#"),
    ("jira", "sup-42"),
    ("jira", "42-SUP"),
    ("jira", "SUP-42/../../user"),
    ("jira", "_SUP-42"),
    ("pagerduty", "../../users/PXPGF42?x="),
    ("pagerduty", "pt4khlk"),
    ("pagerduty", "PT4KHLK%2F"),
    # Full-width capitals and digits are not PagerDuty's alphabet.
    ("pagerduty", "\uff30\uff34\uff14"),
    ("pagerduty", ""),
]


@pytest.mark.parametrize(("platform", "record_id"), GOOD)
def test_a_record_id_of_its_platform_s_form_is_taken(platform: str, record_id: str) -> None:
    assert fits(platform, record_id)  # type: ignore[arg-type]
    assert check_record_id(platform, record_id) == record_id  # type: ignore[arg-type]


@pytest.mark.parametrize(("platform", "record_id"), BAD)
def test_a_record_id_off_its_platform_s_form_is_refused(platform: str, record_id: str) -> None:
    assert not fits(platform, record_id)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not"):
        check_record_id(platform, record_id)  # type: ignore[arg-type]


def test_a_jira_key_is_not_a_servicenow_sys_id() -> None:
    assert not fits("servicenow", "SUP-42")
    assert not fits("pagerduty", "SUP-42")


def test_a_given_platform_record_names_the_record_id_that_is_off_its_form() -> None:
    # when a client gives a record whose id is a path
    with pytest.raises(ValidationError) as refused:
        GivenPlatformRecord.model_validate({"platform": "jira", "record_id": "SUP-42#"})

    # then the refusal is about the record id
    [error] = refused.value.errors()
    assert error["loc"] == ("record_id",)
    assert "Jira issue key" in error["msg"]
