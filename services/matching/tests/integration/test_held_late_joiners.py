"""A board that holds late joiners for review: a teacher who registers after a published run is
listed as unplaced ("held for review"), placed nowhere, paired with no one and announced to no one;
the next published run places them. Real PostgreSQL; events read from the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from services.matching.adapters.repository import HubRepository, PlacementRepository
from services.matching.adapters.tables import BoardPolicy
from services.matching.service_layer.placement import (
    HELD_FOR_REVIEW,
    on_mentor_changed,
    on_teacher_registered,
)
from services.matching.tests.integration.people import YEAR, mentor_event, synthetic, teacher_event
from services.matching.tests.integration.test_workflow import Factory, outbox, run_publish
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.migrations import drop_database, upgrade
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def factory(infra, run_prefix) -> AsyncIterator[Factory]:
    url = infra.database_url(f"{run_prefix}_matching_held")
    await upgrade("matching", url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await drop_database(url)


async def handle(factory: Factory, event) -> None:
    async with UnitOfWork(factory) as uow:
        if event.participant.role == "mentor":
            await on_mentor_changed(uow, event)
        else:
            await on_teacher_registered(uow, event)
        await uow.commit()


async def where_is(factory: Factory, board: str, pid: str) -> tuple[str | None, str | None, str | None]:
    """(hub id, unplaced reason, one-to-one mentor) of a participant."""
    async with UnitOfWork(factory) as uow:
        hubs = await HubRepository(uow.session).load_hubs(board=board, program_year=YEAR)
        unplaced = await PlacementRepository(uow.session).unplaced_of(board, YEAR)
        pairings = await PlacementRepository(uow.session).pairings_of(board, YEAR)
    hub = next((str(h.id) for h in hubs if pid in {str(m.participant_id) for m in h.members}), None)
    reason = unplaced[pid].reason if pid in unplaced else None
    mentor = str(pairings[pid].mentor_id) if pid in pairings else None
    return hub, reason, mentor


@pytest.mark.parametrize("hold", [True, False])
async def test_late_joiners_are_held_for_review_until_the_next_published_run(factory: Factory, hold: bool):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 12, seed=3)
    late, *early = teachers
    for event in [*(mentor_event(m, board) for m in mentors), *(teacher_event(t, board) for t in early)]:
        await handle(factory, event)
    await run_publish(factory, board)
    async with UnitOfWork(factory) as uow:
        uow.session.add(BoardPolicy(board=board, hold_late_joiners=hold, updated_at=datetime.now(UTC)))
        await uow.commit()
    sent = len(await outbox(factory, board))

    joiner = teacher_event(late, board)
    await handle(factory, joiner)
    pid = str(joiner.participant.participant_id)
    hub, reason, mentor = await where_is(factory, board, pid)
    if not hold:
        # The same board without the setting places the late joiner at once (the control case).
        assert hub is not None and reason is None and len(await outbox(factory, board)) > sent
        return
    assert (hub, reason, mentor) == (None, HELD_FOR_REVIEW, None)
    assert len(await outbox(factory, board)) == sent  # nothing announced to anyone

    await run_publish(factory, board)
    hub, reason, mentor = await where_is(factory, board, pid)
    assert hub is not None and reason is None
    assert any(
        e["hub_id"] == hub and pid in e.get("added", e.get("members", []))
        for e in await outbox(factory, board, "HubMembershipChanged", "HubFormed")
    )
