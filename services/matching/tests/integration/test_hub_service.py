"""Matching's use cases on a real PostgreSQL: runs, reruns, late joiners, locked hubs, evaluators,
withdrawals, coordinator overrides and the per-board lock. Events are checked in the outbox (the
same transaction as the hubs); test_matching_api.py follows them onto the bus."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, TypeVar

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.matching.adapters import repository
from services.matching.adapters.repository import (
    HubRepository,
    PeopleRepository,
    PlacementRepository,
    RunRepository,
)
from services.matching.domain.errors import MatchingConflict
from services.matching.domain.forming import check_hard_constraints
from services.matching.domain.placement_model import MatchingResult, Mentor, Teacher, Unplaced
from services.matching.service_layer import overrides, runs
from services.matching.service_layer.placement import (
    on_mentor_changed,
    on_participant_withdrawn,
    on_teacher_registered,
)
from services.matching.tests.integration.people import YEAR, mentor_event, pid, synthetic, teacher_event
from shared.auth import Principal
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.registration import (
    MentorRegistered,
    ParticipantEvent,
    ParticipantWithdrawn,
    TeacherRegistered,
)
from shared.migrations import drop_database, upgrade
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

Factory = async_sessionmaker[AsyncSession]
E = TypeVar("E", bound=ParticipantEvent)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def factory(infra, run_prefix) -> AsyncIterator[Factory]:
    url = infra.database_url(f"{run_prefix}_matching_it")
    await upgrade("matching", url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await drop_database(url)


def coordinator(board: str) -> Principal:
    return Principal(subject=f"coordinator-{board}", roles=frozenset({"board_coordinator"}), board=board)


def registrations(
    board: str, teachers: list[Teacher], mentors: list[Mentor]
) -> list[TeacherRegistered | MentorRegistered]:
    return [*(mentor_event(m, board) for m in mentors), *(teacher_event(t, board) for t in teachers)]


async def register(factory: Factory, board: str, teachers: list[Teacher], mentors: list[Mentor]) -> None:
    """Registration's events, handled one per transaction as the consumer does."""
    for event in registrations(board, teachers, mentors):
        async with UnitOfWork(factory) as uow:
            if isinstance(event, TeacherRegistered):
                await on_teacher_registered(uow, event)
            else:
                await on_mentor_changed(uow, event)
            await uow.commit()


async def run(factory: Factory, board: str) -> uuid.UUID:
    async with UnitOfWork(factory) as uow:
        result = await runs.run_and_publish(uow, board=board, program_year=YEAR, requested_by="test")
        await uow.commit()
        return result.id


async def state(factory: Factory, board: str) -> tuple[MatchingResult, repository.People]:
    """The stored hubs and unplaced teachers as the domain's result, with the board's people."""
    async with UnitOfWork(factory) as uow:
        people = await PeopleRepository(uow.session).load_people(board, YEAR, None)
        hubs = await HubRepository(uow.session).load_hubs(board=board, program_year=YEAR)
        unplaced = await PlacementRepository(uow.session).unplaced_of(board, YEAR)
    return (
        MatchingResult(
            hubs=tuple(h.domain() for h in hubs),
            unplaced=tuple(Unplaced(k, v.reason) for k, v in unplaced.items()),
        ),
        people,
    )


async def events(factory: Factory, board: str, event_type: str) -> list[dict]:
    async with factory() as session:
        rows = await session.execute(
            sa.text("SELECT body FROM outbox WHERE board = :board AND event_type = :type ORDER BY id"),
            {"board": board, "type": event_type},
        )
        return [json.loads(body) for (body,) in rows]


def ids_of(result: MatchingResult) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    return {h.hub_key: (h.members, h.leaders) for h in result.hubs}


