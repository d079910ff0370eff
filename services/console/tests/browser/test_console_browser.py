"""A coordinator's path through the console in a real Chromium, in English then in French, against the
services running as processes on real RabbitMQ and PostgreSQL; axe-core on every screen at desktop width
and at 390 px; the screenshots in docs/console/ come from here."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import FilePayload, Page, expect

from services.console.tests.browser.conftest import check_and_shoot
from services.console.tests.helpers import admin_token, wait_until_caught_up
from shared.testing.helpers import auth

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


UPLOAD_ROWS = 120


def upload_csv(code: str, language: str) -> bytes:
    """New beginning teachers, two of them with a mistake (a bad email, an unknown role)."""
    lines = ["hr_id,role,given_name,family_name,email,language,school,grade_band,themes"]
    for n in range(UPLOAD_ROWS):
        role = "principal" if n == 7 else "beginning_teacher"
        email = "not-an-email" if n == 11 else f"new{n}.{language}@{code.lower()}.example.org"
        lines.append(
            f"{code}-NEW{language}{n:04d},{role},Nouvelle,Personne{n},{email},{language},Pine Hollow PS,junior,"
        )
    return ("\n".join(lines) + "\n").encode()


def hubs_of(console, code: str, year: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    response = httpx.get(
        f"{console.url('matching')}/v1/hubs",
        params={"board": code, "program_year": year, "limit": 200},
        headers=auth(admin_token()),
    )
    assert response.status_code == 200, response.text
    return {h["id"]: h for h in response.json()["items"]}


async def sign_in(page: Page, base: str, board: str, *, shoot: str | None = None) -> None:
    await page.goto(f"{base}/sign-in")
    if shoot:
        await check_and_shoot(page, f"sign-in-{shoot}")
    await page.get_by_role("link", name=re.compile("Development sign-in|Connexion de développement")).click()
    if shoot:
        await check_and_shoot(page, f"dev-sign-in-{shoot}")
    await page.get_by_label(re.compile("Board code|Code du conseil")).fill(board)
    await page.get_by_role("button", name=re.compile("coordinator|coordination du conseil")).click()


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_coordinator_path(page: Page, console, boards, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    board = boards["a"]["board"]
    code, year = board["code"], boards["year"]
    fr = language == "fr"
    if fr:  # the language is chosen before signing in and remembered through it
        await page.goto(f"{base}/sign-in")
        await page.get_by_role("link", name="Français").click()
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await sign_in(page, base, code, shoot=language)

    # Board home: counts and what needs attention.
    await expect(page).to_have_url(f"{base}/boards/{code}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(board["name"])
    await expect(page.get_by_role("heading", name="À traiter" if fr else "Needs attention")).to_be_visible()
    await check_and_shoot(page, f"board-home-{language}")

    # People: active search by HR id (htmx), then the same search as a plain form submission.
    person = boards["a"]["people"][7]
    await page.get_by_role("link", name="Personnes" if fr else "People", exact=True).click()
    await page.get_by_label("Nom ou identifiant RH" if fr else "Name or HR id").fill(person["hr_id"])
    row = page.get_by_role("row", name=re.compile(re.escape(person["hr_id"])))
    await expect(row).to_be_visible()
    await expect(page.locator("#results")).to_contain_text("1 personne trouvée" if fr else "1 person found")
    await check_and_shoot(page, f"people-{language}")

    # Upload a CSV file and watch its progress to the end; the rows that failed are listed and downloadable.
    await page.get_by_role("link", name=re.compile("Téléverser des personnes|Upload people")).click()
    await check_and_shoot(page, f"upload-{language}")
    upload: FilePayload = {
        "name": f"new-teachers-{language}.csv",
        "mimeType": "text/csv",
        "buffer": upload_csv(code, language),
    }
    await page.get_by_label("Fichier" if fr else "File", exact=True).set_input_files(files=[upload])
    await page.get_by_role("button", name="Téléverser" if fr else "Upload", exact=True).click()
    state = page.locator("#import-state")
    await expect(state).to_contain_text("Terminé" if fr else "Finished", timeout=60_000)
    bar = page.locator("#import-bar")
    assert await bar.get_attribute("value") == await bar.get_attribute("max") == str(UPLOAD_ROWS)
    await expect(page.get_by_role("row", name=re.compile("email"))).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile("role"))).to_be_visible()
    async with page.expect_download() as download:
        await page.get_by_role(
            "link", name=re.compile("Télécharger toutes les erreurs|Download every error")
        ).click()
    report = Path(await (await download.value).path()).read_text()
    assert report.startswith("file,row,column,message") and len(report.strip().splitlines()) == 3
    await check_and_shoot(page, f"upload-done-{language}")

    # Hub board: start a run once matching holds everyone just uploaded; it drafts, the coordinator reviews.
    await page.get_by_role("link", name="Carrefours" if fr else "Hubs", exact=True).click()
    await expect(page.locator(".mw-hub").first).to_be_visible()
    wait_until_caught_up(console.url("matching"), admin_token(), code, year)
    published_before = hubs_of(console, code, year)
    await page.get_by_role("button", name="Lancer un jumelage" if fr else "Start a matching run").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Examiner l’ébauche" if fr else "Review the draft"
    )
    await expect(
        page.get_by_role(
            "heading", name="Ce que la publication changerait" if fr else "What publishing would change"
        )
    ).to_be_visible()
    await expect(page.locator(".mw-draft-hub").first).to_be_visible()
    run_id = page.url.split("/matching-runs/")[1].split("?")[0]
    assert hubs_of(console, code, year) == published_before  # a draft changes nothing until published
    await check_and_shoot(page, f"review-{language}")
    await page.get_by_role("button", name="Publier" if fr else "Publish", exact=True).click()
    await expect(page).to_have_url(re.compile(rf"/boards/{code}/hubs\?year={year}&done=published"))
    await expect(page.locator("[role=status]")).to_contain_text(
        "Le jumelage est publié" if fr else "The run is published"
    )
    await expect(page.locator(".mw-hub").first).to_be_visible()
    runs = httpx.get(
        f"{console.url('matching')}/v1/boards/{code}/program-years/{year}/matching-runs",
        headers=auth(admin_token()),
    )
    assert {r["id"]: r["status"] for r in runs.json()}[run_id] == "published"
    await check_and_shoot(page, f"hubs-{language}")

    hubs = hubs_of(console, code, year)
    # A refused drop: drag a member onto a hub of another language or track; matching says why.
    source, target = next(
        (s, t)
        for s in hubs.values()
        for t in hubs.values()
        if s["members"] and (s["language"] != t["language"] or s["track"] != t["track"])
    )
    member = source["members"][0]
    # Matching may have placed the teachers just uploaded since the page was drawn: draw it again.
    await page.reload()
    # The browser's drag-and-drop events, in order, with one DataTransfer: the page's own handlers run.
    transfer = await page.evaluate_handle("() => new DataTransfer()")
    dragged = page.locator(f'.mw-member[data-participant="{member["participant_id"]}"]')
    drop_zone = page.locator(f"#hub-{target['id']}")
    await dragged.dispatch_event("dragstart", {"dataTransfer": transfer})
    await drop_zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    await drop_zone.dispatch_event("dragover", {"dataTransfer": transfer})
    await drop_zone.dispatch_event("drop", {"dataTransfer": transfer})
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("La modification a été refusée" if fr else "The change was refused")
    await expect(summary).to_contain_text("Le carrefour visé" if fr else "The target hub")
    await expect(summary).to_be_focused()
    await check_and_shoot(page, f"hubs-refused-{language}")
    assert member["participant_id"] in {
        m["participant_id"] for m in hubs_of(console, code, year)[source["id"]]["members"]
    }

    # The keyboard-only move: focus the member's Move link, Enter, choose the hub with arrow keys, Enter.
    hubs = hubs_of(console, code, year)
    source, target = next(
        (s, t)
        for s in hubs.values()
        for t in hubs.values()
        if s["id"] != t["id"]
        and len(s["members"]) > 1
        and s["language"] == t["language"]
        and s["track"] == t["track"]
        and not s["locked"]
        and not t["locked"]
    )
    member = source["members"][-1]
    move_link = page.locator(f'.mw-member[data-participant="{member["participant_id"]}"] a.mw-move')
    await move_link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Déplacer" if fr else "Move")
    select = page.get_by_label("Déplacer vers le carrefour" if fr else "Move to the hub")
    await select.focus()
    options = await select.locator("option").evaluate_all("els => els.map(e => e.value)")
    for _ in range(options.index(target["id"])):
        await page.keyboard.press("ArrowDown")
    await expect(select).to_have_value(target["id"])
    await check_and_shoot(page, f"move-{language}")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    outcome = page.locator("[data-autofocus]")
    await expect(outcome).to_be_focused()
    if await outcome.get_attribute("role") == "alert":  # a size warning: matching lets the coordinator insist
        await expect(outcome).to_contain_text(
            "Vous pouvez le déplacer quand même" if fr else "You may move the teacher anyway"
        )
        await outcome.get_by_role("button").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("[data-autofocus]")).to_have_attribute("role", "status")
    await expect(page.locator("[role=status]")).to_contain_text(
        "Le membre a été déplacé." if fr else "The member was moved."
    )
    moved = hubs_of(console, code, year)
    assert member["participant_id"] in {m["participant_id"] for m in moved[target["id"]]["members"]}
    assert member["participant_id"] not in {m["participant_id"] for m in moved[source["id"]]["members"]}

    # Another board's pages are not there for this coordinator.
    other = boards["b"]["board"]["code"]
    for path in (f"/boards/{other}", f"/boards/{other}/people", f"/boards/{other}/hubs"):
        response = await page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Page introuvable" if fr else "Page not found"
        )
    await check_and_shoot(page, f"not-found-{language}")

    # Sign out: the session ends; the board is behind sign-in again.
    await page.goto(f"{base}/boards/{code}")
    await page.get_by_role("button", name="Se déconnecter" if fr else "Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vous êtes déconnecté" if fr else "You are signed out"
    )
    await check_and_shoot(page, f"signed-out-{language}")
    await page.goto(f"{base}/boards/{code}")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_province_view(page: Page, console, boards, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_role("button", name=re.compile("province")).click()
    await expect(page).to_have_url(f"{base}/province")
    for key in ("a", "b"):
        await expect(page.get_by_role("link", name=boards[key]["board"]["name"])).to_be_visible()
    await check_and_shoot(page, f"province-{language}")
    await page.get_by_role("link", name=boards["b"]["board"]["name"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(boards["b"]["board"]["name"])
