"""The start-up grant form and the province's decision in a real Chromium, in English and in French,
against the services running as processes. A coordinator fills the application form with amounts
written the way their language writes them; what grants refuses comes back all at once in an error
summary whose links move to each field; the saved draft is edited and submitted. Province staff start
the review, see an award above the request refused, approve a smaller award and record the payment.
axe-core at 1280 and 390 px on every screen; screenshots into docs/console/."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from services.console.tests.browser.conftest import check_and_shoot
from services.console.tests.browser.test_grants_browser import new_board
from services.console.tests.helpers import admin_token
from shared.testing.helpers import auth
from tools import sample_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
YEAR = sample_board.PROGRAM_YEAR


def ensure_program(console) -> None:  # type: ignore[no-untyped-def]
    made = httpx.post(
        f"{console.url('grants')}/v1/programs",
        json={
            "program_year": YEAR,
            "stream": "beginning_teacher",
            "max_award": "5000.00",
            "budget": "100000.00",
        },
        headers=auth(admin_token()),
        timeout=30,
    )
    assert made.status_code in (201, 409), made.text  # one program a year and stream, for every board


def applications_of(console, code: str) -> list[dict]:  # type: ignore[no-untyped-def]
    found = httpx.get(
        f"{console.url('grants')}/v1/applications",
        params={"board": code, "program_year": YEAR},
        headers=auth(admin_token()),
        timeout=30,
    )
    assert found.status_code == 200, found.text
    return found.json()["items"]  # type: ignore[no-any-return]


def application(console, application_id: str) -> dict:  # type: ignore[no-untyped-def]
    found = httpx.get(
        f"{console.url('grants')}/v1/applications/{application_id}", headers=auth(admin_token()), timeout=30
    )
    assert found.status_code == 200, found.text
    return found.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_the_application_form_and_the_province_decision(page: Page, console, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    fr = language == "fr"
    ensure_program(console)
    code = new_board(console)

    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_label(re.compile("Board code|Code du conseil")).fill(code)
    await page.get_by_role("button", name=re.compile("coordinator|coordination du conseil")).click()
    await expect(page).to_have_url(f"{base}/boards/{code}")
    await page.goto(f"{base}/boards/{code}/grants?year={YEAR}")
    await page.get_by_role(
        "link", name="Demander une subvention de démarrage" if fr else "Apply for a start-up grant"
    ).click()
    await expect(page.locator("h1")).to_have_text(
        "Demander une subvention de démarrage" if fr else "Apply for a start-up grant"
    )
    # The deadline in the board's time zone (Eastern), not the province's.
    await expect(page.locator(".mw-deadlines")).to_contain_text("heure de l’Est" if fr else "Eastern Time")

    # Three mistakes at once: a bad email, an amount that is no number, a line without a description.
    await page.locator("#expected_mentees").fill("12")
    await page.locator("#expected_mentors").fill("6")
    await page.locator("#contact_name").fill("Pat Lee")
    await page.locator("#contact_email").fill("pat.lee@")
    await page.locator("#member-0-name").fill("A. Chair")
    await page.locator("#member-0-role").select_option("district")
    await page.locator("#line-0-description").fill("Occasional teachers" if not fr else "Suppléance")
    await page.locator("#line-0-amount").fill("1 000,00" if fr else "1,000.00")
    await page.locator("#line-0-date").fill("2026-11-10")
    await page.locator("#line-1-category").select_option("materials")
    await page.locator("#line-1-amount").fill("deux cents" if fr else "two hundred")
    await page.locator("#line-1-date").fill("2026-11-12")
    await page.get_by_role("button", name="Enregistrer l’ébauche" if fr else "Save the draft").click()

    summary = page.get_by_role("alert")
    await expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    await expect(links).to_have_text(
        ["Adresse courriel de la personne-ressource", "Ligne 2 : description", "Ligne 2 : montant"]
        if fr
        else ["Contact person’s email address", "Line 2: description", "Line 2: amount"]
    )
    await expect(summary).to_contain_text(
        "Entrez un montant en dollars et en cents, par exemple 1\u00a0250,50"
        if fr
        else "Enter an amount in dollars and cents, such as 1,250.50"
    )
    await expect(page.locator("#line-1-amount")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#line-0-amount")).to_have_value(
        "1 000,00" if fr else "1,000.00"
    )  # kept as typed
    await check_and_shoot(page, f"grant-form-refused-{language}")
    await links.nth(2).click()
    await expect(page.locator("#line-1-amount")).to_be_focused()
    assert applications_of(console, code) == []  # nothing was stored

    await page.locator("#contact_email").fill(f"pat.lee@{code.lower()}.example.org")
    await page.locator("#line-1-description").fill("Livres" if fr else "Books")
    await page.locator("#line-1-amount").fill("250,50" if fr else "250.50")
    await page.get_by_role("button", name="Enregistrer l’ébauche" if fr else "Save the draft").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "L’ébauche est enregistrée" if fr else "The draft is saved"
    )
    total = "1\u00a0250,50\u00a0$" if fr else "$1,250.50"
    await expect(page.locator(".mw-application tfoot")).to_contain_text(total)
    (summary_row,) = applications_of(console, code)
    stored = application(console, summary_row["id"])
    assert [line["amount"] for line in stored["expense_lines"]] == ["1000.00", "250.50"]
    assert stored["committee"] == [{"name": "A. Chair", "role": "district"}]
    assert stored["missing_for_submission"] == []

    # Edit the draft: amounts shown the page's way, another line added, saved, then submitted.
    await page.get_by_role("link", name=re.compile("Modifier l’ébauche" if fr else "Edit the draft")).click()
    await expect(page.locator("#line-0-amount")).to_have_value("1\u00a0000,00" if fr else "1,000.00")
    await page.get_by_role("button", name="Ajouter une ligne" if fr else "Add another line").click()
    await expect(page.locator("#line-4-description")).to_be_visible()
    await page.locator("#line-2-category").select_option("travel")
    await page.locator("#line-2-description").fill("Autobus" if fr else "Bus")
    await page.locator("#line-2-amount").fill("49,50" if fr else "49.50")
    await page.locator("#line-2-date").fill("2026-11-20")
    await check_and_shoot(page, f"grant-form-{language}")
    await page.get_by_role("button", name="Enregistrer l’ébauche" if fr else "Save the draft").click()
    total = "1\u00a0300,00\u00a0$" if fr else "$1,300.00"
    await expect(page.locator(".mw-application tfoot")).to_contain_text(total)
    await page.get_by_role("button", name="Soumettre la demande" if fr else "Submit the application").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "La demande est soumise" if fr else "The application is submitted"
    )
    assert application(console, stored["id"])["status"] == "submitted"

    # A coordinator cannot reach the province's decision page.
    response = await page.goto(f"{base}/province/grants/{stored['id']}")
    assert response is not None and response.status == 404

    # Province staff: from the queue to the decision.
    await page.goto(f"{base}/dev/sign-in")
    await page.get_by_role("button", name=re.compile("province")).click()
    await page.goto(f"{base}/province/grants?year={YEAR}")
    await page.locator(f'.mw-queued[data-application="{stored["id"]}"]').get_by_role("link").click()
    await expect(page.locator("h1")).to_contain_text(code)
    await page.get_by_role("button", name="Commencer l’examen" if fr else "Start the review").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "L’examen a commencé" if fr else "The review has started"
    )
    amount = page.get_by_label("Montant accordé ($)" if fr else "Amount awarded ($)")
    await expect(amount).to_have_value("1\u00a0300,00" if fr else "1,300.00")
    await amount.fill("2 000,00" if fr else "2,000.00")
    await page.get_by_role("button", name="Approuver la demande" if fr else "Approve the application").click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_be_focused()
    await expect(refusal).to_contain_text(
        "Montant accordé ($) : Accordez au plus le montant demandé."
        if fr
        else "Amount awarded ($): Award at most the amount requested."
    )
    await check_and_shoot(page, f"grant-decision-refused-{language}")
    assert application(console, stored["id"])["status"] == "under_review"

    await page.get_by_label("Montant accordé ($)" if fr else "Amount awarded ($)").fill(
        "1 200,00" if fr else "1,200.00"
    )
    await page.get_by_role("button", name="Approuver la demande" if fr else "Approve the application").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "La demande est approuvée" if fr else "The application is approved"
    )
    decided = application(console, stored["id"])
    assert (decided["status"], decided["awarded_amount"]) == ("approved", "1200.00")
    await expect(page.locator(".mw-facts")).to_contain_text("1\u00a0200,00\u00a0$" if fr else "$1,200.00")
    await check_and_shoot(page, f"grant-decision-{language}")
    await page.get_by_role("button", name="Marquer comme payée" if fr else "Mark as paid").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "Le paiement est enregistré" if fr else "The payment is recorded"
    )
    assert application(console, stored["id"])["status"] == "paid"


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_province_staff_extend_a_boards_deadline(page: Page, console, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    fr = language == "fr"
    ensure_program(console)
    code = new_board(console)
    created = httpx.post(
        f"{console.url('grants')}/v1/applications",
        json={
            "board": code,
            "program_year": YEAR,
            "program": {"stream": "beginning_teacher", "expected_mentees": 8, "expected_mentors": 4},
        },
        headers=auth(admin_token()),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]

    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_role("button", name=re.compile("province")).click()
    await page.goto(f"{base}/boards/{code}/grants?year={YEAR}")
    new_deadline = page.get_by_label("Nouvelle date limite" if fr else "New deadline")
    await new_deadline.fill("2027-06-15")
    await page.get_by_role("button", name="Accorder une prolongation" if fr else "Grant an extension").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_be_focused()
    await expect(summary).to_contain_text(
        "Choisissez un jour après la date limite." if fr else "Choose a day after the deadline."
    )
    await check_and_shoot(page, f"grant-extension-refused-{language}")
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Nouvelle date limite" if fr else "New deadline")).to_be_focused()
    assert application(console, app_id)["extension_until"] is None

    await page.get_by_label("Nouvelle date limite" if fr else "New deadline").fill("2027-07-15")
    await page.get_by_role("button", name="Accorder une prolongation" if fr else "Grant an extension").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "La prolongation est accordée" if fr else "The extension is granted"
    )
    await expect(page.locator(".mw-application .mw-facts")).to_contain_text(
        "15 juillet 2027 23 h 59" if fr else "July 15, 2027 11:59"
    )
    assert application(console, app_id)["extension_until"] is not None
