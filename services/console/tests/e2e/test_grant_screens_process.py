"""The grant screens as a running console over HTTP, against grants and registration as processes: the
application form refuses every bad field at once and keeps what was typed; province staff decline with
a reason the board then reads (a decline without one is refused, naming the field); the queue's gauge
and its CSV export with headers in English and French; a coordinator reaches none of the province's
grant pages, and a form posted without the CSRF token changes nothing."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.console.tests.helpers import ConsoleClient, admin_token
from shared.auth import mint_token
from shared.testing.fixtures import test_settings as service_settings
from shared.testing.helpers import auth, unique_board
from tools import sample_board

pytestmark = pytest.mark.e2e
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
    program = httpx.post(
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
    assert program.status_code in (201, 409), program.text
    return code


def submitted_application(console, code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    coordinator = mint_token(
        service_settings(), subject="console-test-coord", roles=["board_coordinator"], board=code
    )
    grants = console.url("grants")
    created = httpx.post(
        f"{grants}/v1/applications",
        json={
            "program_year": YEAR,
            "program": {"stream": "beginning_teacher", "expected_mentees": 8, "expected_mentors": 4},
            "contact": {"name": "Pat Lee", "email": "pat@example.org"},
            "committee": [{"name": "A. Chair", "role": "local"}],
            "expense_lines": [
                {"category": "travel", "description": "Bus", "amount": "420.00", "incurred_on": "2026-11-10"}
            ],
        },
        headers=auth(coordinator),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    sent = httpx.post(
        f"{grants}/v1/applications/{app_id}/submission", json={}, headers=auth(coordinator), timeout=30
    )
    assert sent.status_code == 200, sent.text
    return sent.json()  # type: ignore[no-any-return]


def grants_status(console, app_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = httpx.get(
        f"{console.url('grants')}/v1/applications/{app_id}", headers=auth(admin_token()), timeout=30
    )
    assert found.status_code == 200, found.text
    return found.json()  # type: ignore[no-any-return]


@pytest.fixture
def board_code(console) -> str:  # type: ignore[no-untyped-def]
    return new_board(console)


def test_the_form_refuses_every_bad_field_at_once_and_keeps_what_was_typed(console, board_code):  # type: ignore[no-untyped-def]
    client = ConsoleClient(console.url("console"), accept_language="fr-CA")
    try:
        client.sign_in_dev("coordinator", board_code)
        form = client.get(f"/boards/{board_code}/grants/new", params={"year": YEAR})
        assert form.status_code == 200
        assert "heure de l’Est" in form.text  # the deadline in the board's time zone
        fields = {
            "csrf_token": client.csrf(form),
            "action": "save",
            "stream": "beginning_teacher",
            "expected_mentees": "douze",
            "expected_mentors": "4",
            "contact_name": "",
            "contact_email": "pat@",
            "member-0-name": "A. Chair",
            "member-0-role": "local",
            "line-0-category": "travel",
            "line-0-description": "Autobus",
            "line-0-amount": "mille",
            "line-0-date": "2026-11-10",
        }
        refused = client.post(f"/boards/{board_code}/grants/new?year={YEAR}", fields)
        assert refused.status_code == 422
        summary = refused.text.split('class="mw-error-summary"', 1)[1].split("</div>", 1)[0]
        # grants' schema refuses the count first; the console still names the amount it cannot read.
        assert re.findall(r'href="#([^"]+)"', summary) == ["expected_mentees", "line-0-amount"]
        assert 'value="mille"' in refused.text and 'value="douze"' in refused.text

        fields.update({"expected_mentees": "12", "line-0-amount": "1 250,505"})
        refused = client.post(f"/boards/{board_code}/grants/new?year={YEAR}", fields)
        summary = refused.text.split('class="mw-error-summary"', 1)[1].split("</div>", 1)[0]
        # Now grants' rules: every field at fault in one answer.
        assert re.findall(r'href="#([^"]+)"', summary) == ["contact_name", "contact_email", "line-0-amount"]
        assert "Entrez une adresse courriel" in summary and "au plus deux chiffres de cents" in summary

        fields.update(
            {"contact_name": "Pat Lee", "contact_email": "pat@example.org", "line-0-amount": "1 250,50"}
        )
        saved = client.post(f"/boards/{board_code}/grants/new?year={YEAR}", fields)
        assert saved.status_code == 303, saved.text
        page = client.follow(saved)
        assert "L’ébauche est enregistrée" in page.text and "1\u00a0250,50\u00a0$" in page.text
        again = client.post(f"/boards/{board_code}/grants/new?year={YEAR}", fields)
        assert again.status_code == 409
        assert "Le conseil a déjà une demande pour ce volet" in again.text
        assert not re.search(
            r"[0-9a-f]{8}-[0-9a-f]{4}-", again.text.split("mw-error-summary", 1)[1].split("</div>")[0]
        )
    finally:
        client.close()


def test_province_staff_decline_with_a_reason_the_board_reads(console, board_code):  # type: ignore[no-untyped-def]
    application = submitted_application(console, board_code)
    province = ConsoleClient(console.url("console"))
    coordinator = ConsoleClient(console.url("console"))
    try:
        province.sign_in_dev("province")
        page = province.get(f"/province/grants/{application['id']}")
        assert page.status_code == 200
        token = province.csrf(page)
        started = province.post(f"/province/grants/{application['id']}/review", {"csrf_token": token})
        assert started.status_code == 303
        refused = province.post(
            f"/province/grants/{application['id']}/decline", {"csrf_token": token, "reason": " "}
        )
        assert refused.status_code == 422
        assert 'href="#reason"' in refused.text and "Say why the application is declined." in refused.text
        assert grants_status(console, application["id"])["status"] == "under_review"
        # Without the CSRF token nothing changes.
        forged = province.post(f"/province/grants/{application['id']}/decline", {"reason": "Forged"})
        assert forged.status_code == 403
        assert grants_status(console, application["id"])["status"] == "under_review"
        declined = province.post(
            f"/province/grants/{application['id']}/decline",
            {"csrf_token": token, "reason": "The expenses fall outside the program."},
        )
        assert declined.status_code == 303
        assert (
            grants_status(console, application["id"])["decline_reason"]
            == "The expenses fall outside the program."
        )
        twice = province.post(f"/province/grants/{application['id']}/pay", {"csrf_token": token})
        assert twice.status_code == 409 and "Someone has already moved this application on" in twice.text

        coordinator.sign_in_dev("coordinator", board_code)
        board_page = coordinator.get(f"/boards/{board_code}/grants", params={"year": YEAR})
        assert "The expenses fall outside the program." in board_page.text
        for path in (
            f"/province/grants/{application['id']}",
            "/province/grants/export.csv",
            "/province/grants",
        ):
            assert coordinator.get(path).status_code == 404, path
        posted = coordinator.post(
            f"/province/grants/{application['id']}/approve",
            {"csrf_token": coordinator.csrf(board_page), "awarded_amount": "1.00"},
        )
        assert posted.status_code == 404
    finally:
        province.close()
        coordinator.close()


@pytest.mark.parametrize(
    ("language", "headers", "status"),
    [
        (
            "en-CA",
            [
                "Board",
                "Board code",
                "Applicant",
                "Stream",
                "Status",
                "Submitted",
                "Requested (CAD)",
                "Awarded (CAD)",
            ],
            "Submitted",
        ),
        (
            "fr-CA",
            [
                "Conseil",
                "Code du conseil",
                "Demandeur",
                "Volet",
                "Statut",
                "Date de soumission",
                "Demandé ($ CA)",
                "Accordé ($ CA)",
            ],
            "Soumise",
        ),
    ],
)
def test_the_queue_gauge_and_its_csv_in_both_languages(console, board_code, language, headers, status):  # type: ignore[no-untyped-def]
    application = submitted_application(console, board_code)
    province = ConsoleClient(console.url("console"), accept_language=language)
    try:
        province.sign_in_dev("province")
        page = province.get("/province/grants", params={"year": YEAR})
        assert page.status_code == 200
        assert 'id="awarded-of-budget"' in page.text and 'data-status="submitted"' in page.text
        exported = province.get("/province/grants/export.csv", params={"year": YEAR})
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0] == headers
        mine = [r for r in rows[1:] if r[1] == board_code]
        assert len(mine) == 1
        assert mine[0][4] == status and mine[0][6] == "420.00" and mine[0][7] == ""
        assert mine[0][0] == f"{sample_board.BOARD['name']} {board_code}"
        assert application["id"] not in exported.text  # no internal id in what people read
    finally:
        province.close()


def test_province_staff_extend_a_boards_deadline_to_the_end_of_a_day_in_its_time_zone(console, board_code):  # type: ignore[no-untyped-def]
    coordinator = mint_token(
        service_settings(), subject="console-test-coord", roles=["board_coordinator"], board=board_code
    )
    created = httpx.post(
        f"{console.url('grants')}/v1/applications",
        json={
            "program_year": YEAR,
            "program": {"stream": "beginning_teacher", "expected_mentees": 8, "expected_mentors": 4},
        },
        headers=auth(coordinator),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    province = ConsoleClient(console.url("console"))
    try:
        province.sign_in_dev("province")
        page = province.get(f"/boards/{board_code}/grants", params={"year": YEAR})
        assert page.status_code == 200 and f'id="extension-{app_id}"' in page.text
        token = province.csrf(page)
        too_early = province.post(
            f"/boards/{board_code}/grants/{app_id}/extension?year={YEAR}",
            {"csrf_token": token, "extension_until": "2027-06-01"},
        )
        assert too_early.status_code == 422
        assert (
            f'href="#extension-{app_id}"' in too_early.text
            and "Choose a day after the deadline." in too_early.text
        )
        assert grants_status(console, app_id)["extension_until"] is None
        granted = province.post(
            f"/boards/{board_code}/grants/{app_id}/extension?year={YEAR}",
            {"csrf_token": token, "extension_until": "2027-07-15"},
        )
        assert granted.status_code == 303, granted.text
        # The end of July 15 in Toronto (the board's zone), 03:59:59 on the 16th in UTC.
        until = grants_status(console, app_id)["extension_until"]
        assert until is not None
        assert datetime.fromisoformat(until.replace("Z", "+00:00")) == datetime(
            2027, 7, 16, 3, 59, 59, tzinfo=UTC
        )
        shown = province.follow(granted)
        assert "The extension is granted" in shown.text and "July 15, 2027 11:59" in shown.text
    finally:
        province.close()
    board_coordinator = ConsoleClient(console.url("console"))
    try:
        page = board_coordinator.sign_in_dev("coordinator", board_code)
        page = board_coordinator.get(f"/boards/{board_code}/grants", params={"year": YEAR})
        assert f'id="extension-{app_id}"' not in page.text  # only province staff grant extensions
        refused = board_coordinator.post(
            f"/boards/{board_code}/grants/{app_id}/extension?year={YEAR}",
            {"csrf_token": board_coordinator.csrf(page), "extension_until": "2027-08-15"},
        )
        assert refused.status_code == 404
    finally:
        board_coordinator.close()
