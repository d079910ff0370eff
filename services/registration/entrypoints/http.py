"""Registration's HTTP API (/v1): boards and participants. Thin: parse, authorise, call the service layer."""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, status

from services.registration.adapters.tables import Board, Participant
from services.registration.entrypoints.schemas import (
    BoardCreate,
    BoardPublic,
    Page,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    Withdrawal,
)
from services.registration.service_layer import registering
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["registration"])

Admin = Annotated[Principal, Depends(require_roles("province_admin"))]
Registrar = Annotated[
    Principal, Depends(require_roles("province_admin", "board_coordinator", "hr_integration"))
]
AnyUser = Annotated[Principal, Depends(current_principal)]

# What a participant may change about themself: never role, board or status.
SELF_EDITABLE = {"learning_goals", "themes", "language", "expertise_themes"}


@router.post("/boards", status_code=status.HTTP_201_CREATED, response_model=BoardPublic)
async def create_board(body: BoardCreate, request: Request, principal: Admin) -> Board:
    async with runtime_of(request).uow() as uow:
        if await uow.session.get(Board, body.code):
            raise Problem(
                409,
                "Board exists",
                f"code: board {body.code!r} already exists",
                errors=[{"field": "code", "message": "already exists"}],
            )
        board = Board(**body.model_dump())
        uow.session.add(board)
        await uow.commit()
        return board


@router.get("/boards", response_model=list[BoardPublic])
async def list_boards(request: Request, principal: AnyUser) -> list[Board]:
    async with runtime_of(request).uow() as uow:
        query = sa.select(Board).order_by(Board.code)  # type: ignore[arg-type]
        boards = principal.visible_boards()
        if boards is not None:
            query = query.where(Board.code.in_(boards))  # type: ignore[attr-defined]
        return list((await uow.session.execute(query)).scalars())


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
        participant = await registering.register_participant(uow, body.model_dump())
        await uow.commit()
        return participant


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
    filters = []
    visible = principal.visible_boards()
    if visible is not None:
        filters.append(Participant.board.in_(visible))  # type: ignore[attr-defined]
    if board:
        filters.append(Participant.board == board)
    if program_year:
        filters.append(Participant.program_year == program_year)
    if role:
        filters.append(Participant.role == role)
    if participant_status:
        filters.append(Participant.status == participant_status)
    async with runtime_of(request).uow() as uow:
        total = (
            await uow.session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
        ).scalar_one()
        rows = (
            await uow.session.execute(
                sa.select(Participant)
                .where(*filters)
                .order_by(Participant.created_at, Participant.id)  # type: ignore[arg-type]
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
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
        await registering.update_participant(uow, participant, changes)
        await uow.commit()
        return participant


@router.post("/participants/{participant_id}/withdrawal", response_model=ParticipantPublic)
async def withdraw(
    participant_id: uuid.UUID, body: Withdrawal, request: Request, principal: Registrar
) -> Participant:
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id, for_update=True)
        ensure_board(principal, participant.board)
        await registering.withdraw_participant(uow, participant, body.reason)
        await uow.commit()
        return participant
