"""The grants service as a real process: migrated by the platform's migration step, answering over HTTP
and publishing through its outbox relay to the bus."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest

from services.grants.tests.integration.helpers import BusListener, application
from shared.events.grants import GrantApproved, GrantSubmitted
from shared.testing.helpers import auth, unique_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def current_program_year() -> str:
    """The program year whose June 30 deadline is still ahead (the service runs on the real clock)."""
    today = datetime.now(UTC)
    start = today.year if today.month >= 7 else today.year - 1
    return f"{start}-{start + 1}"


async def test_apply_review_and_export_against_the_running_service(grants_process, infra, token):
    system = grants_process
    board = unique_board()
    admin, coordinator = token("province_admin"), token("board_coordinator", board=board)
    year = current_program_year()
    listener = await BusListener.open(infra.rabbitmq_url, f"{system.prefix}.events", "grants.#")
    try:
        async with httpx.AsyncClient(base_url=f"{system.url('grants')}/v1", timeout=15) as client:
            created = await client.post(
                "/programs",
                json={
                    "program_year": year,
                    "stream": "school_leadership",
                    "max_award": "3000.00",
                    "budget": "90000.00",
                },
                headers=auth(admin),
            )
            assert created.status_code == 201, created.text
            program = created.json()
            body = application(
                year, program={"stream": "school_leadership", "expected_mentees": 5, "expected_mentors": 3}
            )
            draft = await client.post("/applications", json=body, headers=auth(coordinator))
            assert draft.status_code == 201, draft.text
            app_id = draft.json()["id"]
            for path, token_, payload in (
                ("submission", coordinator, None),
                ("review", admin, None),
                ("approval", admin, {"awarded_amount": "1500.50"}),
            ):
                response = await client.post(
                    f"/applications/{app_id}/{path}", json=payload, headers=auth(token_)
                )
                assert response.status_code == 200, response.text
            after = await client.get(f"/programs/{program['id']}", headers=auth(admin))
            assert after.json()["awarded_total"] != "0.00"
            exported = await client.get(
                "/exports/awards.csv", params={"program_year": year}, headers=auth(coordinator)
            )
            assert [row[0] for row in list(csv.reader(io.StringIO(exported.text)))[1:]] == [app_id]
            summary = await client.get(f"/applications/{app_id}/summary", headers=auth(coordinator))
            assert summary.status_code == 200 and "1500.50" in summary.text
        seen = [event for _, _, event in await listener.take(2, board=board, timeout=20)]
        assert [type(e) for e in seen] == [GrantSubmitted, GrantApproved]
        assert seen[1].awarded_amount == "1500.50"  # type: ignore[attr-defined]
    finally:
        await listener.close()
