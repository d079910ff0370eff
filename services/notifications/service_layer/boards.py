"""A board's contacts (coordinators, steering committee): who hears about the board's program."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.notifications.adapters.tables import BoardContact
from services.notifications.config import Settings
from services.notifications.service_layer import reminders
from services.notifications.service_layer.messaging import Messenger
from shared.db import UnitOfWork


async def add_board_contact(
    uow: UnitOfWork, settings: Settings, board: str, fields: dict[str, Any], now: datetime
) -> BoardContact | None:
    """Add a contact to ``board``; None when that address is already one of the board's contacts.

    The board's next grant-deadline reminder is planned, and messages that waited for the board to
    have a coordinator (an unplaced teacher) go out now.
    """
    table = BoardContact.__table__  # type: ignore[attr-defined]
    inserted = (
        await uow.session.execute(
            insert(table)
            .values(id=uuid.uuid4(), board=board, **fields)
            .on_conflict_do_nothing(constraint="uq_board_contact")
            .returning(table.c.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        return None
    await reminders.plan_grant_deadlines(uow, settings, now, board=board)
    await Messenger(settings).release(uow, f"board:{board}")
    return await uow.session.get(BoardContact, inserted)


async def list_board_contacts(uow: UnitOfWork, board: str) -> list[BoardContact]:
    rows = await uow.session.execute(
        sa.select(BoardContact)
        .where(BoardContact.board == board)  # type: ignore[arg-type]
        .order_by(BoardContact.created_at, BoardContact.email)  # type: ignore[arg-type]
    )
    return list(rows.scalars())


async def remove_board_contact(uow: UnitOfWork, board: str, contact_id: uuid.UUID) -> bool:
    result = await uow.session.execute(
        sa.delete(BoardContact).where(BoardContact.board == board, BoardContact.id == contact_id)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
