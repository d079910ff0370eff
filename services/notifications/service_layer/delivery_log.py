"""The delivery log: what was sent to whom, read by coordinators (their board) and participants (their own)."""

from __future__ import annotations

from services.notifications.adapters.repository import LogFilter, repositories
from services.notifications.adapters.tables import Notification
from shared.db import UnitOfWork

__all__ = ["LogFilter", "delivery_log"]


async def delivery_log(
    uow: UnitOfWork, where: LogFilter, *, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """A page of the log, newest first, and how many entries match in all."""
    return await repositories(uow).mail.log(where, limit=limit, offset=offset)
