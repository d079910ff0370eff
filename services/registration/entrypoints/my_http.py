"""What the participant portal asks of registration about one participant, beyond their record:
their own enrolments with waitlist places. The participant themself, or staff of their board; any
other caller gets 404, so an id changed by hand in a URL confirms nothing."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.entrypoints.program_http import AnyUser, EnrolmentPublic, _enrolment_public
from services.registration.service_layer import registering
from services.registration.service_layer.my_enrolments import enrolments_of_participant
from shared.auth import ensure_board
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["participant portal"], route_class=RegistrationRoute)


@router.get("/participants/{participant_id}/enrolments", response_model=list[EnrolmentPublic])
async def my_enrolments(
    participant_id: uuid.UUID, request: Request, principal: AnyUser
) -> list[EnrolmentPublic]:
    async with runtime_of(request).uow() as uow:
        if principal.participant_id != participant_id:
            if not principal.has_any("province_admin", "board_coordinator"):
                raise Problem(404, "Not found", "No such participant.")
            ensure_board(principal, (await registering.get_participant(uow, participant_id)).board)
        found = await enrolments_of_participant(uow, participant_id)
        return [_enrolment_public(row, place) for row, place in found]
