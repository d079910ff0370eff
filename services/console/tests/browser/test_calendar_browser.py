"""The calendar screen in a real Chromium, in English and in French, against the services running as
processes: a coordinator sets the school year, uploads the occasional-teacher places, schedules the year's
hub meetings from the calendar, moves one (a refused day first) and cancels another; axe-core at 1280 and
390 px on every page; another board's calendar is 404. Screenshots into docs/console/."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import FilePayload, Page, expect

from services.console.tests.browser.conftest import check_and_shoot
from services.console.tests.helpers import (
    admin_token,
    load_board,
    start_run_when_caught_up,
    wait_until_matching_knows,
)
from shared.testing.helpers import auth, unique_board
from tools import sample_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2027, 6, 30)
HOLIDAYS = (date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1))


def board_with_hubs(console) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A board of its own (scheduling books every hub once a year), its hubs formed and published."""
    admin = admin_token()
    loaded = load_board(console.url("registration"), admin)
    code = loaded["board"]["code"]
    wait_until_matching_knows(console.url("matching"), admin, [p["id"] for p in loaded["people"]])
    year = loaded["people"][0]["program_year"]
    with httpx.Client(base_url=console.url("matching"), headers=auth(admin), timeout=60) as client:
        runs = f"/v1/boards/{code}/program-years/{year}/matching-runs"
        run = start_run_when_caught_up(client, runs)
        assert run.status_code == 201, run.text
        published = client.post(f"{runs}/{run.json()['id']}/publish")
        assert published.status_code == 200, published.text
    return {**loaded, "code": code, "year": year}


