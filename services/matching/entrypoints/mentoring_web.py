"""A participant's own mentoring web over HTTP (/v1), for the participant portal.

Only the participant themself may read it: any other id answers 404, whoever asks, so an id changed
by hand in a URL confirms nothing. Coordinators have their own views of hubs and pairings.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.matching.entrypoints.problems import MatchingRoute
from services.matching.entrypoints.schemas.mentoring_web import (
    MentoringWebPublic,
)
from services.matching.service_layer import queries
from services.matching.service_layer.mentoring_web import mentoring_web
from shared.auth import Principal, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["participant portal"], route_class=MatchingRoute)
Participant = Annotated[Principal, Depends(require_roles("participant"))]


NOT_YOURS = "No such participant."


@router.get(
    "/participants/{participant_id}/mentoring-web",
    response_model=MentoringWebPublic,
    summary="My hub, its people and schools, why I was placed, my mentor or mentees, coming meetings",
)
async def read_mentoring_web(participant_id: uuid.UUID, request: Request, principal: Participant) -> Any:
    if principal.participant_id != participant_id:
        raise Problem(404, "Not found", NOT_YOURS)
    async with runtime_of(request).uow() as uow:
        view = await queries.participant(uow, participant_id)
        if view is None or view.withdrawn:
            raise Problem(404, "Not found", "Matching does not know you (yet).")
        return await mentoring_web(uow, view, datetime.now().astimezone())
