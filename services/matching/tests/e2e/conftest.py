"""The matching service as a real process on a fresh database and its own bus prefix."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from shared.migrations import drop_database
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import System, delete_bus_objects

ROOT = Path(__file__).resolve().parents[4]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def matching_system(infra: Infrastructure, run_prefix: str) -> AsyncIterator[System]:
    prefix = f"{run_prefix}mat"
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=1,  # matching sends no mail
        extra_env={"RELAY_POLL_INTERVAL": "0.2"},
    )
    await system.migrate(("matching",))
    system.start(("matching",))
    yield system
    system.stop()
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await drop_database(system.database_url("matching"))
        await delete_bus_objects(infra.rabbitmq_url, prefix)