async def test_a_run_forms_valid_hubs_for_everyone_and_announces_them(factory: Factory):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 12, seed=3)
    await register(factory, board, teachers, mentors)
    await run(factory, board)

    result, people = await state(factory, board)
    assert result.hubs
    assert check_hard_constraints(result, people.teachers.values(), people.mentors.values()) == []
    for hub in result.hubs:
        assert 6 <= len(hub.members) <= 8 and len(hub.leaders) == 2
    placed = {m for h in result.hubs for m in h.members}
    unplaced = {u.participant_id for u in result.unplaced}
    assert placed | unplaced == set(people.teachers) and not placed & unplaced  # nobody silently missing
    assert all(u.reason for u in result.unplaced)

    formed = await events(factory, board, "HubFormed")
    assert sorted(e["hub_id"] for e in formed) == sorted(h.hub_key for h in result.hubs)
    assert all(e["explanation"] and len(e["leaders"]) == 2 for e in formed)
    assert len(await events(factory, board, "ParticipantUnplaced")) == len(unplaced)
    async with UnitOfWork(factory) as uow:
        pairings = await PlacementRepository(uow.session).pairings_of(board, YEAR)
        statuses = Counter(v.placement_status for v in people.views.values() if v.role != "mentor")
    assert len(await events(factory, board, "MentorPaired")) == len(pairings) > 0
    assert statuses == Counter({"placed": len(placed)} | ({"unplaced": len(unplaced)} if unplaced else {}))


async def test_rerunning_on_the_same_input_gives_identical_hubs_and_announces_nothing_new(factory: Factory):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 12, seed=4)
    await register(factory, board, teachers, mentors)
    await run(factory, board)
    first, _ = await state(factory, board)
    announced = len(await events(factory, board, "HubFormed"))
    await run(factory, board)
    second, _ = await state(factory, board)
    assert ids_of(first) == ids_of(second)
    assert len(await events(factory, board, "HubFormed")) == announced
    assert await events(factory, board, "HubMembershipChanged") == []


async def test_a_late_registrant_joins_a_hub_with_room_and_a_locked_hub_survives_reruns(factory: Factory):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 14, seed=8)
    await register(factory, board, teachers, mentors)
    await run(factory, board)
    before, _ = await state(factory, board)
    with_room = sorted((h for h in before.hubs if len(h.members) < 8), key=lambda h: h.hub_key)
    assert len(with_room) >= 2

    # The coordinator locks one hub; then a teacher whose goals fit another registers late.
    locked, fitting = with_room[0], with_room[1]
    async with UnitOfWork(factory) as uow:
        override, _ = await overrides.set_locked(
            uow, coordinator(board), hub_id=uuid.UUID(locked.hub_key), locked=True, note="met already"
        )
        await uow.commit()
    assert override is not None and override.actor == f"coordinator-{board}"
    late = Teacher(
        participant_id="LATE1",
        board=board,
        hr_id="ELM-HR-LATE1",
        school="ELM-S99",
        grade_band=fitting.grade_band,
        subjects=("Arts",),
        themes=(fitting.theme,),
    )
    await register(factory, board, [late], [])
    late_id = str(pid(f"{board}/LATE1"))
    after, people = await state(factory, board)
    joined = next(h for h in after.hubs if late_id in h.members)
    assert joined.hub_key != locked.hub_key and len(joined.members) <= 8
    assert len(joined.members) == len(next(h for h in before.hubs if h.hub_key == joined.hub_key).members) + 1
    changed = await events(factory, board, "HubMembershipChanged")
    assert [(e["hub_id"], e["added"]) for e in changed if e["added"]] == [(joined.hub_key, [late_id])]
    assert check_hard_constraints(after, people.teachers.values(), people.mentors.values()) == []
    async with UnitOfWork(factory) as uow:
        view = await PeopleRepository(uow.session).participant(uuid.UUID(late_id))
    assert view is not None and view.placement_status == "placed"

    # A rerun with more teachers re-forms every hub but the locked one.
    extra, _ = synthetic(board, 46, 0, seed=9)
    newcomers = [replace(t, participant_id=f"X{t.participant_id}", hr_id=f"X{t.hr_id}") for t in extra[40:]]
    await register(factory, board, newcomers, [])
    await run(factory, board)
    rerun, people = await state(factory, board)
    kept = next(h for h in rerun.hubs if h.hub_key == locked.hub_key)
    assert (kept.members, kept.leaders, kept.locked) == (locked.members, locked.leaders, True)
    others = {m for h in rerun.hubs if h.hub_key != locked.hub_key for m in h.members}
    assert not others & set(locked.members)
    assert check_hard_constraints(rerun, people.teachers.values(), people.mentors.values()) == []


def _teacher(n: int, board: str) -> Teacher:
    return Teacher(
        participant_id=f"T{n:02d}",
        board=board,
        hr_id=f"{board}-H{n:02d}",
        school=f"S{n % 5}",
        grade_band="junior",
        subjects=("Mathematics",),
        themes=("assessment",),
    )


