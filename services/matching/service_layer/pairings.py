"""One-to-one pairing by hand: pair, re-pair, unpair a beginning teacher, under the same hard rules
as a run (never one's evaluator, within the mentor's capacity, in the teacher's language). Each is
a standing decision every later run keeps until the coordinator releases it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.matching.adapters.tables import PairingRow, StandingDecisionRow
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain.draft_rules import pairing_refusals
from services.matching.domain.errors import Invalid, InvalidFields, MatchingConflict
from services.matching.domain.placement_model import Pairing
from services.matching.service_layer import coaches
from services.matching.service_layer.errors import NotFound
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.events.matching import MentorPaired, MentorUnpaired


async def pair(
    uow: UnitOfWork,
    principal: Principal,
    *,
    board: str,
    program_year: str,
    teacher_id: uuid.UUID,
    mentor_id: uuid.UUID,
    note: str | None,
) -> PairingRow:
    """Pair (or re-pair) ``teacher_id`` with ``mentor_id``; MentorPaired is announced when it changes."""
    repos = repositories(uow)
    await repos.boards.lock_board(board)
    rules = await repos.boards.load_rules(board)
    people = await repos.people.load_people(board, program_year, rules.region)
    teacher = people.teachers.get(str(teacher_id))
    mentor = people.mentors.get(str(mentor_id))
    errors: list[tuple[str, str]] = []
    if teacher is None or teacher.role != "beginning_teacher":
        errors.append(("teacher_id", "not an active beginning teacher of this board and program year"))
    if mentor is None:
        errors.append(("mentor_id", "not an active mentor of this board and program year"))
    if errors:
        raise InvalidFields(errors)
    assert teacher is not None and mentor is not None
    existing = await repos.placements.pairings_of(board, program_year)
    current = existing.get(str(teacher_id))
    if current is not None and current.mentor_id == mentor_id:
        return current
    load = sum(1 for row in existing.values() if row.mentor_id == mentor_id)
    refusals = pairing_refusals(teacher, mentor, load)
    if refusals:
        raise MatchingConflict("; ".join(r.message for r in refusals), field="mentor_id")
    former = current.mentor_id if current is not None else None
    if current is not None:
        await repos.delete(current)
        await repos.flush()
    await repos.placements.add_pairings(
        board=board,
        program_year=program_year,
        pairings=[Pairing(str(teacher_id), str(mentor_id), "paired by the coordinator")],
        run_id=None,
    )
    await _decide(uow, principal, board, program_year, "pairing", teacher_id, mentor_id, note)
    uow.publish(
        MentorPaired(
            board=board,
            program_year=program_year,
            teacher_id=teacher_id,
            mentor_id=mentor_id,
            explanation="paired by the coordinator",
        )
    )
    if former is not None:
        # The former pairing ended; the MentorPaired above is what tells the former mentor (once).
        uow.publish(
            MentorUnpaired(
                board=board,
                program_year=program_year,
                teacher_id=teacher_id,
                mentor_id=former,
                change="repaired",
            )
        )
    await repos.flush()
    await uow.commit()
    return (await repos.placements.pairings_of(board, program_year))[str(teacher_id)]


async def unpair(
    uow: UnitOfWork,
    principal: Principal,
    *,
    board: str,
    program_year: str,
    teacher_id: uuid.UUID,
    note: str | None,
) -> None:
    """End a teacher's one-to-one pairing; later runs leave them without one until released."""
    repos = repositories(uow)
    await repos.boards.lock_board(board)
    existing = await repos.placements.pairings_of(board, program_year)
    current = existing.get(str(teacher_id))
    if current is None:
        raise Invalid("teacher_id", "this teacher has no one-to-one mentor")
    mentor_id = current.mentor_id
    await repos.placements.delete_pairing(board, program_year, str(teacher_id))
    await _decide(uow, principal, board, program_year, "unpaired", teacher_id, None, note)
    uow.publish(
        MentorUnpaired(
            board=board,
            program_year=program_year,
            teacher_id=teacher_id,
            mentor_id=mentor_id,
            change="unpaired",
        )
    )
    await repos.flush()
    await uow.commit()


async def _decide(
    uow: UnitOfWork,
    principal: Principal,
    board: str,
    program_year: str,
    kind: str,
    teacher_id: uuid.UUID,
    mentor_id: uuid.UUID | None,
    note: str | None,
) -> None:
    await repositories(uow).decisions.replace_decisions(
        board=board,
        program_year=program_year,
        participant_id=str(teacher_id),
        kinds=("pairing", "unpaired"),
    )
    repositories(uow).add(
        StandingDecisionRow(
            board=board,
            program_year=program_year,
            kind=kind,
            participant_id=teacher_id,
            mentor_id=mentor_id,
            note=note,
            actor=principal.subject,
            at=datetime.now(UTC),
        )
    )


async def release_decision(uow: UnitOfWork, *, board: str, decision_id: int) -> None:
    """Release a standing decision: the next run decides that question again. A coach's assignment
    ends at once (their copies of the hub's meetings are cancelled)."""
    row = await repositories(uow).decisions.get_decision(board, decision_id)
    if row is not None and row.kind == "coach":
        await coaches.release_decision(uow, row, today=datetime.now(UTC).date())
    elif not await repositories(uow).decisions.delete_decision(board, decision_id):
        raise NotFound("No such standing decision in your board.", field="decision_id")
    await uow.commit()
