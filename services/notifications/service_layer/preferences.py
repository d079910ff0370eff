"""Signed, login-free unsubscribe links, and participants' delivery preferences."""

from __future__ import annotations

import time
import uuid

import jwt
import sqlalchemy as sa

from services.notifications.adapters.tables import Contact, Notification
from shared.db import UnitOfWork

MAIL_CHANNEL = "mentorweb_mail"  # NOTIFY channel that wakes the mail dispatcher

UNSUBSCRIBE_AUDIENCE = "mentorweb-unsubscribe"


def unsubscribe_token(secret: str, participant_id: uuid.UUID, *, ttl_days: int = 365) -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": str(participant_id), "aud": UNSUBSCRIBE_AUDIENCE, "iat": now, "exp": now + ttl_days * 86400},
        secret,
        algorithm="HS256",
    )


def verify_unsubscribe_token(secret: str, token: str) -> uuid.UUID:
    """The participant the link belongs to; raises jwt.PyJWTError for a tampered or expired link."""
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience=UNSUBSCRIBE_AUDIENCE)
    return uuid.UUID(claims["sub"])


def preferences_url(base_url: str, secret: str, participant_id: uuid.UUID) -> str:
    return (
        f"{base_url.rstrip('/')}/v1/preferences/unsubscribe?token={unsubscribe_token(secret, participant_id)}"
    )


async def set_preferences(
    uow: UnitOfWork, contact: Contact, *, delivery_preference: str | None, unsubscribed: bool | None
) -> None:
    """Change how a participant hears from the program. Leaving the weekly digest releases what it
    was holding, so nothing waits for a digest that will no longer come."""
    if unsubscribed is not None:
        contact.unsubscribed = unsubscribed
    if delivery_preference is not None and delivery_preference != contact.delivery_preference:
        contact.delivery_preference = delivery_preference
        if delivery_preference == "immediate":
            released = await uow.session.execute(
                sa.update(Notification)
                .where(
                    Notification.recipient_id == contact.participant_id,  # type: ignore[arg-type]
                    Notification.state == "held",  # type: ignore[arg-type]
                )
                .values(state="pending", next_attempt_at=sa.func.now())
            )
            if released.rowcount:  # type: ignore[attr-defined]
                await uow.session.execute(sa.text(f"NOTIFY {MAIL_CHANNEL}"))
