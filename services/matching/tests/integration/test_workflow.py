"""The coordinator's workflow on a real PostgreSQL: a run drafts and only publishing announces;
reruns keep hub ids and the coordinator's standing decisions; meetings follow their hub; pairing by
hand under the hard rules. Events are read from the outbox (same transaction as the change)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.matching.adapters.repository import (
    HubRepository,
    PeopleRepository,
    PlacementRepository,
    RunRepository,
)
from services.matching.adapters.tables import BoardPolicy
from services.matching.domain.errors import InvalidFields, MatchingConflict
from services.matching.domain.release_days import SchedulingPolicy
from services.matching.service_layer import overrides, pairings, release_days, runs
from services.matching.service_layer.placement import (
    on_mentor_changed,
    on_participant_withdrawn,
    on_teacher_registered,
)
from services.matching.tests.integration.people import YEAR, mentor_event, synthetic, teacher_event
from shared.auth import Principal
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.registration import MentorRegistered, ParticipantWithdrawn, TeacherRegistered
from shared.migrations import drop_database, upgrade
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

Factory = async_sessionmaker[AsyncSession]
TODAY = datetime.now(UTC).date()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def factory(infra, run_prefix) -> AsyncIterator[Factory]:
    url = infra.database_url(f"{run_prefix}_matching_wf")
    await upgrade("matching", url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await drop_database(url)


def coordinator(board: str) -> Principal:
    return Principal(subject=f"coordinator-{board}", roles=frozenset({"board_coordinator"}), board=board)


async def register(
    factory: Factory, board: str, teachers: int = 40, mentors: int = 12, seed: int = 3
) -> None:
    t, m = synthetic(board, teachers, mentors, seed=seed)
    for event in [*(mentor_event(x, board) for x in m), *(teacher_event(x, board) for x in t)]:
        async with UnitOfWork(factory) as uow:
            if isinstance(event, MentorRegistered):
                await on_mentor_changed(uow, event)
            else:
                assert isinstance(event, TeacherRegistered)
                await on_teacher_registered(uow, event)
            await uow.commit()


async def outbox(factory: Factory, board: str, *types: str) -> list[dict[str, Any]]:
    async with factory() as session:
        query = "SELECT event_type, body FROM outbox WHERE board = :board ORDER BY id"
        rows = (await session.execute(sa.text(query), {"board": board})).all()
    return [{"type": t, **json.loads(b)} for t, b in rows if not types or t in types]


async def published(factory: Factory, board: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    async with UnitOfWork(factory) as uow:
        hubs = await HubRepository(uow.session).load_hubs(board=board, program_year=YEAR)
    return {str(h.id): (h.domain().members, h.domain().leaders) for h in hubs}


async def run_publish(factory: Factory, board: str) -> Any:
    async with UnitOfWork(factory) as uow:
        run = await runs.run_and_publish(uow, board=board, program_year=YEAR, requested_by="test")
        await uow.commit()
    return run


async def schedule_everything(factory: Factory, board: str) -> int:
    """A school calendar around today, 20 occasional teachers a day, and every hub's meetings."""
    async with UnitOfWork(factory) as uow:
        await release_days.put_calendar(
            uow,
            board,
            YEAR,
            {"first_day": TODAY - timedelta(days=60), "last_day": TODAY + timedelta(days=200)},
        )
        row = await release_days.get_calendar(uow, board, YEAR)
        days = release_days.calendar_of(row).school_days()
        assert await release_days.set_capacity(uow, board, dict.fromkeys(days, 20)) == []
        hubs = await release_days.board_hubs(uow, board, YEAR)
        outcome = await release_days.schedule_hub_meetings(
            uow,
            board=board,
            program_year=YEAR,
            hubs=hubs,
            policy=SchedulingPolicy(meetings_per_hub=3),
            today=TODAY,
        )
        await uow.commit()
    assert outcome.meetings and not outcome.unscheduled
    assert min(m.day for m in outcome.meetings) >= TODAY  # never before today
    return len(outcome.meetings)


