"""Keeping hubs right between runs: late registrants, withdrawals, new mentors.

Each handler first records the participant's snapshot (a newer revision wins), then acts on what
the view says now — so an old snapshot arriving late never places or removes anyone. Hub changes
hold the board's advisory lock, like runs and coordinator overrides, and never touch locked hubs'
membership (a withdrawn person still leaves a locked hub; the coordinator is told).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from services.matching.adapters import repository
from services.matching.adapters.repository import TEACHER_ROLES, StoredHub
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain.adjusting import explain_member, leader_load, replacement_leader
from services.matching.domain.forming import form_hubs, pair_one_to_one, place_late_joiner
from services.matching.domain.placement_model import Pairing, Teacher, Unplaced
from services.matching.service_layer import coaches
from services.matching.service_layer.hubs import (
    add_person,
    append_explanation,
    as_reasons,
    envelope,
    explanations,
    hub_formed,
    membership_changed,
    refresh_flags,
    remove_person,
)
from services.matching.service_layer.meetings_follow import follow_hubs
from services.matching.service_layer.participants import record_participant, record_participants
from shared.bus.group_commit import Batchable
from shared.db import UnitOfWork
from shared.events.matching import MentorPaired, MentorUnpaired, ParticipantUnplaced, Reason
from shared.events.registration import (
    MentorRegistered,
    ParticipantEvent,
    ParticipantUpdated,
    ParticipantWithdrawn,
    TeacherRegistered,
)


async def on_teacher_registered(uow: UnitOfWork, event: TeacherRegistered) -> None:
    """Record the teacher; once the board's hubs exist, place them as a late joiner."""
    await record_participant(uow, event)
    await _place_if_late(uow, event)


async def record_registrations(uow: UnitOfWork, events: list[TeacherRegistered | MentorRegistered]) -> None:
    """First step for a run of registrations (a bulk import): every snapshot in one statement, and
    whether each of their boards' program years has hubs yet, once per board and year."""
    await record_participants(uow, events)
    for board, program_year in {(e.board, e.participant.program_year) for e in events}:
        await _has_run(uow, board, program_year)


async def act_on_registration(uow: UnitOfWork, event: TeacherRegistered | MentorRegistered) -> None:
    """Then, per registration: nothing before the board's first run (the run places everyone)."""
    if not await _has_run(uow, event.board, event.participant.program_year):
        return
    if isinstance(event, TeacherRegistered):
        await _place_if_late(uow, event)
    else:
        await _lead_if_short(uow, event)


on_registered = Batchable(record_registrations, then_each=act_on_registration)


async def _has_run(uow: UnitOfWork, board: str, program_year: str) -> bool:
    """``repository.has_run``, asked once per board and year in a transaction."""
    known: dict[tuple[str, str], bool] = repositories(uow).memo.setdefault("matching.has_run", {})
    if (board, program_year) not in known:
        known[(board, program_year)] = await repositories(uow).runs.has_run(board, program_year)
    return known[(board, program_year)]


async def _place_if_late(uow: UnitOfWork, event: TeacherRegistered) -> None:
    repos = repositories(uow)
    if not await _has_run(uow, event.board, event.participant.program_year):
        return  # the board's first run will place everyone (checked first: no view to load)
    view = await repos.people.participant(event.participant.participant_id)
    if view is None or view.withdrawn or view.role not in TEACHER_ROLES:
        return
    if not await _has_run(uow, view.board, view.program_year):
        return  # a newer snapshot moved them to a program year without hubs yet
    await repos.boards.lock_board(view.board)
    await place_late(uow, view.board, view.program_year, str(view.participant_id), cause=event)


HELD_FOR_REVIEW = "held for review"


