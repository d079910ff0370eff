"""The console's read-only endpoints: participant search (name or HR id, filters) and counts per board,
scoped to the caller's board like every registration read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
YEAR = "2026-2027"


def register(client: httpx.Client, url: str, admin: str, board: str, n: int, **fields: object) -> dict:
    body = {
        "board": board,
        "program_year": YEAR,
        "hr_id": f"{board}-{n:03d}",
        "role": "beginning_teacher",
        "given_name": "Amélie",
        "family_name": f"Tremblay{n}",
        "email": f"p{n}@{board.lower()}.example.org",
        **fields,
    }
    response = client.post(f"{url}/v1/participants", json=body, headers=auth(admin))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_search_by_name_or_hr_id_within_the_callers_board(
    registration: System, client: httpx.Client, admin: str, token
):
    url = registration.url("registration")
    a, b = unique_board(), unique_board()
    for code in (a, b):
        assert (
            client.post(
                f"{url}/v1/boards", json={"code": code, "name": code}, headers=auth(admin)
            ).status_code
            == 201
        )
    register(client, url, admin, a, 1, given_name="Zoé", family_name="Côté")
    register(client, url, admin, a, 2, role="mentor", given_name="Raj", family_name="Singh")
    register(client, url, admin, a, 3, given_name="Noah", family_name="Roy_%")
    register(client, url, admin, b, 1, given_name="Zoé", family_name="Côté")
    coordinator = auth(token("board_coordinator", board=a))

    def search(**params: str | int) -> dict:
        response = client.get(f"{url}/v1/participant-search", params=params, headers=coordinator)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    # Never board B's Zoé Côté, even without naming the board.
    found = search(q="zoé côté")
    assert [p["hr_id"] for p in found["items"]] == [f"{a}-001"] and found["total"] == 1
    assert search(q=f"{a}-002")["items"][0]["family_name"] == "Singh"
    assert search(role="mentor")["total"] == 1
    # LIKE wildcards in the text are matched literally.
    assert [p["hr_id"] for p in search(q="_%")["items"]] == [f"{a}-003"]
    assert search(q="nobody-like-this")["total"] == 0
    # Another board named explicitly: 404, as for every other read.
    response = client.get(f"{url}/v1/participant-search", params={"board": b}, headers=coordinator)
    assert response.status_code == 404
    bad = client.get(
        f"{url}/v1/participant-search", params={"role": "principal", "limit": 0}, headers=coordinator
    )
    assert bad.status_code == 422


async def test_counts_per_board_role_and_status(
    registration: System, client: httpx.Client, admin: str, token
):
    url = registration.url("registration")
    a, b = unique_board(), unique_board()
    for code in (a, b):
        assert (
            client.post(
                f"{url}/v1/boards", json={"code": code, "name": code}, headers=auth(admin)
            ).status_code
            == 201
        )
    register(client, url, admin, a, 1)
    register(client, url, admin, a, 2)
    register(client, url, admin, a, 3, role="mentor")
    register(client, url, admin, b, 1)
    mine = client.get(
        f"{url}/v1/participant-counts",
        params={"program_year": YEAR},
        headers=auth(token("board_coordinator", board=a)),
    ).json()
    assert mine == [
        {"board": a, "role": "beginning_teacher", "status": "registered", "count": 2},
        {"board": a, "role": "mentor", "status": "registered", "count": 1},
    ]
    everyone = client.get(
        f"{url}/v1/participant-counts", params={"program_year": YEAR}, headers=auth(admin)
    ).json()
    assert {r["board"] for r in everyone} >= {a, b}
