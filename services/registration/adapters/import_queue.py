"""The queue of uploaded files waiting for an import worker, in PostgreSQL.

A worker claims the oldest file with ``FOR UPDATE SKIP LOCKED`` on a connection of its own and holds
that row lock (its lease) for as long as it works; if the process dies the lock goes with its
connection and another worker claims the file at once.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from services.registration.adapters.tables import Import, ImportFile
from shared.db import Scope, UnitOfWork, scope_info, set_scope

# The worker serves every board: its own sessions act in the system scope (row-level security).
SYSTEM = scope_info(scope="system")

_CLAIM = sa.text(
    "SELECT f.import_id, f.content FROM import_files f JOIN imports i ON i.id = f.import_id "
    "ORDER BY i.created_at LIMIT 1 FOR UPDATE OF f SKIP LOCKED"
)


@dataclass(frozen=True)
class Claimed:
    """A queued import's file, leased to this worker."""

    import_id: uuid.UUID
    content: bytes


class ImportQueue:
    def __init__(self, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]):
        self.engine = engine
        self.session_factory = session_factory

    def unit_of_work(self, *, board: str | None = None, scope: Scope | None = None) -> UnitOfWork:
        """A unit of work for one step of an import (a chunk acts for the import's board)."""
        return UnitOfWork(self.session_factory, board=board, scope=scope)

    @contextlib.asynccontextmanager
    async def claim(self) -> AsyncIterator[Claimed | None]:
        """Lease the oldest queued file (None: nothing queued) for the block. Leaving the block
        normally deletes the file (the import is done with it); an exception leaves it queued."""
        async with self.engine.connect() as lease:
            transaction = await lease.begin()
            try:
                await set_scope(lease, scope="system")
                found = (await lease.execute(_CLAIM)).first()
            except BaseException:
                await transaction.rollback()
                raise
            if found is None:
                await transaction.rollback()
                yield None
                return
            try:
                yield Claimed(found.import_id, bytes(found.content))
                await lease.execute(sa.delete(ImportFile).where(col(ImportFile.import_id) == found.import_id))
                await transaction.commit()
            except BaseException:
                await transaction.rollback()
                raise

    async def begin(self, import_id: uuid.UUID) -> Import:
        """Count one more attempt at a queued or running import (it runs from now on)."""
        async with self.session_factory(info=SYSTEM) as session, session.begin():
            job = (
                await session.execute(sa.select(Import).where(col(Import.id) == import_id).with_for_update())
            ).scalar_one()
            if job.state in ("queued", "running"):
                job.attempts += 1
                job.state = "running"
                job.started_at = job.started_at or sa.func.now()  # type: ignore[assignment]  # an SQL expression
            await session.flush()
            await session.refresh(job)
            return job
