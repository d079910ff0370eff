"""Signing in through a real OpenID provider (npm `oidc-provider`, started by the test): authorization code
with PKCE, the services verifying the provider's JWT access tokens through its JWKS, tokens refreshed
before they expire, board scoping from the token's claims, and sign-out that ends the provider's session."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect
from sqlalchemy.engine import make_url

from services.console.tests.helpers import load_board, wait_until_matching_knows
from services.console.tests.oidc import OidcProvider
from shared.testing.helpers import auth
from shared.testing.processes import System
from shared.testing.smtp_sink import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
ROOT = Path(__file__).resolve().parents[4]
TOKEN_TTL = 65  # the console refreshes a minute before expiry: after 5 s, every page load refreshes


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def oidc_stack(infra, run_prefix, smtp) -> AsyncIterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    prefix = f"{run_prefix}oidc"
    console_port = free_port()
    console_url = f"http://127.0.0.1:{console_port}"
    accounts: dict[str, dict[str, object]] = {}
    provider = OidcProvider(
        port=free_port(),
        redirect_uri=f"{console_url}/auth/callback",
        post_logout_redirect_uri=f"{console_url}/signed-out",
        accounts=accounts,
        log_path=ROOT / ".run" / "test-logs" / prefix / "oidc-provider.log",
        access_token_ttl=TOKEN_TTL,
    )
    # Accounts name boards that do not exist yet: fill them in before the provider starts.
    board_a, board_b = f"OA{os.urandom(3).hex().upper()}", f"OB{os.urandom(3).hex().upper()}"
    accounts.update(
        {
            "coordinator-a": {
                "name": "Camille Coordinator",
                "roles": ["board_coordinator"],
                "board": board_a,
            },
            "teacher": {"name": "Pat Participant", "roles": ["participant"], "board": board_a},
        }
    )
    provider.start()
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=smtp.port,
        extra_env=provider.services_env(),
    )
    try:
        await system.migrate()
        await asyncio.to_thread(system.start)
        await system.start_console(env=provider.console_env(), port=console_port)
        seeder = provider.seeder_token()
        a = await asyncio.to_thread(load_board, system.url("registration"), seeder, code=board_a)
        b = await asyncio.to_thread(load_board, system.url("registration"), seeder, code=board_b)
        await asyncio.to_thread(
            wait_until_matching_knows, system.url("matching"), seeder, [p["id"] for p in a["people"][-3:]]
        )
        yield {"system": system, "provider": provider, "a": a, "b": b, "console": console_url}
    finally:
        system.stop()
        provider.stop()
        if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
            await system.destroy()


async def provider_login(page: Page, login: str) -> None:
    """oidc-provider's own (development) login form."""
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("any password")
    await page.locator("button[type=submit]").click()


async def token_expiries(system: System) -> list[datetime]:
    url = make_url(system.database_url("console")).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        rows = await conn.fetch(
            "SELECT data->'tokens'->>'expires_at' AS e FROM console_sessions WHERE data->'tokens' IS NOT NULL AND data->'tokens' != 'null'"
        )
    finally:
        await conn.close()
    return sorted(datetime.fromisoformat(r["e"]) for r in rows)


async def test_sign_in_through_the_provider_refresh_and_sign_out(page: Page, oidc_stack):  # type: ignore[no-untyped-def]
    base, system = oidc_stack["console"], oidc_stack["system"]
    board = oidc_stack["a"]["board"]
    await page.goto(f"{base}/boards/{board['code']}")
    await expect(page).to_have_url(f"{base}/sign-in?next=/boards/{board['code']}")
    await page.get_by_role("link", name="Sign in with your organization's account").click()
    await expect(page.locator("input[name=login]")).to_be_visible()  # the provider's page now
    await provider_login(page, "coordinator-a")

    # Back on the console, signed in with the provider's claims; the services accepted its token.
    await expect(page).to_have_url(f"{base}/boards/{board['code']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(board["name"])
    await expect(page.get_by_text("Camille Coordinator")).to_be_visible()
    people = await page.goto(f"{base}/boards/{board['code']}/people")
    assert people is not None and people.status == 200

    # Board B is not this coordinator's: 404, whatever the URL.
    other = await page.goto(f"{base}/boards/{oidc_stack['b']['board']['code']}/hubs")
    assert other is not None and other.status == 404

    # The access token is refreshed (refresh token grant) before it expires.
    before = await token_expiries(system)
    await asyncio.sleep(6)
    again = await page.goto(f"{base}/boards/{board['code']}")
    assert again is not None and again.status == 200
    after = await token_expiries(system)
    assert len(before) == len(after) == 1 and after[0] > before[0]

    # Sign-out ends the console session and the provider's.
    await page.get_by_role("button", name="Sign out").click()
    await page.locator(
        "button[autofocus], button[type=submit]"
    ).first.click()  # the provider's "Yes, sign me out"
    await expect(page).to_have_url(f"{base}/signed-out")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    await page.goto(f"{base}/auth/login?next=/")
    await expect(page.locator("input[name=login]")).to_be_visible()  # the provider asks again


async def test_a_participant_account_cannot_use_the_console(page: Page, oidc_stack):  # type: ignore[no-untyped-def]
    base = oidc_stack["console"]
    await page.goto(f"{base}/auth/login?next=/")
    await provider_login(page, "teacher")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


async def test_the_seeded_token_is_the_providers(oidc_stack):  # type: ignore[no-untyped-def]
    """The services verify the provider's tokens (and refuse the development secret's)."""
    system = oidc_stack["system"]
    from services.console.tests.helpers import admin_token

    with httpx.Client(base_url=system.url("registration"), timeout=10) as client:
        assert (
            client.get("/v1/boards", headers=auth(oidc_stack["provider"].seeder_token())).status_code == 200
        )
        assert client.get("/v1/boards", headers=auth(admin_token())).status_code == 401