async def ledger_matches_meetings(factory: Factory, board: str) -> None:
    """Every day's booked count is exactly the releases of its scheduled meetings."""
    async with factory() as session:
        used: dict[date, int] = dict(
            (
                await session.execute(
                    sa.text(
                        "SELECT day, sum(releases) FROM hub_meetings WHERE board = :b AND status = 'scheduled' "
                        "GROUP BY day"
                    ),
                    {"b": board},
                )
            )
            .tuples()
            .all()
        )
        booked: dict[date, int] = dict(
            (
                await session.execute(
                    sa.text("SELECT day, booked FROM release_day_bookings WHERE board = :b"), {"b": board}
                )
            )
            .tuples()
            .all()
        )
    assert {d: n for d, n in booked.items() if n} == {d: n for d, n in used.items() if n}


async def test_a_draft_announces_nothing_until_published_and_a_discarded_one_never(factory: Factory):
    board = unique_board()
    await register(factory, board)
    async with UnitOfWork(factory) as uow:
        draft = await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="test")
        await uow.commit()
    assert draft.status == "draft" and draft.counts["hubs_formed"] == draft.counts["hubs"] > 0
    assert draft.draft is not None and len(draft.draft["hubs"]) == draft.counts["hubs"]
    assert await published(factory, board) == {}
    assert await outbox(factory, board) == []
    async with UnitOfWork(factory) as uow:
        assert not await RunRepository(uow.session).has_run(board, YEAR)  # late joiners wait for a publish
        discarded = await runs.discard_run(uow, board=board, program_year=YEAR, run_id=draft.id)
        await uow.commit()
    assert discarded.status == "discarded" and await outbox(factory, board) == []
    async with UnitOfWork(factory) as uow:
        with pytest.raises(MatchingConflict, match="discarded"):
            await runs.publish_run(uow, board=board, program_year=YEAR, run_id=draft.id, published_by="x")

    run = await run_publish(factory, board)
    hubs = await published(factory, board)
    assert run.status == "published" and len(hubs) == run.counts["hubs"]
    formed = await outbox(factory, board, "HubFormed")
    assert sorted(e["hub_id"] for e in formed) == sorted(hubs)
    assert len(await outbox(factory, board, "MentorPaired")) == run.counts["pairings"]


