"""The program's steering committee (/v1/boards/{board}/program-years/{year}/steering-committee):
its members (whom they represent: the local, the district, the association) and its meetings with
their expenses, which the start-up grant application shows. Staff only: province admins, and board
coordinators for their own board (another board's committee answers 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from services.registration.adapters.tables import SteeringMeetingRow
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.entrypoints.steering_schemas import (
    CommitteePublic,
    MeetingIn,
    MeetingPublic,
    MemberIn,
    MemberPublic,
)
from services.registration.service_layer import steering
from services.registration.service_layer.steering import CommitteeView
from shared.auth import Principal, ensure_board, require_roles
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["steering committee"], route_class=RegistrationRoute)
Staff = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
BoardPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])]
YearPath = Annotated[str, Path(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])]
BASE = "/boards/{board}/program-years/{program_year}/steering-committee"


def _meeting(row: SteeringMeetingRow) -> MeetingPublic:
    return MeetingPublic(
        id=row.id,
        held_on=row.held_on,
        agenda_summary=row.agenda_summary,
        expenses=f"{row.expenses:.2f}",
        created_at=row.created_at,
    )


def _public(view: CommitteeView) -> CommitteePublic:
    return CommitteePublic(
        board=view.board,
        program_year=view.program_year,
        members=[MemberPublic.model_validate(m) for m in view.members],
        meetings=[_meeting(m) for m in view.meetings],
        expenses_total=f"{view.expenses_total:.2f}",
    )


@router.get(
    BASE, response_model=CommitteePublic, summary="The steering committee: members, meetings, expenses"
)
async def read_committee(
    board: BoardPath, program_year: YearPath, request: Request, principal: Staff
) -> CommitteePublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return _public(await steering.read(uow, board=board, program_year=program_year))


@router.post(BASE + "/members", status_code=status.HTTP_201_CREATED, response_model=CommitteePublic)
async def add_member(
    board: BoardPath, program_year: YearPath, body: MemberIn, request: Request, principal: Staff
) -> CommitteePublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        _, view = await steering.add_member(
            uow,
            board=board,
            program_year=program_year,
            name=body.name,
            representing=body.representing,
            participant_id=body.participant_id,
        )
    return _public(view)


@router.delete(BASE + "/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    board: BoardPath, program_year: YearPath, member_id: uuid.UUID, request: Request, principal: Staff
) -> Response:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        await steering.remove_member(uow, board=board, program_year=program_year, member_id=member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(BASE + "/meetings", status_code=status.HTTP_201_CREATED, response_model=CommitteePublic)
async def add_meeting(
    board: BoardPath, program_year: YearPath, body: MeetingIn, request: Request, principal: Staff
) -> CommitteePublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        _, view = await steering.add_meeting(
            uow,
            board=board,
            program_year=program_year,
            held_on=body.held_on,
            agenda_summary=body.agenda_summary,
            expenses=str(body.expenses),
        )
    return _public(view)


@router.delete(BASE + "/meetings/{meeting_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_meeting(
    board: BoardPath, program_year: YearPath, meeting_id: uuid.UUID, request: Request, principal: Staff
) -> Response:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        await steering.remove_meeting(uow, board=board, program_year=program_year, meeting_id=meeting_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
