"""Bulk imports in PostgreSQL: the job, its stored file and the row errors it found."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.registration.adapters import import_rows
from services.registration.adapters.tables import Import, ImportFile, ImportRowError, School, table_of
from services.registration.domain.imports import SchoolRecord
from services.registration.domain.tabular import RowError


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

    async def fail(self, import_id: uuid.UUID, reason: str) -> tuple[str, str | None]:
        """Mark the import failed with ``reason``; returns its (board, program year)."""
        failed = (
            await self.session.execute(
                sa.update(Import)
                .where(col(Import.id) == import_id)
                .values(state="failed", error=reason, finished_at=sa.func.now())
                .returning(col(Import.board), col(Import.program_year))
            )
        ).one()
        return failed.board, failed.program_year

    async def cursor(self, import_id: uuid.UUID) -> int:
        """The next row to apply, locked: a second worker on the same import waits, then sees it moved."""
        return (
            await self.session.execute(
                sa.select(col(Import.next_row)).where(col(Import.id) == import_id).with_for_update()
            )
        ).scalar_one()

    async def add_row_errors(self, import_id: uuid.UUID, errors: Sequence[RowError]) -> None:
        if not errors:
            return
        await self.session.execute(
            sa.insert(table_of(ImportRowError)),
            [
                {
                    "import_id": import_id,
                    "file": e.file,
                    "row": e.row,
                    "column": e.column,
                    "message": e.message[:1000],
                    "outcome": e.outcome,
                }
                for e in errors
            ],
        )

    async def advance(self, import_id: uuid.UUID, progress: ChunkProgress) -> None:
        """Move the cursor past a chunk and add its counts (completed when ``progress.finished``)."""
        await self.session.execute(
            sa.update(Import)
            .where(col(Import.id) == import_id)
            .values(
                next_row=progress.end,
                total_rows=progress.total,
                encoding=progress.encoding,
                created_count=col(Import.created_count) + progress.created,
                updated_count=col(Import.updated_count) + progress.updated,
                unchanged_count=col(Import.unchanged_count) + progress.unchanged,
                withdrawn_count=col(Import.withdrawn_count) + progress.withdrawn,
                skipped_count=col(Import.skipped_count) + progress.skipped,
                failed_rows=col(Import.failed_rows) + progress.failed,
                error_count=col(Import.error_count) + progress.refused,
                schools_count=col(Import.schools_count) + progress.schools,
                state="completed" if progress.finished else "running",
                finished_at=sa.func.now() if progress.finished else None,
            )
        )

    async def upsert_schools(self, board: str, schools: Sequence[Mapping[str, str]]) -> int:
        return await import_rows.upsert_schools(self.session, board, schools)

    async def board_schools(self, board: str) -> list[SchoolRecord]:
        """The board's schools (code and name), to link a file's schools to."""
        rows = await self.session.execute(
            sa.select(col(School.code), col(School.name)).where(col(School.board) == board)
        )
        return [SchoolRecord(code, name) for code, name in rows.tuples()]

    async def upsert_participants(
        self, board: str, rows: Sequence[Mapping[str, Any]]
    ) -> list[import_rows.UpsertResult]:
        return await import_rows.upsert_participants(self.session, board, rows)

    async def withdraw_participants(
        self, board: str, keys: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        return await import_rows.withdraw_participants(self.session, board, keys)


@dataclass(frozen=True)
class ChunkProgress:
    """What one chunk of an import did, added to the import's counts."""

    end: int
    total: int
    encoding: str | None
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    skipped: int
    failed: int
    refused: int
    schools: int
    finished: bool
