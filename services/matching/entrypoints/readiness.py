"""Is matching up to date with registration for a board? (``GET /v1/boards/{board}/readiness``)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.matching.entrypoints.problems import MatchingRoute
from services.matching.entrypoints.schemas.common import BoardPath
from services.matching.entrypoints.schemas.readiness import (
    Behind,
    ReadinessPublic,
)
from services.matching.service_layer import readiness as rules
from shared.auth import Principal, ensure_board, require_roles
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["readiness"], route_class=MatchingRoute)
Staff = Annotated[Principal, Depends(require_roles("board_coordinator", "province_admin"))]


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
