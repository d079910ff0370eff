"""What row-level security costs a unit of work: the scope is one extra statement per transaction.

    .venv/bin/python -m bench.bench_rls_scope [owner database URL]

Runs N short transactions (one indexed read by board, then commit) on one connection, as the owner
without a scope and as the runtime role scoped to a board, and prints the time per transaction.
Uses its own database (created, migrated and dropped).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import sqlalchemy as sa

from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.migrations import drop_database, runtime_database_url, upgrade

N = 2000
QUERY = sa.text("SELECT count(*) FROM participants WHERE board = :board")


async def run(url: str, **scope: str) -> float:
    engine = make_engine(url, pool_size=1)
    factory = make_session_factory(engine)
    try:
        for _ in range(50):  # warm the connection and its prepared statements
            async with UnitOfWork(factory, **scope) as uow:  # type: ignore[arg-type]
                await uow.session.execute(QUERY, {"board": "ELM"})
                await uow.commit()
        started = time.perf_counter()
        for _ in range(N):
            async with UnitOfWork(factory, **scope) as uow:  # type: ignore[arg-type]
                await uow.session.execute(QUERY, {"board": "ELM"})
                await uow.commit()
        return (time.perf_counter() - started) / N * 1e6
    finally:
        await engine.dispose()


async def main(base: str) -> None:
    owner = f"{base.rstrip('/')}/mentorweb_bench_rls"
    await upgrade("registration", owner)
    runtime = runtime_database_url(owner, "registration")
    try:
        plain, scoped = [], []
        for _ in range(3):
            plain.append(await run(owner))
            scoped.append(await run(runtime, board="ELM"))
        p, s = statistics.median(plain), statistics.median(scoped)
        print(f"{N} transactions x3, median per transaction:")
        print(f"  owner, no scope (no RLS):          {p:7.0f} us")
        print(
            f"  runtime role, board scope (RLS):   {s:7.0f} us  (+{s - p:.0f} us, {100 * (s - p) / p:+.0f} %)"
        )
    finally:
        await drop_database(owner)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "postgresql+asyncpg://postgres@127.0.0.1:5432"))
