"""The program year's HTTP API (/v1): a board's (or the province's) timeline and its phases, and
where a board stands on a given day.

Thin: parse, authorise, call the service layer. Staff are province admins (everything) and board
coordinators (their board); everyone reads their board's timeline. ``board`` null means provincial.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.registration.domain.timeline import Phase, Standing
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.entrypoints.program_year_schemas import (
    PhaseIn,
    PhasePublic,
    PhaseStanding,
    PhaseUpdate,
    ProgramYearCreate,
    ProgramYearPublic,
    StandingPublic,
    TimelinePublic,
)
from services.registration.service_layer import program_years
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["program year"], route_class=RegistrationRoute)

Staff = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
AnyUser = Annotated[Principal, Depends(current_principal)]


def may_write_board(principal: Principal, board: str | None) -> None:
    """Province admins organise provincial and any board's; coordinators only their own board's."""
    if principal.is_province_admin:
        return
    if board is None or not principal.can_access_board(board):
        raise Problem(
            403,
            "Forbidden",
            "board: you may only organise your own board's program",
            errors=[{"field": "board", "message": "not your board"}],
        )


def may_read_board(principal: Principal, board: str | None) -> None:
    if board is not None:
        ensure_board(principal, board)


def _phase_public(phase: Phase) -> PhasePublic:
    return PhasePublic(**{**phase.__dict__, "audience": list(phase.audience)})


def _program_year_public(view: program_years.ProgramYearView) -> ProgramYearPublic:
    return ProgramYearPublic(
        id=view.row.id,
        board=view.row.board,
        program_year=view.row.program_year,
        phases=[_phase_public(p) for p in view.phases],
    )


def _standing_public(found: program_years.BoardStanding) -> StandingPublic:
    standing: Standing = found.standing

    def many(phases: tuple[Phase, ...]) -> list[PhaseStanding]:
        return [
            PhaseStanding(
                **_phase_public(p).model_dump(),
                days_until_start=(p.starts_on - standing.on).days,
                days_until_end=(p.ends_on - standing.on).days,
            )
            for p in phases
        ]

    return StandingPublic(
        program_year_id=found.program_year.row.id,
        program_year=found.program_year.row.program_year,
        scope=found.scope,
        state=standing.state,
        current=many(standing.current),
        overdue=many(standing.overdue),
        next=many(standing.next),
        upcoming=many(standing.upcoming),
        completed=many(standing.completed),
        notes=list(standing.notes),
    )


# ---------------------------------------------------------------- program years and timeline


@router.post("/program-years", status_code=status.HTTP_201_CREATED, response_model=ProgramYearPublic)
async def create_program_year(
    body: ProgramYearCreate, request: Request, principal: Staff
) -> ProgramYearPublic:
    may_write_board(principal, body.board)
    async with runtime_of(request).uow() as uow:
        view = await program_years.create_program_year(
            uow,
            board=body.board,
            program_year=body.program_year,
            phases=[p.phase() for p in body.phases] if body.phases else None,
        )
        return _program_year_public(view)


@router.get("/program-years", response_model=list[ProgramYearPublic])
async def list_program_years(
    request: Request,
    principal: AnyUser,
    board: str | None = None,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> list[ProgramYearPublic]:
    async with runtime_of(request).uow() as uow:
        views = await program_years.list_program_years(
            uow, boards=principal.visible_boards(), board=board, program_year=program_year
        )
        return [_program_year_public(v) for v in views]


@router.get("/program-years/{program_year_id}", response_model=ProgramYearPublic)
async def read_program_year(
    program_year_id: uuid.UUID, request: Request, principal: AnyUser
) -> ProgramYearPublic:
    async with runtime_of(request).uow() as uow:
        view = await program_years.get_program_year(uow, program_year_id)
        may_read_board(principal, view.row.board)
        return _program_year_public(view)


@router.patch("/program-years/{program_year_id}/phases/{key}", response_model=ProgramYearPublic)
async def edit_phase(
    program_year_id: uuid.UUID, key: str, body: PhaseUpdate, request: Request, principal: Staff
) -> ProgramYearPublic:
    changes = body.model_dump(exclude_unset=True)
    for name in ("title", "starts_on", "ends_on", "audience", "milestone"):
        if name in changes and changes[name] is None:
            raise Problem(
                422, "Invalid input", f"{name}: cannot be null", errors=[{"field": name, "message": "null"}]
            )
    async with runtime_of(request).uow() as uow:
        view = await program_years.get_program_year(uow, program_year_id)
        may_read_board(principal, view.row.board)
        may_write_board(principal, view.row.board)
        view = await program_years.edit_phase(uow, program_year_id, key, changes)
        return _program_year_public(view)


@router.post(
    "/program-years/{program_year_id}/phases",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgramYearPublic,
)
async def add_phase(
    program_year_id: uuid.UUID, body: PhaseIn, request: Request, principal: Staff
) -> ProgramYearPublic:
    async with runtime_of(request).uow() as uow:
        view = await program_years.get_program_year(uow, program_year_id)
        may_read_board(principal, view.row.board)
        may_write_board(principal, view.row.board)
        view = await program_years.add_phase(uow, program_year_id, body.phase())
        return _program_year_public(view)


@router.get("/boards/{board}/timeline", response_model=TimelinePublic)
async def board_timeline(
    board: str,
    request: Request,
    principal: AnyUser,
    on: Annotated[date | None, Query(description="The day to stand on (default: today)")] = None,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> TimelinePublic:
    ensure_board(principal, board)
    day = on or date.today()
    async with runtime_of(request).uow() as uow:
        found = await program_years.board_standing(uow, board, day, program_year)
        return TimelinePublic(board=board, on=day, standings=[_standing_public(f) for f in found])
