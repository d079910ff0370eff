"""Rate limits against the real Redis on 127.0.0.1:6379: 429 problem+json with Retry-After, budgets per
token and per client address, counters shared by every app (replica) of a prefix."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from shared.problems import install_problem_handlers
from shared.ratelimit import install_rate_limits
from shared.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def _redis_reachable() -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError as exc:
        raise RuntimeError("Redis is not reachable on 127.0.0.1:6379: run scripts/ensure-infra.sh") from exc


def app_with_limits(prefix: str, **limits: Any) -> FastAPI:
    settings = ServiceSettings(
        _env_file=None, mentorweb_env="test", rate_limits_enabled=True, bus_prefix=prefix, **limits
    )
    app = FastAPI()
    install_problem_handlers(app)
    install_rate_limits(app, settings)

    @app.post("/v1/things")
    async def write() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/v1/things")
    async def read() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/v1/imports")
    async def submit_import() -> dict[str, str]:
        return {"ok": "queued"}

    return app


@pytest_asyncio.fixture(loop_scope="session")
async def prefix() -> AsyncIterator[str]:
    _redis_reachable()
    yield f"rlt{secrets.token_hex(4)}"


def client(app: FastAPI, address: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://svc.test")


async def test_writes_over_the_budget_get_429_problem_json_with_retry_after(prefix: str):
    app = app_with_limits(prefix, rate_limit_write="3/minute")
    async with client(app) as c:
        answers = [await c.post("/v1/things", headers={"Authorization": "Bearer token-a"}) for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        refused = answers[3]
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        body = refused.json()
        assert body["status"] == 429 and body["title"] == "Too many requests"
        assert "bearer token" in body["detail"] and body["instance"] == "/v1/things"
        # Another token has its own budget; reads are not limited.
        assert (await c.post("/v1/things", headers={"Authorization": "Bearer token-b"})).status_code == 200
        assert (await c.get("/v1/things", headers={"Authorization": "Bearer token-a"})).status_code == 200


async def test_one_address_cannot_escape_its_budget_by_changing_tokens(prefix: str):
    app = app_with_limits(prefix, rate_limit_write_per_address="4/minute")
    async with client(app, "10.0.0.2") as c:
        codes = [
            (await c.post("/v1/things", headers={"Authorization": f"Bearer t{i}"})).status_code
            for i in range(6)
        ]
        assert codes == [200, 200, 200, 200, 429, 429]
        last = await c.post("/v1/things")
        assert last.status_code == 429 and "client address" in last.json()["detail"]
    async with client(app, "10.0.0.3") as other:
        assert (await other.post("/v1/things")).status_code == 200


async def test_imports_have_their_own_smaller_budget(prefix: str):
    app = app_with_limits(prefix, rate_limit_import="2/minute")
    async with client(app, "10.0.0.4") as c:
        auth = {"Authorization": "Bearer importer"}
        codes = [(await c.post("/v1/imports", headers=auth)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert (await c.post("/v1/things", headers=auth)).status_code == 200  # writes are another budget


async def test_replicas_share_the_counts(prefix: str):
    first, second = (app_with_limits(prefix, rate_limit_write="4/minute") for _ in range(2))
    auth = {"Authorization": "Bearer shared-token"}
    async with client(first) as a, client(second) as b:
        codes = [(await (a if i % 2 else b).post("/v1/things", headers=auth)).status_code for i in range(8)]
    assert codes.count(200) == 4 and codes.count(429) == 4


async def test_an_unreachable_redis_lets_requests_through_or_refuses_them_as_configured(prefix: str):
    open_app = app_with_limits(prefix, redis_url="redis://127.0.0.1:1/0", rate_limit_write="1/minute")
    async with client(open_app) as c:
        assert [(await c.post("/v1/things")).status_code for _ in range(3)] == [200, 200, 200]
    closed = app_with_limits(
        prefix, redis_url="redis://127.0.0.1:1/0", rate_limit_write="1/minute", rate_limit_fail_open=False
    )
    async with client(closed) as c:
        refused = await c.post("/v1/things")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "5"
