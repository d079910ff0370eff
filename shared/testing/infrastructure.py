"""Where the tests' RabbitMQ and PostgreSQL come from.

With a reachable Docker engine, testcontainers starts them; otherwise the already-running services
named by TEST_RABBITMQ_URL / TEST_DATABASE_URL (defaults: the local ones). A test that needs a
service it cannot reach fails loudly; it never skips.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # testcontainers loads only where no local broker and database answer
    from testcontainers.core.container import DockerContainer


@dataclass(frozen=True)
class Infrastructure:
    rabbitmq_url: str
    postgres_url: str  # postgresql+asyncpg://user@host:port (no database)
    source: str
    broker_container: DockerContainer | None = None

    def stop_broker(self) -> None:
        """Stop the RabbitMQ application (fault tests): rabbitmqctl locally, the container under Docker."""
        if self.broker_container is not None:
            self.broker_container.get_wrapped_container().stop()
        else:
            subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)

    def start_broker(self) -> None:
        if self.broker_container is not None:
            self.broker_container.get_wrapped_container().start()
        else:
            subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)
            subprocess.run(["rabbitmqctl", "await_startup"], check=False, capture_output=True, timeout=120)

    def database_url(self, database: str) -> str:
        return f"{self.postgres_url.rstrip('/')}/{database}"


def docker_engine_reachable() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=3
        ):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def provide() -> Iterator[Infrastructure]:
    if os.environ.get("MENTORWEB_TEST_USE_DOCKER", "auto") != "never" and docker_engine_reachable():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        with (
            PostgresContainer("postgres:16-alpine") as pg,
            RabbitMqContainer("rabbitmq:3.13-management") as mq,
        ):
            host = pg.get_container_host_ip()
            yield Infrastructure(
                rabbitmq_url=f"amqp://guest:guest@{mq.get_container_host_ip()}:{mq.get_exposed_port(5672)}/",
                postgres_url=f"postgresql+asyncpg://{pg.username}:{pg.password}@{host}:{pg.get_exposed_port(5432)}",
                source="testcontainers",
                broker_container=mq,
            )
        return
    rabbitmq_url = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    postgres_url = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
    missing = [
        name
        for name, url, port in (("RabbitMQ", rabbitmq_url, 5672), ("PostgreSQL", postgres_url, 5432))
        if not port_open(url, port)
    ]
    if missing:
        raise RuntimeError(
            f"{' and '.join(missing)} unreachable (no Docker engine either): start them "
            "(see .ci/run) or set TEST_RABBITMQ_URL / TEST_DATABASE_URL"
        )
    yield Infrastructure(rabbitmq_url=rabbitmq_url, postgres_url=postgres_url, source="local services")
