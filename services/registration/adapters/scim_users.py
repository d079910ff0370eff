"""SCIM's view of participants in PostgreSQL: users of the caller's boards that were not deleted
through SCIM, found with the whole RFC 7644 filter grammar (``scim_filter``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters import scim_filter
from services.registration.adapters.tables import Participant


def _visible(boards: Sequence[str] | None) -> list[sa.ColumnElement[bool]]:
    filters: list[sa.ColumnElement[bool]] = [col(Participant.deprovisioned_at).is_(None)]
    if boards is not None:
        filters.append(col(Participant.board).in_(boards))
    return filters


class ScimUserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def find(
        self,
        boards: Sequence[str] | None,
        filter: str | None,
        *,
        start_index: int,
        count: int,
        sort_by: str | None,
        descending: bool,
    ) -> tuple[int, list[Participant]]:
        """(how many users match, the page SCIM's 1-based ``start_index`` and ``count`` ask for)."""
        filters: list[Any] = _visible(boards)
        if filter is not None:
            filters.append(scim_filter.where(filter))
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(Participant).where(*filters))
        ).scalar_one()
        if count == 0:
            return total, []
        order: list[Any] = []
        if sort_by:
            key = scim_filter.order_by(sort_by)
            order.append(sa.desc(key) if descending else sa.asc(key))
        order += [Participant.created_at, Participant.id]
        rows = (
            await self.session.execute(
                sa.select(Participant).where(*filters).order_by(*order).offset(start_index - 1).limit(count)
            )
        ).scalars()
        return total, list(rows)

    async def get(
        self, participant_id: uuid.UUID, boards: Sequence[str] | None, *, lock: bool = False
    ) -> Participant | None:
        query = sa.select(Participant).where(col(Participant.id) == participant_id, *_visible(boards))
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_hr_id(self, board: str, program_year: str, hr_id: str) -> Participant | None:
        """The board's participant with this HR id in the program year (deleted ones too), locked."""
        query = (
            sa.select(Participant)
            .where(
                col(Participant.board) == board,
                col(Participant.program_year) == program_year,
                col(Participant.hr_id) == hr_id,
            )
            .with_for_update()
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def user_name_taken(self, board: str, user_name: str, other_than: uuid.UUID | None) -> bool:
        """Whether another live user of the board has this userName (case-insensitive; the HR id
        stands in for a userName never given)."""
        taken = sa.func.lower(
            sa.func.coalesce(
                Participant.scim_resource["userName"].astext,  # type: ignore[index]  # JSONB column, typed as a dict
                Participant.hr_id,
            )
        )
        query = sa.select(col(Participant.id)).where(
            col(Participant.board) == board,
            col(Participant.deprovisioned_at).is_(None),
            taken == user_name.lower(),
        )
        if other_than is not None:
            query = query.where(col(Participant.id) != other_than)
        return (await self.session.execute(query.limit(1))).first() is not None

    async def save(self, participant: Participant, *, deprovisioned: bool = False) -> None:
        """Write the changes now; ``deprovisioned`` stamps the deletion with the database's time."""
        if deprovisioned:
            participant.deprovisioned_at = sa.func.now()  # type: ignore[assignment]  # an SQL expression
        await self.session.flush()
