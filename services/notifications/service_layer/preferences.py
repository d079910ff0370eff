"""Signed, login-free unsubscribe links."""

from __future__ import annotations

import time
import uuid

import jwt

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
