"""Sessions in PostgreSQL: the only SQL of the console."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.console.adapters.tables import console_sessions
from services.console.domain.session import ApiTokens, ConsoleSession, PendingLogin, SignedInUser


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _dump(session: ConsoleSession) -> dict[str, Any]:
    user = session.user
    tokens = session.tokens
    pending = session.pending
    return {
        "csrf_token": session.csrf_token,
        "language": session.language,
        "via": session.via,
        "user": None
        if user is None
        else {
            "subject": user.subject,
            "name": user.name,
            "roles": sorted(user.roles),
            "board": user.board,
            "participant_id": user.participant_id,
        },
        "tokens": None
        if tokens is None
        else {
            "access_token": tokens.access_token,
            "expires_at": tokens.expires_at.isoformat(),
            "refresh_token": tokens.refresh_token,
            "id_token": tokens.id_token,
        },
        "pending": None
        if pending is None
        else {
            "state": pending.state,
            "nonce": pending.nonce,
            "code_verifier": pending.code_verifier,
            "return_to": pending.return_to,
        },
        "data": session.data,
    }


def _load(session_id: str, row: Any) -> ConsoleSession:
    data = row.data
    user = data.get("user")
    tokens = data.get("tokens")
    pending = data.get("pending")
    return ConsoleSession(
        id=session_id,
        csrf_token=data["csrf_token"],
        created_at=row.created_at,
        expires_at=row.expires_at,
        language=data.get("language", "en"),
        via=data.get("via"),
        user=None
        if not user
        else SignedInUser(
            subject=user["subject"],
            name=user["name"],
            roles=frozenset(user["roles"]),
            board=user["board"],
            participant_id=user.get("participant_id"),
        ),
        tokens=None
        if not tokens
        else ApiTokens(
            access_token=tokens["access_token"],
            expires_at=datetime.fromisoformat(tokens["expires_at"]),
            refresh_token=tokens.get("refresh_token"),
            id_token=tokens.get("id_token"),
        ),
        pending=None if not pending else PendingLogin(**pending),
        data=data.get("data") or {},
    )


class SessionStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def get(self, session_id: str, now: datetime) -> ConsoleSession | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(console_sessions).where(
                        console_sessions.c.id_hash == _hash(session_id), console_sessions.c.expires_at > now
                    )
                )
            ).first()
        return None if row is None else _load(session_id, row)

    async def save(self, session: ConsoleSession) -> None:
        values = {
            "id_hash": _hash(session.id),
            "data": _dump(session),
            "created_at": session.created_at,
            "expires_at": session.expires_at,
        }
        statement = insert(console_sessions).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[console_sessions.c.id_hash],
            set_={"data": statement.excluded.data, "expires_at": statement.excluded.expires_at},
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def delete(self, session_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(console_sessions).where(console_sessions.c.id_hash == _hash(session_id))
            )

    async def purge_expired(self, now: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(console_sessions).where(console_sessions.c.expires_at <= now)
            )
        return int(result.rowcount or 0)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
