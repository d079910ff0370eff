"""Queueing a notification: one row per (event, recipient, template), rendered now, sent by the dispatcher."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.notifications.adapters.rendering import render
from services.notifications.adapters.tables import Contact, Notification
from services.notifications.domain.digest import initial_state
from services.notifications.service_layer.preferences import MAIL_CHANNEL, preferences_url
from shared.db import UnitOfWork
from shared.statements import InsertOnConflict

__all__ = ["MAIL_CHANNEL", "Recipient", "queue_notification"]


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


_MAIL_WOKEN = "mentorweb.mail_woken"

# Compiled once (shared/statements.py); a redelivered event's notification is not stored twice.
_INSERT_ONCE = InsertOnConflict(
    Notification.__table__,  # type: ignore[attr-defined]
    (
        "id",
        "event_id",
        "board",
        "recipient_id",
        "recipient_email",
        "language",
        "template",
        "subject",
        "body_text",
        "body_html",
        "calendar",
        "urgent",
        "state",
    ),
    "ON CONFLICT ON CONSTRAINT uq_notification_once DO NOTHING RETURNING 1",
)


async def queue_notification(
    uow: UnitOfWork,
    *,
    event_id: uuid.UUID,
    board: str,
    recipient: Contact | Recipient,
    template: str,
    why: str,
    context: dict[str, Any],
    calendar: str | None = None,
    urgent: bool = True,
    base_url: str,
    secret: str,
) -> bool:
    """Render and store one notification; False when it already exists (a redelivered event).

    Non-urgent messages wait for the weekly digest of recipients who chose it (state ``held``) and are
    dropped for those who unsubscribed (``suppressed``); invitations and urgent messages go at once.
    """
    state = initial_state(
        urgent=urgent,
        has_calendar=calendar is not None,
        unsubscribed=recipient.unsubscribed,
        preference=recipient.delivery_preference,
    )
    full_context = {
        "board": board,
        "why": why,
        "given_name": recipient.given_name,
        "preferences_url": preferences_url(base_url, secret, recipient.participant_id)
        if recipient.participant_id is not None
        else None,
        **context,
    }
    message = render(template, recipient.language, full_context)
    row = {
        "id": uuid.uuid4(),
        "event_id": event_id,
        "board": board,
        "recipient_id": recipient.participant_id,
        "recipient_email": recipient.email,
        "language": recipient.language,
        "template": template,
        "subject": message.subject,
        "body_text": message.text,
        "body_html": message.html,
        "calendar": calendar,
        "urgent": urgent,
        "state": state,
    }
    inserted = (
        await uow.session.execute(_INSERT_ONCE.statement, _INSERT_ONCE.params(row))
    ).first() is not None
    if inserted and state == "pending" and not uow.session.info.get(_MAIL_WOKEN):
        # Wakes the dispatcher at commit; once per transaction is enough (a consumer's transaction
        # can queue a whole batch of messages).
        await uow.session.execute(sa.text(f"NOTIFY {MAIL_CHANNEL}"))
        uow.session.info[_MAIL_WOKEN] = True
    return inserted
