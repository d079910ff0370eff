"""A participant's own mentoring web (GET /v1/participants/{id}/mentoring-web), for the portal: the hub
with its people's names and schools, why I was placed (as facts), my mentor; only ever my own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.matching.tests.e2e.test_matching_api import BusTap, _known, eventually
from services.matching.tests.integration.people import YEAR, mentor_event, synthetic, teacher_event
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def bus(matching_system: System) -> AsyncIterator[BusTap]:
    tap = await BusTap().start(matching_system)
    yield tap
    await tap.connection.close()


async def test_a_participant_reads_their_own_web_and_nobody_elses(
    matching_system: System, bus: BusTap, token
):
    board = unique_board()
    teachers, mentors = synthetic(board, 16, 6, seed=5)
    await bus.publish(
        *(mentor_event(m, board) for m in mentors), *(teacher_event(t, board) for t in teachers)
    )
    assert await eventually(lambda: _known(matching_system, board, 22))
    coordinator = auth(token("board_coordinator", board=board))
    async with httpx.AsyncClient(base_url=matching_system.url("matching"), timeout=30) as client:
        runs = f"/v1/boards/{board}/program-years/{YEAR}/matching-runs"
        run = (await client.post(runs, headers=coordinator)).json()
        published = await client.post(f"{runs}/{run['id']}/publish", headers=coordinator)
        assert published.status_code == 200, published.text
        hubs = (await client.get("/v1/hubs", params={"board": board}, headers=coordinator)).json()["items"]
        assert hubs
        hub = hubs[0]
        me = hub["members"][0]["participant_id"]
        mine = auth(token("participant", board=board, participant_id=me))

        found = await client.get(f"/v1/participants/{me}/mentoring-web", headers=mine)
        assert found.status_code == 200, found.text
        web = found.json()
        assert web["hub"]["id"] == hub["id"] and web["hub"]["theme"] == hub["theme"]
        assert sorted(m["participant_id"] for m in web["hub"]["members"]) == sorted(
            m["participant_id"] for m in hub["members"]
        )
        assert len(web["hub"]["leaders"]) == 2 and all(p["display_name"] for p in web["hub"]["leaders"])
        assert all(m["school"] for m in web["hub"]["members"])
        assert [m["is_me"] for m in web["hub"]["members"]].count(True) == 1
        # Why I was placed: facts (codes and values) the portal words in my language, never prose.
        assert web["my_reasons"] and all(set(r) == {"code", "values"} for r in web["my_reasons"])
        assert {r["code"] for r in web["hub"]["reasons"]} >= {"hub_theme"}
        assert "hr_id" not in found.text and "email" not in found.text

        # A leader sees the hub they lead and its members.
        leader = hub["leaders"][0]["participant_id"]
        led = await client.get(
            f"/v1/participants/{leader}/mentoring-web",
            headers=auth(token("participant", board=board, participant_id=leader)),
        )
        assert led.status_code == 200 and hub["id"] in [h["id"] for h in led.json()["led_hubs"]]

        # Another participant's id, even a co-member's: 404. Staff have their own views: 403.
        other = hub["members"][1]["participant_id"]
        assert (await client.get(f"/v1/participants/{other}/mentoring-web", headers=mine)).status_code == 404
        assert (
            await client.get(f"/v1/participants/{me}/mentoring-web", headers=coordinator)
        ).status_code == 403
