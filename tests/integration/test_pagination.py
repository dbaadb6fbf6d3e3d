"""Every list route pages the same way (ec_platform.http.pagination): `limit` and
`cursor` in, `{"items", "next"}` out; a cursor not given out is refused."""

from __future__ import annotations

import httpx
import pytest

from harness.factories import bearer

LISTS = [
    "/v1/deliveries",
    "/v1/timers",
    "/v1/subscriptions",
    "/v1/escalations",
    "/v1/incidents",
    "/v1/outbox",
]


async def test_following_next_walks_every_item_once(client: httpx.AsyncClient) -> None:
    made = []
    for n in range(5):
        response = await client.post(
            "/v1/subscriptions", json={"url": f"https://hooks.example/{n}"}, headers=bearer("admin")
        )
        made.append(response.json()["id"])

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/v1/subscriptions", params=params, headers=bearer("admin"))
        ).json()
        pages += 1
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(made)
    assert pages == 3


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "bm9wZQ"}, "cursor"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit")],
)
async def test_a_bad_cursor_or_limit_is_invalid_input(
    client: httpx.AsyncClient, path: str, params: dict[str, object], field: str
) -> None:
    response = await client.get(path, params=params, headers=bearer("admin"))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize("path", LISTS)
async def test_an_empty_list_is_one_last_page(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=bearer("admin"))

    assert response.json() == {"items": [], "next": None}
