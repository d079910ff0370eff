"""Shared by the e2e and browser tests. The console as a process beside the four services (the `console` fixture), with a board of the sample's
people registered, known to matching, and its hubs formed by a first run, published."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.console.tests.helpers import (
    admin_token,
    load_board,
    start_run_when_caught_up,
    wait_until_matching_knows,
)
from shared.testing.helpers import auth


@pytest.fixture(scope="session")
def boards(console) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Two boards: A with hubs formed, B registered (its coordinator must never see A, nor A's see B)."""
    admin = admin_token()
    a = load_board(console.url("registration"), admin)
    b = load_board(console.url("registration"), admin)
    code = a["board"]["code"]
    wait_until_matching_knows(console.url("matching"), admin, [p["id"] for p in a["people"]])
    year = a["people"][0]["program_year"]
    with httpx.Client(base_url=console.url("matching"), headers=auth(admin), timeout=60) as client:
        runs = f"/v1/boards/{code}/program-years/{year}/matching-runs"
        run = start_run_when_caught_up(client, runs)
        assert run.status_code == 201, run.text
        assert run.json()["status"] == "draft"
        published = client.post(f"{runs}/{run.json()['id']}/publish")
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
    yield {"a": a, "b": b, "year": year}
