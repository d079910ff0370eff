"""The contact directory, kept from registration's events so notifications never calls another service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import Contact
from shared.db import UnitOfWork
from shared.events.registration import ParticipantProfile


async def upsert_contact(
    uow: UnitOfWork, board: str, profile: ParticipantProfile, *, status: str | None = None
) -> None:
    """Insert or refresh a contact; an older snapshot arriving late never overwrites a newer one."""
    await upsert_contacts(uow, [(board, profile)], status=status)


async def upsert_contacts(
    uow: UnitOfWork, snapshots: Sequence[tuple[str, ParticipantProfile]], *, status: str | None = None
) -> None:
    """:func:`upsert_contact` for several snapshots in one round trip (pipelined executemany)."""
    await repositories(uow).contacts.upsert(
        [
            {
                "participant_id": profile.participant_id,
                "board": board,
                "revision": profile.revision,
                "given_name": profile.given_name,
                "family_name": profile.family_name,
                "email": str(profile.email),
                "language": profile.language,
                "role": profile.role,
                "status": status or profile.status,
            }
            for board, profile in snapshots
        ],
    )


async def contacts(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Contact]:
    """The contacts of ``ids`` as stored now (fresh from the database, after an upsert)."""
    return await repositories(uow).contacts.many(ids)