async def test_a_rerun_keeps_hub_ids_and_every_standing_decision(factory: Factory):
    board = unique_board()
    await register(factory, board)
    await run_publish(factory, board)
    before = await published(factory, board)
    principal = coordinator(board)
    async with UnitOfWork(factory) as uow:
        people = await PeopleRepository(uow.session).load_people(board, YEAR, None)
        pairs = await PlacementRepository(uow.session).pairings_of(board, YEAR)
    ids = sorted(before)
    a, b, c, d = ids[0], ids[1], ids[2], ids[3]
    # Move a member of A to B (one whose hub B's leaders do not evaluate).
    mover = next(
        m
        for m in before[a][0]
        if not any(people.mentors[x].evaluates(people.teachers[m]) for x in before[b][1])
        and people.teachers[m].language == people.teachers[before[b][0][0]].language
    )
    async with UnitOfWork(factory) as uow:
        await overrides.move_member(
            uow, principal, hub_id=uuid.UUID(a), participant_id=uuid.UUID(mover),
            to_hub_id=uuid.UUID(b), note="Private: same school as her partner", force=True,
        )  # fmt: skip
        await uow.commit()
    # Swap a leader of C for a mentor who leads no hub and evaluates no member of C.
    leading = {x for _, leaders in before.values() for x in leaders}
    incoming = next(
        m
        for m in sorted(people.mentors.values(), key=lambda m: m.participant_id)
        if m.participant_id not in leading
        and not m.leads_school_leaders
        and not any(m.evaluates(people.teachers[t]) for t in before[c][0])
    )
    outgoing = before[c][1][0]
    async with UnitOfWork(factory) as uow:
        await overrides.swap_leader(
            uow, principal, hub_id=uuid.UUID(c), leader_id=uuid.UUID(outgoing),
            new_leader_id=uuid.UUID(incoming.participant_id), note="Private: trained in June", force=True,
        )  # fmt: skip
        await overrides.set_locked(uow, principal, hub_id=uuid.UUID(d), locked=True, note="met already")
        await uow.commit()
    # Re-pair by hand: every mentor's one-to-one places are taken, so the coordinator first ends
    # another teacher's pairing with mentor M (unpair), then pairs teacher T with M.
    teacher, mentor, freed = next(
        (people.teachers[t], people.mentors[str(row.mentor_id)], other)
        for t, row in sorted(pairs.items())
        for other, other_row in sorted(pairs.items())
        if other != t
        and other_row.mentor_id != row.mentor_id
        and not people.mentors[str(other_row.mentor_id)].evaluates(people.teachers[t])
        for row in [other_row]
    )
    async with UnitOfWork(factory) as uow:
        await pairings.unpair(
            uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(freed), note="Private: moved"
        )
        await pairings.pair(
            uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(teacher.participant_id),
            mentor_id=uuid.UUID(mentor.participant_id), note="Private: asked for her",
        )  # fmt: skip
        await uow.commit()
    decided = await published(factory, board)
    assert mover in decided[b][0] and incoming.participant_id in decided[c][1]
    announced = await outbox(factory, board)
    assert not [e for e in announced if "Private" in json.dumps(e) or "met already" in json.dumps(e)]
    assert {e.get("change") for e in announced if e["type"] == "HubMembershipChanged"} == {
        "coordinator_move",
        "leader_change",
    }  # the lock announced nothing
    joined = next(e for e in announced if e["type"] == "HubMembershipChanged" and mover in e["added"])
    # Every member's facts are counted afresh; only the mover's say a coordinator decided.
    decided_for = {
        pid
        for pid, facts in joined["member_reasons"].items()
        if {"code": "coordinator_decision", "values": {}} in facts
    }
    assert joined["hub_id"] == b and decided_for == {mover}

    # A rerun with nothing new: an empty difference, and publishing it changes and announces nothing.
    async with UnitOfWork(factory) as uow:
        again = await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="test")
        assert again.draft is not None and again.draft["difference"]["empty"] is True
        await runs.publish_run(uow, board=board, program_year=YEAR, run_id=again.id, published_by="test")
        await uow.commit()
    assert await published(factory, board) == decided
    assert len(await outbox(factory, board)) == len(announced)

    # Something new (a mentor joins): the board is solved again, yet every decision holds.
    newcomer = mentor_event(
        synthetic(board, 1, 13, seed=11)[1][12], board
    )  # a 13th mentor with another seed: a new person
    async with UnitOfWork(factory) as uow:
        await on_mentor_changed(uow, newcomer)
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        fresh = await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="test")
        await uow.commit()
    assert fresh.draft is not None
    draft: dict[str, Any] = fresh.draft
    assert draft["solved"] is True
    by_id = {h["id"]: h for h in draft["hubs"]}
    assert mover in by_id[b]["members"] and not any(mover in h["members"] for k, h in by_id.items() if k != b)
    assert incoming.participant_id in by_id[c]["leaders"] and outgoing not in by_id[c]["leaders"]
    assert (tuple(by_id[d]["members"]), tuple(by_id[d]["leaders"])) == decided[d]  # locked: as it was
    assert {"teacher_id": teacher.participant_id, "mentor_id": mentor.participant_id} in [
        {k: p[k] for k in ("teacher_id", "mentor_id")} for p in draft["pairings"]
    ]
    assert freed not in {p["teacher_id"] for p in draft["pairings"]}
    assert draft["decisions_not_applied"] == []
    # Hubs that map onto published ones keep their ids (at least every hub a decision names).
    assert {b, c, d} <= set(by_id)


