"""Defaults that hold on the first day behind a proxy: unknown tokens and
failed sign-ins are throttled per address, the customers' routes are paced
per address and per link, session cookies can be forced Secure, a client's
forwarded address is believed only from a trusted proxy, and the embedded
mode's database is its owner's alone."""

from __future__ import annotations

import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ec_embedded.app import create_app
from ec_platform.serve import trusted_proxies
from ec_platform.storage.database import Database
from harness.factories import API_TOKENS, bearer
from harness.processes import ServiceProcess
from tests.support.metrics_text import scrape

WRONG = {"Authorization": "Bearer not-a-token-of-ours"}


@pytest.fixture
async def strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """The embedded app with small limits: a client at one address, and an
    onlooker at another (reading /metrics)."""
    for name, value in {
        "EC_API_TOKENS": API_TOKENS,
        "EC_TOKEN_FAILURES_PER_MINUTE": "3",
        "EC_CUSTOMER_REQUESTS_PER_MINUTE": "3",
        "EC_CONSOLE_SIGN_IN_FAILURES_PER_MINUTE": "2",
        "EC_CONSOLE_SECURE_COOKIES": "true",
    }.items():
        monkeypatch.setenv(name, value)
    app = create_app(database_url=f"sqlite+aiosqlite:///{tmp_path}/ec.db")
    here = httpx.ASGITransport(app=app)
    elsewhere = httpx.ASGITransport(app=app, client=("192.0.2.7", 4000))
    async with (
        app.router.lifespan_context(app),
        # over https, as a browser reaches it, so Secure cookies come back
        httpx.AsyncClient(transport=here, base_url="https://app") as client,
        httpx.AsyncClient(transport=elsewhere, base_url="http://app") as onlooker,
    ):
        yield client, onlooker


async def test_unknown_tokens_from_one_address_are_answered_429_once_past_the_limit(
    strict: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    client, onlooker = strict
    # given three guesses from one address
    guesses = [(await client.get("/v1/escalations", headers=WRONG)).status_code for _ in range(3)]

    # when it guesses again, even with a good token
    refused = await client.get("/v1/escalations", headers=WRONG)
    good_now = await client.get("/v1/escalations", headers=bearer("operator"))

    # then it waits, told how long, and both are counted
    assert guesses == [401, 401, 401]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert good_now.status_code == 429
    assert (await onlooker.get("/v1/escalations", headers=bearer("operator"))).status_code == 200
    counted = await scrape(onlooker)
    assert counted.value("ec_auth_failures_total") == 3
    assert counted.value("ec_auth_throttled_total") == 2


async def test_a_missing_token_is_no_guess(
    strict: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    client, _ = strict
    answers = [(await client.get("/v1/escalations")).status_code for _ in range(5)]

    assert answers == [401] * 5
    assert (await client.get("/v1/escalations", headers=bearer("operator"))).status_code == 200


async def test_the_customers_routes_are_paced_per_address_and_per_link(
    strict: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    client, _ = strict
    # given one address trying links it does not hold
    tried = [(await client.get(f"/v1/customer/guess-{n}")).status_code for n in range(3)]

    # when it tries once more
    paced = await client.get("/v1/customer/guess-4")

    # then it is told to wait, with the same answer whatever the link
    assert tried == [404, 404, 404]
    assert paced.status_code == 429
    assert int(paced.headers["retry-after"]) > 0


async def test_failed_sign_ins_make_the_address_wait_and_sessions_are_secure_when_told(
    strict: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    client, onlooker = strict

    async def sign_in(token: str) -> httpx.Response:
        form = await client.get("/console/login")
        nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
        assert nonce
        return await client.post("/console/login", data={"token": token, "nonce": nonce[1]})

    failed = [(await sign_in("wrong-token")).status_code for _ in range(2)]
    waiting = await sign_in("another-guess")
    assert failed == [401, 401]
    assert waiting.status_code == 401
    assert "Too many failed sign-ins" in waiting.text

    # over plain http (TLS ended at a proxy), the cookie is still Secure
    fresh = await onlooker.get("/console/login")
    assert "secure" in fresh.headers["set-cookie"].lower()


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert trusted_proxies(" 10.0.0.0/8, 127.0.0.1 ,") == ["10.0.0.0/8", "127.0.0.1"]
    with pytest.raises(SystemExit, match="not an address"):
        trusted_proxies("ingress.local")


async def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    async def guesses_until_refused(trusted: str, folder: Path) -> list[int]:
        folder.mkdir()  # noqa: ASYNC240 (a test's own folder, before anything runs)
        intake = ServiceProcess(
            "ec_intake",
            env={
                "EC_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/ec.db",
                "EC_API_TOKENS": API_TOKENS,
                "EC_TOKEN_FAILURES_PER_MINUTE": "2",
                "EC_TRUSTED_PROXIES": trusted,
            },
            log_dir=folder,
        )
        intake.start()
        try:
            await intake.wait_healthy()
            async with httpx.AsyncClient(base_url=intake.url) as client:
                # each guess claims to come from another address
                return [
                    (
                        await client.get(
                            "/v1/incidents",
                            headers={**WRONG, "X-Forwarded-For": f"203.0.113.{n}"},
                        )
                    ).status_code
                    for n in range(4)
                ]
        finally:
            intake.stop()

    # no proxy trusted: the header changes nothing, the peer is throttled
    assert await guesses_until_refused("", tmp_path / "alone") == [401, 401, 429, 429]
    # behind a trusted proxy: each forwarded address has its own budget
    assert await guesses_until_refused("127.0.0.1", tmp_path / "proxied") == [401] * 4


async def test_the_embedded_database_is_its_owners_alone(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    db = Database.open(f"sqlite+aiosqlite:///{folder}/ec.db", schema="escalation")
    try:
        async with db.transaction() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    finally:
        await db.engine.dispose()

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.glob("ec-escalation.db*"))
    assert files
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
