"""Data a coordinator can join with their own records, on a real PostgreSQL: every person in a hub,
a pairing, a draft or the unplaced list carries their HR id; a run counts beginning teachers and new
school leaders apart; a page of hubs holds up to 1,000 and its total stays true past 200."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from services.matching.adapters.repository import HubRepository, PlacementRepository
from services.matching.domain.placement_model import Hub
from services.matching.service_layer import queries
from services.matching.tests.integration.people import YEAR, pid, synthetic
from services.matching.tests.integration.test_hub_service import (  # noqa: F401 (fixture)
    Factory,
    factory,
    register,
    run,
)
from shared.db import UnitOfWork
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_every_person_a_coordinator_reads_carries_their_hr_id_and_runs_count_by_role(
    factory: Factory,  # noqa: F811
):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 12, seed=5, leaders=7, leader_mentors=2)
    await register(factory, board, teachers, mentors)
    run_id = await run(factory, board)
    # Registration's HR ids, by the participant's id.
    hr_of = {pid(f"{board}/{t.participant_id}"): t.hr_id for t in teachers} | {
        pid(f"{board}/{m.participant_id}"): m.hr_id for m in mentors
    }

    async with UnitOfWork(factory) as uow:
        total, hubs = await queries.list_hubs(
            uow, boards=[board], board=board, program_year=YEAR, theme=None, limit=1000, offset=0
        )
        assert total == len(hubs) > 0
        people = [p for h in hubs for p in (*h["members"], *h["leaders"])]
        assert people and all(p["hr_id"] == hr_of[p["participant_id"]] for p in people)
        detail = await queries.read_hub(uow, board, YEAR, hubs[0]["id"])
        assert [p["hr_id"] for p in (*detail["members"], *detail["leaders"])] == [
            hr_of[p["participant_id"]] for p in (*detail["members"], *detail["leaders"])
        ]

        # Someone the run left out (or recorded by hand when the board has room for all).
        unplaced = await queries.list_unplaced(uow, board, YEAR, q=None, sort="recorded_at")
        if not unplaced:
            placed = detail["members"][0]["participant_id"]
            await PlacementRepository(uow.session).upsert_unplaced(
                board=board, program_year=YEAR, reasons={str(placed): "test"}, run_id=None
            )
            unplaced = await queries.list_unplaced(uow, board, YEAR, q=None, sort="recorded_at")
        assert unplaced and all(u["hr_id"] == hr_of[u["participant_id"]] for u in unplaced)
        # The HR id finds them, exactly.
        first = unplaced[0]
        found = await queries.list_unplaced(uow, board, YEAR, q=first["hr_id"], sort="recorded_at")
        assert [u["participant_id"] for u in found] == [first["participant_id"]]

        total_pairings, pairings = await queries.list_pairings(
            uow,
            board=board,
            program_year=YEAR,
            q=None,
            mentor_id=None,
            school=None,
            sort="teacher_name",
            limit=1000,
            offset=0,
        )
        assert total_pairings == len(pairings) > 0
        for x in pairings:
            assert x["teacher_hr_id"] == hr_of[x["teacher_id"]]
            assert x["mentor_hr_id"] == hr_of[x["mentor_id"]]
        mentor = pairings[0]
        by_mentor_hr = await queries.list_pairings(
            uow,
            board=board,
            program_year=YEAR,
            q=mentor["mentor_hr_id"],
            mentor_id=None,
            school=None,
            sort="teacher_name",
            limit=1000,
            offset=0,
        )
        assert by_mentor_hr[0] == sum(1 for x in pairings if x["mentor_id"] == mentor["mentor_id"])

        exported = list(
            csv.DictReader(io.StringIO("".join([c async for c in queries.hub_seats_csv(uow, board, YEAR)])))
        )
        assert len(exported) == len(people)
        assert all(r["hr_id"] == hr_of[uuid.UUID(r["participant_id"])] for r in exported)
        cards = await queries.cards(uow, list(hr_of))
        assert {uuid.UUID(k): c.hr_id for k, c in cards.items()} == hr_of

        stored = await queries.get_run(uow, board, YEAR, run_id)
    counts = stored.counts
    roles = {str(pid(f"{board}/{t.participant_id}")): t.role for t in teachers}
    leaders_placed = sum(
        1 for h in hubs for m in h["members"] if roles[str(m["participant_id"])] == "new_school_leader"
    )
    assert counts["new_school_leaders"]["placed"] == leaders_placed
    assert counts["new_school_leaders"]["hubs"] == sum(1 for h in hubs if h["track"] == "school_leaders")
    assert counts["beginning_teachers"]["hubs"] == sum(1 for h in hubs if h["track"] == "teachers") > 0
    for name in ("hubs", "placed", "unplaced", "pairings"):
        assert counts[name] == counts["beginning_teachers"][name] + counts["new_school_leaders"][name]
    assert counts["placed"] + counts["unplaced"] == len(teachers)
    assert counts["new_school_leaders"]["placed"] + counts["new_school_leaders"]["unplaced"] == 7


async def test_a_page_holds_up_to_a_thousand_hubs_and_its_total_stays_true_past_two_hundred(
    factory: Factory,  # noqa: F811
):
    board = unique_board()
    hubs = [
        Hub(
            hub_key=str(uuid.uuid4()),
            board=board,
            theme=f"theme_{n % 7}",
            grade_band="K-3",
            language="en",
            track="teachers",
            members=(str(uuid.uuid4()), str(uuid.uuid4())),
            leaders=(str(uuid.uuid4()),),
        )
        for n in range(1234)
    ]
    async with UnitOfWork(factory) as uow:
        await HubRepository(uow.session).insert_hubs(
            program_year=YEAR, hubs=hubs, member_explanations={}, run_id=None
        )
        await uow.commit()

    async def page(limit: int, offset: int) -> tuple[int, list[uuid.UUID]]:
        async with UnitOfWork(factory) as uow:
            total, items = await queries.list_hubs(
                uow, boards=[board], board=board, program_year=YEAR, theme=None, limit=limit, offset=offset
            )
        assert all(len(i["members"]) == 2 and len(i["leaders"]) == 1 for i in items)
        return total, [i["id"] for i in items]

    total, first = await page(1000, 0)
    assert total == 1234 and len(first) == 1000
    total, rest = await page(1000, 1000)
    assert total == 1234 and len(rest) == 234
    assert set(first).isdisjoint(rest) and set(first) | set(rest) == {uuid.UUID(h.hub_key) for h in hubs}
    # Pages of 200 walk the same order.
    walked: list[uuid.UUID] = []
    for offset in range(0, 1234, 200):
        total, items = await page(200, offset)
        assert total == 1234
        walked += items
    assert walked == first + rest
    assert (await page(1000, 1234)) == (1234, [])

    # The CSV export streams every seat of every hub (in batches), with the same hubs.
    async with UnitOfWork(factory) as uow:
        text = "".join([chunk async for chunk in queries.hub_seats_csv(uow, board, YEAR)])
    read = list(csv.DictReader(io.StringIO(text)))
    assert len(read) == 3 * 1234
    assert {uuid.UUID(r["hub_id"]) for r in read} == {uuid.UUID(h.hub_key) for h in hubs}
    assert sorted(r["seat"] for r in read[:3]) == ["leader", "member", "member"]


async def test_the_board_summary_counts_what_is_published_by_role(factory: Factory):  # noqa: F811
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 12, seed=6, leaders=6, leader_mentors=2)
    await register(factory, board, teachers, mentors)
    async with UnitOfWork(factory) as uow:
        before = await queries.summary(uow, board, YEAR)
    assert before["hubs"] == before["placed"] == before["unplaced"] == before["pairings"] == 0
    assert before["beginning_teachers"]["participants"] == 40
    assert before["new_school_leaders"]["participants"] == 6
    run_id = await run(factory, board)
    async with UnitOfWork(factory) as uow:
        found = await queries.summary(uow, board, YEAR)
        counts = (await queries.get_run(uow, board, YEAR, run_id)).counts
    # What is published is what the run counted, total and by role.
    for name in ("hubs", "placed", "unplaced", "pairings"):
        assert found[name] == counts[name]
        for role in ("beginning_teachers", "new_school_leaders"):
            assert found[role][name] == counts[role][name], (role, name)
    assert found["beginning_teachers"]["hubs"] > 0
    assert found["new_school_leaders"]["placed"] + found["new_school_leaders"]["unplaced"] == 6