async def test_a_dissolved_hubs_future_meetings_are_cancelled_to_every_invitee_and_places_returned(
    factory: Factory,
):
    board = unique_board()
    await register(factory, board)
    await run_publish(factory, board)
    before = await published(factory, board)
    await schedule_everything(factory, board)
    async with factory() as session:
        meetings = {
            str(h): list(rows)
            for h, rows in (
                await session.execute(
                    sa.text(
                        "SELECT hub_id, array_agg(id ORDER BY day) FROM hub_meetings WHERE board = :b GROUP BY hub_id"
                    ),
                    {"b": board},
                )
            ).all()
        }
    # Bigger hubs: fewer of them, so at least one published hub dissolves.
    async with UnitOfWork(factory) as uow:
        uow.session.add(
            BoardPolicy(board=board, min_hub_size=10, max_hub_size=14, updated_at=datetime.now(UTC))
        )
        await uow.commit()
    sent = len(await outbox(factory, board))
    async with UnitOfWork(factory) as uow:
        draft = await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="test")
        assert draft.draft is not None
        dissolved = draft.draft["difference"]["dissolved"]
        assert dissolved
        run = await runs.publish_run(
            uow, board=board, program_year=YEAR, run_id=draft.id, published_by="test"
        )
        await uow.commit()
    after = await published(factory, board)
    assert not set(dissolved) & set(after)
    assert run.counts["meetings_cancelled"] == sum(len(meetings[h]) for h in dissolved)
    cancelled = [e for e in (await outbox(factory, board))[sent:] if e["type"] == "HubMeetingCancelled"]
    for hub in dissolved:
        invitees = sorted({*before[hub][0], *before[hub][1]})
        mine = [e for e in cancelled if e["hub_id"] == hub]
        assert sorted(e["meeting_id"] for e in mine) == sorted(str(m) for m in meetings[hub])
        assert all(sorted(e["attendees"]) == invitees for e in mine)  # every invitee gets the CANCEL
    # Each dissolution says how many meetings it cancelled, so its message can say so truthfully.
    gone = [
        e
        for e in (await outbox(factory, board))[sent:]
        if e["type"] == "HubMembershipChanged" and e["change"] == "dissolved"
    ]
    assert {e["hub_id"]: e["meetings_cancelled"] for e in gone} == {h: len(meetings[h]) for h in dissolved}
    assert all(e["members"] == [] and e["leaders"] == [] for e in gone)
    async with factory() as session:
        left = (
            await session.execute(
                sa.text("SELECT count(*) FROM hub_meetings WHERE status = 'scheduled' AND hub_id = ANY(:h)"),
                {"h": [uuid.UUID(h) for h in dissolved]},
            )
        ).scalar_one()
    assert left == 0  # no meeting on a hub that no longer exists
    await ledger_matches_meetings(factory, board)  # no place held by a cancelled meeting


async def test_a_moved_member_leaves_the_old_hubs_meetings_and_joins_the_new_ones(factory: Factory):
    board = unique_board()
    await register(factory, board, seed=5)
    await run_publish(factory, board)
    before = await published(factory, board)
    await schedule_everything(factory, board)
    a, b = sorted(before)[:2]
    async with UnitOfWork(factory) as uow:
        people = await PeopleRepository(uow.session).load_people(board, YEAR, None)
    mover = next(
        m
        for m in before[a][0]
        if not any(people.mentors[x].evaluates(people.teachers[m]) for x in before[b][1])
    )
    sent = len(await outbox(factory, board))
    async with UnitOfWork(factory) as uow:
        await overrides.move_member(
            uow, coordinator(board), hub_id=uuid.UUID(a), participant_id=uuid.UUID(mover),
            to_hub_id=uuid.UUID(b), note=None, force=True,
        )  # fmt: skip
        await uow.commit()
    new = (await outbox(factory, board))[sent:]
    # Each future meeting of both hubs is re-announced once, same times, with everyone now invited:
    # the meetings themselves go on (no HubMeetingCancelled, no new HubMeetingScheduled).
    assert not [e for e in new if e["type"] in ("HubMeetingCancelled", "HubMeetingScheduled")]
    versions = [e for e in new if e["type"] == "HubMeetingRescheduled"]
    after = await published(factory, board)
    for hub_id in (a, b):
        mine = [e for e in versions if e["hub_id"] == hub_id]
        assert mine and all(e["sequence"] == 1 for e in mine)
        assert all(sorted(e["attendees"]) == sorted([*after[hub_id][0], *after[hub_id][1]]) for e in mine)
    assert len({e["meeting_id"] for e in versions}) == len(versions)  # once per meeting
    async with factory() as session:
        rows = (
            await session.execute(
                sa.text(
                    "SELECT hub_id, attendees, sequence FROM hub_meetings WHERE board = :b AND hub_id = ANY(:h)"
                ),
                {"b": board, "h": [uuid.UUID(a), uuid.UUID(b)]},
            )
        ).all()
    for hub_id, attendees, sequence in rows:
        assert (uuid.UUID(mover) in attendees) == (str(hub_id) == b) and sequence == 1
    await ledger_matches_meetings(factory, board)


