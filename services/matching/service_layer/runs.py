"""A matching run: form a board's hubs for a program year, in one transaction.

The run reads the board's participants from matching's own view, keeps locked hubs as they are,
replaces every unlocked hub, records who could not be placed (with the reason) and the one-to-one
pairings, and announces the differences through the outbox — all committed together. Two runs of
one board never interleave, even on two replicas: each holds the board's advisory lock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from services.matching.adapters import repository
from services.matching.adapters.tables import MatchingRun
from services.matching.domain.forming import form_hubs
from services.matching.service_layer.hubs import (
    MatchingConflict,
    as_reasons,
    explanations,
    hub_formed,
    membership_changed,
)
from shared.db import UnitOfWork
from shared.events.matching import MentorPaired, ParticipantUnplaced

LOCK_WAIT_SECONDS = 2.0


async def _acquire(uow: UnitOfWork, board: str, wait: float) -> None:
    """Wait briefly for the board's lock (a late joiner being placed), then refuse."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not await repository.try_lock_board(uow.session, board):
        if loop.time() >= deadline:
            raise MatchingConflict(
                f"a matching run or a hub change for board {board} is in progress; retry shortly",
                retry_after=2,
            )
        await asyncio.sleep(0.1)


async def run_matching(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    requested_by: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> MatchingRun:
    """Form the hubs of ``board`` for ``program_year``; the caller commits."""
    await _acquire(uow, board, lock_wait)
    session = uow.session
    started = clock()
    run_id = uuid.uuid4()
    rules = await repository.load_rules(session, board)
    people = await repository.load_people(session, board, program_year, rules.region)
    stored = await repository.load_hubs(session, board=board, program_year=program_year)
    locked = [s.domain() for s in stored if s.row.locked]
    before = {str(s.id): s.domain() for s in stored if not s.row.locked}

    result = form_hubs(
        people.teachers.values(),
        people.mentors.values(),
        rules.policy,
        locked_hubs=locked,
        weights=rules.weights,
    )
    formed = [h for h in result.hubs if not h.locked]
    after = {h.hub_key: h for h in formed}

    # Replace the unlocked hubs (members go with them), the unplaced list and the pairings.
    await repository.delete_hubs(session, [uuid.UUID(k) for k in before])
    await repository.insert_hubs(
        session,
        program_year=program_year,
        hubs=formed,
        member_explanations=explanations(formed, people.teachers, people.mentors),
        run_id=run_id,
    )
    previous_unplaced = await repository.unplaced_of(session, board, program_year)
    await repository.delete_unplaced(session, board=board, program_year=program_year)
    reasons = {u.participant_id: u.reason for u in result.unplaced}
    facts = {u.participant_id: u.facts for u in result.unplaced}
    await repository.upsert_unplaced(
        session, board=board, program_year=program_year, reasons=reasons, run_id=run_id
    )
    previous_pairings = await repository.pairings_of(session, board, program_year)
    await repository.replace_pairings(
        session, board=board, program_year=program_year, pairings=result.pairings, run_id=run_id
    )

    placed = {m for h in result.hubs for m in h.members}
    leading = {m for h in result.hubs for m in h.leaders}
    await repository.set_status(session, placed, "placed")
    await repository.set_status(session, reasons, "unplaced")
    await repository.set_status(session, leading, "leading")
    await repository.set_status(session, set(people.mentors) - leading, "available")

    # Announce what changed: a rerun on the same input announces nothing.
    changed = 0
    for key, hub in after.items():
        old = before.get(key)
        if old is None:
            uow.publish(hub_formed(hub, program_year, teachers=people.teachers, mentors=people.mentors))
        elif (old.members, old.leaders) != (hub.members, hub.leaders):
            changed += 1
            added = (set(hub.members) | set(hub.leaders)) - (set(old.members) | set(old.leaders))
            removed = (set(old.members) | set(old.leaders)) - (set(hub.members) | set(hub.leaders))
            uow.publish(
                membership_changed(
                    hub,
                    program_year,
                    added=added,
                    removed=removed,
                    reason=f"re-formed by matching run {run_id}",
                    teachers=people.teachers,
                    mentors=people.mentors,
                )
            )
    dissolved = [old for key, old in before.items() if key not in after]
    for old in dissolved:
        uow.publish(
            membership_changed(
                replace(old, members=(), leaders=()),
                program_year,
                removed=(*old.members, *old.leaders),
                reason=f"dissolved by matching run {run_id}: its members were placed anew",
            )
        )
    for pairing in result.pairings:
        old_pairing = previous_pairings.get(pairing.teacher_id)
        if old_pairing is None or str(old_pairing.mentor_id) != pairing.mentor_id:
            uow.publish(
                MentorPaired(
                    board=board,
                    program_year=program_year,
                    teacher_id=uuid.UUID(pairing.teacher_id),
                    mentor_id=uuid.UUID(pairing.mentor_id),
                    explanation=pairing.explanation,
                    reasons=as_reasons(pairing.facts),
                )
            )
    for pid, reason in reasons.items():
        old_unplaced = previous_unplaced.get(pid)
        if old_unplaced is None or old_unplaced.reason != reason:
            uow.publish(
                ParticipantUnplaced(
                    board=board,
                    program_year=program_year,
                    participant_id=uuid.UUID(pid),
                    reason=reason,
                    reasons=as_reasons(facts[pid]),
                )
            )

    run = MatchingRun(
        id=run_id,
        board=board,
        program_year=program_year,
        status="completed",
        requested_by=requested_by,
        started_at=started,
        finished_at=clock(),
        objective=round(result.objective, 4),
        counts={
            "teachers": len(people.teachers),
            "mentors": len(people.mentors),
            "hubs": len(result.hubs),
            "locked_hubs": len(locked),
            "hubs_formed": sum(1 for k in after if k not in before),
            "hubs_changed": changed,
            "hubs_unchanged": sum(1 for k in after if k in before) - changed,
            "hubs_dissolved": len(dissolved),
            "placed": len(placed),
            "unplaced": len(reasons),
            "pairings": len(result.pairings),
        },
    )
    session.add(run)
    await session.flush()
    return run