async def place_late(
    uow: UnitOfWork, board: str, program_year: str, participant_id: str, cause: ParticipantEvent | None
) -> None:
    """Place one teacher in the best unlocked hub with room, or record why not (and form a new hub
    once enough unplaced teachers of a compatible cluster have gathered). Holds the board lock."""
    repos = repositories(uow)
    rules = await repos.boards.load_rules(board)
    people = await repos.people.load_people(board, program_year, rules.region)
    stored = await repos.hubs.load_hubs(board=board, program_year=program_year, for_update=True)
    if any(participant_id in {str(m.participant_id) for m in s.members} for s in stored):
        return  # already placed (a reinstated teacher keeps their hub)
    if rules.hold_late_joiners:
        # The coordinator reviews late joiners: listed as unplaced until the next published run
        # places them (nothing changes for anyone else, so nothing is announced).
        await repos.placements.upsert_unplaced(
            board=board,
            program_year=program_year,
            reasons={participant_id: HELD_FOR_REVIEW},
            run_id=None,
        )
        await repos.people.set_status([participant_id], "unplaced")
        return
    teacher = people.teachers[participant_id]
    outcome = place_late_joiner(
        teacher, [s.domain() for s in stored], people.mentors.values(), people.teachers.values(), rules.policy
    )
    if isinstance(outcome, Unplaced):
        await repos.placements.upsert_unplaced(
            board=board,
            program_year=program_year,
            reasons={participant_id: outcome.reason},
            run_id=None,
        )
        await repos.people.set_status([participant_id], "unplaced")
        placed = await _form_from_unplaced(uow, board, program_year, people, stored, rules, cause)
        if participant_id not in placed:
            uow.publish(
                ParticipantUnplaced(
                    **envelope(cause, board),
                    program_year=program_year,
                    participant_id=uuid.UUID(participant_id),
                    reason=outcome.reason,
                    reasons=as_reasons(outcome.facts),
                )
            )
        await _pair(uow, board, program_year, [teacher], people, cause)
        return
    hub, why = outcome
    target = next(s for s in stored if str(s.id) == hub.hub_key)
    repos.add(
        add_person(
            target, participant_id, "member", f"{why}. {explain_member(teacher, hub, people.teachers)}"
        )
    )
    append_explanation(target, "A late joiner was added.")
    refresh_flags(target, people.mentors, rules.policy)
    await repos.placements.delete_unplaced(board=board, program_year=program_year, ids=[participant_id])
    await repos.people.set_status([participant_id], "placed")
    uow.publish(
        membership_changed(
            target.domain(),
            program_year,
            added=[participant_id],
            reason=why,
            cause=cause,
            change="late_joiner",
            member_reasons={participant_id: [Reason(code="late_joiner")]},
            teachers=people.teachers,
            mentors=people.mentors,
            late_joiners=[participant_id],
        )
    )
    await follow_hubs(
        uow, board=board, today=datetime.now(UTC).date(), joined={target.row.id: [participant_id]}
    )
    await _pair(uow, board, program_year, [teacher], people, cause)


async def _form_from_unplaced(
    uow: UnitOfWork,
    board: str,
    program_year: str,
    people: repository.People,
    stored: list[StoredHub],
    rules: repository.BoardRules,
    cause: ParticipantEvent | None,
) -> set[str]:
    """Enough unplaced teachers of a compatible cluster form a hub of their own, led by mentors
    with capacity left; returns who was placed."""
    repos = repositories(uow)
    waiting = await repos.placements.unplaced_of(board, program_year)
    pool = [people.teachers[pid] for pid in sorted(waiting) if pid in people.teachers]
    if len(pool) < rules.policy.min_hub_size:
        return set()
    load = leader_load(s.domain() for s in stored)
    free = [
        replace(m, hub_capacity=m.hub_capacity - load.get(m.participant_id, 0))
        for m in people.mentors.values()
        if m.hub_capacity > load.get(m.participant_id, 0)
    ]
    result = form_hubs(pool, free, replace(rules.policy, pair_one_to_one=False), weights=rules.weights)
    if not result.hubs:
        return set()
    await repos.hubs.insert_hubs(
        program_year=program_year,
        hubs=result.hubs,
        member_explanations=explanations(result.hubs, people.teachers, people.mentors),
        run_id=None,
    )
    placed = [m for h in result.hubs for m in h.members]
    await repos.placements.delete_unplaced(board=board, program_year=program_year, ids=placed)
    await repos.people.set_status(placed, "placed")
    await repos.people.set_status([m for h in result.hubs for m in h.leaders], "leading")
    for hub in result.hubs:
        uow.publish(hub_formed(hub, program_year, cause, teachers=people.teachers, mentors=people.mentors))
    return set(placed)


