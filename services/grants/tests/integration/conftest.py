"""The grants service in-process (FastAPI app with its real lifespan: PostgreSQL, RabbitMQ, outbox relay)
on a fresh migrated database, driven over HTTP by httpx, and a listener on its bus exchange."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest_asyncio

from services.grants.tests.integration.helpers import BusListener, GrantsApi, start_api
from shared.migrations import drop_database, upgrade
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import delete_bus_objects


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def grants_db(infra: Infrastructure, run_prefix: str) -> AsyncIterator[str]:
    url = infra.database_url(f"{run_prefix}_grants_it")
    await upgrade("grants", url)
    yield url
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await drop_database(url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def api(infra: Infrastructure, run_prefix: str, grants_db: str) -> AsyncIterator[GrantsApi]:
    """Grants with the default province time zone (America/Edmonton)."""
    prefix = f"{run_prefix}gr"
    async with start_api(infra, grants_db, prefix) as running:
        yield running
    await delete_bus_objects(infra.rabbitmq_url, prefix)


@pytest_asyncio.fixture(loop_scope="session")
async def bus(api: GrantsApi, infra: Infrastructure) -> AsyncIterator[BusListener]:
    """A fresh queue bound to ``<prefix>.events`` for ``grants.#``."""
    listener = await BusListener.open(infra.rabbitmq_url, api.settings.exchange_name, "grants.#")
    yield listener
    await listener.close()
