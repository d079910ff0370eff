"""The delivery log: every message rendered and stored once per (event, recipient, template), sent
by the dispatcher; read by coordinators (their board) and participants (their own)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from services.notifications.adapters.rendering import render
from services.notifications.adapters.repository import LogFilter, repositories
from services.notifications.adapters.tables import Contact, Notification
from services.notifications.domain.digest import initial_state
from services.notifications.domain.messages import Draft
from services.notifications.domain.wording import board_phrase
from services.notifications.service_layer.preferences import preferences_url
from shared.db import UnitOfWork

__all__ = ["LogFilter", "Recipient", "compose_notification", "delivery_log"]


@dataclass(frozen=True)
class Recipient:
    """Someone who is not a participant (a board contact, a grant reviewer or applicant): no
    preferences, no unsubscribe link; their messages always go out at once."""

    email: str
    language: str = "en"
    given_name: str = ""
    participant_id: uuid.UUID | None = None
    unsubscribed: bool = False
    delivery_preference: str = "immediate"


def compose_notification(
    *,
    event_id: uuid.UUID,
    board: str,
    board_name: str | None,
    recipient: Contact | Recipient,
    draft: Draft,
    calendar: str | None = None,
    base_url: str,
    secret: str,
) -> dict[str, Any]:
    """Render one notification into the row that stores it.

    Non-urgent messages wait for the weekly digest of recipients who chose it (state ``held``) and are
    dropped for those who unsubscribed (``suppressed``); invitations and urgent messages go at once.
    The board is named by its name (never its code) in the draft's language.
    """
    state = initial_state(
        urgent=draft.urgent,
        has_calendar=calendar is not None,
        unsubscribed=recipient.unsubscribed,
        preference=recipient.delivery_preference,
    )
    full_context = {
        "board": board_phrase(board_name, draft.language),
        "why": draft.why,
        "given_name": recipient.given_name,
        "preferences_url": preferences_url(base_url, secret, recipient.participant_id)
        if recipient.participant_id is not None
        else None,
        **draft.context,
    }
    message = render(draft.template, draft.language, full_context)
    return {
        "id": uuid.uuid4(),
        "event_id": event_id,
        "board": board,
        "recipient_id": recipient.participant_id,
        "recipient_email": recipient.email,
        "language": draft.language,
        "template": draft.template,
        "subject": message.subject,
        "body_text": message.text,
        "body_html": message.html,
        "calendar": calendar,
        "urgent": draft.urgent,
        "state": state,
    }


async def delivery_log(
    uow: UnitOfWork, where: LogFilter, *, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """A page of the log, newest first, and how many entries match in all."""
    return await repositories(uow).mail.log(where, limit=limit, offset=offset)