async def test_pairing_by_hand_keeps_the_hard_rules_and_names_every_bad_field(factory: Factory):
    board = unique_board()
    await register(factory, board, seed=7)
    await run_publish(factory, board)
    principal = coordinator(board)
    async with UnitOfWork(factory) as uow:
        people = await PeopleRepository(uow.session).load_people(board, YEAR, None)
        with pytest.raises(InvalidFields) as both:
            await pairings.pair(
                uow, principal, board=board, program_year=YEAR, teacher_id=uuid.uuid4(),
                mentor_id=uuid.uuid4(), note=None,
            )  # fmt: skip
    assert [f for f, _ in both.value.errors] == ["teacher_id", "mentor_id"]
    evaluator = next(m for m in people.mentors.values() if m.evaluates_hr_ids)
    evaluated = next(t for t in people.teachers.values() if evaluator.evaluates(t))
    async with UnitOfWork(factory) as uow:
        with pytest.raises(MatchingConflict, match="evaluates") as refused:
            await pairings.pair(
                uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(evaluated.participant_id),
                mentor_id=uuid.UUID(evaluator.participant_id), note=None,
            )  # fmt: skip
    assert refused.value.field == "mentor_id"
    full = next(m for m in people.mentors.values() if m.one_to_one_capacity == 0)
    other = next(t for t in people.teachers.values() if not full.evaluates(t))
    async with UnitOfWork(factory) as uow:
        with pytest.raises(MatchingConflict, match="capacity"):
            await pairings.pair(
                uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(other.participant_id),
                mentor_id=uuid.UUID(full.participant_id), note=None,
            )  # fmt: skip
    # Unpair: the decision stands through a rerun (nobody re-pairs the teacher behind the coordinator).
    async with UnitOfWork(factory) as uow:
        paired = await PlacementRepository(uow.session).pairings_of(board, YEAR)
        teacher_id = sorted(paired)[0]
        await pairings.unpair(
            uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(teacher_id), note="n"
        )
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        uow.session.add(
            BoardPolicy(board=board, min_hub_size=6, max_hub_size=9, updated_at=datetime.now(UTC))
        )
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        rerun = await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="t")
        await uow.commit()
    assert rerun.draft is not None
    draft: dict[str, Any] = rerun.draft
    assert draft["solved"] is True
    assert teacher_id not in {p["teacher_id"] for p in draft["pairings"]}


async def test_unpairing_and_re_pairing_announce_the_end_of_the_former_pairing(factory: Factory):
    board = unique_board()
    await register(factory, board, seed=7)
    await run_publish(factory, board)
    principal = coordinator(board)
    async with UnitOfWork(factory) as uow:
        people = await PeopleRepository(uow.session).load_people(board, YEAR, None)
        rows = await PlacementRepository(uow.session).pairings_of(board, YEAR)
    paired = {t: str(r.mentor_id) for t, r in rows.items()}
    # Unpair one teacher: their mentor now has room for someone else.
    alone, freed = sorted(paired.items())[0]
    sent = len(await outbox(factory, board))
    async with UnitOfWork(factory) as uow:
        await pairings.unpair(
            uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(alone), note="n"
        )
        await uow.commit()
    unpaired = (await outbox(factory, board))[sent:]
    assert [(e["type"], e["teacher_id"], e["mentor_id"], e["change"]) for e in unpaired] == [
        ("MentorUnpaired", alone, freed, "unpaired")
    ]
    # Re-pair another teacher with that mentor: MentorPaired, then the end of the former pairing.
    mentor = people.mentors[freed]
    teacher_id, former = next(
        (t, m)
        for t, m in sorted(paired.items())
        if t != alone and m != freed
        and mentor.language == people.teachers[t].language and not mentor.evaluates(people.teachers[t])
    )  # fmt: skip
    sent = len(await outbox(factory, board))
    async with UnitOfWork(factory) as uow:
        await pairings.pair(
            uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(teacher_id),
            mentor_id=uuid.UUID(freed), note=None,
        )  # fmt: skip
        await uow.commit()
    repair = (await outbox(factory, board))[sent:]
    assert [(e["type"], e["teacher_id"], e["mentor_id"]) for e in repair] == [
        ("MentorPaired", teacher_id, freed),
        ("MentorUnpaired", teacher_id, former),
    ]
    assert repair[1]["change"] == "repaired"
    # Pairing again with the same mentor changes nothing and announces nothing.
    sent = len(await outbox(factory, board))
    async with UnitOfWork(factory) as uow:
        await pairings.pair(
            uow, principal, board=board, program_year=YEAR, teacher_id=uuid.UUID(teacher_id),
            mentor_id=uuid.UUID(freed), note=None,
        )  # fmt: skip
        await uow.commit()
    assert len(await outbox(factory, board)) == sent


