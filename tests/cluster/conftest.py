"""Fixtures of the cluster faults: a three-node RabbitMQ cluster, a PostgreSQL primary and standby,
and the four services as processes on them. Every node and server started here is torn down, also
when a test fails."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from shared.migrations import SERVICES
from shared.testing.cluster import PostgresPair, RabbitCluster
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import System, delete_bus_objects
from shared.testing.smtp_sink import SmtpServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def rabbit_cluster() -> Iterator[RabbitCluster]:
    with RabbitCluster() as cluster:
        yield cluster


@pytest.fixture
def pg_pair() -> Iterator[PostgresPair]:
    with PostgresPair() as pair:
        yield pair


def _system(infra: Infrastructure, smtp: SmtpServer, rabbitmq_url: str | None = None) -> System:
    prefix = f"mwc{secrets.token_hex(3)}"
    return System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=smtp.port,
        rabbitmq_url=rabbitmq_url,
        extra_env={"MAIL_RETRY_BASE_SECONDS": "0.5"},
    )


@pytest_asyncio.fixture(loop_scope="session")
async def cluster_system(
    infra: Infrastructure, rabbit_cluster: RabbitCluster, pg_pair: PostgresPair, cluster_smtp: SmtpServer
) -> AsyncIterator[System]:
    """The services on the three-node cluster (RABBITMQ_URL names every node) and a PostgreSQL of their
    own (the pair's primary: the machine's shared server may run out of connections under other
    work, which would blur what the broker faults show). ``system.infra.rabbitmq_url`` is the first
    node, for the test's own checks."""
    assert pg_pair.primary is not None
    system = _system(
        replace(infra, rabbitmq_url=rabbit_cluster.nodes[0].url, postgres_url=pg_pair.primary.url),
        cluster_smtp,
        rabbit_cluster.url,
    )
    await system.migrate()
    try:
        system.start()
        yield system
    finally:
        system.stop()  # the bus objects go with the cluster, the databases with the pair


@pytest_asyncio.fixture(loop_scope="session")
async def replicated_db_system(
    infra: Infrastructure, pg_pair: PostgresPair, cluster_smtp: SmtpServer
) -> AsyncIterator[System]:
    """The services on the local broker and the PostgreSQL pair: migrated on the primary, connected
    with a multi-host DATABASE_URL that accepts only the writable server."""
    assert pg_pair.primary is not None
    system = _system(replace(infra, postgres_url=pg_pair.primary.url), cluster_smtp)
    await system.migrate()
    for service in SERVICES:
        system.service_env[service] = {
            "DATABASE_URL": pg_pair.multihost_url(system.runtime_database_url(service))
        }
    try:
        system.start()
        yield system
    finally:
        system.stop()
        # The databases go with the pair; the bus objects live on the local broker.
        await delete_bus_objects(infra.rabbitmq_url, system.prefix)


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    from tests.cluster.results import render

    render()
