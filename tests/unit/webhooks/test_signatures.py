"""Authenticity of webhook deliveries: PagerDuty's signature and the shared-secret HMAC."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ec_intake.webhooks import (
    BadSignature,
    ec_signature,
    pagerduty_signature,
    source_config,
    verify_ec,
    verify_pagerduty,
    verify_request,
)

BODY = b'{"event":{"id":"01EXAMPLE","event_type":"incident.triggered"}}'
SECRET = "whsec-3f9a2c7e-correct"
OTHER = "whsec-old-rotated-out"
NOW = 1_709_284_325


def test_a_pagerduty_signature_of_the_body_with_the_secret_is_authentic() -> None:
    # given PagerDuty's documented scheme: v1=<hex HMAC-SHA256(secret, body)>
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    header = pagerduty_signature(BODY, SECRET)

    # then the helper produces it and the check accepts it
    assert header == f"v1={expected}"
    verify_pagerduty(BODY, header, [SECRET])


def test_one_matching_signature_among_several_is_enough() -> None:
    # given a header signed with two secrets, as during a rotation
    header = f"{pagerduty_signature(BODY, OTHER)}, {pagerduty_signature(BODY, SECRET)}"

    verify_pagerduty(BODY, header, [SECRET])


def test_a_pagerduty_signature_made_with_another_secret_is_refused() -> None:
    with pytest.raises(BadSignature, match="matches"):
        verify_pagerduty(BODY, pagerduty_signature(BODY, OTHER), [SECRET])


def test_a_pagerduty_signature_of_another_body_is_refused() -> None:
    header = pagerduty_signature(BODY + b" ", SECRET)

    with pytest.raises(BadSignature):
        verify_pagerduty(BODY, header, [SECRET])


@pytest.mark.parametrize("header", [None, "", "v0=abc", "sha256=deadbeef", "v1=not-hex"])
def test_a_missing_or_unusable_pagerduty_header_is_refused(header: str | None) -> None:
    with pytest.raises(BadSignature):
        verify_pagerduty(BODY, header, [SECRET])


def test_a_shared_secret_signature_signs_the_timestamp_and_the_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()

    header = ec_signature(BODY, SECRET, NOW)

    assert header == f"t={NOW},v1={expected}"
    verify_ec(BODY, header, [SECRET], now=NOW + 10)


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_a_timestamp_beyond_the_tolerance_either_way_is_refused(skew: int) -> None:
    header = ec_signature(BODY, SECRET, NOW)

    with pytest.raises(BadSignature, match="300 s"):
        verify_ec(BODY, header, [SECRET], now=NOW - skew)


def test_a_timestamp_at_the_edge_of_the_tolerance_is_accepted() -> None:
    verify_ec(BODY, ec_signature(BODY, SECRET, NOW), [SECRET], now=NOW + 300)


def test_the_tolerance_is_configurable() -> None:
    header = ec_signature(BODY, SECRET, NOW)

    with pytest.raises(BadSignature):
        verify_ec(BODY, header, [SECRET], now=NOW + 61, tolerance_seconds=60)


def test_a_shared_secret_signature_with_another_secret_or_body_is_refused() -> None:
    with pytest.raises(BadSignature):
        verify_ec(BODY, ec_signature(BODY, OTHER, NOW), [SECRET], now=NOW)
    with pytest.raises(BadSignature):
        verify_ec(BODY + b"x", ec_signature(BODY, SECRET, NOW), [SECRET], now=NOW)


def test_a_replayed_signature_under_a_fresh_timestamp_is_refused() -> None:
    old = ec_signature(BODY, SECRET, NOW - 3600)
    forged = f"t={NOW},{old.split(',')[1]}"

    with pytest.raises(BadSignature):
        verify_ec(BODY, forged, [SECRET], now=NOW)


def test_any_configured_secret_may_have_signed() -> None:
    verify_ec(BODY, ec_signature(BODY, OTHER, NOW), [SECRET, OTHER], now=NOW)


@pytest.mark.parametrize("header", [None, "", f"v1={'0' * 64}", "t=abc,v1=00", f"t={NOW}"])
def test_a_missing_or_malformed_shared_secret_header_is_refused(header: str | None) -> None:
    with pytest.raises(BadSignature):
        verify_ec(BODY, header, [SECRET], now=NOW)


def test_a_refusal_never_reveals_the_secret_or_the_expected_digest() -> None:
    expected = ec_signature(BODY, SECRET, NOW).split("v1=")[1]

    with pytest.raises(BadSignature) as raised:
        verify_ec(BODY, ec_signature(BODY, OTHER, NOW), [SECRET], now=NOW)

    assert SECRET not in str(raised.value)
    assert expected not in str(raised.value)


def test_a_source_without_secrets_checks_nothing() -> None:
    assert verify_request(source_config("jira").signature, {}, BODY, now=NOW) is False


def test_a_pagerduty_source_checks_its_header_whatever_its_case() -> None:
    signature = source_config("pagerduty", {"signature": {"secrets": [SECRET]}}).signature
    headers = {"x-pagerduty-signature": pagerduty_signature(BODY, SECRET)}

    assert verify_request(signature, headers, BODY, now=NOW) is True
    with pytest.raises(BadSignature, match="missing"):
        verify_request(signature, {}, BODY, now=NOW)


def test_other_sources_check_the_shared_secret_header() -> None:
    signature = source_config("alertmanager", {"signature": {"secrets": [SECRET]}}).signature
    headers = {"X-EC-Signature": ec_signature(BODY, SECRET, NOW)}

    assert verify_request(signature, headers, BODY, now=NOW + 5) is True
    with pytest.raises(BadSignature):
        verify_request(signature, headers, BODY, now=NOW + 301)
