"""Signed, login-free unsubscribe links, and participants' delivery preferences."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence

import jwt

from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import Contact
from services.notifications.service_layer.errors import NotFound
from shared.db import UnitOfWork

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
            await repositories(uow).mail.release_held(contact.participant_id)


async def preferences_of(
    uow: UnitOfWork, participant_id: uuid.UUID, *, what: str = "participant", detail: str | None = None
) -> Contact:
    """A participant's contact with their preferences; NotFound names ``what`` they are."""
    contact = await repositories(uow).contacts.get(participant_id)
    if contact is None:
        raise NotFound(what, detail)
    return contact


async def change_preferences(
    uow: UnitOfWork,
    participant_id: uuid.UUID,
    *,
    delivery_preference: str | None,
    unsubscribed: bool | None,
    boards: Sequence[str] | None = None,
    what: str = "participant",
) -> Contact:
    """Change and commit a participant's preferences; ``boards``: those the caller may act in
    (None = any), a participant of another board is not found."""
    contact = await repositories(uow).contacts.get(participant_id, lock=True)
    if contact is None or (boards is not None and contact.board not in boards):
        raise NotFound(what)
    await set_preferences(uow, contact, delivery_preference=delivery_preference, unsubscribed=unsubscribed)
    await uow.commit()
    return contact
