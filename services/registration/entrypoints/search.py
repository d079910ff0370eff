"""GET /v1/participant-search: the console's People screen (search by name or HR id, with filters).

Read-only and board-scoped like GET /v1/participants: a coordinator's search never leaves their board.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.registration.entrypoints.participant_schemas import Page, ParticipantCount, ParticipantPublic
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.service_layer import search
from shared.auth import Principal, ensure_board, require_roles
from shared.events.registration import ParticipantRole
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["participants"], route_class=RegistrationRoute)
Staff = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator", "hr_integration"))]


@router.get("/participant-search", response_model=Page, summary="Search participants by name or HR id")
async def search_participants(
    request: Request,
    principal: Staff,
    q: Annotated[str | None, Query(max_length=100, description="Words found in the name or HR id")] = None,
    board: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{2,40}$")] = None,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
    role: ParticipantRole | None = None,
    participant_status: Annotated[
        Literal["registered", "placed", "withdrawn"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page:
    if board:
        ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        total, rows = await search.search_participants(
            uow,
            boards=principal.visible_boards(),
            board=board,
            text=q,
            role=role,
            status=participant_status,
            program_year=program_year,
            limit=limit,
            offset=offset,
        )
    return Page(
        items=[ParticipantPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/participant-counts",
    response_model=list[ParticipantCount],
    summary="How many participants each visible board has, by role and status",
)
async def participant_counts(
    request: Request,
    principal: Staff,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> list[ParticipantCount]:
    async with runtime_of(request).uow() as uow:
        found = await search.participant_counts(
            uow, boards=principal.visible_boards(), program_year=program_year
        )
    return [ParticipantCount(board=b, role=r, status=s, count=n) for b, r, s, n in found]