def meetings_of(console, code: str, year: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    found = httpx.get(
        f"{console.url('matching')}/v1/boards/{code}/hub-meetings",
        params={"program_year": year},
        headers=auth(admin_token()),
        timeout=30,
    )
    assert found.status_code == 200, found.text
    return found.json()  # type: ignore[no-any-return]


def places_csv() -> bytes:
    days = [FIRST_DAY + timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    return ("date,available\n" + "".join(f"{d.isoformat()},40\n" for d in days if d.weekday() < 5)).encode()


def free_day(meeting: dict[str, Any], meetings: list[dict[str, Any]]) -> date:
    """A school day in the meeting's month, after today, on which none of its people meets otherwise."""
    day = date.fromisoformat(meeting["day"])
    people = set(meeting["attendees"])
    taken = {
        date.fromisoformat(m["day"])
        for m in meetings
        if m["id"] != meeting["id"] and m["status"] == "scheduled" and people & set(m["attendees"])
    }
    today = datetime.now(UTC).date()
    candidate = day.replace(day=1)
    while candidate.month == day.month:
        if (
            candidate != day
            and candidate > today
            and candidate.weekday() < 5
            and candidate not in HOLIDAYS
            and candidate not in taken
        ):
            return candidate
        candidate += timedelta(days=1)
    raise AssertionError(f"no free day in {day:%Y-%m} for meeting {meeting['id']}")


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_coordinator_schedules_the_year_from_the_calendar(page: Page, console, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    fr = language == "fr"
    board = board_with_hubs(console)
    code, year = board["code"], board["year"]
    hub_count = httpx.get(
        f"{console.url('matching')}/v1/hubs",
        params={"board": code, "program_year": year, "limit": 1},
        headers=auth(admin_token()),
    ).json()["total"]
    assert hub_count > 0

    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_label(re.compile("Board code|Code du conseil")).fill(code)
    await page.get_by_role("button", name=re.compile("coordinator|coordination du conseil")).click()
    await expect(page).to_have_url(
        f"{base}/boards/{code}"
    )  # signed in (the board home itself is tested elsewhere)

    # The calendar before anything is set: it says the school year is missing.
    await page.goto(f"{base}/boards/{code}/calendar")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Calendrier" if fr else "Calendar")
    await expect(
        page.get_by_role("link", name="Calendrier" if fr else "Calendar", exact=True)
    ).to_have_attribute("aria-current", "page")
    await expect(page.locator(".mw-warning").first).to_contain_text(
        "L’année scolaire n’est pas encore définie" if fr else "The school year is not set yet"
    )

    # The school year: a wrong date is named at its field, then the year is saved.
    await page.get_by_role(
        "link", name=re.compile("Définir l’année scolaire, les congés|Set the school year, holidays")
    ).click()
    await page.get_by_label("Congés" if fr else "Holidays", exact=True).fill(
        "\n".join(d.isoformat() for d in HOLIDAYS) + "\n2026-13-45"
    )
    await page.get_by_role(
        "button", name="Enregistrer l’année scolaire" if fr else "Save the school year"
    ).click()
    summary = page.get_by_role("alert")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link", name="Congés" if fr else "Holidays")).to_be_visible()
    await expect(page.locator("#holidays-error")).to_contain_text("2026-13-45")
    await check_and_shoot(page, f"school-year-{language}")
    await page.get_by_label("Congés" if fr else "Holidays", exact=True).fill(
        "\n".join(d.isoformat() for d in HOLIDAYS)
    )
    await page.get_by_role(
        "button", name="Enregistrer l’année scolaire" if fr else "Save the school year"
    ).click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "L’année scolaire est enregistrée" if fr else "The school year is saved"
    )

    # The occasional-teacher places from the absence-management system's export.
    places: FilePayload = {"name": "places.csv", "mimeType": "text/csv", "buffer": places_csv()}
    await page.get_by_label("Fichier des places (CSV)" if fr else "Places file (CSV)").set_input_files(
        files=[places]
    )
    await page.get_by_role("button", name="Téléverser les places" if fr else "Upload the places").click()
    weekdays = places_csv().decode().count("\n") - 1
    await expect(page.locator("[role=status]")).to_contain_text(str(weekdays))

    # Schedule: a window outside the program year is refused at its fields (matching's problem+json).
    assert meetings_of(console, code, year) == []
    await page.locator("#start").fill("2029-03-05")
    await page.get_by_role(
        "button", name="Planifier les rencontres" if fr else "Schedule the meetings"
    ).click()
    summary = page.get_by_role("alert")
    await expect(summary).to_be_focused()
    await expect(summary).to_contain_text(
        f"dans l’année de programme {year}" if fr else f"inside the program year {year}"
    )
    await expect(page.locator("#start-error")).to_be_visible()
    assert meetings_of(console, code, year) == []

    # The year's meetings, scheduled from the calendar.
    await page.locator("#start").fill("")
    await page.get_by_role(
        "button", name="Planifier les rencontres" if fr else "Schedule the meetings"
    ).click()
    outcome = page.locator("#outcome")
    await expect(outcome).to_be_focused()
    meetings = meetings_of(console, code, year)
    assert meetings and all(m["status"] == "scheduled" for m in meetings)
    per_hub: dict[str, int] = {}
    for m in meetings:
        per_hub[m["hub_id"]] = per_hub.get(m["hub_id"], 0) + 1
    assert set(per_hub.values()) == {4}, per_hub
    await expect(outcome).to_contain_text(
        f"{len(meetings)} rencontres de carrefour ont été planifiées"
        if fr
        else f"{len(meetings)} hub meetings were scheduled"
    )
    first = min(m["day"] for m in meetings)
    shown = [m for m in meetings if m["day"][:7] == first[:7]]
    await expect(page.locator(".mw-agenda .mw-meeting")).to_have_count(len(shown))
    await check_and_shoot(page, f"calendar-{language}")

    # Move a meeting: a weekend is refused with the reason at the field; a free school day is taken.
    moving = shown[0]
    await page.locator(f'.mw-meeting[data-meeting="{moving["id"]}"] a').click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rencontre de carrefour" if fr else "Hub meeting"
    )
    await check_and_shoot(page, f"calendar-meeting-{language}")
    day = date.fromisoformat(moving["day"])
    saturday = day + timedelta(days=(5 - day.weekday()) % 7 or 7)
    await page.get_by_label("Nouvelle date" if fr else "New day").fill(saturday.isoformat())
    await page.get_by_role("button", name="Déplacer la rencontre" if fr else "Move the meeting").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Ce jour n’est pas un jour de classe" if fr else "That day is not a school day"
    )
    assert (
        next(m for m in meetings_of(console, code, year) if m["id"] == moving["id"])["day"] == moving["day"]
    )
    target = free_day(moving, meetings)
    await page.get_by_label("Nouvelle date" if fr else "New day").fill(target.isoformat())
    await page.get_by_role("button", name="Déplacer la rencontre" if fr else "Move the meeting").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "La rencontre a été déplacée" if fr else "The meeting was moved"
    )
    moved = next(m for m in meetings_of(console, code, year) if m["id"] == moving["id"])
    assert moved["day"] == target.isoformat() and moved["status"] == "scheduled"

    # Cancel another meeting of that month.
    cancelling = next(m for m in shown if m["id"] != moving["id"]) if len(shown) > 1 else moved
    await page.locator(f'.mw-meeting[data-meeting="{cancelling["id"]}"] a').click()
    await page.get_by_role("button", name="Annuler la rencontre" if fr else "Cancel the meeting").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "La rencontre a été annulée" if fr else "The meeting was cancelled"
    )
    assert next(m for m in meetings_of(console, code, year) if m["id"] == cancelling["id"])["status"] == (
        "cancelled"
    )
    await expect(page.locator(f'.mw-meeting[data-meeting="{cancelling["id"]}"]')).to_have_count(0)

    # Another board's calendar, and this board's meeting under another board's address, are not there.
    other = unique_board()
    created = httpx.post(
        f"{console.url('registration')}/v1/boards",
        json={**sample_board.BOARD, "code": other, "name": f"Other {other}"},
        headers=auth(admin_token()),
    )
    assert created.status_code == 201, created.text
    for path in (
        f"/boards/{other}/calendar",
        f"/boards/{other}/calendar/school-year",
        f"/boards/{other}/calendar/meetings/{moving['id']}",
    ):
        response = await page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path
