"""Production settings, in-process against a real PostgreSQL session store: the development sign-in is
not there, and the console does not start without an OpenID provider."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.console.bootstrap import create_app
from services.console.config import Settings
from shared.migrations import drop_database, upgrade
from shared.testing.infrastructure import Infrastructure

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
STRONG = "a-production-secret-that-is-long-enough-0123456789"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def console_db(infra: Infrastructure, run_prefix: str) -> AsyncIterator[str]:
    url = infra.database_url(f"{run_prefix}_console_it")
    await upgrade("console", url)
    yield url
    if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
        await drop_database(url)


def with_password(url: str) -> str:
    """The test database with credentials in its URL, as production requires (trust ignores them)."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1) if "@" in rest else ("postgres", rest)
    return f"{scheme}://{user.split(':')[0]}:Hq7c2Vn4Rt9wX1@{host}"


def production(database_url: str) -> Settings:
    return Settings(
        mentorweb_env="production",
        database_url=with_password(database_url),
        rabbitmq_url="amqp://mentorweb-console:Zq8v3xK9pL2m@127.0.0.1:5672/",
        jwt_secret=STRONG,
        oidc_issuer="https://id.province.example",
        oidc_client_id="mentorweb-console",
        oidc_client_secret="client-secret",
        public_base_url="https://console.mentorweb.example",
    )


async def test_production_refuses_the_development_sign_in(console_db: str):
    app = create_app(production(console_db))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://console.mentorweb.example") as client:
        page = await client.get("/sign-in")
        assert page.status_code == 200
        assert "/dev/sign-in" not in page.text
        assert "/auth/login" in page.text
        cookie = page.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert (await client.get("/dev/sign-in")).status_code == 404
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        session = cookie.split(";")[0]
        refused = await client.post(
            "/dev/sign-in", data={"csrf_token": csrf, "person": "province"}, headers={"Cookie": session}
        )
        assert refused.status_code == 404
        # Nobody got signed in: the board pages still send the visitor to sign-in.
        home = await client.get("/", headers={"Cookie": session})
        assert home.status_code == 303 and home.headers["location"].startswith("/sign-in")


async def test_production_needs_an_openid_provider(console_db: str):
    with pytest.raises(ValueError, match="OIDC_ISSUER"):
        Settings(
            mentorweb_env="production",
            database_url=with_password(console_db),
            rabbitmq_url="amqp://mentorweb-console:Zq8v3xK9pL2m@127.0.0.1:5672/",
            jwt_secret=STRONG,
        )


async def test_development_offers_the_sample_board_people(console_db: str):
    app = create_app(Settings(mentorweb_env="development", database_url=console_db))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        page = await client.get("/dev/sign-in")
        assert page.status_code == 200
        assert 'value="ELM"' in page.text and 'value="province"' in page.text
        assert "Secure" not in page.headers["set-cookie"]  # plain http on a developer's machine
