"""Use cases of the program's steering committee: its members and meetings per board and program
year. Every change publishes the committee as it now is (SteeringCommitteeChanged), so the grant
application in grants shows the committee's expenses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import (
    SteeringCommitteeRow,
    SteeringMeetingRow,
    SteeringMemberRow,
)
from services.registration.domain import steering
from services.registration.service_layer.errors import InvalidInput, NotFound
from shared.db import UnitOfWork
from shared.events.registration import (
    SteeringCommitteeChanged,
    SteeringCommitteeMeeting,
    SteeringCommitteeMember,
)


@dataclass(frozen=True)
class CommitteeView:
    board: str
    program_year: str
    members: list[SteeringMemberRow]
    meetings: list[SteeringMeetingRow]

    @property
    def expenses_total(self) -> Decimal:
        return steering.total(m.expenses for m in self.meetings)


async def read(uow: UnitOfWork, *, board: str, program_year: str) -> CommitteeView:
    """The committee (empty when nothing was recorded yet)."""
    row = await repositories(uow).steering.committee(board, program_year)
    if row is None:
        if not await repositories(uow).steering.board_exists(board):
            raise NotFound("board")
        return CommitteeView(board, program_year, [], [])
    return CommitteeView(
        board,
        program_year,
        await repositories(uow).steering.members(row.id),
        await repositories(uow).steering.meetings(row.id),
    )


async def _committee(uow: UnitOfWork, board: str, program_year: str) -> SteeringCommitteeRow:
    if not await repositories(uow).steering.board_exists(board):
        raise NotFound("board")
    row = await repositories(uow).steering.committee(board, program_year, create=True)
    assert row is not None
    return row


async def _announce(uow: UnitOfWork, row: SteeringCommitteeRow) -> CommitteeView:
    """The committee as it now is, published with the next sequence (same transaction)."""
    row.sequence += 1
    await repositories(uow).steering.flush()
    view = await read(uow, board=row.board, program_year=row.program_year)
    uow.publish(
        SteeringCommitteeChanged(
            board=row.board,
            program_year=row.program_year,
            sequence=row.sequence,
            members=[SteeringCommitteeMember(name=m.name, representing=m.representing) for m in view.members],  # type: ignore[arg-type]  # representing: a checked value stored as text
            meetings=[
                SteeringCommitteeMeeting(
                    meeting_id=m.id, held_on=m.held_on.isoformat(), expenses=f"{m.expenses:.2f}"
                )
                for m in view.meetings
            ],
            expenses_total=f"{view.expenses_total:.2f}",
        )
    )
    return view


async def add_member(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    name: str,
    representing: str,
    participant_id: uuid.UUID | None,
) -> tuple[SteeringMemberRow, CommitteeView]:
    if (
        participant_id is not None
        and await repositories(uow).steering.participant_board(participant_id) != board
    ):
        raise InvalidInput([("participant_id", "not a participant of this board")])
    row = await _committee(uow, board, program_year)
    member = SteeringMemberRow(
        id=uuid.uuid4(),
        created_at=datetime.now(UTC),
        committee_id=row.id,
        name=name.strip(),
        representing=representing,
        participant_id=participant_id,
    )
    await repositories(uow).steering.add(member)
    view = await _announce(uow, row)
    await uow.commit()
    return member, view


async def remove_member(uow: UnitOfWork, *, board: str, program_year: str, member_id: uuid.UUID) -> None:
    row = await _committee(uow, board, program_year)
    if not await repositories(uow).steering.delete_member(row.id, member_id):
        raise NotFound("steering committee member")
    await _announce(uow, row)
    await uow.commit()


async def add_meeting(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    held_on: date | None,
    agenda_summary: str | None,
    expenses: str,
) -> tuple[SteeringMeetingRow, CommitteeView]:
    problems = steering.meeting_problems(program_year, held_on, agenda_summary, expenses)
    if problems:
        raise InvalidInput(problems)
    assert held_on is not None and agenda_summary is not None
    row = await _committee(uow, board, program_year)
    meeting = SteeringMeetingRow(
        id=uuid.uuid4(),
        created_at=datetime.now(UTC),
        committee_id=row.id,
        held_on=held_on,
        agenda_summary=agenda_summary.strip(),
        expenses=steering.money(expenses),
    )
    await repositories(uow).steering.add(meeting)
    view = await _announce(uow, row)
    await uow.commit()
    return meeting, view


async def remove_meeting(uow: UnitOfWork, *, board: str, program_year: str, meeting_id: uuid.UUID) -> None:
    row = await _committee(uow, board, program_year)
    if not await repositories(uow).steering.delete_meeting(row.id, meeting_id):
        raise NotFound("steering committee meeting")
    await _announce(uow, row)
    await uow.commit()
