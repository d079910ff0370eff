"""The participant portal in a real Chromium, signed in through a real OpenID provider (npm
`oidc-provider`) whose tokens carry the participant's id, against the services running as processes on
real RabbitMQ, PostgreSQL and an SMTP sink: a French-speaking beginning teacher sees her hub, leaders,
mentor and meetings in French, edits her learning goals, joins a full session's waitlist and is
promoted when someone withdraws (the email links back to the portal); the same in English. Another
participant's id in a URL answers 404. axe-core on every page at 390 px and 1280 px; the screenshots in
docs/portal/ come from here."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from icalendar import Calendar
from playwright.async_api import Page, expect

from services.console.tests.browser.conftest import DESKTOP, PHONE, serious_violations
from services.console.tests.helpers import load_board, start_run_when_caught_up, wait_until_matching_knows
from services.console.tests.oidc import OidcProvider
from services.evaluation.tests.integration.helpers import Bus
from shared.events import matching as matching_events
from shared.testing.helpers import auth
from shared.testing.processes import System
from shared.testing.smtp_sink import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "docs" / "portal"
# What the portal calls (grants is not needed): fewer connections to the shared PostgreSQL. Evaluation
# keeps the meetings a hub leader records.
PORTAL_SERVICES = ("registration", "matching", "notifications", "evaluation")


async def check_and_shoot(page: Page, name: str) -> None:
    """axe at 390 px and desktop width (0 serious/critical), then a screenshot into docs/portal/."""
    await page.wait_for_load_state("networkidle")
    await page.evaluate("document.fonts.ready")
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        found = await serious_violations(page)
        assert not found, f"{name} at {size['width']} px: {found}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.set_viewport_size(PHONE if name.endswith("-phone") else DESKTOP)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _seed(registration: str, matching: str, seeder: str, code: str) -> dict[str, Any]:
    """A board of the sample's people, matched and published, a year of hub meetings scheduled, and for
    each language a one-place workshop already taken by someone else."""
    board = load_board(registration, seeder, code=code)
    people = board["people"]
    # The sample's five French-speaking Core French teachers are one short of a hub: two more, and a
    # trained French-speaking mentor to lead it beside the sample's.
    extra: list[tuple[str, str, str, str, dict[str, object]]] = [
        (
            "beginning_teacher",
            "Chloé",
            "Gagnon",
            "École Élémentaire Les Érables",
            {"themes": ["french_second_language"]},
        ),
        ("beginning_teacher", "Mathis", "Roy", "Cedar Grove PS", {"themes": ["french_second_language"]}),
        (
            "mentor",
            "Nadia",
            "Bouchard",
            "Maple Ridge Public School",
            {"expertise_themes": ["french_second_language"], "trained": True, "hub_capacity": 1},
        ),
    ]
    with httpx.Client(base_url=registration, headers=auth(seeder), timeout=30) as client:
        for n, (role, given, family, school, more) in enumerate(extra):
            created = client.post(
                "/v1/participants",
                json={
                    "board": code,
                    "program_year": people[0]["program_year"],
                    "hr_id": f"{code}-PT-{n}",
                    "role": role,
                    "given_name": given,
                    "family_name": family,
                    "email": f"{given.lower()}.{family.lower()}@{code.lower()}.example.org".replace("é", "e"),
                    "language": "fr",
                    "school": school,
                    "grade_band": "primary",
                    "subjects": ["Core French"],
                    **more,
                },
            )
            assert created.status_code == 201, created.text
            people.append(created.json())
    wait_until_matching_knows(matching, seeder, [p["id"] for p in people])
    year = people[0]["program_year"]
    with httpx.Client(base_url=matching, headers=auth(seeder), timeout=60) as client:
        runs = f"/v1/boards/{code}/program-years/{year}/matching-runs"
        run = start_run_when_caught_up(client, runs)
        assert run.status_code == 201, run.text
        assert client.post(f"{runs}/{run.json()['id']}/publish").status_code == 200
        first, last = date.fromisoformat(f"{year[:4]}-09-01"), date.fromisoformat(f"{year[5:]}-06-30")
        assert client.put(
            f"/v1/boards/{code}/calendars/{year}", json={"first_day": str(first), "last_day": str(last)}
        ).is_success
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        capacity = "date,available\n" + "".join(f"{d},40\n" for d in days if d.weekday() < 5)
        assert client.post(
            f"/v1/boards/{code}/release-capacity/csv",
            content=capacity.encode(),
            headers={"content-type": "text/csv"},
        ).is_success
        scheduled = client.post(
            f"/v1/boards/{code}/hub-meetings/schedule", json={"program_year": year, "meetings_per_hub": 3}
        )
        assert scheduled.status_code == 200, scheduled.text
        hubs = client.get("/v1/hubs", params={"board": code, "limit": 200}).json()["items"]
    chosen: dict[str, Any] = {}
    by_id = {p["id"]: p for p in people}
    for language in ("fr", "en"):
        # A beginning teacher of that language in a hub with two leaders (StopIteration would hang the thread).
        found = [
            (h, by_id[m["participant_id"]])
            for h in hubs
            for m in h["members"]
            if len(h["leaders"]) == 2
            and by_id[m["participant_id"]]["language"] == language
            and by_id[m["participant_id"]]["role"] == "beginning_teacher"
        ]
        assert found, (
            f"no {language} beginning teacher in a hub: {[(h['language'], len(h['leaders'])) for h in hubs]}"
        )
        chosen[language] = {"teacher": found[0][1], "hub": found[0][0]}
    with httpx.Client(base_url=registration, headers=auth(seeder), timeout=30) as client:
        for language, c in chosen.items():
            workshop = client.post(
                "/v1/sessions",
                json={
                    "board": code,
                    "program_year": year,
                    "kind": "workshop",
                    "title": f"Classroom routines ({language})",
                    "facilitator": "Board staff",
                    "starts_at": f"{year[5:]}-02-12T09:00:00-05:00",
                    "ends_at": f"{year[5:]}-02-12T15:00:00-05:00",
                    "location": "Board office",
                    "capacity": 1,
                    "audience": ["beginning_teacher"],
                },
            )
            assert workshop.status_code == 201, workshop.text
            holder = [
                p
                for p in people
                if p["role"] == "beginning_teacher"
                and p["id"] not in {x["teacher"]["id"] for x in chosen.values()}
                and p["id"] not in {x.get("holder", {}).get("id") for x in chosen.values()}
            ][0]
            taken = client.post(
                f"/v1/sessions/{workshop.json()['id']}/enrolments", json={"participant_id": holder["id"]}
            )
            assert taken.status_code == 201 and taken.json()["status"] == "confirmed", taken.text
            c.update(session=workshop.json(), holder=holder)
    with httpx.Client(base_url=matching, headers=auth(seeder), timeout=30) as client:
        for c in chosen.values():
            # An observation visit: she observes a mentor's class; her debrief stays hers.
            host = next(
                p for p in people if p["role"] == "mentor" and p["language"] == c["teacher"]["language"]
            )
            visit = client.post(
                "/v1/observations",
                json={"program_year": year, "visitor_id": c["teacher"]["id"], "host_id": host["id"]},
            )
            assert visit.status_code == 201, visit.text
            c.update(observation=visit.json())
    return {"board": board["board"], "people": people, "year": year, "chosen": chosen, "hubs": hubs}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def portal_stack(infra, run_prefix, smtp) -> AsyncIterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    prefix = f"{run_prefix}portal"
    console_port = free_port()
    console_url = f"http://127.0.0.1:{console_port}"
    code = f"PT{os.urandom(3).hex().upper()}"
    provider = OidcProvider(
        port=free_port(),
        redirect_uri=f"{console_url}/auth/callback",
        post_logout_redirect_uri=f"{console_url}/signed-out",
        accounts={
            "coordinator": {"name": "Camille Coordinator", "roles": ["board_coordinator"], "board": code}
        },
        log_path=ROOT / ".run" / "test-logs" / prefix / "oidc-provider.log",
    )
    provider.start()
    system = System(
        infra=infra,
        prefix=prefix,
        log_dir=ROOT / ".run" / "test-logs" / prefix,
        smtp_port=smtp.port,
        extra_env={**provider.services_env(), "DATABASE_POOL_SIZE": "3"},
        service_env={"notifications": {"PORTAL_BASE_URL": console_url}},
    )
    try:
        await patiently(lambda: system.migrate(PORTAL_SERVICES))
        for (
            service
        ) in PORTAL_SERVICES:  # one at a time: on a loaded machine five imports at once miss the 60 s
            await patiently(lambda s=service: asyncio.to_thread(system.start, (s,)), system, service)
        await patiently(
            lambda: system.start_console(env=provider.console_env(), port=console_port), system, "console"
        )
        seeded = await asyncio.to_thread(
            _seed, system.url("registration"), system.url("matching"), provider.seeder_token(), code
        )
        # The participants' accounts at the provider, now that registration gave them ids.
        provider.add_accounts(
            {
                f"teacher-{language}": {
                    "name": f"{c['teacher']['given_name']} {c['teacher']['family_name']}",
                    "roles": ["participant"],
                    "board": code,
                    "participant_id": c["teacher"]["id"],
                }
                for language, c in seeded["chosen"].items()
            }
        )
        yield {
            **seeded,
            "code": code,
            "system": system,
            "provider": provider,
            "console": console_url,
            "smtp": smtp,
        }
    finally:
        system.stop()
        provider.stop()
        if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
            await system.destroy()


async def patiently(start: Any, system: System | None = None, name: str = "", tries: int = 6) -> None:
    """Start again what failed to start because the shared PostgreSQL had no connection to spare (other
    test runs share it): the failure is the machine's, not the portal's; a real fault fails six times."""
    for attempt in range(tries):
        try:
            await start()
            return
        except (RuntimeError, TimeoutError, OSError, asyncpg.exceptions.TooManyConnectionsError):
            process = system.processes.pop(name, None) if system is not None else None
            if process is not None:
                process.stop()
            if attempt == tries - 1:
                raise
            await asyncio.sleep(15)


async def sign_in(page: Page, base: str, login: str, language: str) -> None:
    await page.goto(f"{base}/portal")
    await expect(page).to_have_url(f"{base}/sign-in?next=/portal")
    if language == "fr":  # chosen before signing in, remembered through it
        await page.get_by_role("link", name="Français").click()
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await page.get_by_role(
        "link", name=re.compile("Sign in with your organization's account|Se connecter avec le compte")
    ).click()
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("any password")
    await page.locator("button[type=submit]").click()


@pytest.mark.timeout(1500)  # the module's system is set up inside the first test's time, on a shared machine
@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_teacher_sees_her_web_edits_goals_and_is_promoted_from_a_waitlist(  # type: ignore[no-untyped-def]
    page: Page, portal_stack, language: str
):
    base, stack = portal_stack["console"], portal_stack
    fr = language == "fr"
    chosen = stack["chosen"][language]
    teacher, hub, session = chosen["teacher"], chosen["hub"], chosen["session"]
    await sign_in(page, base, f"teacher-{language}", language)

    # My mentoring web: her hub's theme in her language, its two leaders, its members with their schools.
    await expect(page).to_have_url(f"{base}/portal/{teacher['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Mon réseau de mentorat" if fr else "My mentoring web"
    )
    await expect(page.locator("html")).to_have_attribute("lang", language)
    hub_section = page.get_by_role("region", name="Mon carrefour" if fr else "My hub")
    for leader in hub["leaders"]:
        await expect(hub_section.get_by_text(leader["display_name"], exact=True)).to_be_visible()
    for member in hub["members"]:
        await expect(hub_section.get_by_text(member["display_name"], exact=True)).to_be_visible()
    await expect(hub_section.get_by_text(teacher["school"]).first).to_be_visible()
    await expect(
        hub_section.get_by_role(
            "heading", name="Pourquoi vous êtes dans ce carrefour" if fr else "Why you are in this hub"
        )
    ).to_be_visible()
    meetings = page.get_by_role(
        "region", name="Prochaines rencontres du carrefour" if fr else "Coming hub meetings"
    )
    await expect(meetings.locator("li").first).to_be_visible()
    await check_and_shoot(page, f"mentoring-web-{language}")

    # Another participant's id in the URL: 404, for every page.
    other = (
        hub["members"][0]["participant_id"]
        if hub["members"][0]["participant_id"] != teacher["id"]
        else hub["members"][1]["participant_id"]
    )
    for path in ("", "/goals", "/sessions"):
        response = await page.goto(f"{base}/portal/{other}{path}")
        assert response is not None and response.status == 404, path
    await page.goto(f"{base}/portal")

    # My learning goals: written, themes chosen in order, saved, shown again.
    await page.get_by_role(
        "link", name="Mes objectifs d’apprentissage" if fr else "My learning goals"
    ).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Mes objectifs d’apprentissage" if fr else "My learning goals"
    )
    goals = "Gérer une classe à niveaux multiples" if fr else "Manage a combined-grade class"
    await page.get_by_label("Mes objectifs d’apprentissage" if fr else "My learning goals", exact=True).fill(
        goals
    )
    first_theme = await page.get_by_label("Premier thème" if fr else "First theme").input_value()
    second_theme = "assessment" if first_theme != "assessment" else "classroom_management"
    await page.get_by_label("Deuxième thème (facultatif)" if fr else "Second theme (optional)").select_option(
        second_theme
    )
    await page.get_by_role(
        "button", name="Enregistrer mes objectifs" if fr else "Save my learning goals"
    ).click()
    await expect(page.get_by_role("status")).to_contain_text("Enregistré" if fr else "Saved")
    await expect(
        page.get_by_label("Mes objectifs d’apprentissage" if fr else "My learning goals", exact=True)
    ).to_have_value(goals)
    with httpx.Client(timeout=10) as client:
        record = client.get(
            f"{stack['system'].url('registration')}/v1/participants/{teacher['id']}",
            headers=auth(stack["provider"].seeder_token()),
        ).json()
    assert record["learning_goals"] == goals and record["themes"][1] == second_theme
    await check_and_shoot(page, f"learning-goals-{language}")
    # The same theme twice is refused, naming the field, and nothing changes.
    first = await page.get_by_label("Premier thème" if fr else "First theme").input_value()
    await page.get_by_label("Deuxième thème (facultatif)" if fr else "Second theme (optional)").select_option(
        first
    )
    await page.get_by_role(
        "button", name="Enregistrer mes objectifs" if fr else "Save my learning goals"
    ).click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text(
        "Choisissez chaque thème une seule fois." if fr else "Choose each theme once."
    )
    await check_and_shoot(page, f"learning-goals-error-{language}")

    # Sessions: the full workshop takes her on its waitlist, place 1.
    await page.get_by_role("link", name="Séances" if fr else "Sessions", exact=True).click()
    card = page.locator(f"#session-{session['id']}")
    await card.get_by_role(
        "button", name="M’inscrire sur la liste d’attente" if fr else "Join the waitlist"
    ).click()
    await expect(page.get_by_role("status")).to_contain_text(
        "liste d’attente" if fr else "you are on its waitlist"
    )
    await expect(card).to_contain_text(
        "Vous êtes au rang 1 de la liste d’attente." if fr else "You are number 1 on the waitlist."
    )
    await check_and_shoot(page, f"sessions-{language}")

    # The one holding the place withdraws: she is promoted, and her email links back to the portal.
    with httpx.Client(timeout=10) as client:
        left = client.delete(
            f"{stack['system'].url('registration')}/v1/sessions/{session['id']}/enrolments/{chosen['holder']['id']}",
            headers=auth(stack["provider"].seeder_token()),
        )
        assert left.status_code == 200 and [p["participant_id"] for p in left.json()["promoted"]] == [
            teacher["id"]
        ]
    await page.reload()
    await expect(card).to_contain_text("Vous avez une place." if fr else "You have a place.")
    mails = await asyncio.to_thread(
        stack["smtp"].sink.wait_for,
        lambda m: teacher["email"] in str(m["To"]) and f"{base}/portal/sessions" in _text(m),
        60,
    )
    assert mails

    # My calendar: her hub's meetings and the workshop she now has a place in (notifications hears of it
    # by event: reload until it shows), each with its .ics file; then a feed address that a calendar
    # application subscribes to, and revoking it.
    await page.get_by_role("link", name="Mon calendrier" if fr else "My calendar").click()
    entries = page.get_by_role("region", name="À venir" if fr else "Coming up")
    for _ in range(60):
        if await entries.get_by_text(session["title"]).count():
            break
        await asyncio.sleep(1)
        await page.reload()
    await expect(entries.get_by_text(session["title"])).to_be_visible()
    await expect(entries.get_by_role("link", name=re.compile(r"\.ics")).first).to_be_visible()
    await check_and_shoot(page, f"calendar-{language}")
    ics_link = await entries.get_by_role("link", name=re.compile(r"\.ics")).first.get_attribute("href")
    one = await page.request.get(f"{base}{ics_link}")
    assert one.status == 200 and len(Calendar.from_ical(await one.text()).walk("VEVENT")) == 1
    await page.get_by_role(
        "button", name="Créer l’adresse de mon calendrier" if fr else "Make my calendar feed address"
    ).click()
    feed_url = await page.locator("#feed-url").input_value()
    assert teacher["id"] not in feed_url
    with httpx.Client(timeout=10) as client:
        subscribed = client.get(feed_url)
        assert subscribed.status_code == 200, subscribed.text
        events = Calendar.from_ical(subscribed.text).walk("VEVENT")
        assert len(events) >= 2 and any(session["id"] in str(e["UID"]) for e in events)
        await page.get_by_role(
            "button", name="Arrêter mon calendrier partagé" if fr else "Stop my calendar feed"
        ).click()
        await expect(page.get_by_role("status")).to_contain_text(
            "ne fonctionne plus" if fr else "no longer works"
        )
        assert client.get(feed_url).status_code == 404

    # The observation visit: her debrief, private to her (and the mentor she shares it with).
    observation = chosen["observation"]
    for _ in range(60):
        if await entries.get_by_role(
            "link", name="Mes notes de retour" if fr else "My debrief notes"
        ).count():
            break
        await asyncio.sleep(1)
        await page.reload()
    await entries.get_by_role("link", name="Mes notes de retour" if fr else "My debrief notes").click()
    await expect(page).to_have_url(f"{base}/portal/{teacher['id']}/observations/{observation['id']}")
    notes = "Les transitions ont pris trop de temps." if fr else "Transitions took too long."
    await page.get_by_label("Mes notes de retour" if fr else "My debrief notes").fill(notes)
    await page.get_by_role("button", name="Enregistrer mon retour" if fr else "Save my debrief").click()
    await expect(page.get_by_role("status")).to_contain_text("enregistré" if fr else "saved")
    await expect(page.get_by_label("Mes notes de retour" if fr else "My debrief notes")).to_have_value(notes)
    await check_and_shoot(page, f"debrief-{language}")
    with httpx.Client(timeout=10) as client:
        # Province staff and a coordinator: 404 through the API, as for anyone but her and her mentor.
        staff = client.get(
            f"{stack['system'].url('matching')}/v1/observations/{observation['id']}/debriefs",
            headers=auth(stack["provider"].seeder_token()),
        )
        assert staff.status_code == 404 and notes not in staff.text

    # Preferences: a weekly digest.
    await page.get_by_role("link", name="Préférences" if fr else "Preferences").click()
    await check_and_shoot(page, f"preferences-{language}")
    await page.get_by_label("Un résumé par semaine" if fr else "One weekly digest").check()
    await page.get_by_role(
        "button", name="Enregistrer mes préférences" if fr else "Save my preferences"
    ).click()
    await expect(page.get_by_role("status")).to_contain_text("enregistrées" if fr else "saved")
    await expect(page.get_by_label("Un résumé par semaine" if fr else "One weekly digest")).to_be_checked()
    await expect(page.locator("html")).to_have_attribute("lang", language)

    # Withdraw again: the place is freed.
    await page.get_by_role("link", name="Séances" if fr else "Sessions", exact=True).click()
    await card.get_by_role("button", name="Me retirer" if fr else "Withdraw").click()
    await expect(page.get_by_role("status")).to_contain_text("quitté" if fr else "You have left the session")


def _text(message: Any) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    return str(body.get_content()) if body is not None else ""


async def test_a_coordinator_reaches_no_portal_page_nor_a_debrief(page: Page, portal_stack):  # type: ignore[no-untyped-def]
    """The portal is for participants: a coordinator signed in gets 404 on every portal page, a
    teacher's observation debrief included."""
    base, chosen = portal_stack["console"], portal_stack["chosen"]["fr"]
    await page.goto(f"{base}/auth/login?next=/")
    await page.locator("input[name=login]").fill("coordinator")
    await page.locator("input[name=password]").fill("any password")
    await page.locator("button[type=submit]").click()
    await expect(page).to_have_url(re.compile(rf"{re.escape(base)}/boards/"))
    teacher = chosen["teacher"]["id"]
    for path in (
        "",
        "/goals",
        "/sessions",
        "/calendar",
        "/preferences",
        f"/observations/{chosen['observation']['id']}",
    ):
        response = await page.goto(f"{base}/portal/{teacher}{path}")
        assert response is not None and response.status == 404, path
    assert (await page.goto(f"{base}/portal")).status == 404  # type: ignore[union-attr]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_hub_leader_records_attendance_for_a_meeting_that_has_started(  # type: ignore[no-untyped-def]
    page: Page, portal_stack, language: str
):
    """A hub leader records who came to a meeting of their hub that started two days ago (published
    straight onto the bus: the scheduler never books a past day); evaluation then counts it held with
    its attendance. The teacher of that hub, not a leader, gets 404 on the same form."""
    base, stack = portal_stack["console"], portal_stack
    fr = language == "fr"
    hub, teacher = stack["chosen"][language]["hub"], stack["chosen"][language]["teacher"]
    leader = hub["leaders"][0]
    stack["provider"].add_accounts(
        {
            f"leader-{language}": {
                "name": leader["display_name"],
                "roles": ["participant"],
                "board": stack["code"],
                "participant_id": leader["participant_id"],
            }
        }
    )
    # Two days ago at noon in Ontario (17:00 UTC; not a time of day a test can reach before it starts).
    starts = (datetime.now(UTC) - timedelta(days=2)).replace(hour=17, minute=0, second=0, microsecond=0)
    meeting_id = uuid.uuid4()
    system = stack["system"]
    bus = await Bus.open(system.infra.rabbitmq_url, f"{system.prefix}.events")
    try:
        await bus.publish(
            matching_events.HubMeetingScheduled(
                board=stack["code"],
                meeting_id=meeting_id,
                hub_id=uuid.UUID(hub["id"]),
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location="Board office",
            )
        )
    finally:
        await bus.close()

    await sign_in(page, base, f"leader-{language}", language)
    await expect(page).to_have_url(f"{base}/portal/{leader['participant_id']}")
    led = page.get_by_role("region", name="Les carrefours que j’anime" if fr else "Hubs I lead")
    item = led.locator(f"#record-{meeting_id}")
    for _ in range(90):  # evaluation hears of the meeting by event
        if await item.count():
            break
        await asyncio.sleep(1)
        await page.reload()
    await expect(led).to_contain_text("jamais une évaluation" if fr else "never an evaluation of anyone")
    await item.get_by_role(
        "link", name=re.compile("Noter les présences" if fr else "Record attendance")
    ).click()
    await expect(page).to_have_url(
        f"{base}/portal/{leader['participant_id']}/meetings/{meeting_id}/attendance"
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Noter les présences" if fr else "Record attendance"
    )
    people = [*hub["leaders"], *hub["members"]]
    boxes = page.get_by_role(
        "group", name="Qui était présent à cette rencontre?" if fr else "Who came to this meeting?"
    )
    await expect(boxes.get_by_role("checkbox")).to_have_count(len(people))
    for p in hub["leaders"]:  # names only, no ids shown
        await expect(boxes.get_by_text(p["display_name"])).to_be_visible()
    assert leader["participant_id"] not in await page.locator("main").inner_text()
    await expect(page.locator("main")).to_contain_text(
        "jamais une évaluation" if fr else "never an evaluation"
    )

    # Nobody checked: refused, naming the field, nothing recorded.
    await page.get_by_role("button", name="Noter les présences" if fr else "Record attendance").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Cochez au moins une personne" if fr else "Check at least one person who came."
    )
    await check_and_shoot(page, f"attendance-error-{language}")

    # Everyone came but one member.
    absent = next(m for m in hub["members"] if m["participant_id"] != teacher["id"])
    for p in people:
        if p["participant_id"] != absent["participant_id"]:
            await boxes.locator(f"input[value='{p['participant_id']}']").check()
    await check_and_shoot(page, f"attendance-{language}")
    await page.get_by_role("button", name="Noter les présences" if fr else "Record attendance").click()
    await expect(page).to_have_url(
        re.compile(rf"{re.escape(base)}/portal/{leader['participant_id']}\?recorded=")
    )
    await expect(page.get_by_role("status")).to_contain_text(
        "Présences enregistrées" if fr else "Attendance recorded"
    )
    await expect(item).to_contain_text("Présences enregistrées" if fr else "Attendance recorded")
    await check_and_shoot(page, f"attendance-recorded-{language}")

    # Evaluation counts the meeting held, with who came.
    with httpx.Client(base_url=system.url("evaluation"), timeout=30) as client:
        seen: dict[str, Any] = {}
        for _ in range(90):
            found = client.get(
                f"/v1/boards/{stack['code']}/engagement",
                params={"program_year": stack["year"]},
                headers=auth(stack["provider"].seeder_token()),
            )
            assert found.status_code == 200, found.text
            seen = next(h for h in found.json()["hubs"] if h["hub_id"] == hub["id"])
            if seen["meetings_held"] >= 1:
                break
            await asyncio.sleep(1)
        assert seen["meetings_held"] == 1, seen
        assert seen["present"] == len(people) - 1 and seen["absent"] == 1, seen

    # The teacher of that hub is no leader of it: the form is not hers (404), nor is the leader's URL.
    await page.context.clear_cookies()
    await sign_in(page, base, f"teacher-{language}", language)
    await expect(page).to_have_url(f"{base}/portal/{teacher['id']}")
    for owner in (teacher["id"], leader["participant_id"]):
        response = await page.goto(f"{base}/portal/{owner}/meetings/{meeting_id}/attendance")
        assert response is not None and response.status == 404, owner
