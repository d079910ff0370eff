"""The registration service as a real process on a fresh database (only what these tests need)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from shared.migrations import drop_database
from shared.testing.helpers import auth, unique_board
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import System, delete_bus_objects
from shared.wakeup import asyncpg_dsn

ROOT = Path(__file__).resolve().parents[4]
MAX_UPLOAD = 4_000_000


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def registration(infra: Infrastructure, run_prefix: str) -> AsyncIterator[System]:
    prefix = f"{run_prefix}reg"
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=1,  # registration sends no mail
        extra_env={"IMPORT_MAX_BYTES": str(MAX_UPLOAD), "IMPORT_POLL_INTERVAL": "0.5"},
    )
    await system.migrate(("registration",))
    system.start(("registration",))
    yield system
    system.stop()
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await drop_database(system.database_url("registration"))
        await delete_bus_objects(infra.rabbitmq_url, prefix)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as c:
        yield c


@pytest.fixture
def admin(token: Callable[..., str]) -> str:
    return token("province_admin")


@pytest.fixture
def board(registration: System, client: httpx.Client, admin: str) -> str:
    """A fresh board (French-language, to exercise defaults) for one test."""
    code = unique_board()
    response = client.post(
        f"{registration.url('registration')}/v1/boards",
        json={"code": code, "name": f"{code} DSB", "language": "fr"},
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    return code


class Db:
    """Direct reads of registration's database: what the outbox really holds."""

    def __init__(self, system: System):
        self.dsn = asyncpg_dsn(system.database_url("registration"))

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def event_counts(self, board: str) -> dict[str, int]:
        """Events about participants and sessions; the counts registration sends after each change
        (ParticipantsCounted, for matching's readiness) are left out: see ``counts``."""
        rows = await self.fetch(
            "SELECT event_type, count(*) AS n FROM outbox WHERE board = $1 "
            "AND event_type <> 'ParticipantsCounted' GROUP BY event_type",
            board,
        )
        return {r["event_type"]: r["n"] for r in rows}

    async def counts(self, board: str) -> list[dict[str, object]]:
        """The ParticipantsCounted events of ``board``, oldest first."""
        import json

        rows = await self.fetch(
            "SELECT body FROM outbox WHERE board = $1 AND event_type = 'ParticipantsCounted' ORDER BY id",
            board,
        )
        return [json.loads(r["body"]) for r in rows]


@pytest.fixture
def db(registration: System) -> Db:
    return Db(registration)
