"""The pure edges of the service: request bodies into domain values, refusals into problem+json, domain
events into integration events, the applicant key and the settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.grants.config import Settings
from services.grants.domain import events
from services.grants.domain.errors import (
    ApplicationNotEditable,
    AwardExceedsMaximum,
    BudgetExceeded,
    DeadlinePassed,
    IncompleteApplication,
    InvalidAmount,
    InvalidField,
    InvalidTransition,
)
from services.grants.entrypoints.problems import problem_for
from services.grants.entrypoints.schemas import ApplicationCreate, ApplicationUpdate, ApprovalIn
from services.grants.service_layer.applications import to_integration
from services.grants.service_layer.errors import AlreadyExists, NotFound
from services.grants.service_layer.programs import applicant_key
from services.grants.tests.unit.factories import EARLY, EDMONTON, make_draft, make_program
from shared.events import grants as contracts

pytestmark = pytest.mark.unit


def body(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "program_year": "2026-2027",
        "program": {"stream": "beginning_teacher", "expected_mentees": 3, "expected_mentors": 1},
        "committee": [{"name": "Sam", "role": "local"}],
        "expense_lines": [
            {"category": "travel", "description": "Mileage", "amount": "0.10", "incurred_on": "2026-10-01"},
            {"category": "travel", "description": "Mileage", "amount": "0.20", "incurred_on": "2026-10-02"},
        ],
    }
    data.update(overrides)
    return data


def test_a_body_becomes_domain_values_with_exact_amounts():
    content = ApplicationCreate.model_validate(body()).to_content()
    assert [line.amount for line in content.expense_lines] == [Decimal("0.10"), Decimal("0.20")]
    assert sum(line.amount for line in content.expense_lines) == Decimal("0.30")
    assert content.organisation is None and content.contact is None


@pytest.mark.parametrize("amount", [0.3, 3, True])
def test_json_numbers_are_refused_for_amounts(amount: object):
    lines = [{"category": "travel", "description": "x", "amount": amount, "incurred_on": "2026-10-01"}]
    with pytest.raises(ValidationError) as refused:
        ApplicationCreate.model_validate(body(expense_lines=lines))
    [error] = refused.value.errors()
    assert error["loc"] == ("expense_lines", 0, "amount")
    assert "not a JSON number" in error["msg"]
    with pytest.raises(ValidationError):
        ApprovalIn.model_validate({"awarded_amount": amount})


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {
                "expense_lines": [
                    {"category": "travel", "description": "x", "amount": "-1", "incurred_on": "2026-10-01"}
                ]
            },
            "expense_lines.0.amount",
        ),
        (
            {
                "expense_lines": [
                    {"category": "travel", "description": " ", "amount": "1", "incurred_on": "2026-10-01"}
                ]
            },
            "expense_lines.0.description",
        ),
        (
            {"committee": [{"name": "A", "role": "local"}, {"name": "  ", "role": "local"}]},
            "committee.1.name",
        ),
        ({"organisation": {"board_code": " ", "association_local": ""}}, "organisation"),
        ({"contact": {"name": "Dana", "email": "dana@"}}, "contact.email"),
    ],
)
def test_domain_refusals_name_the_field_as_pydantic_would(overrides: dict[str, object], field: str):
    with pytest.raises(InvalidField) as refused:
        ApplicationCreate.model_validate(body(**overrides)).to_content()
    assert refused.value.field == field


def test_an_update_only_replaces_what_it_names():
    assert ApplicationUpdate.model_validate({}).to_changes() == {}
    assert ApplicationUpdate.model_validate({"contact": None}).to_changes() == {"contact": None}
    with pytest.raises(InvalidField) as refused:
        ApplicationUpdate.model_validate({"expense_lines": None}).to_changes()
    assert refused.value.field == "expense_lines"
    with pytest.raises(ValidationError):
        ApplicationUpdate.model_validate({"status": "approved"})


@pytest.mark.parametrize(
    ("error", "status", "field"),
    [
        (InvalidAmount("expense_lines.2.amount", "must not be negative"), 422, "expense_lines.2.amount"),
        (IncompleteApplication(("contact", "committee")), 422, "contact"),
        (AwardExceedsMaximum(Decimal("6000"), Decimal("5000")), 422, "awarded_amount"),
        (BudgetExceeded(Decimal("100"), Decimal("90"), Decimal("20")), 409, "awarded_amount"),
        (DeadlinePassed(make_program().deadline, datetime(2027, 7, 1, tzinfo=EDMONTON)), 409, "deadline"),
        (AlreadyExists("organisation", "exists"), 409, "organisation"),
        (InvalidTransition("paid", "approved"), 409, None),
        (ApplicationNotEditable("submitted"), 409, None),
        (NotFound("grant application"), 404, None),
    ],
)
def test_refusals_become_problems(error: Exception, status: int, field: str | None):
    problem = problem_for(error)  # type: ignore[arg-type]
    assert problem.status == status
    assert problem.detail
    if field is None:
        assert not problem.errors
    else:
        assert problem.errors and problem.errors[0]["field"] == field


def test_the_deadline_problem_speaks_province_time():
    now = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)  # the production clock answers in UTC
    problem = problem_for(DeadlinePassed(make_program().deadline, now))
    assert problem.detail is not None
    assert "2027-06-30T23:59:59-06:00" in problem.detail and "2027-07-01T06:00:00-06:00" in problem.detail


def test_every_domain_event_becomes_its_integration_event():
    program = make_program()
    app = make_draft()
    produced = app.submit(program, actor="c", now=EARLY)
    app.start_review(actor="r", now=EARLY)
    produced += app.approve(program, "1000.00", awarded_total=Decimal("0"), actor="r", now=EARLY)
    produced += app.mark_paid(actor="f", now=EARLY)
    declined = make_draft()
    declined.submit(program, actor="c", now=EARLY)
    declined.start_review(actor="r", now=EARLY)
    produced += declined.decline("No budget line for food", actor="r", now=EARLY)
    produced += make_draft().withdraw(actor="c", now=EARLY, reason="Merged")
    integration = [to_integration(e) for e in produced]
    assert [type(e) for e in integration] == [
        contracts.GrantSubmitted,
        contracts.GrantApproved,
        contracts.GrantPaid,
        contracts.GrantDeclined,
        contracts.GrantWithdrawn,
    ]
    for domain_event, event in zip(produced, integration, strict=True):
        assert event.board == "EDSB" and event.occurred_at == EARLY
        dumped = event.model_dump()
        for name, value in dataclasses.asdict(domain_event).items():
            assert dumped[name] == value, name
    assert set(events.GrantEvent.__subclasses__()) == {type(e) for e in produced}
    assert integration[1].routing_key() == "grants.grant_approved.v1"


def test_one_applicant_whatever_the_spacing_or_case_of_its_local():
    assert applicant_key(None) == applicant_key("") == applicant_key("   ") == ""
    assert applicant_key("ATA  Local 37 ") == applicant_key("ata local 37") == "ata local 37"
    assert applicant_key("ATA Local 37") != applicant_key("ATA Local 38")


def test_settings_refuse_an_unknown_province_time_zone():
    assert Settings(province_timezone="America/Halifax").province_timezone == "America/Halifax"
    with pytest.raises(ValidationError):
        Settings(province_timezone="Mars/Olympus_Mons")
