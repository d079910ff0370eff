"""The grant application form: amounts typed the way each language writes them, rows left blank not
sent, grants' refusals placed on the form row they name (every one at once, in the page's order), and
the form page rendered in English and French with an error summary linking to each field."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from services.console.adapters.rendering import Renderer
from services.console.domain import grant_form

pytestmark = pytest.mark.unit
APP_ID = "33333333-3333-3333-3333-333333333333"


@pytest.mark.parametrize(
    ("typed", "locale", "sent"),
    [
        ("1,250.50", "en_CA", "1250.50"),
        ("$1,250.50", "en_CA", "1250.50"),
        ("1250.5", "en_CA", "1250.5"),
        ("1 250,50", "fr_CA", "1250.50"),
        ("1\u00a0250,50\u00a0$", "fr_CA", "1250.50"),
        ("1250,50", "fr_CA", "1250.50"),
        ("1250.50", "fr_CA", "1250.50"),
        ("12.345", "en_CA", "12.345"),  # grants refuses the third decimal and says so
    ],
)
def test_amounts_are_read_in_the_page_language(typed: str, locale: str, sent: str) -> None:
    assert grant_form.parse_amount(typed, locale) == sent


@pytest.mark.parametrize(("typed", "locale"), [("twelve", "en_CA"), ("1 250,50", "en_CA"), ("", "fr_CA")])
def test_what_is_not_an_amount_is_not_read(typed: str, locale: str) -> None:
    assert grant_form.parse_amount(typed, locale) is None


def test_amounts_are_shown_in_the_page_language() -> None:
    assert grant_form.amount_text("1250.5", "en_CA") == "1,250.50"
    assert grant_form.amount_text(Decimal("1250.5"), "fr_CA") == "1\u00a0250,50"


def posted() -> dict[str, str]:
    return {
        "stream": "beginning_teacher",
        "expected_mentees": "12",
        "expected_mentors": "6",
        "association_local": "",
        "contact_name": "Pat Lee",
        "contact_email": "pat@example.org",
        "member-0-name": "Sam Tremblay",
        "member-0-role": "district",
        "member-1-name": "",
        "member-1-role": "local",
        "line-0-category": "release_time",
        "line-0-description": "",
        "line-0-amount": "",
        "line-0-date": "",
        "line-1-category": "materials",
        "line-1-description": "Books",
        "line-1-amount": "1 250,50",
        "line-1-date": "2026-11-12",
        "line-2-category": "travel",
        "line-2-description": "Bus",
        "line-2-amount": "douze",
        "line-2-date": "2026-11-13",
    }


def test_the_body_leaves_blank_rows_out_and_sends_plain_amounts() -> None:
    read = grant_form.read_form(posted(), "ELM", "fr_CA")
    assert read.body["expense_lines"] == [
        {"category": "materials", "description": "Books", "amount": "1250.50", "incurred_on": "2026-11-12"},
        {"category": "travel", "description": "Bus", "amount": "douze", "incurred_on": "2026-11-13"},
    ]
    assert read.line_rows == [1, 2]
    assert read.body["committee"] == [{"name": "Sam Tremblay", "role": "district"}]
    assert read.body["contact"] == {"name": "Pat Lee", "email": "pat@example.org"}
    assert read.body["organisation"] == {"board_code": "ELM", "association_local": None}
    assert read.form.lines[1]["amount"] == "1 250,50"  # shown again as typed


def test_grants_refusals_land_on_the_rows_they_name_in_page_order() -> None:
    read = grant_form.read_form(posted(), "ELM", "fr_CA")
    problem = {
        "status": 422,
        "errors": [
            {"field": "expense_lines.1.amount", "message": "must be a plain decimal amount such as 1250.00"},
            {"field": "contact.email", "message": "not a valid email address"},
            {"field": "committee.0.name", "message": "required"},
            {"field": "program.expected_mentors", "message": "Input should be a valid integer"},
        ],
    }
    errors = grant_form.add_local_errors(grant_form.field_errors(problem, read), read, "fr_CA")
    assert list(errors.items()) == [
        ("expected_mentors", "count"),
        ("contact_email", "email"),
        ("member-0-name", "required"),
        ("line-2-amount", "amount"),
    ]


def test_an_amount_not_a_number_is_named_even_when_grants_stopped_at_a_date() -> None:
    fields = {**posted(), "line-1-date": "", "line-2-description": ""}
    read = grant_form.read_form(fields, "ELM", "fr_CA")
    problem = {
        "errors": [{"field": "expense_lines.0.incurred_on", "message": "Input should be a valid date"}]
    }
    errors = grant_form.add_local_errors(grant_form.field_errors(problem, read), read, "fr_CA")
    assert errors == {"line-1-date": "date", "line-2-description": "required", "line-2-amount": "amount"}


def test_a_draft_fills_the_form_with_amounts_in_the_page_language() -> None:
    form = grant_form.form_of(APPLICATION, "fr_CA")
    assert form.values["contact_email"] == "pat@example.org"
    assert form.lines[0] == {
        "category": "release_time",
        "description": "Occasional teachers",
        "amount": "1\u00a0000,00",
        "date": "2026-11-10",
    }
    assert len(form.lines) == 1 + grant_form.EMPTY_LINES


APPLICATION = {
    "id": APP_ID,
    "board": "ELM",
    "program_year": "2026-2027",
    "stream": "beginning_teacher",
    "status": "draft",
    "organisation": {"board_code": "ELM", "association_local": None, "display_name": "ELM"},
    "contact": {"name": "Pat Lee", "email": "pat@example.org"},
    "committee": [{"name": "Sam Tremblay", "role": "local"}],
    "program": {"stream": "beginning_teacher", "expected_mentees": 12, "expected_mentors": 6},
    "expense_lines": [
        {
            "category": "release_time",
            "description": "Occasional teachers",
            "amount": "1000.00",
            "incurred_on": "2026-11-10",
        }
    ],
    "deadline": "2027-06-30T23:59:59-06:00",
    "extension_until": None,
}
BASE = {"user": None, "csrf_token": "t", "path": "/", "quoted_path": "%2F", "request_path": "/"}
BOARD = {"code": "ELM", "name": "Elmwood", "timezone": "America/Toronto"}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_form_page_links_each_error_to_its_field(language: str) -> None:
    read = grant_form.read_form(posted(), "ELM", "fr_CA" if language == "fr" else "en_CA")
    read.form.errors = grant_form.ordered(
        {"line-2-amount": "amount", "contact_email": "email", "member-0-name": "required"}, read.form
    )
    html = Renderer().render(
        language,
        "grants/form.html",
        {
            **BASE,
            "other_lang": "en" if language == "fr" else "fr",
            "board": BOARD,
            "form": read.form,
            "errors": read.form.errors,
            "year": "2026-2027",
            "application": APPLICATION,
            "programs": [],
            "categories": grant_form.CATEGORIES,
            "roles": grant_form.COMMITTEE_ROLES,
            "streams": grant_form.STREAMS,
        },
    )
    summary = html.split('class="mw-error-summary"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', summary) == ["contact_email", "member-0-name", "line-2-amount"]
    for name in ("contact_email", "member-0-name", "line-2-amount"):
        assert f'id="{name}"' in html
        assert f'id="{name}-error"' in html
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', html)
    if language == "fr":
        assert "Ligne 3 : montant" in summary and "1\u00a0250,50" in summary
        assert "Entrez une adresse courriel" in html and "heure de l’Est" in html
    else:
        assert "Line 3: amount" in summary and "1,250.50" in summary
        assert "Eastern Time" in html
    assert APP_ID not in html.replace(f"/grants/{APP_ID}/edit", "")  # the id only in the form's address


PROGRAM = {"max_award": "5000.00", "budget": "100000.00", "remaining": "98000.00", "awarded_total": "2000.00"}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("status", ["submitted", "under_review", "approved", "declined"])
def test_the_decision_page_offers_what_the_status_allows(language: str, status: str) -> None:
    application = {
        **APPLICATION,
        "status": status,
        "requested_total": "1000.00",
        "awarded_amount": "800.00" if status == "approved" else None,
        "decline_reason": "Outside the program" if status == "declined" else None,
        "submitted_at": "2027-06-01T15:00:00+00:00",
    }
    errors = {"awarded_amount": "more_than_requested"} if status == "under_review" else {}
    html = Renderer().render(
        language,
        "grants/decision.html",
        {
            **BASE,
            "other_lang": "en" if language == "fr" else "fr",
            "board": BOARD,
            "application": application,
            "program": PROGRAM,
            "errors": errors,
            "form": {"awarded_amount": "1 200,00"} if errors else {},
            "done": None,
            "year": "2026-2027",
        },
    )
    fr = language == "fr"
    actions = re.findall(r'action="/province/grants/[^/]+/(\w+)"', html)
    assert actions == {
        "submitted": ["review"],
        "under_review": ["approve", "decline"],
        "approved": ["pay"],
    }.get(status, [])
    if status == "under_review":
        assert ("Refuser la demande" if fr else "Decline the application") in html
        assert ("Accordez au plus le montant demandé" if fr else "Award at most the amount requested") in html
        assert 'value="1 200,00"' in html  # what was typed comes back as typed
    if status == "declined":
        assert ("Motif du refus" if fr else "Reason for declining") in html
    assert ("1\u00a0000,00\u00a0$" if fr else "$1,000.00") in html
    assert APP_ID not in re.sub(r'action="[^"]+"', "", html)
