"""Start-up grants in a real Chromium, in English and in French, against the services running as processes:
a coordinator sees the board's application with its line items in dollars and cents (Babel, en-CA and
fr-CA), an incomplete one is refused naming what is missing, a complete one is submitted; province staff
find it in the review queue. axe-core at 1280 and 390 px; another board's grants page is 404."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from services.console.tests.browser.conftest import check_and_shoot
from services.console.tests.helpers import admin_token
from shared.auth import mint_token
from shared.testing.fixtures import test_settings as service_settings
from shared.testing.helpers import auth, unique_board
from tools import sample_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
YEAR = sample_board.PROGRAM_YEAR


def new_board(console) -> str:  # type: ignore[no-untyped-def]
    code = unique_board()
    made = httpx.post(
        f"{console.url('registration')}/v1/boards",
        json={**sample_board.BOARD, "code": code, "name": f"{sample_board.BOARD['name']} {code}"},
        headers=auth(admin_token()),
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return code


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_grant_application_and_review_queue(page: Page, console, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    fr = language == "fr"
    code = new_board(console)
    grants = console.url("grants")
    program = httpx.post(
        f"{grants}/v1/programs",
        json={
            "program_year": YEAR,
            "stream": "beginning_teacher",
            "max_award": "5000.00",
            "budget": "100000.00",
        },
        headers=auth(admin_token()),
        timeout=30,
    )
    assert program.status_code in (201, 409), program.text  # one program a year and stream, for every board
    coordinator = mint_token(
        service_settings(), subject="console-test-coord", roles=["board_coordinator"], board=code
    )
    created = httpx.post(
        f"{grants}/v1/applications",
        json={
            "program_year": YEAR,
            "program": {"stream": "beginning_teacher", "expected_mentees": 12, "expected_mentors": 6},
            "committee": [{"name": "A. Chair", "role": "local"}],
            "expense_lines": [
                {
                    "category": "release_time",
                    "description": "Occasional teachers",
                    "amount": "1000.00",
                    "incurred_on": "2026-11-10",
                },
                {
                    "category": "materials",
                    "description": "Books",
                    "amount": "250.50",
                    "incurred_on": "2026-11-12",
                },
            ],
        },
        headers=auth(coordinator),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    application = created.json()
    assert application["missing_for_submission"] == ["contact"]

    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_label(re.compile("Board code|Code du conseil")).fill(code)
    await page.get_by_role("button", name=re.compile("coordinator|coordination du conseil")).click()
    await expect(page).to_have_url(f"{base}/boards/{code}")
    await page.goto(f"{base}/boards/{code}/grants")
    section = page.locator(f'.mw-application[data-application="{application["id"]}"]')
    total = "1\u00a0250,50\u00a0$" if fr else "$1,250.50"
    await expect(section.locator("tfoot")).to_contain_text(total)
    await expect(section).to_contain_text("250,50\u00a0$" if fr else "$250.50")

    # Incomplete: grants refuses and the page says what is missing, in the reader's language.
    await section.get_by_role(
        "button", name="Soumettre la demande" if fr else "Submit the application"
    ).click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_be_focused()
    await expect(refusal).to_contain_text(
        "Personne-ressource : requis avant la soumission"
        if fr
        else "Contact person: required before submission"
    )
    await check_and_shoot(page, f"grants-refused-{language}")
    got = httpx.get(f"{grants}/v1/applications/{application['id']}", headers=auth(coordinator), timeout=30)
    assert got.json()["status"] == "draft"

    # Complete (the contact added through the API), then submitted from the console.
    patched = httpx.patch(
        f"{grants}/v1/applications/{application['id']}",
        json={"contact": {"name": "Pat Lee", "email": f"pat.lee@{code.lower()}.example.org"}},
        headers=auth(coordinator),
        timeout=30,
    )
    assert patched.status_code == 200, patched.text
    await page.goto(f"{base}/boards/{code}/grants")  # not a reload: that would post the refused form again
    await (
        page.locator(f'.mw-application[data-application="{application["id"]}"]')
        .get_by_role("button", name="Soumettre la demande" if fr else "Submit the application")
        .click()
    )
    await expect(page.locator("[role=status]")).to_contain_text(
        "La demande est soumise" if fr else "The application is submitted"
    )
    got = httpx.get(f"{grants}/v1/applications/{application['id']}", headers=auth(coordinator), timeout=30)
    assert got.json()["status"] == "submitted"
    await check_and_shoot(page, f"grants-{language}")

    # Another board's grants page is not there; the queue is for province staff only.
    other = new_board(console)
    for path in (f"/boards/{other}/grants", "/province/grants"):
        response = await page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path

    # Province staff: the application waits in the review queue, with its amount.
    await page.goto(f"{base}/dev/sign-in")
    await page.get_by_role("button", name=re.compile("province")).click()
    await page.goto(f"{base}/province/grants?year={YEAR}")
    queued = page.locator(f'.mw-queued[data-application="{application["id"]}"]')
    await expect(queued).to_contain_text(total)
    await expect(queued).to_contain_text(code)
    await check_and_shoot(page, f"grant-queue-{language}")
