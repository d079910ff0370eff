"""The contact directory, kept from registration's events so notifications never calls another service."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from services.notifications.adapters.tables import Contact
from shared.db import UnitOfWork
from shared.events.registration import ParticipantProfile
from shared.statements import newer_snapshot_wins

_FIELDS = ("revision", "given_name", "family_name", "email", "language", "role", "status")


# Compiled once (shared/statements.py); an older snapshot never overwrites a newer one.
_UPSERT = newer_snapshot_wins(
    Contact.__table__,  # type: ignore[attr-defined]
    key="participant_id",
    columns=("participant_id", "board", *_FIELDS),
    updated=_FIELDS,
)


async def upsert_contact(
    uow: UnitOfWork, board: str, profile: ParticipantProfile, *, status: str | None = None
) -> None:
    """Insert or refresh a contact; an older snapshot arriving late never overwrites a newer one."""
    await upsert_contacts(uow, [(board, profile)], status=status)


async def upsert_contacts(
    uow: UnitOfWork, snapshots: Sequence[tuple[str, ParticipantProfile]], *, status: str | None = None
) -> None:
    """:func:`upsert_contact` for several snapshots in one round trip (pipelined executemany)."""
    await _UPSERT.execute(
        uow.session,
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


async def contact(uow: UnitOfWork, participant_id: object) -> Contact | None:
    return await uow.session.get(Contact, participant_id)


async def contacts(uow: UnitOfWork, ids: Sequence[object]) -> dict[object, Contact]:
    rows = (
        await uow.session.execute(
            sa.select(Contact)
            .where(Contact.participant_id.in_(ids))  # type: ignore[attr-defined]
            # Fresh from the database: an upsert just now does not refresh objects already loaded.
            .execution_options(populate_existing=True)
        )
    ).scalars()
    return {c.participant_id: c for c in rows}
