"""The outbox and inbox stay bounded: old published rows and old inbox entries are pruned by one
replica at a time, and nothing inside the horizon is touched, so a redelivery still meets its entry."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import inbox
from shared.bus.pruning import PRUNE_LOCK_KEY, BusPruner
from shared.db import make_engine, make_session_factory
from shared.migrations import drop_database, upgrade
from shared.testing import fixtures
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
HOUR = 3600.0


async def _fill(conn: asyncpg.Connection, *, old: int, recent: int) -> dict[str, list[uuid.UUID]]:
    """``old`` published outbox rows and inbox entries two days old, ``recent`` ones of a minute ago,
    and one pending outbox row two days old (a publish that never got through)."""
    ids: dict[str, list[uuid.UUID]] = {"old": [], "recent": [], "pending": [uuid.uuid4()]}
    for kind, count, age in (("old", old, "2 days"), ("recent", recent, "1 minute")):
        for _ in range(count):
            event_id = uuid.uuid4()
            ids[kind].append(event_id)
            await conn.execute(
                "INSERT INTO outbox (event_id, event_type, routing_key, board, body, headers, state, "
                "created_at, published_at) VALUES ($1, 'TeacherRegistered', 'k', 'ELM', '\\x7b7d', '{}', "
                f"'published', now() - interval '{age}', now() - interval '{age}')",
                event_id,
            )
            await conn.execute(
                "INSERT INTO inbox (consumer, event_id, event_type, handled_at) "
                f"VALUES ('matching', $1, 'TeacherRegistered', now() - interval '{age}')",
                event_id,
            )
    await conn.execute(
        "INSERT INTO outbox (event_id, event_type, routing_key, board, body, headers, state, created_at) "
        "VALUES ($1, 'TeacherRegistered', 'k', 'ELM', '\\x7b7d', '{}', 'pending', now() - interval '2 days')",
        ids["pending"][0],
    )
    return ids


def _pruner(engine: AsyncEngine) -> BusPruner:
    settings = fixtures.test_settings(bus_prune_horizon_seconds=HOUR, bus_prune_batch_size=7)
    return BusPruner(engine, settings)


async def test_old_rows_are_pruned_by_one_replica_at_a_time_and_the_horizon_holds(infra, run_prefix):
    url = infra.database_url(f"{run_prefix}_prune")
    await upgrade("matching", url)
    engines = [make_engine(url), make_engine(url)]  # two replicas of the service
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        ids = await _fill(conn, old=30, recent=5)
        first, second = (_pruner(engine) for engine in engines)

        # While another replica holds the job, a replica skips its round and deletes nothing.
        holder = await asyncpg.connect(asyncpg_dsn(url))
        try:
            async with holder.transaction():
                await holder.execute("SELECT pg_advisory_xact_lock($1)", PRUNE_LOCK_KEY)
                assert await first.prune_once() is None
                assert await conn.fetchval("SELECT count(*) FROM outbox") == 36
        finally:
            await holder.close()

        # Both replicas at once: every old row deleted exactly once between them (batches of 7 let
        # them interleave), nothing else touched.
        results = await asyncio.gather(first.prune_once(), second.prune_once())
        assert sum(r.outbox for r in results if r) == 30
        assert sum(r.inbox for r in results if r) == 30
        left = {row["event_id"] for row in await conn.fetch("SELECT event_id FROM outbox")}
        assert left == set(ids["recent"]) | set(ids["pending"])  # pending kept however old
        handled = {row["event_id"] for row in await conn.fetch("SELECT event_id FROM inbox")}
        assert handled == set(ids["recent"])

        # A redelivery inside the horizon still meets its inbox entry: no second effect.
        factory = make_session_factory(engines[0])
        async with factory() as session:
            for event_id in ids["recent"]:
                assert not await inbox.claim(
                    session, consumer="matching", event_id=event_id, event_type="TeacherRegistered"
                )
            await session.rollback()
        # A later round finds nothing more to do.
        again = await first.prune_once()
        assert again is not None and (again.outbox, again.inbox) == (0, 0)
    finally:
        await conn.close()
        for engine in engines:
            await engine.dispose()
        await drop_database(url)