async def test_who_registers_while_a_draft_is_open_is_placed_when_it_is_published(factory: Factory):
    board = unique_board()
    await register(factory, board)
    async with UnitOfWork(factory) as uow:
        draft = await runs.run_matching(uow, board=board, program_year=YEAR, requested_by="test")
        await uow.commit()
    late_teachers, _ = synthetic(board, 41, 0, seed=3)
    newcomer = teacher_event(late_teachers[-1], board)
    async with UnitOfWork(factory) as uow:
        await on_teacher_registered(uow, newcomer)
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        view = await PeopleRepository(uow.session).participant(newcomer.participant.participant_id)
        assert view is not None and view.placement_status == "awaiting_placement"  # no hubs yet
        await runs.publish_run(uow, board=board, program_year=YEAR, run_id=draft.id, published_by="test")
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        view = await PeopleRepository(uow.session).participant(newcomer.participant.participant_id)
    assert view is not None and view.placement_status in ("placed", "unplaced")
    told = [
        e
        for e in await outbox(factory, board, "HubMembershipChanged", "HubFormed", "ParticipantUnplaced")
        if str(newcomer.participant.participant_id)
        in (*e.get("added", ()), *e.get("members", ()), e.get("participant_id"))
    ]
    assert told


async def test_a_withdrawal_ends_its_pairings_and_says_whether_the_teacher_was_paired_again(factory: Factory):
    board = unique_board()
    await register(factory, board, seed=7)
    await run_publish(factory, board)
    t, m = synthetic(board, 40, 12, seed=7)
    profiles = {
        str(e.participant.participant_id): e.participant
        for e in [*(mentor_event(x, board) for x in m), *(teacher_event(x, board) for x in t)]
    }

    async def withdraw(who: str) -> list[dict[str, Any]]:
        sent = len(await outbox(factory, board))
        gone = profiles[who].model_copy(update={"revision": 2, "status": "withdrawn"})
        async with UnitOfWork(factory) as uow:
            await on_participant_withdrawn(uow, ParticipantWithdrawn(board=board, participant=gone))
            await uow.commit()
        return (await outbox(factory, board))[sent:]

    async with UnitOfWork(factory) as uow:
        rows = await PlacementRepository(uow.session).pairings_of(board, YEAR)
    paired = {teacher: str(r.mentor_id) for teacher, r in rows.items()}
    teacher, their_mentor = sorted(paired.items())[0]
    new = await withdraw(teacher)
    assert [(e["teacher_id"], e["mentor_id"], e["change"]) for e in new if e["type"] == "MentorUnpaired"] == [
        (teacher, their_mentor, "withdrawal")
    ]
    # A mentor withdraws: each of their pairings ends; a teacher paired again hears it from the new
    # MentorPaired (published first), one left without a mentor from MentorUnpaired `withdrawal`.
    mentor = max(sorted(set(paired.values())), key=lambda x: sum(1 for v in paired.values() if v == x))
    theirs = sorted(x for x, v in paired.items() if v == mentor and x != teacher)
    assert theirs
    new = await withdraw(mentor)
    ended = {e["teacher_id"]: (e["mentor_id"], e["change"]) for e in new if e["type"] == "MentorUnpaired"}
    again = [i for i, e in enumerate(new) if e["type"] == "MentorPaired"]
    repaired = {new[i]["teacher_id"] for i in again}
    assert sorted(ended) == theirs
    for x in theirs:
        assert ended[x] == (mentor, "repaired" if x in repaired else "withdrawal")
    last_pairing = max(again, default=-1)
    assert all(i > last_pairing for i, e in enumerate(new) if e["type"] == "MentorUnpaired")
