"""A session, workshop or cohort meeting falls inside its program year (1 July to 30 June), else a 422
naming each field at fault at once; the same when a session is moved."""

from __future__ import annotations

import httpx
import pytest

from shared.testing.helpers import auth
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def workshop(board: str, starts_at: str, ends_at: str) -> dict[str, object]:
    return {
        "board": board,
        "program_year": "2026-2027",
        "kind": "workshop",
        "title": "Mentorship Workshop 2",
        "facilitator": "ATA staff officer",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": "Board office",
        "capacity": 20,
        "audience": ["beginning_teacher"],
    }


async def test_sessions_outside_their_program_year_are_refused(
    registration: System, client: httpx.Client, board, token
):
    url = f"{registration.url('registration')}/v1/sessions"
    coordinator = auth(token("board_coordinator", board=board))
    # A Saturday in 2029, for program year 2026-2027.
    refused = client.post(
        url,
        json=workshop(board, "2029-03-03T09:00:00-05:00", "2029-03-03T15:00:00-05:00"),
        headers=coordinator,
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert set(fields) == {"starts_at", "ends_at"}
    assert "2026-07-01 to 2027-06-30" in fields["starts_at"]
    # Every problem at once: the date and a missing place.
    both = client.post(
        url,
        json={**workshop(board, "2026-05-01T09:00:00-04:00", "2026-05-01T15:00:00-04:00"), "location": None},
        headers=coordinator,
    )
    assert {e["field"] for e in both.json()["errors"]} == {"starts_at", "ends_at", "location"}
    # The year's own days are fine, up to 30 June; moving the session out of the year is refused.
    created = client.post(
        url,
        json=workshop(board, "2027-06-30T09:00:00-04:00", "2027-06-30T15:00:00-04:00"),
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    moved = client.patch(
        f"{url}/{created.json()['id']}",
        json={"starts_at": "2027-07-02T09:00:00-04:00", "ends_at": "2027-07-02T15:00:00-04:00"},
        headers=coordinator,
    )
    assert moved.status_code == 422 and {e["field"] for e in moved.json()["errors"]} == {
        "starts_at",
        "ends_at",
    }
