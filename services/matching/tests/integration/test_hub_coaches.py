"""Board coaches and consultants on a real PostgreSQL: a coordinator assigns one to a hub; they are
added to the hub's future meetings without an occasional teacher and without a leader's seat; the
assignment is a standing decision a rerun keeps; releasing it (or the coach withdrawing) drops them
from the meetings. Events are read from the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio
import sqlalchemy as sa

from services.matching.adapters.repository import DecisionRepository, HubRepository
from services.matching.domain.errors import Invalid, MatchingConflict
from services.matching.service_layer import coaches, pairings
from services.matching.service_layer.errors import NotFound
from services.matching.service_layer.placement import on_mentor_changed, on_participant_withdrawn
from services.matching.tests.integration.people import YEAR, mentor_event, pid, synthetic
from services.matching.tests.integration.test_workflow import (
    TODAY,
    Factory,
    coordinator,
    ledger_matches_meetings,
    outbox,
    register,
    run_publish,
    schedule_everything,
)
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.registration import ParticipantWithdrawn
from shared.migrations import drop_database, upgrade
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def factory(infra, run_prefix) -> AsyncIterator[Factory]:
    url = infra.database_url(f"{run_prefix}_matching_coaches")
    await upgrade("matching", url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await drop_database(url)


async def add_coach(factory: Factory, board: str, name: str = "C1") -> uuid.UUID:
    """A board consultant registered as staff: role mentor, no hub or one-to-one capacity."""
    _, mentors = synthetic(board, 0, 1, seed=11)
    coach = replace(mentors[0], participant_id=name, hub_capacity=0, one_to_one_capacity=0, language="fr")
    event = mentor_event(coach, board)
    async with UnitOfWork(factory) as uow:
        await on_mentor_changed(uow, event)
        await uow.commit()
    return event.participant.participant_id


async def meetings_of(
    factory: Factory, hub_id: uuid.UUID
) -> list[tuple[uuid.UUID, list[uuid.UUID], int, int, int]]:
    async with factory() as session:
        rows = await session.execute(
            sa.text(
                "SELECT id, attendees, releases, with_class, sequence FROM hub_meetings "
                "WHERE hub_id = :h AND status = 'scheduled' ORDER BY day"
            ),
            {"h": hub_id},
        )
        return [tuple(r) for r in rows.all()]


async def test_a_coach_is_invited_to_the_hubs_meetings_without_a_seat_and_a_rerun_keeps_them(
    factory: Factory,
):
    board = unique_board()
    await register(factory, board, teachers=16, mentors=6)
    await run_publish(factory, board)
    coach = await add_coach(factory, board)
    await schedule_everything(factory, board)
    async with UnitOfWork(factory) as uow:
        hubs = await HubRepository(uow.session).load_hubs(board=board, program_year=YEAR)
    hub = hubs[0]
    before = await meetings_of(factory, hub.id)
    assert before and all(coach not in m[1] for m in before)
    leader = hub.leaders[0].participant_id
    member = hub.members[0].participant_id

    # Refusals name the field: a teacher is no coach, a leader already has a seat, another board's hub is 404.
    async with UnitOfWork(factory) as uow:
        with pytest.raises(Invalid) as invalid:
            await coaches.assign_coach(
                uow, coordinator(board), hub_id=hub.id, participant_id=member, note=None, today=TODAY
            )
        assert invalid.value.field == "participant_id"
        with pytest.raises(MatchingConflict) as conflict:
            await coaches.assign_coach(
                uow, coordinator(board), hub_id=hub.id, participant_id=leader, note=None, today=TODAY
            )
        assert conflict.value.field == "participant_id"
        with pytest.raises(NotFound):
            await coaches.assign_coach(
                uow, coordinator(unique_board()), hub_id=hub.id, participant_id=coach, note=None, today=TODAY
            )

    async with UnitOfWork(factory) as uow:
        added, stored = await coaches.assign_coach(
            uow,
            coordinator(board),
            hub_id=hub.id,
            participant_id=coach,
            note="private: ask her first",
            today=TODAY,
        )
        await uow.commit()
    assert added and stored.coaches == [coach]
    async with UnitOfWork(factory) as uow:
        again, _ = await coaches.assign_coach(
            uow, coordinator(board), hub_id=hub.id, participant_id=coach, note=None, today=TODAY
        )
        await uow.commit()
    assert again is False  # idempotent: nothing new announced

    after = await meetings_of(factory, hub.id)
    assert [m[0] for m in after] == [m[0] for m in before]
    for old, new in zip(before, after, strict=True):
        assert set(new[1]) == {*old[1], coach}  # invited ...
        assert (new[2], new[3]) == (old[2], old[3])  # ... with no occasional teacher for them
        assert new[4] == old[4] + 1
    await ledger_matches_meetings(factory, board)
    assigned = await outbox(factory, board, "HubCoachAssigned")
    assert len(assigned) == 1
    assert assigned[0]["coach_id"] == str(coach) and assigned[0]["meetings_invited"] == len(before)
    assert str(coach) not in assigned[0]["leaders"] and "private" not in str(assigned[0])
    rescheduled = [
        e for e in await outbox(factory, board, "HubMeetingRescheduled") if e["hub_id"] == str(hub.id)
    ]
    assert len(rescheduled) == len(before) and all(str(coach) in e["attendees"] for e in rescheduled)

    # A rerun keeps the hub (same id), its leaders unchanged and the coach with it, announcing nothing new.
    events = len(await outbox(factory, board))
    await run_publish(factory, board)
    async with UnitOfWork(factory) as uow:
        kept = await HubRepository(uow.session).load_hubs(board=board, program_year=YEAR, hub_ids=[hub.id])
        decisions = await DecisionRepository(uow.session).decisions_of(board, YEAR)
    assert kept[0].coaches == [coach] and coach not in {m.participant_id for m in kept[0].leaders}
    assert [d.kind for d in decisions if d.participant_id == coach] == ["coach"]
    assert len(await outbox(factory, board)) == events

    # Released through the standing decisions: dropped from every future meeting, told once.
    decision = next(d for d in decisions if d.kind == "coach")
    async with UnitOfWork(factory) as uow:
        assert decision.id is not None
        await pairings.release_decision(uow, board=board, decision_id=decision.id)
        await uow.commit()
    released = await meetings_of(factory, hub.id)
    assert all(coach not in m[1] for m in released)
    assert [(m[2], m[3]) for m in released] == [(m[2], m[3]) for m in before]
    await ledger_matches_meetings(factory, board)
    gone = await outbox(factory, board, "HubCoachReleased")
    assert [(e["coach_id"], e["change"], e["meetings_cancelled"]) for e in gone] == [
        (str(coach), "released", len(before))
    ]


async def test_a_coach_who_withdraws_leaves_every_hub_they_support(factory: Factory):
    board = unique_board()
    await register(factory, board, teachers=16, mentors=6)
    await run_publish(factory, board)
    coach = await add_coach(factory, board, "C2")
    await schedule_everything(factory, board)
    async with UnitOfWork(factory) as uow:
        hubs = await HubRepository(uow.session).load_hubs(board=board, program_year=YEAR)
    for hub in hubs:
        async with UnitOfWork(factory) as uow:
            await coaches.assign_coach(
                uow, coordinator(board), hub_id=hub.id, participant_id=coach, note=None, today=TODAY
            )
            await uow.commit()
    _, mentors = synthetic(board, 0, 1, seed=11)
    profile = mentor_event(replace(mentors[0], participant_id="C2", hub_capacity=0), board).participant
    assert profile.participant_id == coach == pid(f"{board}/C2")
    async with UnitOfWork(factory) as uow:
        await on_participant_withdrawn(
            uow,
            ParticipantWithdrawn(
                board=board, participant=profile.model_copy(update={"revision": 2, "status": "withdrawn"})
            ),
        )
        await uow.commit()
    for hub in hubs:
        assert all(coach not in m[1] for m in await meetings_of(factory, hub.id))
    gone = await outbox(factory, board, "HubCoachReleased")
    assert sorted(e["hub_id"] for e in gone) == sorted(str(h.id) for h in hubs)
    assert {e["change"] for e in gone} == {"withdrawal"}
    await ledger_matches_meetings(factory, board)
