"""Matching's HTTP API (/v1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from services.matching.adapters.tables import ParticipantView
from shared.auth import Principal, ensure_board, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["matching"])
Coordinator = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]


class PlacementPublic(BaseModel):
    participant_id: uuid.UUID
    board: str
    program_year: str
    role: str
    placement_status: str
    withdrawn: bool
    revision: int


@router.get("/participants/{participant_id}/placement", response_model=PlacementPublic)
async def placement(participant_id: uuid.UUID, request: Request, principal: Coordinator) -> ParticipantView:
    async with runtime_of(request).uow() as uow:
        view = await uow.session.get(ParticipantView, participant_id)
        if view is None:
            raise Problem(404, "Not found", "Matching does not know this participant (yet).")
        ensure_board(principal, view.board)
        return view
