"""Runs on complete data only (issue 17): a run started while an import's events are still flowing
is refused with how far behind matching is, never forms hubs from part of a board; the readiness
API says when matching has caught up; a board or year registration does not know is 404 / 422."""

from __future__ import annotations

import time
from email.utils import parseaddr

import httpx
import pytest

from services.registration.tests.integration.helpers import csv_bytes, person, upload
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System
from tests.e2e.helpers import create_board, teacher

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

YEAR = "2026-2027"
ROWS = 250


def readiness(client: httpx.Client, system: System, who: str, board: str, year: str = YEAR) -> dict:
    response = client.get(
        f"{system.url('matching')}/v1/boards/{board}/readiness",
        params={"program_year": year},
        headers=auth(who),
    )
    assert response.status_code == 200, response.text
    return response.json()


def until(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


async def test_a_run_during_an_import_never_forms_hubs_from_part_of_the_board(system: System, smtp, token):
    board = unique_board()
    admin = token("province_admin")
    coordinator = token("board_coordinator", board=board)
    runs = f"{system.url('matching')}/v1/boards/{board}/program-years/{YEAR}/matching-runs"
    with httpx.Client(timeout=60) as client:
        # A board nobody registered: 404, before and after it exists in registration only.
        assert client.post(runs, headers=auth(coordinator)).status_code == 404
        create_board(client, system.url("registration"), admin, board)
        first = client.post(
            f"{system.url('registration')}/v1/participants", json=teacher(board), headers=auth(admin)
        )
        assert first.status_code == 201, first.text
        assert until(lambda: readiness(client, system, coordinator, board)["up_to_date"])
        # A year registration holds nobody in, or one no program has: 422 naming the year.
        for year in ("2027-2028", "2040-2045"):
            other = client.post(
                f"{system.url('matching')}/v1/boards/{board}/program-years/{year}/matching-runs",
                headers=auth(coordinator),
            )
            assert other.status_code == 422 and other.json()["errors"][0]["field"] == "program_year", (
                other.text
            )

        rows = [
            {**person(n), "hr_id": f"{board}-{n:05d}", "email": f"{board.lower()}.{n}@example.org"}
            for n in range(1, ROWS + 1)
        ]
        accepted = upload(client, system.url("registration"), coordinator, csv_bytes(rows), program_year=YEAR)
        assert accepted.status_code == 202, accepted.text
        # Matching has heard that an import is under way (positive signal), then runs are refused
        # until every event of the import has reached it.
        assert until(lambda: not readiness(client, system, coordinator, board)["up_to_date"], timeout=10)
        refused = 0
        while True:
            started = client.post(runs, headers=auth(coordinator))
            if started.status_code == 201:
                break
            assert started.status_code == 409, started.text
            body = started.json()
            assert body["errors"][0]["importing"] or body["errors"][0]["behind"]["participants"] > 0
            assert started.headers["retry-after"] == "2"
            refused += 1
            time.sleep(0.05)
        assert refused >= 1
        run = started.json()
        # The run saw the whole board: everyone registration holds, none left for late joining.
        assert run["counts"]["teachers"] + run["counts"]["mentors"] == ROWS + 1, run["counts"]
        final = readiness(client, system, coordinator, board)
        assert final["up_to_date"] and final["behind"] == {"participants": 0, "revisions": 0}
        assert final["registration_participants"] == final["matching_participants"] == ROWS + 1
        imported = client.get(
            f"{system.url('registration')}/v1/imports/{accepted.json()['id']}", headers=auth(admin)
        )
        assert imported.json()["state"] == "completed" and imported.json()["created_count"] == ROWS
        # Leave the system quiet for the next test: every welcome email of the import has gone out.
        addresses = {row["email"] for row in rows}
        assert until(
            lambda: {parseaddr(str(m["To"]))[1] for m in smtp.sink.messages} >= addresses, timeout=180
        )
