"""Builders for the grants unit tests: a program, a complete draft, and an application moved along."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.grants.domain.applicants import (
    ApplicantOrganisation,
    CommitteeMember,
    Contact,
    ExpenseLine,
    FundedProgram,
)
from services.grants.domain.application import Application
from services.grants.domain.program import GrantProgram

EDMONTON = ZoneInfo("America/Edmonton")
TORONTO = ZoneInfo("America/Toronto")
YEAR = "2026-2027"
# Well before the default deadline of 2027-06-30 23:59:59 America/Edmonton.
EARLY = datetime(2027, 5, 15, 10, 0, tzinfo=EDMONTON)
APPLICATION_ID = uuid.UUID("11111111-2222-3333-4444-555555555555")


def make_program(**overrides: object) -> GrantProgram:
    fields: dict[str, object] = {
        "program_year": YEAR,
        "stream": "beginning_teacher",
        "max_award": Decimal("5000.00"),
        "budget": Decimal("100000.00"),
    }
    fields.update(overrides)
    return GrantProgram(**fields)  # type: ignore[arg-type]


def expense(amount: str = "1200.00", category: str = "release_time") -> ExpenseLine:
    return ExpenseLine(
        category=category,  # type: ignore[arg-type]
        description="Release time for two mentoring days",
        amount=Decimal(amount),
        incurred_on=date(2026, 10, 14),
    )


def make_draft(
    *,
    contact: Contact | None = None,
    committee: list[CommitteeMember] | None = None,
    lines: list[ExpenseLine] | None = None,
    local: str = "ATA Local 37",
    complete: bool = True,
) -> Application:
    return Application.draft(
        application_id=APPLICATION_ID,
        board="EDSB",
        program_year=YEAR,
        organisation=ApplicantOrganisation(board_code="EDSB", association_local=local),
        funded_program=FundedProgram(stream="beginning_teacher", expected_mentees=12, expected_mentors=6),
        actor="coordinator@edsb.example",
        now=datetime(2027, 4, 1, 9, 0, tzinfo=EDMONTON),
        contact=contact or (Contact("Dana Okafor", "dana.okafor@edsb.example") if complete else None),
        committee=committee
        if committee is not None
        else (
            [CommitteeMember("Sam Tremblay", "local"), CommitteeMember("Ana Ruiz", "district")]
            if complete
            else []
        ),
        expense_lines=lines
        if lines is not None
        else ([expense("1200.00"), expense("300.50", "meeting_costs")] if complete else []),
    )


def make_under_review(program: GrantProgram | None = None, **draft_options: object) -> Application:
    app = make_draft(**draft_options)  # type: ignore[arg-type]
    app.submit(program or make_program(), actor="coordinator@edsb.example", now=EARLY)
    app.start_review(actor="reviewer@association.example", now=EARLY)
    return app


def make_approved(
    amount: str = "1500.50", program: GrantProgram | None = None, **draft_options: object
) -> Application:
    program = program or make_program()
    app = make_under_review(program, **draft_options)
    app.approve(program, amount, awarded_total=Decimal("0"), actor="reviewer@association.example", now=EARLY)
    return app
