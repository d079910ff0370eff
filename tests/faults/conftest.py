"""Each fault test gets its own system (prefix, databases, SMTP sink) so its counts are its own."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from shared.testing.processes import System
from shared.testing.smtp_sink import SmtpServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fault_smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def fault_system(infra, fault_smtp, request) -> AsyncIterator[System]:
    prefix = f"mwf{secrets.token_hex(3)}"
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=fault_smtp.port,
        extra_env={"MAIL_RETRY_BASE_SECONDS": "0.5"},
    )
    marker = request.node.get_closest_marker("service_env")
    if marker is not None:
        system.service_env.update(marker.args[0])
    await system.migrate()
    system.start()
    yield system
    system.stop()
    await system.destroy()


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    from tests.faults.report import render

    render()
