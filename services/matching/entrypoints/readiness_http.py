"""Is matching up to date with registration for a board? (``GET /v1/boards/{board}/readiness``), and
the check a run start makes, as problem+json."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.matching.entrypoints.schemas import BoardPath
from services.matching.service_layer import readiness as rules
from shared.auth import Principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["readiness"])
Staff = Annotated[Principal, Depends(require_roles("board_coordinator", "province_admin"))]


class Behind(BaseModel):
    participants: int
    revisions: int


class ReadinessPublic(BaseModel):
    board: str
    program_year: str
    up_to_date: bool
    known_to_registration: bool
    importing: bool
    registration_participants: int | None
    matching_participants: int
    behind: Behind


def _public(found: rules.Readiness) -> ReadinessPublic:
    return ReadinessPublic(
        board=found.board,
        program_year=found.program_year,
        up_to_date=found.up_to_date,
        known_to_registration=found.known,
        importing=found.importing,
        registration_participants=found.registration_participants,
        matching_participants=found.matching_participants,
        behind=Behind(**found.behind),
    )


@router.get(
    "/boards/{board}/readiness",
    response_model=ReadinessPublic,
    summary="Whether matching holds everything registration holds for the board's program year",
)
async def get_readiness(
    board: BoardPath,
    request: Request,
    principal: Staff,
    program_year: Annotated[str, Query(pattern=r"^\d{4}-\d{4}$")],
) -> ReadinessPublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        return _public(await rules.readiness(uow, board, program_year))


async def ensure_caught_up(uow: UnitOfWork, board: str, program_year: str) -> None:
    """The run-start check: 404 unknown board, 422 unknown year, 409 not caught up (Retry-After)."""
    try:
        await rules.ensure_caught_up(uow, board, program_year)
    except rules.UnknownBoard as exc:
        raise Problem(404, "Unknown board", str(exc)) from exc
    except rules.UnknownProgramYear as exc:
        raise Problem(
            422,
            "Unknown program year",
            str(exc),
            errors=[{"field": "program_year", "message": "registration holds nobody in it"}],
        ) from exc
    except rules.NotCaughtUp as exc:
        found = exc.readiness
        problem = Problem(409, "Matching has not caught up", str(exc), headers={"Retry-After": "2"})
        problem.errors = [
            {
                "field": "program_year",
                "message": "registration's changes are still arriving",
                "behind": found.behind,
                "importing": found.importing,
            }
        ]
        raise problem from exc
