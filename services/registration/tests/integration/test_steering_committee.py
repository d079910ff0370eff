"""The program's steering committee, through registration's API on a real process and database:
members (whom they represent), meetings with their expenses inside the program year (as the
committee works it: 1 April to 30 June), every bad field named at once in problem+json, another
board's committee out of reach, and each change published (outbox) for the grant application."""

from __future__ import annotations

import json

import httpx
import pytest

from services.registration.tests.integration.conftest import Db
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"


async def test_a_boards_steering_committee_with_its_meetings_and_expenses(
    registration: System, client: httpx.Client, board: str, db: Db, token
):
    url = f"{registration.url('registration')}/v1/boards/{board}/program-years/{YEAR}/steering-committee"
    coordinator = auth(token("board_coordinator", board=board))
    empty = client.get(url, headers=coordinator)
    assert empty.status_code == 200 and empty.json() == {
        "board": board,
        "program_year": YEAR,
        "members": [],
        "meetings": [],
        "expenses_total": "0.00",
    }

    for name, representing in (
        ("Sam Tremblay", "local"),
        ("Ana Ruiz", "district"),
        ("Lee Park", "association"),
    ):
        added = client.post(
            f"{url}/members", json={"name": name, "representing": representing}, headers=coordinator
        )
        assert added.status_code == 201, added.text
    wrong = client.post(f"{url}/members", json={"name": "", "representing": "union"}, headers=coordinator)
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in wrong.json()["errors"]} == {"name", "representing"}

    # Every problem at once: a day outside the committee's year, no agenda, expenses with three decimals.
    refused = client.post(
        f"{url}/meetings", json={"held_on": "2027-08-15", "expenses": "12.345"}, headers=coordinator
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert set(fields) == {"held_on", "agenda_summary", "expenses"}
    assert "2026-04-01 to 2027-06-30" in fields["held_on"]
    # The committee is formed in April before the school year, and meets up to the grant's 30 June.
    for day, agenda, expenses in (
        ("2026-04-20", "Form the committee; terms of reference", "85.00"),
        ("2027-06-30", "Grant application and program evaluation", 120.5),
    ):
        created = client.post(
            f"{url}/meetings",
            json={"held_on": day, "agenda_summary": agenda, "expenses": expenses},
            headers=coordinator,
        )
        assert created.status_code == 201, created.text
    committee = client.get(url, headers=coordinator).json()
    assert [m["representing"] for m in committee["members"]] == ["local", "district", "association"]
    assert [(m["held_on"], m["expenses"]) for m in committee["meetings"]] == [
        ("2026-04-20", "85.00"),
        ("2027-06-30", "120.50"),
    ]
    assert committee["expenses_total"] == "205.50"

    # Another board's coordinator sees nothing of it, and cannot add to it.
    stranger = auth(token("board_coordinator", board=unique_board()))
    assert client.get(url, headers=stranger).status_code == 404
    assert (
        client.post(
            f"{url}/members", json={"name": "X", "representing": "local"}, headers=stranger
        ).status_code
        == 404
    )

    # Removing a meeting changes the total; every change was published, the newest with the highest sequence.
    gone = client.delete(f"{url}/meetings/{committee['meetings'][0]['id']}", headers=coordinator)
    assert gone.status_code == 204
    assert (
        client.delete(f"{url}/meetings/{committee['meetings'][0]['id']}", headers=coordinator).status_code
        == 404
    )
    rows = await db.fetch(
        "SELECT body FROM outbox WHERE board = $1 AND event_type = 'SteeringCommitteeChanged' ORDER BY id",
        board,
    )
    events = [json.loads(r["body"]) for r in rows]
    assert [e["sequence"] for e in events] == [1, 2, 3, 4, 5, 6]
    last = events[-1]
    assert last["program_year"] == YEAR and last["expenses_total"] == "120.50"
    assert [m["expenses"] for m in last["meetings"]] == ["120.50"]
    assert [m["name"] for m in last["members"]] == ["Sam Tremblay", "Ana Ruiz", "Lee Park"]
