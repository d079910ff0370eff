"""Notifications' HTTP API (/v1): the delivery log and preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import jwt
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from services.notifications.adapters.tables import Contact, Notification
from services.notifications.service_layer.preferences import verify_unsubscribe_token
from shared.auth import Principal, current_principal
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["notifications"])
AnyUser = Annotated[Principal, Depends(current_principal)]


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    event_id: uuid.UUID
    board: str
    recipient_id: uuid.UUID | None
    template: str
    language: str
    subject: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@router.get("/notifications", response_model=list[NotificationPublic])
async def delivery_log(
    request: Request,
    principal: AnyUser,
    board: str | None = None,
    recipient_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Notification]:
    """Coordinators see their board's log; participants see only their own messages."""
    filters = []
    if principal.has_any("province_admin", "board_coordinator"):
        visible = principal.visible_boards()
        if visible is not None:
            filters.append(Notification.board.in_(visible))  # type: ignore[attr-defined]
    elif principal.participant_id is not None:
        filters.append(Notification.recipient_id == principal.participant_id)
    else:
        raise Problem(403, "Forbidden", "Only coordinators and participants can read the delivery log.")
    if board:
        filters.append(Notification.board == board)
    if recipient_id:
        filters.append(Notification.recipient_id == recipient_id)
    if event_id:
        filters.append(Notification.event_id == event_id)
    if state:
        filters.append(Notification.state == state)
    async with runtime_of(request).uow() as uow:
        query = sa.select(Notification).where(*filters).order_by(Notification.created_at.desc())  # type: ignore[attr-defined]
        return list((await uow.session.execute(query.limit(limit).offset(offset))).scalars())


@router.get(
    "/preferences/unsubscribe", summary="Unsubscribe from non-urgent messages (signed link, no login)"
)
async def unsubscribe(token: str, request: Request) -> dict[str, str]:
    runtime = runtime_of(request)
    try:
        participant_id = verify_unsubscribe_token(runtime.settings.jwt_secret, token)
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise Problem(
            400,
            "Invalid link",
            "token: this unsubscribe link is invalid or has expired",
            errors=[{"field": "token", "message": "invalid or expired"}],
        ) from exc
    async with runtime.uow() as uow:
        contact = await uow.session.get(Contact, participant_id)
        if contact is None:
            raise Problem(404, "Not found", "No such recipient.")
        contact.unsubscribed = True
        await uow.commit()
    return {"status": "unsubscribed"}
