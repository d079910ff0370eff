"""A coordinator's year-end evaluation in a real Chromium, in English and in French, against the services
running as processes on real RabbitMQ and PostgreSQL: program health, a survey round opened from the
page with its response rate (or its suppression), the harvest published (and its email sent), the report
downloaded as PDF and CSV in both languages; province staff's roll-up; another board's coordinator gets
404. axe-core at 1280 and 390 px on every screen; the screenshots in docs/console/ come from here."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from services.console.tests.browser.conftest import check_and_shoot
from services.console.tests.browser.test_console_browser import hubs_of, sign_in
from shared.auth import mint_token
from shared.testing import fixtures
from shared.testing.helpers import auth

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

ANSWERS = {
    "confidence": 4,
    "efficacy": 4,
    "instructional_practice": 3,
    "continuous_learning": 5,
    "recommend": 9,
    "goal_attainment": 4,
}
RESPONDENTS = 6


def participant(board: str, participant_id: str) -> dict[str, str]:
    return auth(
        mint_token(
            fixtures.test_settings(),
            subject="t",
            roles=["participant"],
            board=board,
            participant_id=participant_id,
        )
    )


def eventually(probe: Any, accept: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if accept(value):
            return value
        assert time.monotonic() < deadline, f"not reached within {timeout}s: {value!r}"
        time.sleep(0.3)


@pytest.fixture(scope="session")
def evaluated(console, boards) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Board A's year as evaluation sees it: its hubs known, a baseline answered by six members, and a
    harvest with two themes (through evaluation's API, as participants would from the portal)."""
    code, year = boards["a"]["board"]["code"], boards["year"]
    coordinator = auth(
        mint_token(fixtures.test_settings(), subject="c", roles=["board_coordinator"], board=code)
    )
    hubs = [h for h in hubs_of(console, code, year).values() if h["members"]]
    with httpx.Client(base_url=f"{console.url('evaluation')}/v1", timeout=30) as ev:
        eventually(
            lambda: ev.get(f"/boards/{code}/engagement", params={"program_year": year}, headers=coordinator),
            lambda r: r.status_code == 200 and len(r.json()["hubs"]) >= len(hubs),
        )
        opened = ev.post(
            f"/boards/{code}/surveys", json={"program_year": year, "kind": "baseline"}, headers=coordinator
        )
        assert opened.status_code == 201, opened.text
        members = [m["participant_id"] for h in hubs for m in h["members"]]
        for pid in members[:RESPONDENTS]:
            answered = ev.put(
                f"/surveys/{opened.json()['id']}/response",
                json={"answers": ANSWERS},
                headers=participant(code, pid),
            )
            assert answered.status_code == 201, answered.text
        hub = hubs[0]
        writer = participant(code, hub["members"][0]["participant_id"])
        story = ev.post(
            f"/hubs/{hub['id']}/harvest/items",
            json={"phase": "discover", "text": "Co-planning on release days"},
            headers=writer,
        )
        assert story.status_code == 201, story.text
        for title in ("Time to observe each other", "Planning together"):
            theme = ev.post(
                f"/hubs/{hub['id']}/harvest/themes",
                json={"title": title, "items": [story.json()["id"]]},
                headers=writer,
            )
            assert theme.status_code == 201, theme.text
        proposition = ev.post(
            f"/hubs/{hub['id']}/harvest/items",
            json={
                "phase": "destiny",
                "text": "Book observation days in September",
                "owner": "Induction lead",
                "due_on": "2027-09-15",
            },
            headers=writer,
        )
        assert proposition.status_code == 201, proposition.text
    return {"invited": opened.json()["invited"], "members": members, "hub": hub}


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_coordinator_evaluation(page: Page, console, boards, evaluated, smtp, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    board = boards["a"]["board"]
    code, year = board["code"], boards["year"]
    fr = language == "fr"
    await page.goto(f"{base}/language/{language}?next=/sign-in")
    await sign_in(page, base, code)
    await expect(page).to_have_url(f"{base}/boards/{code}")

    # Program health: the board's hubs, each on track or needing a check-in.
    await page.get_by_role("link", name="Évaluation" if fr else "Evaluation", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Santé du programme" if fr else "Program health"
    )
    table = page.get_by_role("region", name="Carrefours" if fr else "Hubs")
    await expect(table.get_by_role("row").nth(1)).to_be_visible()  # a header row and at least one hub
    assert await table.get_by_role("row").count() >= 2
    await check_and_shoot(page, f"evaluation-health-{language}")

    # Survey rounds: the baseline's rate is shown (6 of the invited); a round opened now has too few
    # respondents to show anything but that.
    await page.get_by_role("link", name="Sondages" if fr else "Surveys", exact=True).click()
    baseline = page.get_by_role("row", name=re.compile("Sondage de départ" if fr else "Baseline survey"))
    rate = RESPONDENTS / evaluated["invited"]
    # Babel writes "13%" in English and "13 %" (a no-break space) in French.
    await expect(baseline).to_contain_text(re.compile(rf"\b{round(rate * 100)}\s?%"))
    kind = page.get_by_label("Volet" if fr else "Round", exact=True)
    chosen = await kind.input_value()
    await page.get_by_role("button", name="Ouvrir le volet" if fr else "Open the round").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Le sondage est ouvert" if fr else "The survey is open"
    )
    label = {
        "mid_year": ("Mid-year survey", "Sondage de mi-année"),
        "end_of_year": ("End-of-year survey", "Sondage de fin d'année"),
    }[chosen][1 if fr else 0]
    opened_row = page.get_by_role("row", name=re.compile(re.escape(label)))
    await expect(opened_row).to_contain_text(
        "Non montré : moins de 5 répondants" if fr else "Not shown: fewer than 5 respondents"
    )
    await check_and_shoot(page, f"evaluation-surveys-{language}")

    # The harvest: themes most votes first, propositions; published once, with an email to the hub.
    await page.get_by_role("link", name="Récolte" if fr else "Harvest", exact=True).click()
    await expect(page.get_by_text("Planning together")).to_be_visible()
    await expect(page.get_by_text("Book observation days in September")).to_be_visible()
    publish = page.get_by_role("button", name="Publier la récolte" if fr else "Publish the harvest")
    if await publish.count():
        await publish.click()
        await expect(page.get_by_role("status")).to_contain_text(
            "La récolte est publiée" if fr else "The harvest is published"
        )
        # The member's address from registration (the board's people change as other tests upload).
        admin = auth(mint_token(fixtures.test_settings(), subject="a", roles=["province_admin"]))
        member = httpx.get(
            f"{console.url('registration')}/v1/participants/{evaluated['hub']['members'][0]['participant_id']}",
            headers=admin,
            timeout=30,
        ).json()
        told = smtp.sink.wait_for(
            lambda m: (
                member["email"] in str(m["To"])
                and "harvest" in str(m["Subject"]).lower()
                or member["email"] in str(m["To"])
                and "récolte" in str(m["Subject"]).lower()
            ),
            timeout=60,
        )
        assert told, [str(m["Subject"]) for m in smtp.sink.to(member["email"])]
    else:
        await expect(page.get_by_text(re.compile("Publiée le" if fr else "Published on"))).to_be_visible()
    await check_and_shoot(page, f"evaluation-harvest-{language}")

    # The year-end report, and its downloads in both languages.
    await page.get_by_role(
        "link", name="Rapport de fin d'année" if fr else "Year-end report", exact=True
    ).click()
    await expect(
        page.get_by_role("heading", name="Les thèmes de la récolte" if fr else "The harvest's themes")
    ).to_be_visible()
    await check_and_shoot(page, f"evaluation-report-{language}")
    for fmt, lang in (("pdf", "en"), ("pdf", "fr"), ("csv", "en"), ("csv", "fr")):
        got = await page.request.get(f"{base}/boards/{code}/evaluation/report.{fmt}?year={year}&lang={lang}")
        assert got.status == 200, (fmt, lang, got.status)
        body = await got.body()
        if fmt == "pdf":
            assert got.headers["content-type"] == "application/pdf" and body.startswith(b"%PDF")
        else:
            assert "Planning together" in body.decode("utf-8-sig")
        assert f"-{lang}.{fmt}" in got.headers["content-disposition"]

    # Another board's evaluation is not there for this coordinator (nor its report).
    other = boards["b"]["board"]["code"]
    for path in (
        f"/boards/{other}/evaluation",
        f"/boards/{other}/evaluation/surveys",
        f"/boards/{other}/evaluation/report.pdf?lang=en",
    ):
        response = await page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path
    # Nor is the province's roll-up.
    response = await page.goto(f"{base}/province/evaluation")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_province_evaluation(page: Page, console, boards, evaluated, language: str):  # type: ignore[no-untyped-def]
    base = console.url("console")
    fr = language == "fr"
    await page.goto(f"{base}/language/{language}?next=/dev/sign-in")
    await page.get_by_role("button", name=re.compile("province")).click()
    await page.get_by_role("link", name="Évaluation provinciale" if fr else "Province evaluation").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Évaluation provinciale" if fr else "Province evaluation"
    )
    board = boards["a"]["board"]
    await expect(page.get_by_role("link", name=board["name"])).to_be_visible()
    await expect(page.get_by_text("Planning together").first).to_be_visible()
    await check_and_shoot(page, f"evaluation-province-{language}")
    got = await page.request.get(
        f"{base}/province/evaluation/report.pdf?year={boards['year']}&lang={language}"
    )
    assert got.status == 200 and (await got.body()).startswith(b"%PDF")
    await page.get_by_role("link", name=board["name"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Santé du programme" if fr else "Program health"
    )
