"""Every setting is on the settings page, under the variable that sets it and
with its default; and every EC_ variable the documentation names is a setting
(or one of the few named here, each with the reason it is not)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from ec_console.settings import ConsoleSettings
from ec_escalation.settings import EscalationSettings
from ec_intake.settings import IntakeSettings
from ec_monitor.settings import MonitorSettings
from ec_notifier.settings import NotifierSettings
from ec_platform.settings import FORMER_NAMES, PlatformSettings, variable_of

ROOT = Path(__file__).parents[2]
SETTINGS_PAGE = ROOT / "docs" / "running" / "settings.md"
SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    PlatformSettings,
    IntakeSettings,
    EscalationSettings,
    MonitorSettings,
    NotifierSettings,
    ConsoleSettings,
)

# EC_ variables the documentation names that no settings class reads, and why.
NOT_IN_A_SETTINGS_CLASS = {
    "EC_LOG_FORMAT": "read by ec_platform.serve's command line, beside its --log-format option",
    "EC_SERVICENOW_PASSWORD": "the connections file's example names it to hold a platform secret",
    "EC_JIRA_API_TOKEN": "the connections file's example names it to hold a platform secret",
    "EC_PAGERDUTY_API_TOKEN": "the connections file's example names it to hold a platform secret",
}


def _duration(value: timedelta) -> str:
    hours, seconds = divmod(int(value.total_seconds()), 3600)
    return f"PT{hours}H" if not seconds else f"PT{int(value.total_seconds())}S"


def documented_default(default: object) -> str:
    """How the page writes a default."""
    if default is None:
        return "unset"
    if default == "":
        return "empty"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    if isinstance(default, tuple):
        return "`[" + ",".join(f'"{_duration(d)}"' for d in default) + "]`"
    return f"`{default}`"


def every_field() -> list[tuple[str, str, object]]:
    fields = {}
    for settings in SETTINGS_CLASSES:
        for name, field in settings.model_fields.items():
            variable = variable_of(settings, name)
            fields[variable] = (variable, name, field.default)
    return sorted(fields.values())


def rows_of_the_settings_page() -> dict[str, str]:
    rows = {}
    for line in SETTINGS_PAGE.read_text().splitlines():
        found = re.match(r"\| `(EC_[A-Z_]+)` \|", line)
        if found:
            rows[found.group(1)] = line
    return rows


@pytest.mark.parametrize(("variable", "field", "default"), every_field())
def test_every_setting_is_documented_with_its_variable_and_default(
    variable: str, field: str, default: object
) -> None:
    # given the row of the settings page that starts with the variable
    row = rows_of_the_settings_page().get(variable)
    assert row is not None, f"{field}: no row for {variable} in {SETTINGS_PAGE.name}"

    # then its last cell, the default, says the field's default
    default_cell = row.rstrip(" |").rsplit(" | ", 1)[-1]
    assert documented_default(default) in default_cell, (variable, default_cell)


def test_every_variable_named_in_the_documentation_is_a_setting() -> None:
    # given every EC_ variable named in the README and the site
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    named = {
        name
        for path in texts
        for name in re.findall(r"\bEC_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])", path.read_text())
    }
    prefixes = {
        name for path in texts for name in re.findall(r"\bEC_[A-Z_]*_(?=\*|`|…)", path.read_text())
    }

    # when compared with what the code reads
    settings = {variable for variable, _, _ in every_field()}
    known = settings | set(FORMER_NAMES) | set(NOT_IN_A_SETTINGS_CLASS)

    # then each is read somewhere, and each prefix (EC_NOTIFIER_*) names some setting
    assert named - known == set()
    assert {p for p in prefixes if not any(s.startswith(p) for s in settings)} == set()
