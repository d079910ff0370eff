"""The notifications service in-process (Runtime + FastAPI app) on a fresh database, an isolated bus
prefix and its own SMTP sink, shared by one test module; a movable clock drives reminders and digests."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio

from services.notifications.tests.integration.helpers import FakeClock, Notifications, start_notifications
from shared.migrations import drop_database, upgrade
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import delete_bus_objects
from shared.testing.smtp_sink import SmtpServer


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def notif(infra: Infrastructure, run_prefix: str) -> AsyncIterator[Notifications]:
    prefix = f"{run_prefix}n{uuid.uuid4().hex[:6]}"
    url = infra.database_url(f"{prefix}_notifications")
    await upgrade("notifications", url)
    server = SmtpServer().start()
    try:
        async with start_notifications(infra, url, prefix, server, FakeClock()) as harness:
            yield harness
    finally:
        server.stop()
        if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
            with contextlib.suppress(Exception):
                await drop_database(url)
            await delete_bus_objects(infra.rabbitmq_url, prefix)