async def _pair(
    uow: UnitOfWork,
    board: str,
    program_year: str,
    teachers: list[Teacher],
    people: repository.People,
    cause: ParticipantEvent | None,
) -> list[Pairing]:
    """One-to-one mentors for teachers who have none, from mentors with capacity left (returned)."""
    existing = await repositories(uow).placements.pairings_of(board, program_year)
    used: dict[str, int] = {}
    for row in existing.values():
        used[str(row.mentor_id)] = used.get(str(row.mentor_id), 0) + 1
    mentors = [
        replace(m, one_to_one_capacity=m.one_to_one_capacity - used.get(m.participant_id, 0))
        for m in people.mentors.values()
    ]
    pairings = pair_one_to_one([t for t in teachers if t.participant_id not in existing], mentors)
    await repositories(uow).placements.add_pairings(
        board=board, program_year=program_year, pairings=pairings, run_id=None
    )
    for pairing in pairings:
        uow.publish(
            MentorPaired(
                **envelope(cause, board),
                program_year=program_year,
                teacher_id=uuid.UUID(pairing.teacher_id),
                mentor_id=uuid.UUID(pairing.mentor_id),
                explanation=pairing.explanation,
                reasons=as_reasons(pairing.facts),
            )
        )
    return pairings


async def on_participant_withdrawn(uow: UnitOfWork, event: ParticipantWithdrawn) -> None:
    """A withdrawn member leaves their hub; a withdrawn leader is replaced (or the hub is flagged);
    their unplaced entry and one-to-one pairings go."""
    await record_participant(uow, event)
    repos = repositories(uow)
    view = await repos.people.participant(event.participant.participant_id)
    if view is None or not view.withdrawn:
        return  # a newer snapshot (reinstated) already arrived
    board, program_year, pid = view.board, view.program_year, str(view.participant_id)
    await repos.boards.lock_board(board)
    rules = await repos.boards.load_rules(board)
    people = await repos.people.load_people(board, program_year, rules.region)
    stored = await repos.hubs.load_hubs(board=board, program_year=program_year, for_update=True)
    load = leader_load(s.domain() for s in stored)
    for hub in stored:
        gone = remove_person(hub, pid)
        if gone is None:
            continue
        await repos.delete(gone)
        added: list[str] = []
        if gone.role == "member":
            reason = "a member withdrew from the program"
        elif hub.row.locked:
            reason = "a hub leader withdrew; the hub is locked, so the coordinator chooses the new leader"
        else:
            members = [
                people.teachers[str(m.participant_id)]
                for m in hub.members
                if str(m.participant_id) in people.teachers
            ]
            found = replacement_leader(hub.domain(), members, people.mentors.values(), load)
            if found is None:
                reason = "a hub leader withdrew and no mentor with capacity is free of evaluating a member; flagged for the coordinator"
            else:
                mentor, why = found
                repos.add(add_person(hub, mentor.participant_id, "leader", why))
                load[mentor.participant_id] = load.get(mentor.participant_id, 0) + 1
                added.append(mentor.participant_id)
                await repos.people.set_status([mentor.participant_id], "leading")
                reason = "a hub leader withdrew; another mentor took the seat"
        append_explanation(hub, f"A {'leader' if gone.role == 'leader' else 'member'} withdrew.")
        refresh_flags(hub, people.mentors, rules.policy)
        uow.publish(
            membership_changed(
                hub.domain(),
                program_year,
                added=added,
                removed=[pid],
                reason=reason,
                cause=event,
                change="withdrawal",
                teachers=people.teachers,
                mentors=people.mentors,
            )
        )
        await follow_hubs(
            uow,
            board=board,
            today=datetime.now(UTC).date(),
            left={hub.row.id: [pid]},
            joined={hub.row.id: added} if added else None,
        )
    await coaches.release_withdrawn(uow, board=board, coach_id=view.participant_id, cause=event)
    await repos.placements.delete_unplaced(board=board, program_year=program_year, ids=[pid])
    pairings = await repos.placements.pairings_of(board, program_year)
    orphans = []
    ended: list[tuple[str, uuid.UUID]] = []  # (teacher, mentor) pairings the withdrawal ended
    for teacher_id, row in pairings.items():
        if teacher_id == pid or str(row.mentor_id) == pid:
            ended.append((teacher_id, row.mentor_id))
            await repos.delete(row)
            if teacher_id != pid:
                orphans.append(teacher_id)
    await repos.flush()
    repaired = await _pair(
        uow, board, program_year, [people.teachers[t] for t in orphans if t in people.teachers], people, event
    )
    # The end of each pairing: a teacher re-paired hears it from the new MentorPaired (`repaired`);
    # otherwise whoever of the two is still in the program is told (`withdrawal`).
    again = {p.teacher_id for p in repaired}
    for teacher_id, mentor_id in ended:
        uow.publish(
            MentorUnpaired(
                **envelope(event, board),
                program_year=program_year,
                teacher_id=uuid.UUID(teacher_id),
                mentor_id=mentor_id,
                change="repaired" if teacher_id in again else "withdrawal",
            )
        )
    await repos.people.set_status([pid], "withdrawn")


