"""A participant's calendar over HTTP (/v1), for the portal: the list, one entry as an .ics file, and a
personal feed URL that calendar applications subscribe to without signing in. The token in the feed
URL is the only credential; it is not the participant's id, only its hash is stored, and revoking
it makes the old URL answer 404. Everything else is the participant's own (another id: 404)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel

from services.notifications.config import Settings
from services.notifications.entrypoints.problems import NotificationsRoute
from services.notifications.service_layer import calendar_feeds as feeds
from services.notifications.service_layer.errors import NotFound
from shared.auth import Principal, require_roles
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["participant calendar"], route_class=NotificationsRoute)
Participant = Annotated[Principal, Depends(require_roles("participant"))]
ICS = "text/calendar; charset=utf-8"
TOKEN = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class CalendarItem(BaseModel):
    item_id: uuid.UUID
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None


class FeedState(BaseModel):
    active: bool
    created_at: datetime | None = None


class NewFeed(FeedState):
    url: str


def _mine(principal: Principal, participant_id: uuid.UUID) -> uuid.UUID:
    if principal.participant_id != participant_id:
        raise NotFound("participant")
    return participant_id


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/participants/{participant_id}/calendar", response_model=list[CalendarItem])
async def my_calendar(
    participant_id: uuid.UUID, request: Request, principal: Participant
) -> list[CalendarItem]:
    _mine(principal, participant_id)
    async with runtime_of(request).uow() as uow:
        calendar = await feeds.calendar_of(uow, participant_id, _now())
    return [
        CalendarItem(
            item_id=i.item_id,
            kind=i.kind,
            title=calendar.title(i),
            starts_at=i.starts_at,
            ends_at=i.ends_at,
            location=i.location,
            online_url=i.online_url,
        )
        for i in calendar.items
    ]


@router.get("/participants/{participant_id}/calendar/{item_id}.ics", response_class=Response)
async def one_entry(
    participant_id: uuid.UUID, item_id: uuid.UUID, request: Request, principal: Participant
) -> Response:
    _mine(principal, participant_id)
    async with runtime_of(request).uow() as uow:
        ics = await feeds.one_entry(uow, participant_id, item_id, _now())
    return Response(
        ics,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="mentorweb-{item_id}.ics"'},
    )


@router.get("/participants/{participant_id}/calendar-feed", response_model=FeedState)
async def feed_state(participant_id: uuid.UUID, request: Request, principal: Participant) -> FeedState:
    _mine(principal, participant_id)
    async with runtime_of(request).uow() as uow:
        row = await feeds.feed_of(uow, participant_id)
    return FeedState(active=row is not None, created_at=row.created_at if row else None)


@router.post(
    "/participants/{participant_id}/calendar-feed",
    response_model=NewFeed,
    status_code=status.HTTP_201_CREATED,
)
async def new_feed(participant_id: uuid.UUID, request: Request, principal: Participant) -> NewFeed:
    """A new secret feed URL, shown this once; an earlier URL of this participant stops working."""
    _mine(principal, participant_id)
    runtime = runtime_of(request)
    now = _now()
    async with runtime.uow() as uow:
        token = await feeds.create_feed(uow, participant_id, now)
    settings = runtime.settings
    assert isinstance(settings, Settings)
    base = settings.public_base_url.rstrip("/")
    return NewFeed(active=True, created_at=now, url=f"{base}/v1/calendar-feeds/{token}.ics")


@router.delete("/participants/{participant_id}/calendar-feed", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_feed(participant_id: uuid.UUID, request: Request, principal: Participant) -> Response:
    _mine(principal, participant_id)
    async with runtime_of(request).uow() as uow:
        await feeds.revoke_feed(uow, participant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/calendar-feeds/{token}.ics", response_class=Response, summary="A personal calendar feed (no login)"
)
async def feed(token: TOKEN, request: Request) -> Response:
    # No login: the secret token is the authority, for the one participant it names, in any board.
    async with runtime_of(request).uow(scope="system") as uow:
        ics = await feeds.feed(uow, token, _now())
    return Response(ics, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})
