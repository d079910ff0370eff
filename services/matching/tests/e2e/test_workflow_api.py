"""The coordinator's workflow over HTTP on the running matching service: draft review and publish,
pairing by hand with problem+json naming every bad field, and the lists a coordinator works from
(pairings, hubs, observation visits) with names and schools, filtered, sorted and paginated."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import httpx
import pytest

from services.matching.tests.e2e.test_matching_api import BusTap, _known, bus, eventually  # noqa: F401
from services.matching.tests.integration.people import YEAR, mentor_event, pid, synthetic, teacher_event
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_draft_pairings_and_lists_over_http(matching_system: System, bus: BusTap, token):  # noqa: F811
    board = unique_board()
    teachers, mentors = synthetic(board, 30, 10, seed=4)
    await bus.publish(
        *(mentor_event(m, board) for m in mentors), *(teacher_event(t, board) for t in teachers)
    )
    assert await eventually(lambda: _known(matching_system, board, 40))
    mine = auth(token("board_coordinator", board=board))
    theirs = auth(token("board_coordinator", board=unique_board()))
    base = f"/v1/boards/{board}/program-years/{YEAR}"
    async with httpx.AsyncClient(base_url=matching_system.url("matching"), timeout=30) as client:
        run = (await client.post(f"{base}/matching-runs", headers=mine)).json()
        draft = await client.get(f"{base}/matching-runs/{run['id']}/draft", headers=mine)
        assert draft.status_code == 200 and draft.json()["run"]["status"] == "draft"
        assert all(p["display_name"] and p["school"] for h in draft.json()["hubs"] for p in h["members"])
        hr_of = {str(pid(f"{board}/{t.participant_id}")): t.hr_id for t in teachers} | {
            str(pid(f"{board}/{m.participant_id}")): m.hr_id for m in mentors
        }
        drafted = [p for h in draft.json()["hubs"] for p in (*h["members"], *h["leaders"])]
        drafted += [x[side] for x in draft.json()["pairings"] for side in ("teacher", "mentor")]
        drafted += [u["participant"] for u in draft.json()["unplaced"]]
        assert drafted and all(p["hr_id"] == hr_of[p["participant_id"]] for p in drafted)
        # Nothing is visible to participants until the draft is published.
        assert (await client.get("/v1/hubs", params={"board": board}, headers=mine)).json()["total"] == 0
        assert (
            await client.post(f"{base}/matching-runs/{run['id']}/publish", headers=mine)
        ).status_code == 200
        again = await client.post(f"{base}/matching-runs/{run['id']}/publish", headers=mine)
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "run_id"

        # Hubs with names and schools, searchable by a member's name.
        hubs = (await client.get("/v1/hubs", params={"board": board, "limit": 1000}, headers=mine)).json()
        someone = hubs["items"][0]["members"][0]
        assert someone["school"] and someone["display_name"]
        found = (
            await client.get("/v1/hubs", params={"board": board, "q": someone["display_name"]}, headers=mine)
        ).json()
        assert [h["id"] for h in found["items"]] == [hubs["items"][0]["id"]]

        # Pairing by hand: both unknown ids named at once (422), then the hard rules (409 naming the field).
        bad = await client.post(
            f"{base}/pairings",
            json={"teacher_id": str(uuid.uuid4()), "mentor_id": str(uuid.uuid4())},
            headers=mine,
        )
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in bad.json()["errors"]] == ["teacher_id", "mentor_id"]
        evaluator = next(m for m in mentors if m.evaluates_hr_ids)
        evaluated = next(t for t in teachers if t.hr_id in evaluator.evaluates_hr_ids)
        refused = await client.post(
            f"{base}/pairings",
            json={
                "teacher_id": str(pid(f"{board}/{evaluated.participant_id}")),
                "mentor_id": str(pid(f"{board}/{evaluator.participant_id}")),
            },
            headers=mine,
        )
        assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "mentor_id"
        assert "evaluates" in refused.json()["detail"]
        assert (await client.post(f"{base}/pairings", json={}, headers=theirs)).status_code in (403, 404, 422)

        # The pairings list: names, a filter by name, sorted, paginated.
        page = (
            await client.get(f"{base}/pairings", params={"limit": 5, "sort": "-teacher_name"}, headers=mine)
        ).json()
        assert page["total"] >= len(page["items"]) > 0 and page["limit"] == 5
        names = [x["teacher_name"] for x in page["items"]]
        assert names == sorted(names, reverse=True) and all(x["mentor_name"] for x in page["items"])
        assert all(
            x["teacher_hr_id"] == hr_of[x["teacher_id"]] and x["mentor_hr_id"] == hr_of[x["mentor_id"]]
            for x in page["items"]
        )
        first = page["items"][0]
        one = (await client.get(f"{base}/pairings", params={"q": first["teacher_name"]}, headers=mine)).json()
        assert first["teacher_id"] in [x["teacher_id"] for x in one["items"]]
        assert (await client.get(f"{base}/pairings", headers=theirs)).status_code == 404

        # Unpair: the teacher has no mentor, the standing decision is listed, releasing it is possible.
        gone = await client.delete(f"{base}/pairings/{first['teacher_id']}", headers=mine)
        assert gone.status_code == 204
        decisions = (await client.get(f"{base}/standing-decisions", headers=mine)).json()
        assert [(d["kind"], d["participant_id"]) for d in decisions] == [("unpaired", first["teacher_id"])]
        released = await client.delete(f"{base}/standing-decisions/{decisions[0]['id']}", headers=mine)
        assert released.status_code == 204
        assert (await client.get(f"{base}/standing-decisions", headers=mine)).json() == []

        everyone = await client.get(f"{base}/unplaced", headers=mine)
        page_of_one = await client.get(
            f"{base}/unplaced", params={"limit": 1, "sort": "-display_name"}, headers=mine
        )
        assert everyone.status_code == page_of_one.status_code == 200
        assert int(page_of_one.headers["x-total-count"]) == len(everyone.json())
        assert len(page_of_one.json()) == min(1, len(everyone.json()))
        if everyone.json():
            named = everyone.json()[0]["display_name"]
            found_unplaced = (await client.get(f"{base}/unplaced", params={"q": named}, headers=mine)).json()
            assert everyone.json()[0]["participant_id"] in [u["participant_id"] for u in found_unplaced]

        # Observation visits with the visitor's and host's names and schools, filtered and sorted.
        visitor, host = (str(pid(f"{board}/{t.participant_id}")) for t in teachers[:2])
        conn = await asyncpg.connect(asyncpg_dsn(matching_system.database_url("matching")))
        try:
            for n, day in enumerate((date(2027, 2, 3), date(2027, 3, 4))):
                start = datetime.combine(day, time(9), UTC)
                await conn.execute(
                    "INSERT INTO observations (id, board, program_year, visitor_id, host_id, day, starts_at, "
                    "ends_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    uuid.uuid4(), board, YEAR, uuid.UUID(visitor if n == 0 else host),
                    uuid.UUID(host if n == 0 else visitor), day, start, start + timedelta(hours=6), "scheduled",
                )  # fmt: skip
        finally:
            await conn.close()
        visits = await client.get(f"{base}/observation-visits", params={"sort": "-day"}, headers=mine)
        assert visits.status_code == 200 and visits.json()["total"] == 2
        items = visits.json()["items"]
        assert [i["day"] for i in items] == ["2027-03-04", "2027-02-03"]
        assert all(i["visitor_name"] and i["host_name"] and i["host_school"] for i in items)
        only = await client.get(
            f"{base}/observation-visits", params={"participant_id": host, "limit": 1}, headers=mine
        )
        assert only.json()["total"] == 2 and len(only.json()["items"]) == 1
        assert (await client.get(f"{base}/observation-visits", headers=theirs)).status_code == 404
