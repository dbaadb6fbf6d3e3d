"""The console's pages through an httpx client (no browser): signing in as the
login form does, and reading a table of a page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx


async def sign_in(client: httpx.AsyncClient, token: str) -> None:
    """The login form's round trip; the client keeps the session's cookie."""
    form = await client.get("/console/login")
    found = re.search(r'name="nonce" value="([^"]+)"', form.text)
    assert found, form.text
    answer = await client.post("/console/login", data={"token": token, "nonce": found[1]})
    assert answer.status_code == 303, answer.text


class _Cells(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # inside the table when > 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_cells(html: str, table_id: str) -> list[list[str]]:
    """The text of every cell of the table with that id, row by row (its head
    and foot included)."""
    parser = _Cells(table_id)
    parser.feed(html)
    return parser.rows