async def on_mentor_changed(uow: UnitOfWork, event: MentorRegistered | ParticipantUpdated) -> None:
    """Record the mentor; a hub left without its two leaders gets this one if they qualify."""
    await record_participant(uow, event)
    await _lead_if_short(uow, event)


async def _lead_if_short(uow: UnitOfWork, event: MentorRegistered | ParticipantUpdated) -> None:
    repos = repositories(uow)
    view = await repos.people.participant(event.participant.participant_id)
    if view is None or view.withdrawn or view.role != "mentor":
        return
    if not await _has_run(uow, view.board, view.program_year):
        return
    await repos.boards.lock_board(view.board)
    rules = await repos.boards.load_rules(view.board)
    stored = await repos.hubs.load_hubs(board=view.board, program_year=view.program_year, for_update=True)
    short = [s for s in stored if len(s.leaders) < rules.policy.leaders_per_hub and not s.row.locked]
    if not short:
        return
    people = await repos.people.load_people(view.board, view.program_year, rules.region)
    mentor = people.mentors[str(view.participant_id)]
    load = leader_load(s.domain() for s in stored)
    for hub in short:
        members = [
            people.teachers[str(m.participant_id)]
            for m in hub.members
            if str(m.participant_id) in people.teachers
        ]
        found = replacement_leader(hub.domain(), members, [mentor], load)
        if found is None:
            continue
        _, why = found
        repos.add(
            add_person(
                hub, mentor.participant_id, "leader", why.replace("a leader who withdrew", "a missing leader")
            )
        )
        load[mentor.participant_id] = load.get(mentor.participant_id, 0) + 1
        append_explanation(hub, "A newly registered mentor joined as leader.")
        refresh_flags(hub, people.mentors, rules.policy)
        await repos.people.set_status([mentor.participant_id], "leading")
        uow.publish(
            membership_changed(
                hub.domain(),
                view.program_year,
                added=[mentor.participant_id],
                reason="a newly registered mentor fills the empty leader seat",
                cause=event,
                change="leader_change",
                teachers=people.teachers,
                mentors=people.mentors,
            )
        )


async def on_participant_updated(uow: UnitOfWork, event: ParticipantUpdated) -> None:
    if event.participant.role == "mentor":
        await on_mentor_changed(uow, event)
    else:
        await record_participant(uow, event)
