"""Bulk imports in PostgreSQL: the job, its stored file and the row errors it found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters.tables import Import, ImportFile, ImportRowError


class ImportRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, import_id: uuid.UUID) -> Import | None:
        return await self.session.get(Import, import_id)

    async def row_errors(self, import_id: uuid.UUID, *, limit: int, offset: int) -> list[ImportRowError]:
        """The import's row errors in the order they were found."""
        rows = (
            await self.session.execute(
                sa.select(ImportRowError)
                .where(col(ImportRowError.import_id) == import_id)
                .order_by(col(ImportRowError.id))
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
        return list(rows)

    async def page(
        self, *, boards: Sequence[str] | None, board: str | None, limit: int, offset: int
    ) -> tuple[int, list[Import]]:
        """(how many imports match, one page of them, newest first)."""
        filters: list[sa.ColumnElement[bool]] = []
        if boards is not None:
            filters.append(col(Import.board).in_(boards))
        if board:
            filters.append(col(Import.board) == board)
        total = (
            await self.session.execute(sa.select(sa.func.count()).select_from(Import).where(*filters))
        ).scalar_one()
        rows = (
            await self.session.execute(
                sa.select(Import)
                .where(*filters)
                .order_by(col(Import.created_at).desc())
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
        return total, list(rows)

    async def add(self, job: Import, content: bytes) -> None:
        """Store the job and its file (kept apart: the job is read often, the file once)."""
        self.session.add(job)
        await self.session.flush()
        self.session.add(ImportFile(import_id=job.id, content=content))
        await self.session.flush()

    async def wake_workers(self, channel: str) -> None:
        """NOTIFY the workers listening on ``channel`` (delivered at commit)."""
        await self.session.execute(sa.text(f"NOTIFY {channel}"))

    async def reload(self, job: Import) -> None:
        await self.session.refresh(job)
