"""A board's contacts (coordinators, steering committee): who hears about the board's program."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import BoardContact
from services.notifications.config import Settings
from services.notifications.domain.addresses import needs_smtputf8
from services.notifications.domain.errors import AddressNotDeliverable
from services.notifications.service_layer import reminders
from services.notifications.service_layer.errors import AlreadyExists, NotFound
from services.notifications.service_layer.messaging import board_key
from services.notifications.service_layer.news import messenger
from shared.db import UnitOfWork


async def add_board_contact(
    uow: UnitOfWork,
    settings: Settings,
    board: str,
    fields: dict[str, Any],
    now: datetime,
    *,
    offers_smtputf8: Callable[[], Awaitable[bool]] | None = None,
) -> BoardContact:
    """Add a contact to ``board`` and commit. The board's next grant-deadline reminder is planned,
    and messages that waited for the board to have a coordinator (an unplaced teacher) go out now.

    ``offers_smtputf8`` asks the mail server, for an address only a server offering SMTPUTF8 can
    deliver to; refused (AddressNotDeliverable) when it does not, AlreadyExists when that address
    is already one of the board's contacts.
    """
    email = str(fields["email"])
    if needs_smtputf8(email) and offers_smtputf8 is not None and not await offers_smtputf8():
        raise AddressNotDeliverable(
            "email",
            "an internationalised address (non-ASCII before the @) needs a mail server that "
            "offers SMTPUTF8, and the configured one does not",
        )
    created = await repositories(uow).board_contacts.add(board, {**fields, "email": email})
    if created is None:
        raise AlreadyExists(
            "email",
            "this address is already a contact of the board",
            title="Contact exists",
            short="already a contact of this board",
        )
    await reminders.plan_grant_deadlines(uow, settings, now, board=board)
    await messenger(settings).release(uow, board_key(board))
    await uow.commit()
    return created


async def list_board_contacts(uow: UnitOfWork, board: str) -> list[BoardContact]:
    return await repositories(uow).board_contacts.listing(board)


async def remove_board_contact(uow: UnitOfWork, board: str, contact_id: uuid.UUID) -> None:
    """Remove and commit; NotFound when the board has no such contact."""
    if not await repositories(uow).board_contacts.remove(board, contact_id):
        raise NotFound("contact", "No such contact in this board.")
    await uow.commit()
