"""Workshops and network sessions, observation visits and messages in a real Chromium, in English and in
French, against the services running as processes: a coordinator plans a workshop (a day outside the program
year refused at its field first), enrols people until the waitlist starts, records attendance; sees the
board's observation visits without any debrief text; reads the delivery log and why a message failed.
axe-core at 1280 and 390 px on every page; another board's pages are 404. Screenshots into docs/console/."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from services.console.tests.browser.conftest import check_and_shoot
from services.console.tests.helpers import admin_token, load_board, wait_until_matching_knows
from shared.auth import mint_token
from shared.testing.fixtures import test_settings as service_settings
from shared.testing.helpers import auth, unique_board
from tools import sample_board

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2027, 6, 30)


def prepare_board(console, smtp) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A board with the sample's people, one whose welcome email bounces, and one observation visit
    with a debrief the visitor wrote (which the console must never show)."""
    admin = admin_token()
    loaded = load_board(console.url("registration"), admin)
    code = loaded["board"]["code"]
    year = loaded["people"][0]["program_year"]
    bounce = f"bounce.{code.lower()}"
    smtp.sink.reject[bounce] = "550 5.1.1 mailbox unavailable"
    person = {
        **sample_board.participants()[0],
        "board": code,
        "hr_id": f"{code}-BOUNCE",
        "email": f"{bounce}@example.org",
        "evaluates_hr_ids": [],
    }
    created = httpx.post(
        f"{console.url('registration')}/v1/participants", json=person, headers=auth(admin), timeout=30
    )
    assert created.status_code == 201, created.text
    teachers = [p for p in loaded["people"] if p["role"] == "beginning_teacher"]
    mentors = [p for p in loaded["people"] if p["role"] == "mentor"]
    wait_until_matching_knows(console.url("matching"), admin, [teachers[0]["id"], mentors[0]["id"]])
    with httpx.Client(base_url=console.url("matching"), headers=auth(admin), timeout=30) as client:
        assert (
            client.put(
                f"/v1/boards/{code}/calendars/{year}",
                json={"first_day": FIRST_DAY.isoformat(), "last_day": LAST_DAY.isoformat()},
            ).status_code
            == 200
        )
        days = [FIRST_DAY + timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
        places = "date,available\n" + "".join(f"{d.isoformat()},10\n" for d in days if d.weekday() < 5)
        assert (
            client.post(
                f"/v1/boards/{code}/release-capacity/csv",
                content=places.encode(),
                headers={"content-type": "text/csv"},
            ).status_code
            == 200
        )
        visit = client.post(
            "/v1/observations",
            json={"program_year": year, "visitor_id": teachers[0]["id"], "host_id": mentors[0]["id"]},
        )
        assert visit.status_code == 201, visit.text
    visitor = mint_token(
        service_settings(),
        subject="console-test-visitor",
        roles=["participant"],
        board=code,
        participant_id=teachers[0]["id"],
    )
    secret = f"PRIVATE-DEBRIEF-{code}"
    debrief = httpx.put(
        f"{console.url('matching')}/v1/observations/{visit.json()['id']}/debrief",
        json={"body": secret, "mentor_id": mentors[0]["id"]},
        headers=auth(visitor),
        timeout=30,
    )
    assert debrief.status_code == 200, debrief.text
    # The bounced welcome email is in the delivery log as failed, with its reason.
    deadline = time.monotonic() + 90
    while True:
        failed = httpx.get(
            f"{console.url('notifications')}/v1/notifications",
            params={"board": code, "state": "failed"},
            headers=auth(admin),
            timeout=30,
        ).json()
        if failed["total"]:
            break
        assert time.monotonic() < deadline, "the bounced welcome email never failed"
        time.sleep(0.5)
    return {
        **loaded,
        "code": code,
        "year": year,
        "teachers": teachers,
        "visit": visit.json(),
        "secret": secret,
        "failed": failed["items"][0],
    }


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_sessions_visits_and_messages(page: Page, console, smtp, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    fr = language == "fr"
    board = prepare_board(console, smtp)
    code, year, teachers = board["code"], board["year"], board["teachers"]

    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_label(re.compile("Board code|Code du conseil")).fill(code)
    await page.get_by_role("button", name=re.compile("coordinator|coordination du conseil")).click()
    await expect(page).to_have_url(f"{base}/boards/{code}")

    # Plan a workshop: a day outside the program year is refused at its field (registration's problem+json).
    await page.goto(f"{base}/boards/{code}/sessions")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ateliers et séances du Réseau" if fr else "Workshops and network sessions"
    )
    await page.get_by_role("link", name="Planifier une séance" if fr else "Plan a session").click()
    await page.get_by_label("Titre" if fr else "Title", exact=True).fill("Classroom management")
    await page.locator("#starts_at").fill("2029-03-05")
    await page.get_by_label("Lieu" if fr else "Place", exact=True).fill("Board office, room 4")
    await page.get_by_label("Places" if fr else "Seats", exact=True).fill("2")
    await page.get_by_role("button", name="Planifier la séance" if fr else "Plan the session").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_be_focused()
    await expect(page.locator("#starts_at-error")).to_contain_text(
        f"dans l’année de programme {year}" if fr else f"inside the program year {year}"
    )
    await expect(summary.get_by_role("link", name="Début" if fr else "Starts")).to_be_visible()
    await check_and_shoot(page, f"session-new-{language}")
    await page.locator("#starts_at").fill("2027-02-10")
    await page.get_by_role("button", name="Planifier la séance" if fr else "Plan the session").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "La séance est planifiée" if fr else "The session is planned"
    )
    session_id = page.url.split("/sessions/")[1].split("?")[0]

    # Enrol three teachers in two seats: the third waits.
    for n, teacher in enumerate(teachers[1:4]):
        await page.get_by_label(
            "Inscrire une personne par son identifiant RH" if fr else "Enrol a participant by HR id"
        ).fill(teacher["hr_id"])
        await page.get_by_role("button", name="Inscrire" if fr else "Enrol", exact=True).click()
        if n < 2:
            await expect(page.locator("[role=status]")).to_contain_text(
                "La personne a une place" if fr else "The person has a seat"
            )
        else:
            await expect(page.locator("[role=status]")).to_contain_text(
                "la personne est sur la liste d’attente" if fr else "the person is on the waitlist"
            )
    await expect(page.locator(".mw-enrolment")).to_have_count(2)
    await expect(page.locator(".mw-waiting")).to_have_count(1)
    await expect(page.locator(".mw-waiting")).to_contain_text(teachers[3]["hr_id"])
    # An HR id of nobody on the board is named at its field.
    await page.get_by_label(
        "Inscrire une personne par son identifiant RH" if fr else "Enrol a participant by HR id"
    ).fill(f"{code}-NOBODY")
    await page.get_by_role("button", name="Inscrire" if fr else "Enrol", exact=True).click()
    await expect(page.locator("#hr_id-error")).to_contain_text(
        "Aucune personne de ce conseil" if fr else "No participant of this board"
    )

    # Attendance: the first came, the second did not.
    await page.locator(f"#present-{teachers[1]['id']}").check()
    await page.get_by_role("button", name="Enregistrer les présences" if fr else "Save attendance").click()
    await expect(page.locator("[role=status]")).to_contain_text(
        "Les présences sont enregistrées" if fr else "Attendance is saved"
    )
    recorded = httpx.get(
        f"{console.url('registration')}/v1/sessions/{session_id}/attendance",
        headers=auth(admin_token()),
        timeout=30,
    ).json()
    assert {(a["participant_id"], a["attended"]) for a in recorded} == {
        (teachers[1]["id"], True),
        (teachers[2]["id"], False),
    }
    await expect(page.locator(f"#present-{teachers[1]['id']}")).to_be_checked()
    await check_and_shoot(page, f"session-{language}")
    await page.get_by_role("link", name="Ateliers" if fr else "Workshops", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Classroom management"))
    await expect(row).to_contain_text("2 sur 2" if fr else "2 of 2")
    await check_and_shoot(page, f"sessions-{language}")

    # Observation visits: the visit and its status, never its debrief.
    await page.get_by_role(
        "link", name="Visites d’observation" if fr else "Observation visits", exact=True
    ).click()
    visit_row = page.locator(f'.mw-visit[data-visit="{board["visit"]["id"]}"]')
    await expect(visit_row).to_contain_text("Planifiée" if fr else "Scheduled")
    assert board["secret"] not in await page.content()
    await check_and_shoot(page, f"visits-{language}")

    # Messages: the delivery log, and the failed welcome email with its reason.
    await page.get_by_role("link", name="Messages", exact=True).click()
    await expect(page.locator(".mw-warning")).to_contain_text(
        "1 message n’a pas pu être livré" if fr else "1 message could not be delivered"
    )
    await expect(page.locator(".mw-message").first).to_be_visible()
    await page.get_by_role(
        "link",
        name="Afficher les messages en échec et leur motif" if fr else "Show the failed messages and why",
    ).click()
    failed = page.locator(f'.mw-message[data-message="{board["failed"]["id"]}"]')
    await expect(failed).to_contain_text("Échoué" if fr else "Failed")
    await expect(failed).to_contain_text("550")
    await expect(page.locator(".mw-message")).to_have_count(1)
    await check_and_shoot(page, f"messages-{language}")

    # Another board's pages are not there for this coordinator.
    other = unique_board()
    made = httpx.post(
        f"{console.url('registration')}/v1/boards",
        json={**sample_board.BOARD, "code": other, "name": f"Other {other}"},
        headers=auth(admin_token()),
    )
    assert made.status_code == 201, made.text
    for path in (
        f"/boards/{other}/sessions",
        f"/boards/{other}/sessions/new",
        f"/boards/{other}/sessions/{session_id}",
        f"/boards/{other}/visits",
        f"/boards/{other}/messages",
    ):
        response = await page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path
