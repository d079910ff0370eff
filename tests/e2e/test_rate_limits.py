"""Must-show: 200 SCIM requests in a second from one token, spread over two registration replicas (two
processes): exactly the budget gets through, the excess gets 429 with Retry-After, because both
replicas count in the same Redis."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from shared.testing.helpers import auth, unique_board
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import System

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
BUDGET = 60  # SCIM requests per minute for one token in this test


@pytest_asyncio.fixture(loop_scope="session")
async def two_registrations(infra: Infrastructure, run_prefix: str, smtp) -> AsyncIterator[System]:
    from shared.testing.fixtures import ROOT

    prefix = f"{run_prefix}rl"
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=smtp.port,
        extra_env={"RATE_LIMITS_ENABLED": "true", "RATE_LIMIT_SCIM": f"{BUDGET}/minute"},
    )
    await system.migrate(("registration",))
    try:
        system.start(("registration",))
        system.add_replica("registration", "registration-2")
    except BaseException:
        system.stop()
        await system.destroy()
        raise
    yield system
    system.stop()
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await system.destroy()


async def test_scim_burst_from_one_token_is_limited_across_two_replicas(two_registrations: System, token):
    replicas = [two_registrations.url("registration"), two_registrations.url("registration-2")]
    provisioner = token("hr_integration", board=unique_board())
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100)) as client:
        started = time.monotonic()
        answers = await asyncio.gather(
            *(client.get(f"{replicas[i % 2]}/scim/v2/Users", headers=auth(provisioner)) for i in range(200))
        )
        elapsed = time.monotonic() - started
    by_replica = [[a.status_code for j, a in enumerate(answers) if j % 2 == r] for r in (0, 1)]
    codes = [a.status_code for a in answers]
    print(
        f"200 SCIM requests over 2 replicas in {elapsed:.2f} s: {codes.count(200)} served, {codes.count(429)} refused"
    )
    assert set(codes) <= {200, 429}, set(codes)
    # Each replica alone would have let BUDGET through: together they let exactly BUDGET through.
    assert codes.count(200) == BUDGET
    assert codes.count(429) == 200 - BUDGET
    assert all(429 in replica for replica in by_replica), "both replicas refused some"
    for refused in (a for a in answers if a.status_code == 429):
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["status"] == 429
    # Another token is not held back by this one's burst.
    other = token("hr_integration", board=unique_board())
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.get(f"{replicas[1]}/scim/v2/Users", headers=auth(other))).status_code == 200
