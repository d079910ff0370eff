"""Signed, login-free unsubscribe links, and participants' delivery preferences."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence

import jwt
import sqlalchemy as sa

from services.notifications.adapters.tables import Contact, Notification
from shared.db import UnitOfWork

MAIL_CHANNEL = "mentorweb_mail"  # NOTIFY channel that wakes the mail dispatcher

UNSUBSCRIBE_AUDIENCE = "mentorweb-unsubscribe"


def key_id(key: str) -> str:
    """A short public name of a link-signing key (the token's ``kid``): it picks the key to verify with
    during a rotation and reveals nothing of the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def unsubscribe_token(key: str, participant_id: uuid.UUID, *, ttl_days: int = 365) -> str:
    """A login-free unsubscribe token, signed with the current link-signing key (never the JWT secret)."""
    now = int(time.time())
    return jwt.encode(
        {"sub": str(participant_id), "aud": UNSUBSCRIBE_AUDIENCE, "iat": now, "exp": now + ttl_days * 86400},
        key,
        algorithm="HS256",
        headers={"kid": key_id(key)},
    )


def verify_unsubscribe_token(keys: str | Sequence[str], token: str) -> uuid.UUID:
    """The participant the link belongs to. Any of ``keys`` (the current one and those kept for the
    rotation's grace period) may have signed it; raises jwt.PyJWTError for a tampered, expired or
    foreign-key link."""
    candidates = [keys] if isinstance(keys, str) else list(keys)
    kid = jwt.get_unverified_header(token).get("kid")
    named = [k for k in candidates if key_id(k) == kid]
    if not named:
        raise jwt.InvalidKeyError("the link was not signed with a current link-signing key")
    claims = jwt.decode(
        token,
        named[0],
        algorithms=["HS256"],
        audience=UNSUBSCRIBE_AUDIENCE,
        options={"require": ["exp", "sub"]},
    )
    return uuid.UUID(claims["sub"])


def preferences_url(base_url: str, key: str, participant_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/v1/preferences/unsubscribe?token={unsubscribe_token(key, participant_id)}"


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
