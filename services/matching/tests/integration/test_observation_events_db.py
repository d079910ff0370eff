"""A cancelled observation visit is published (ObservationCancelled) once, so the visitor and the
host hear of it and their calendars drop it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.matching.tests.integration.test_release_days_db import (  # noqa: F401  (db is a fixture)
    YEAR,
    Db,
    _view,
    db,
    prepare_board,
)
from shared.testing.helpers import auth, unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_cancelling_an_observation_visit_publishes_it_once(db: Db, token):  # noqa: F811
    board = unique_board()
    coordinator = token("board_coordinator", board=board)
    await prepare_board(db, coordinator, board, available=1, days=[date(2026, 11, 9)])
    visitor, host = _view(board, "beginning_teacher", "V1"), _view(board, "mentor", "H1")
    async with db.uow() as uow:
        uow.session.add_all([visitor, host])
        await uow.commit()
    request = {
        "program_year": YEAR,
        "visitor_id": str(visitor.participant_id),
        "host_id": str(host.participant_id),
        "not_before": "2026-11-01",
    }
    visit = await db.client.post("/v1/observations", json=request, headers=auth(coordinator))
    assert visit.status_code == 201, visit.text
    url = f"/v1/observations/{visit.json()['id']}/cancellation"
    for _ in range(2):  # cancelling again changes nothing and publishes nothing
        assert (await db.client.post(url, headers=auth(coordinator))).status_code == 200
    (scheduled,) = await db.events(board, "ObservationScheduled")
    (cancelled,) = await db.events(board, "ObservationCancelled")
    assert cancelled["observation_id"] == scheduled["observation_id"] == visit.json()["id"]
    assert (cancelled["visitor_id"], cancelled["host_id"]) == (scheduled["visitor_id"], scheduled["host_id"])
    same = datetime.fromisoformat(cancelled["starts_at"]) == datetime.fromisoformat(scheduled["starts_at"])
    assert same and cancelled["sequence"] == 1
