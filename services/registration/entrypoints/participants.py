"""Registration's participants (/v1/participants): register, read, change and withdraw.

Thin: parse, authorise, call the service layer.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.registration.adapters.tables import Participant
from services.registration.entrypoints.participant_schemas import (
    Page,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    Withdrawal,
)
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.service_layer import registering
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["registration"], route_class=RegistrationRoute)

Registrar = Annotated[
    Principal, Depends(require_roles("province_admin", "board_coordinator", "hr_integration"))
]
AnyUser = Annotated[Principal, Depends(current_principal)]

# What a participant may change about themself: never role, board or status.
SELF_EDITABLE = {"learning_goals", "themes", "language", "expertise_themes"}


@router.post("/participants", status_code=status.HTTP_201_CREATED, response_model=ParticipantPublic)
async def register(body: ParticipantCreate, request: Request, principal: Registrar) -> Participant:
    if not principal.can_access_board(body.board):
        raise Problem(
            403,
            "Forbidden",
            "board: you may only register participants in your own board",
            errors=[{"field": "board", "message": "not your board"}],
        )
    async with runtime_of(request).uow(board=body.board) as uow:
        return await registering.register(uow, body.model_dump())


@router.get("/participants", response_model=Page)
async def list_participants(
    request: Request,
    principal: Registrar,
    board: str | None = None,
    program_year: str | None = None,
    role: str | None = None,
    participant_status: Annotated[str | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    async with runtime_of(request).uow() as uow:
        total, rows = await registering.list_participants(
            uow,
            boards=principal.visible_boards(),
            board=board,
            program_year=program_year,
            role=role,
            status=participant_status,
            limit=limit,
            offset=offset,
        )
    return Page(
        items=[ParticipantPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


def _ensure_can_read(principal: Principal, participant: Participant) -> None:
    if principal.participant_id == participant.id:
        return
    if not principal.has_any("province_admin", "board_coordinator", "hr_integration"):
        raise Problem(404, "Not found", "No such participant.")
    ensure_board(principal, participant.board)


@router.get("/participants/{participant_id}", response_model=ParticipantPublic)
async def read_participant(participant_id: uuid.UUID, request: Request, principal: AnyUser) -> Participant:
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id)
        _ensure_can_read(principal, participant)
        return participant


@router.patch("/participants/{participant_id}", response_model=ParticipantPublic)
async def update_participant(
    participant_id: uuid.UUID, body: ParticipantUpdate, request: Request, principal: AnyUser
) -> Participant:
    changes = body.model_dump(exclude_unset=True)
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id, for_update=True)
        _ensure_can_read(principal, participant)
        if principal.participant_id == participant.id and not principal.has_any(
            "province_admin", "board_coordinator", "hr_integration"
        ):
            forbidden = sorted(set(changes) - SELF_EDITABLE)
            if forbidden:
                raise Problem(
                    403,
                    "Forbidden",
                    f"{forbidden[0]}: participants may only edit their goals and themes",
                    errors=[{"field": f, "message": "not editable by the participant"} for f in forbidden],
                )
        await registering.change(uow, participant, changes)
        return participant


@router.post("/participants/{participant_id}/withdrawal", response_model=ParticipantPublic)
async def withdraw(
    participant_id: uuid.UUID, body: Withdrawal, request: Request, principal: Registrar
) -> Participant:
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id, for_update=True)
        ensure_board(principal, participant.board)
        await registering.withdraw(uow, participant, body.reason)
        return participant
