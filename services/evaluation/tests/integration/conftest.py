"""Evaluation in-process (its real lifespan: PostgreSQL, RabbitMQ, consumer, outbox relay) on a fresh
migrated database, driven over HTTP, fed through the real broker."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest_asyncio

from services.evaluation.tests.integration.helpers import Bus, EvaluationApi, start_api
from shared.migrations import drop_database, upgrade
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import delete_bus_objects


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def evaluation_db(infra: Infrastructure, run_prefix: str) -> AsyncIterator[str]:
    url = infra.database_url(f"{run_prefix}_evaluation_it")
    await upgrade("evaluation", url)
    yield url
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await drop_database(url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def api(infra: Infrastructure, run_prefix: str, evaluation_db: str) -> AsyncIterator[EvaluationApi]:
    prefix = f"{run_prefix}ev"
    async with start_api(infra, evaluation_db, prefix) as running:
        yield running
    await delete_bus_objects(infra.rabbitmq_url, prefix)


@pytest_asyncio.fixture(loop_scope="session")
async def bus(api: EvaluationApi, infra: Infrastructure) -> AsyncIterator[Bus]:
    opened = await Bus.open(infra.rabbitmq_url, api.settings.exchange_name)
    yield opened
    await opened.close()