def _mentor(n: int, board: str, **kw: Any) -> Mentor:
    fields: dict[str, Any] = {"expertise_themes": ("assessment",), "trained": True, "hub_capacity": 1} | kw
    return Mentor(participant_id=f"M{n}", board=board, hr_id=f"{board}-MH{n}", **fields)


def revised(event: E, revision: int = 2, **changes: object) -> E:
    """A newer snapshot of the same participant (registration bumps the revision)."""
    profile = event.participant.model_copy(update={"revision": revision, **changes})
    return event.model_copy(update={"participant": profile, "event_id": uuid.uuid4()})


async def test_a_teacher_whose_only_possible_leader_is_their_evaluator_is_not_placed_with_them(
    factory: Factory,
):
    board = unique_board()
    teachers = [_teacher(n, board) for n in range(7)]
    # Seven teachers, two mentors: the hub's two leaders can only be M1 and M2, and M1 evaluates
    # T03. Matching forms the hub with the six others and leaves T03 unplaced, saying why.
    evaluator = _mentor(1, board, evaluates_hr_ids=frozenset({f"{board}-H03"}))
    await register(factory, board, teachers, [evaluator, _mentor(2, board)])
    await run(factory, board)
    result, people = await state(factory, board)
    assert check_hard_constraints(result, people.teachers.values(), people.mentors.values()) == []
    t03, m1 = str(pid(f"{board}/T03")), str(pid(f"{board}/M1"))
    [hub] = result.hubs
    assert m1 in hub.leaders and t03 not in hub.members and len(hub.members) == 6
    reasons = {u.participant_id: u.reason for u in result.unplaced}
    assert list(reasons) == [t03] and "evaluates" in reasons[t03]

    # A late joiner whom M1 evaluates is not put in M1's hub either, though it has room.
    late = replace(_teacher(20, board), hr_id=f"{board}-H20")
    async with UnitOfWork(factory) as uow:
        evaluates = [f"{board}-H03", late.hr_id]
        await on_mentor_changed(uow, revised(mentor_event(evaluator, board), evaluates_hr_ids=evaluates))
        await uow.commit()
    await register(factory, board, [late], [])
    result, _ = await state(factory, board)
    late_id = str(pid(f"{board}/T20"))
    assert all(late_id not in h.members for h in result.hubs)
    reasons = {u.participant_id: u.reason for u in result.unplaced}
    assert "do not evaluate them" in reasons[late_id]
    assert [e["participant_id"] for e in await events(factory, board, "ParticipantUnplaced")] == [
        t03,
        late_id,
    ]


async def test_withdrawals_leave_hubs_and_a_withdrawn_leader_is_replaced_or_flagged(factory: Factory):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 16, seed=6)
    await register(factory, board, teachers, mentors)
    await run(factory, board)
    result, people = await state(factory, board)
    hub = result.hubs[0]
    member, leader = hub.members[0], hub.leaders[0]
    registered = {str(e.participant.participant_id): e for e in registrations(board, teachers, mentors)}
    for person in (member, leader):
        withdrawn = revised(registered[person], status="withdrawn")
        async with UnitOfWork(factory) as uow:
            await on_participant_withdrawn(
                uow, ParticipantWithdrawn(board=board, participant=withdrawn.participant)
            )
            await uow.commit()
    after, people = await state(factory, board)
    changed = next(h for h in after.hubs if h.hub_key == hub.hub_key)
    assert member not in changed.members and leader not in changed.leaders
    assert len(changed.leaders) == 2 or any("leader" in f for f in changed.flags)
    announced = await events(factory, board, "HubMembershipChanged")
    led = sum(1 for h in result.hubs if leader in h.leaders)  # a mentor may lead several hubs
    assert [e["removed"] for e in announced] == [[member]] + [[leader]] * led
    # A hub that fell below the minimum is flagged for the coordinator; every other rule holds.
    small = f"hub {hub.hub_key} has {len(changed.members)} members"
    problems = check_hard_constraints(after, people.teachers.values(), people.mentors.values())
    assert [p for p in problems if p != small] == []
    assert (small in problems) == any("below the minimum size" in f for f in changed.flags)


