"""The outbound policy, pure: which addresses are refused, what the allow list
lets through, and how its setting is read."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec_platform.outbound.policy import OutboundPolicy, OutboundRefused, parse_networks, refusal_of
from ec_platform.settings import PlatformSettings

NOT_GLOBAL = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "100.64.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
]


@pytest.mark.parametrize("address", NOT_GLOBAL)
def test_an_address_that_is_not_global_is_refused(address: str) -> None:
    # given the default policy (nothing allowed)
    policy = OutboundPolicy()

    # when it is asked about the address
    refusal = policy.refusal(ipaddress.ip_address(address))

    # then it is refused, saying what kind of address it is
    assert refusal is not None
    assert "address" in refusal


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_a_global_address_passes(address: str) -> None:
    assert OutboundPolicy().refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local"),
        ("http://127.0.0.1:1/x", "127.0.0.1 is a loopback"),
        ("http://[::1]/", "::1 is a loopback"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified"),
        ("http:///no-host", "names no host"),
    ],
)
def test_a_url_that_can_never_pass_is_refused_before_any_lookup(url: str, said: str) -> None:
    with pytest.raises(OutboundRefused, match=said):
        OutboundPolicy().check_url(url)


def test_the_allow_list_lets_its_networks_through_and_nothing_else() -> None:
    # given loopback allowed, as the tests' receivers need
    policy = OutboundPolicy.from_setting("127.0.0.0/8")

    # then loopback passes, literally and inside IPv6, and the rest is still refused
    assert policy.check_url("http://127.0.0.1:8080/hook") == (
        "127.0.0.1",
        ipaddress.ip_address("127.0.0.1"),
    )
    assert policy.is_allowed(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not policy.is_allowed(ipaddress.ip_address("::1"))
    assert not policy.is_allowed(ipaddress.ip_address("169.254.169.254"))


def test_every_address_of_a_name_must_pass() -> None:
    policy = OutboundPolicy()
    global_one, loopback = ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("127.0.0.1")

    with pytest.raises(OutboundRefused, match=r"hooks\.example resolves to 127\.0\.0\.1"):
        policy.check_addresses("hooks.example", [global_one, loopback])


@given(st.ip_addresses(v=4))
def test_ipv4_inside_ipv6_is_judged_as_the_ipv4_address(address: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    assert (refusal_of(mapped) is None) == (refusal_of(address) is None)


@given(st.ip_addresses())
def test_an_allowed_network_allows_its_own_addresses(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    prefix = 24 if address.version == 4 else 64
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    policy = OutboundPolicy.from_setting(f"{network}, ")
    assert policy.is_allowed(address)


NETWORKS = st.builds(
    lambda address, prefix: ipaddress.ip_network(
        f"{address}/{prefix % (address.max_prefixlen + 1)}", strict=False
    ),
    st.ip_addresses(),
    st.integers(min_value=0, max_value=128),
)


@given(st.lists(NETWORKS, max_size=5))
def test_the_setting_reads_back_the_networks_written(
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> None:
    text = " , ".join(str(n) for n in networks)
    assert parse_networks(text) == tuple(networks)


@pytest.mark.parametrize("text", ["", None, " , "])
def test_an_empty_setting_allows_nothing_more(text: str | None) -> None:
    assert parse_networks(text) == ()


@pytest.mark.parametrize("text", ["loopback", "127.0.0.0/33", "10.0.0.0/8,nope"])
def test_a_setting_that_is_not_networks_stops_the_start(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EC_OUTBOUND_ALLOWED_NETWORKS", text)
    with pytest.raises(ValueError, match="EC_OUTBOUND_ALLOWED_NETWORKS"):
        PlatformSettings()
