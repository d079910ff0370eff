"""Notifications' HTTP API (/v1): the delivery log, preferences and board contacts.

Thin: parse, authorise, call the service layer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.notifications.adapters.mailer import SmtpMailer
from services.notifications.adapters.rendering import render_page
from services.notifications.adapters.tables import BoardContact, Contact
from services.notifications.config import Settings
from services.notifications.entrypoints.problems import NotificationsRoute
from services.notifications.service_layer import boards, preferences
from services.notifications.service_layer import delivery_log as deliveries
from services.notifications.service_layer.delivery import MailDispatcher
from services.notifications.service_layer.preferences import verify_unsubscribe_token
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.problems import Problem
from shared.runtime import Runtime, runtime_of

router = APIRouter(prefix="/v1", tags=["notifications"], route_class=NotificationsRoute)
AnyUser = Annotated[Principal, Depends(current_principal)]
BoardCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])]
State = Literal["pending", "sent", "failed", "suppressed", "held", "digested"]
DeliveryPreference = Literal["immediate", "weekly_digest"]


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
    digest_id: uuid.UUID | None = None


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    total: int
    limit: int
    offset: int


@router.get("/notifications", response_model=NotificationPage)
async def delivery_log(
    request: Request,
    principal: AnyUser,
    board: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{2,40}$")] = None,
    recipient_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
    state: State | None = None,
    template: Annotated[str | None, Query(max_length=60)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NotificationPage:
    """Coordinators see their board's log; participants see only their own messages. Newest first."""
    if principal.has_any("province_admin", "board_coordinator"):
        if board:
            ensure_board(principal, board)
        boards_seen, own = principal.visible_boards(), None
    elif principal.participant_id is not None:
        boards_seen, own = None, principal.participant_id
    else:
        raise Problem(403, "Forbidden", "Only coordinators and participants can read the delivery log.")
    where = deliveries.LogFilter(
        boards=boards_seen,
        addressed_to=own,
        recipient_id=recipient_id,
        board=board,
        event_id=event_id,
        state=state,
        template=template,
        since=since,
        until=until,
    )
    async with runtime_of(request).uow() as uow:
        rows, total = await deliveries.delivery_log(uow, where, limit=limit, offset=offset)
    return NotificationPage(
        items=[NotificationPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


UNSUBSCRIBE_TITLES = {
    "confirm": {"en": "Unsubscribe from Mentorweb news", "fr": "Vous désabonner des nouvelles de Mentorweb"},
    "done": {"en": "You are unsubscribed", "fr": "Votre désabonnement est confirmé"},
    "invalid": {"en": "This link is invalid or has expired", "fr": "Ce lien est invalide ou a expiré"},
}


def _unsubscribe_page(state: str, status_code: int = 200, action: str = "") -> HTMLResponse:
    return HTMLResponse(
        render_page("unsubscribe", state=state, titles=UNSUBSCRIBE_TITLES[state], action=action),
        status_code=status_code,
        # The page carries the link's token: keep it out of caches and Referer headers.
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _link_participant(request: Request, token: str) -> uuid.UUID | None:
    try:
        return verify_unsubscribe_token(runtime_of(request).settings.link_keys, token)
    except (jwt.PyJWTError, ValueError, KeyError):
        return None


def _invalid_link(request: Request) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return _unsubscribe_page("invalid", 400)
    raise Problem(
        400,
        "Invalid link",
        "token: this unsubscribe link is invalid or has expired",
        errors=[{"field": "token", "message": "invalid or expired"}],
    )


LinkToken = Annotated[str, Query(min_length=1, max_length=2000, description="the signed token of the link")]


@router.get(
    "/preferences/unsubscribe",
    response_class=HTMLResponse,
    summary="The unsubscribe page of a signed link (no login); changes nothing",
)
async def unsubscribe_page(token: LinkToken, request: Request) -> Response:
    """Following the link (or a mail scanner fetching it) only shows the page; its button POSTs."""
    if _link_participant(request, token) is None:
        return _invalid_link(request)
    return _unsubscribe_page("confirm", action=f"{request.url.path}?{urlencode({'token': token})}")


@router.post(
    "/preferences/unsubscribe",
    response_class=HTMLResponse,
    summary="Unsubscribe from non-urgent messages: one-click (RFC 8058) or the page's button",
)
async def unsubscribe(token: LinkToken, request: Request) -> Response:
    participant_id = _link_participant(request, token)
    if participant_id is None:
        return _invalid_link(request)
    # No login: the signed link is the authority, for the one recipient it names, in any board.
    async with runtime_of(request).uow(scope="system") as uow:
        await preferences.change_preferences(
            uow, participant_id, delivery_preference=None, unsubscribed=True, what="recipient"
        )
    return _unsubscribe_page("done")


# -- delivery preferences -------------------------------------------------------------------------


class PreferencesPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    participant_id: uuid.UUID
    board: str
    language: str
    delivery_preference: DeliveryPreference
    unsubscribed: bool


class PreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery_preference: DeliveryPreference | None = Field(
        default=None, description="immediate, or weekly_digest for non-urgent messages"
    )
    unsubscribed: bool | None = Field(default=None, description="stop non-urgent messages altogether")


def _own_participant(principal: Principal) -> uuid.UUID:
    if principal.participant_id is None:
        raise Problem(
            403, "Forbidden", "Only participants have their own preferences; use /v1/preferences/{id}."
        )
    return principal.participant_id


async def _update_preferences(
    request: Request, participant_id: uuid.UUID, body: PreferencesUpdate, principal: Principal | None
) -> Contact:
    async with runtime_of(request).uow() as uow:
        return await preferences.change_preferences(
            uow,
            participant_id,
            delivery_preference=body.delivery_preference,
            unsubscribed=body.unsubscribed,
            boards=principal.visible_boards() if principal is not None else None,
        )


@router.get("/preferences/me", response_model=PreferencesPublic, summary="My delivery preferences")
async def my_preferences(request: Request, principal: AnyUser) -> Contact:
    participant_id = _own_participant(principal)
    async with runtime_of(request).uow() as uow:
        return await preferences.preferences_of(
            uow, participant_id, what="participant", detail="No contact is known for you yet."
        )


@router.put("/preferences/me", response_model=PreferencesPublic, summary="Change my delivery preferences")
async def update_my_preferences(body: PreferencesUpdate, request: Request, principal: AnyUser) -> Contact:
    return await _update_preferences(request, _own_participant(principal), body, None)


Coordinator = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]


@router.get(
    "/preferences/{participant_id}", response_model=PreferencesPublic, summary="A participant's preferences"
)
async def participant_preferences(
    participant_id: uuid.UUID, request: Request, principal: Coordinator
) -> Contact:
    async with runtime_of(request).uow() as uow:
        contact = await preferences.preferences_of(uow, participant_id)
    ensure_board(principal, contact.board)
    return contact


@router.put(
    "/preferences/{participant_id}",
    response_model=PreferencesPublic,
    summary="Change a participant's preferences (their board's coordinators)",
)
async def update_participant_preferences(
    participant_id: uuid.UUID, body: PreferencesUpdate, request: Request, principal: Coordinator
) -> Contact:
    return await _update_preferences(request, participant_id, body, principal)


# -- board contacts -------------------------------------------------------------------------------


def _mailer(runtime: Runtime) -> SmtpMailer:
    return next(w for w in runtime.workers if isinstance(w, MailDispatcher)).mailer


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings)  # the runtime notifications' own spec built
    return settings


class BoardContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    language: Literal["en", "fr"] = "en"
    role: Literal["coordinator", "steering_committee"]


class BoardContactPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    email: str
    name: str
    language: str
    role: str
    created_at: datetime


@router.post(
    "/boards/{board}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=BoardContactPublic,
    summary="Add a coordinator or steering committee member who hears about the board's program",
)
async def add_board_contact(
    board: BoardCode, body: BoardContactCreate, request: Request, principal: Coordinator
) -> BoardContact:
    ensure_board(principal, board)
    runtime = runtime_of(request)
    async with runtime.uow(board=board) as uow:
        return await boards.add_board_contact(
            uow,
            _settings(runtime),
            board,
            {**body.model_dump(), "email": str(body.email)},
            datetime.now(UTC),
            offers_smtputf8=_mailer(runtime).offers_smtputf8,
        )


@router.get(
    "/boards/{board}/contacts", response_model=list[BoardContactPublic], summary="The board's contacts"
)
async def list_board_contacts(
    board: BoardCode, request: Request, principal: Coordinator
) -> list[BoardContact]:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        return await boards.list_board_contacts(uow, board)


@router.delete(
    "/boards/{board}/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a contact",
)
async def remove_board_contact(
    board: BoardCode, contact_id: uuid.UUID, request: Request, principal: Coordinator
) -> Response:
    ensure_board(principal, board)
    async with runtime_of(request).uow(board=board) as uow:
        await boards.remove_board_contact(uow, board, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
