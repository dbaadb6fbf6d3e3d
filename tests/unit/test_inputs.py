"""The shared input checks: times, whole numbers, URLs quoted in messages, and
text logs that stay one line a record."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from ec_notifier.channels.adapters import SmtpServer
from ec_platform.inputs import DB_INT_MAX, Instant, parse_count, parse_instant, redact_url
from ec_platform.observability.logs import TEXT_FORMAT, TextLogFormatter, escape_controls
from ec_platform.observability.tracing import TraceIdsInLogs


class Stamped(BaseModel):
    at: Instant


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+14:00",  # underflows when turned to UTC
        "9999-12-31T23:59:59-14:00",  # overflows when turned to UTC
        "1899-12-31T23:59:59+00:00",
        "0.5",
        "1700000000",
        "2026-11-27",
        "2026-11-27T09:00:00",
        "yesterday",
    ],
)
def test_a_time_that_is_not_an_iso_8601_instant_in_range_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Stamped.model_validate({"at": text})

    [error] = refused.value.errors()
    assert error["loc"] == ("at",)


@pytest.mark.parametrize("value", [0.5, 1_700_000_000, True])
def test_a_number_is_never_taken_for_a_time(value: object) -> None:
    with pytest.raises(ValidationError):
        Stamped.model_validate({"at": value})


def test_an_iso_8601_instant_with_a_zone_is_taken_as_given() -> None:
    parsed = Stamped.model_validate({"at": "2026-11-27T09:00:00+14:00"}).at

    assert parsed == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=14)
    assert parse_instant("9999-12-31T23:59:59Z").year == 9999
    assert parse_instant(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5)))).hour == 0


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("42", 42), (str(DB_INT_MAX), DB_INT_MAX), (str(DB_INT_MAX + 1), None)],
)
def test_a_count_is_ascii_digits_within_the_database_range(text: str, number: int | None) -> None:
    assert parse_count(text) == number


@pytest.mark.parametrize("text", ["", "-1", "²", "١٢", "1e3", " 3", "9" * 400])
def test_anything_else_is_no_count(text: str) -> None:
    assert parse_count(text) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("smtp://mailer:s3cret@mail.example:587", "smtp://***@mail.example:587"),
        (
            "postgresql+asyncpg://ec:s3cret@127.0.0.1:5432/ec",
            "postgresql+asyncpg://***@127.0.0.1:5432/ec",
        ),
        ("https://token@jira.example/rest", "https://***@jira.example/rest"),
        ("smtp//mailer:s3cret@mail.example", "***@mail.example"),
        ("https://jira.example/rest", "https://jira.example/rest"),
        ("127.0.0.1:9092", "127.0.0.1:9092"),
    ],
)
def test_a_url_is_quoted_without_its_user_info(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)


def test_a_mistyped_smtp_url_does_not_print_its_password() -> None:
    with pytest.raises(ValueError, match="EC_SMTP_URL") as refused:
        SmtpServer.parse("smpt://mailer:s3cret@mail.example:587")

    assert "s3cret" not in str(refused.value)
    assert "mail.example" in str(refused.value)


def test_a_log_line_with_line_breaks_in_its_argument_stays_one_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TraceIdsInLogs())
    handler.setFormatter(TextLogFormatter(TEXT_FORMAT))
    logger = logging.getLogger("tests.one_line")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("incident %s", "Payments down\r\n2026-11-27 ERROR forged: line")
    finally:
        logger.removeHandler(handler)

    written = stream.getvalue()
    assert written.count("\n") == 1
    assert "Payments down\\r\\n2026-11-27 ERROR forged: line" in written


@given(st.text())
def test_escaped_text_holds_no_control_character(text: str) -> None:
    escaped = escape_controls(text)

    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in escaped)
    assert "\u2028" not in escaped
    assert "\u2029" not in escaped
