"""The grants service alone as a real process (`python -m services.grants`) on a fresh database and bus
prefix: what the platform runs, without waiting for the other three services."""

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
async def grants_process(infra: Infrastructure, run_prefix: str) -> AsyncIterator[System]:
    prefix = f"{run_prefix}grp"
    system = System(infra=infra, prefix=prefix, log_dir=ROOT / ".run" / "test-logs" / prefix, smtp_port=1)
    await system.migrate(("grants",))
    system.start(("grants",))
    yield system
    system.stop()
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await drop_database(system.database_url("grants"))
        await delete_bus_objects(infra.rabbitmq_url, prefix)
