"""Playwright driving Debian's Chromium (scripts/ensure-chromium.sh installs it), axe-core in the page."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "docs" / "console"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# Pages wait on four services on a shared 2-core machine: give assertions time, they still fail if wrong.
expect.set_options(timeout=20_000)
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `bash scripts/ensure-chromium.sh` (make setup does)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(chromium: Browser) -> AsyncIterator[Page]:
    context = await chromium.new_context(viewport=DESKTOP, locale="en-CA")
    page = await context.new_page()
    page.set_default_timeout(20_000)
    yield page
    await context.close()


_axe = Axe()


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    result = await _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def check_and_shoot(page: Page, name: str) -> None:
    """axe at desktop width and at 390 px (0 serious/critical), then a screenshot into docs/console/."""
    await page.wait_for_load_state("networkidle")
    await page.evaluate("document.fonts.ready")
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        found = await serious_violations(page)
        assert not found, f"{name} at {size['width']} px: {found}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
