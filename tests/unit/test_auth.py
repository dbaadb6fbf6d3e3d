"""Tokens and roles from EC_API_TOKENS."""

from __future__ import annotations

import pytest

from ec_platform.http.auth import Principal, TokenRegistry


def test_a_token_maps_to_its_role_and_a_recordable_name() -> None:
    registry = TokenRegistry.parse("operator:olivia:s3cret, auditor:plain-token")

    assert registry.authenticate("olivia:s3cret") == Principal("operator", "olivia")
    auditor = registry.authenticate("plain-token")
    assert auditor is not None
    assert auditor.role == "auditor"
    assert "plain-token" not in auditor.name  # the secret is never the recorded name


def test_unknown_tokens_are_not_authenticated() -> None:
    registry = TokenRegistry.parse("operator:abc")
    assert registry.authenticate("abd") is None


@pytest.mark.parametrize("spec", ["operator", "pilot:abc", "", "operator:"])
def test_malformed_settings_fail_fast(spec: str) -> None:
    with pytest.raises(ValueError, match="EC_API_TOKENS"):
        TokenRegistry.parse(spec)


def test_admin_may_do_everything_and_others_only_their_role() -> None:
    assert Principal("admin", "a").may({"operator"})
    assert Principal("operator", "o").may({"operator", "auditor"})
    assert not Principal("auditor", "a").may({"operator"})
    assert not Principal("intake", "i").may({"auditor"})


def test_a_generated_admin_token_authenticates_as_admin() -> None:
    registry, token = TokenRegistry.with_generated_admin()
    principal = registry.authenticate(token)
    assert principal is not None
    assert principal.role == "admin"
