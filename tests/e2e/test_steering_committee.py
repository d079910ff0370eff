"""The steering committee's expenses reach the grant application, end to end: a coordinator records
the committee's members and meetings in registration; grants, as its own process, shows them on
the board's start-up grant application (registration's outbox → the bus → grants' consumer)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.grants.tests.integration.helpers import application
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until
from tests.e2e.helpers import create_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2091-2092"  # a program year of its own: grant programs are unique per year and stream


async def test_the_committees_expenses_show_on_the_boards_grant_application(system: System, token) -> None:
    board = unique_board()
    admin, coordinator = token("province_admin"), auth(token("board_coordinator", board=board))
    reg, grants = system.url("registration"), system.url("grants")
    with httpx.Client(timeout=30) as setup:
        create_board(setup, reg, admin, board)
    committee = f"{reg}/v1/boards/{board}/program-years/{YEAR}/steering-committee"
    async with httpx.AsyncClient(timeout=30) as client:
        program = await client.post(
            f"{grants}/v1/programs",
            json={
                "program_year": YEAR,
                "stream": "beginning_teacher",
                "max_award": "5000.00",
                "budget": "50000.00",
            },
            headers=auth(admin),
        )
        assert program.status_code == 201, program.text
        draft = await client.post(f"{grants}/v1/applications", json=application(YEAR), headers=coordinator)
        assert draft.status_code == 201, draft.text
        for name, representing in (("Sam Tremblay", "local"), ("Ana Ruiz", "district")):
            added = await client.post(
                f"{committee}/members", json={"name": name, "representing": representing}, headers=coordinator
            )
            assert added.status_code == 201, added.text
        for day, expenses in (("2091-04-22", "85.00"), ("2092-06-15", "140.25")):
            met = await client.post(
                f"{committee}/meetings",
                json={"held_on": day, "agenda_summary": "Program planning", "expenses": expenses},
                headers=coordinator,
            )
            assert met.status_code == 201, met.text

        async def shown() -> dict[str, Any] | None:
            body = (
                await client.get(f"{grants}/v1/applications/{draft.json()['id']}", headers=coordinator)
            ).json()
            found = body["steering_committee"]
            return found if found and found["expenses_total"] == "225.25" else None

        found = await wait_until(shown, timeout=30)
        assert found, "the committee's expenses never reached the grant application"
        assert found["members"] == [
            {"name": "Sam Tremblay", "representing": "local"},
            {"name": "Ana Ruiz", "representing": "district"},
        ]
        assert [(m["held_on"], m["expenses"]) for m in found["meetings"]] == [
            ("2091-04-22", "85.00"),
            ("2092-06-15", "140.25"),
        ]
