"""Pytest fixtures shared by every test (a plugin loaded by the root conftest.py): real infrastructure,
an isolated bus prefix and databases per run, the services as processes, SMTP and OTLP sinks."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from shared.auth import mint_token
from shared.settings import ServiceSettings
from shared.testing.infrastructure import Infrastructure, provide
from shared.testing.otlp_receiver import OtlpReceiver
from shared.testing.processes import TEST_JWT_SECRET, TEST_RUNTIME_DB_PASSWORD, System
from shared.testing.smtp_sink import SmtpServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    # Every migration the tests run creates the services' runtime roles (shared/rls.py) with this
    # password when they are missing, so the services under test log in as they do in production.
    os.environ.setdefault("RUNTIME_DATABASE_PASSWORD", TEST_RUNTIME_DB_PASSWORD)
    with provide() as infrastructure:
        yield infrastructure


@pytest.fixture(scope="session")
def run_prefix() -> str:
    return f"mwt{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def system(
    infra: Infrastructure, run_prefix: str, smtp: SmtpServer, otlp: OtlpReceiver
) -> AsyncIterator[System]:
    """All four services as processes, migrated on fresh databases, exporting spans to ``otlp``."""
    system = System(
        infra=infra,
        prefix=run_prefix,
        log_dir=ROOT / ".run" / "test-logs" / run_prefix,
        smtp_port=smtp.port,
        otlp_endpoint=otlp.endpoint,
    )
    await system.migrate()
    try:
        system.start()
    except BaseException:
        # A service that did not become ready must not stay behind holding connections.
        system.stop()
        await system.destroy()
        raise
    yield system
    system.stop()
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await system.destroy()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def console(system: System) -> AsyncIterator[System]:
    """``system`` with the web console started beside the four services (``system.url("console")``)."""
    await system.start_console()
    yield system


def test_settings(**overrides: Any) -> ServiceSettings:
    return ServiceSettings(jwt_secret=TEST_JWT_SECRET, mentorweb_env="test", **overrides)


@pytest.fixture
def token():
    """Mint a test token: token("board_coordinator", board="ELM")."""

    def mint(
        role: str = "province_admin",
        *,
        board: str | None = None,
        participant_id: uuid.UUID | str | None = None,
    ) -> str:
        return mint_token(
            test_settings(),
            subject=f"test-{role}",
            roles=[role],
            board=board,
            participant_id=participant_id,
        )

    return mint
