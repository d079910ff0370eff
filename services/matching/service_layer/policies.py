"""A board's matching policy (hub sizes, weights): read and replaced by its coordinators."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.matching.adapters.tables import BoardPolicy
from services.matching.adapters.unit_of_work import repositories
from shared.db import UnitOfWork


async def get_policy(uow: UnitOfWork, board: str) -> BoardPolicy | None:
    """The board's policy, or None while it uses the defaults."""
    return await repositories(uow).boards.policy(board)


async def update_policy(
    uow: UnitOfWork, board: str, values: Mapping[str, Any], *, actor: str, now: datetime
) -> BoardPolicy:
    """Replace the board's policy with ``values`` (``preferred_size`` kept a whole number)."""
    store = repositories(uow)
    row = await store.boards.policy(board)
    if row is None:
        row = BoardPolicy(board=board, updated_at=now)
        store.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    if "preferred_size" in row.weights:
        row.weights = {**row.weights, "preferred_size": int(row.weights["preferred_size"])}
    row.updated_by = actor
    row.updated_at = now
    await uow.commit()
    return row