async def test_coordinator_overrides_respect_non_evaluation_bounds_and_are_audited(factory: Factory):
    board = unique_board()
    teachers, mentors = synthetic(board, 40, 14, seed=7, evaluator_share=0.0)
    await register(factory, board, teachers, mentors)
    await run(factory, board)
    result, people = await state(factory, board)
    a, b = result.hubs[0], result.hubs[1]
    who = a.members[0]
    principal = coordinator(board)

    # A leader of the target hub who evaluates the member: refused, whatever force says.
    registered = {str(e.participant.participant_id): e for e in registrations(board, teachers, mentors)}
    async with UnitOfWork(factory) as uow:
        evaluated = [people.views[who].hr_id]
        leader = registered[b.leaders[0]]
        assert isinstance(leader, MentorRegistered)
        await on_mentor_changed(uow, revised(leader, evaluates_hr_ids=evaluated))
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        with pytest.raises(MatchingConflict, match="evaluates"):
            await overrides.move_member(
                uow, principal, hub_id=uuid.UUID(a.hub_key), participant_id=uuid.UUID(who),
                to_hub_id=uuid.UUID(b.hub_key), note=None, force=True,
            )  # fmt: skip

    # Out of bounds needs force; with force it happens, is audited and announced.
    result, people = await state(factory, board)
    target = (
        next(h for h in result.hubs[2:] if len(h.members) == 8)
        if any(len(h.members) == 8 for h in result.hubs[2:])
        else result.hubs[2]
    )
    mover = next(
        m
        for m in a.members
        if not any(people.mentors[lead].evaluates(people.teachers[m]) for lead in target.leaders)
    )
    must_force = len(target.members) + 1 > 8 or len(a.members) - 1 < 6
    if must_force:
        async with UnitOfWork(factory) as uow:
            with pytest.raises(MatchingConflict, match="force"):
                await overrides.move_member(
                    uow, principal, hub_id=uuid.UUID(a.hub_key), participant_id=uuid.UUID(mover),
                    to_hub_id=uuid.UUID(target.hub_key), note="x", force=False,
                )  # fmt: skip
    async with UnitOfWork(factory) as uow:
        override, hubs = await overrides.move_member(
            uow, principal, hub_id=uuid.UUID(a.hub_key), participant_id=uuid.UUID(mover),
            to_hub_id=uuid.UUID(target.hub_key), note="same school as her partner", force=True,
        )  # fmt: skip
        await uow.commit()
    assert override.action == "move" and override.forced == must_force and override.actor == principal.subject
    after, _ = await state(factory, board)
    moved_to = next(h for h in after.hubs if h.hub_key == target.hub_key)
    # The note stays in the coordinators' audit; the hub's explanation (read by participants) and
    # the events never carry it.
    assert mover in moved_to.members and override.note == "same school as her partner"
    assert "same school as her partner" not in moved_to.explanation and mover not in moved_to.explanation
    changed = await events(factory, board, "HubMembershipChanged")
    assert all("same school as her partner" not in str(e) for e in changed)
    assert {e["change"] for e in changed if mover in (*e["added"], *e["removed"])} == {"coordinator_move"}
    assert {(e["hub_id"], tuple(e["added"]), tuple(e["removed"])) for e in changed} >= {
        (a.hub_key, (), (mover,)),
        (target.hub_key, (mover,), ()),
    }

    # Another board's coordinator cannot even see the hub.
    async with UnitOfWork(factory) as uow:
        with pytest.raises(Exception, match="No such hub"):
            await overrides.set_locked(
                uow, coordinator("OTHER"), hub_id=uuid.UUID(a.hub_key), locked=True, note=None
            )


async def test_two_runs_of_one_board_never_interleave_but_boards_run_in_parallel(factory: Factory):
    board, other = unique_board(), unique_board()
    for code in (board, other):
        teachers, mentors = synthetic(code, 12, 4, seed=8)
        await register(factory, code, teachers, mentors)
    async with UnitOfWork(factory) as first:
        await runs.run_and_publish(first, board=board, program_year=YEAR, requested_by="one")
        # While the first run's transaction holds the board, a second run of it is refused...
        async with UnitOfWork(factory) as second:
            with pytest.raises(MatchingConflict, match="in progress"):
                await runs.run_matching(
                    second, board=board, program_year=YEAR, requested_by="two", lock_wait=0.2
                )
        # ...and another board runs meanwhile.
        async with UnitOfWork(factory) as parallel:
            await runs.run_matching(parallel, board=other, program_year=YEAR, requested_by="three")
            await parallel.commit()
        await first.commit()
    async with UnitOfWork(factory) as uow:
        assert await RunRepository(uow.session).has_run(board, YEAR)
        await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="again")
