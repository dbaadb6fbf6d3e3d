"""A renamed setting is still read under its former name for a release, with a
warning naming the new one; the new name wins when both are set."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from ec_escalation.settings import EscalationSettings
from ec_monitor.settings import MonitorSettings
from ec_platform.settings import FORMER_NAMES, warn_of_former_names


def test_a_former_name_is_still_read_and_the_warning_names_the_new_one(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given only the former name of the monitor's raise delays
    monkeypatch.delenv("EC_MONITOR_RAISE_AFTER", raising=False)
    monkeypatch.setenv("EC_RAISE_AFTER", '["PT1H"]')

    # when the monitor reads its settings
    with caplog.at_level(logging.WARNING, logger="ec_platform.settings"):
        settings = MonitorSettings()

    # then the value is taken, and the warning names the variable to set instead
    assert settings.raise_after == (timedelta(hours=1),)
    assert any(
        "EC_RAISE_AFTER" in r.getMessage() and "set EC_MONITOR_RAISE_AFTER" in r.getMessage()
        for r in caplog.records
    )


def test_the_new_name_wins_over_the_former_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # given both names of the criteria file, with different values
    monkeypatch.setenv("EC_CRITERIA_FILE", "/former.yaml")
    monkeypatch.setenv("EC_ESCALATION_CRITERIA_FILE", "/new.yaml")

    # when the escalation service reads its settings
    settings = EscalationSettings()

    # then the new name's value is the one used
    assert settings.criteria_file == "/new.yaml"


def test_the_new_name_alone_reads_without_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given only the new name
    monkeypatch.delenv("EC_CUSTOMER_LINK_DAYS_AFTER_END", raising=False)
    monkeypatch.setenv("EC_ESCALATION_CUSTOMER_LINK_AFTER_END_DAYS", "7")

    # when the settings are read
    with caplog.at_level(logging.WARNING, logger="ec_platform.settings"):
        settings = EscalationSettings()

    # then the value is taken and nothing is said about former names
    assert settings.customer_link_days_after_end == 7
    assert warn_of_former_names(settings, {}) == []
    assert not [r for r in caplog.records if "renamed" in r.getMessage()]


def test_a_field_keeps_its_own_name_as_a_keyword() -> None:
    # given settings made in code, by field name
    settings = EscalationSettings(criteria_file="/in-code.yaml", customer_page_show_names=True)

    # then the renamed variables changed nothing for code
    assert settings.criteria_file == "/in-code.yaml"
    assert settings.customer_page_show_names is True


def test_every_former_name_points_at_a_name_that_follows_the_rule() -> None:
    # given every rename recorded
    # then each new name keeps the EC_ prefix and differs from the former one
    assert FORMER_NAMES
    for former, new in FORMER_NAMES.items():
        assert new.startswith("EC_")
        assert new != former
