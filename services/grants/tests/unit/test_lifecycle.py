import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from services.grants.domain import events
from services.grants.domain.applicants import (
    ApplicantOrganisation,
    CommitteeMember,
    Contact,
    ExpenseLine,
    FundedProgram,
)
from services.grants.domain.application import Application
from services.grants.domain.errors import (
    ApplicationNotEditable,
    DeadlinePassed,
    IncompleteApplication,
    InvalidField,
    InvalidTransition,
    ProgramMismatch,
)
from services.grants.domain.lifecycle import FINAL_STATES, TRANSITIONS, ApplicationState, can_transition
from services.grants.tests.unit.factories import (
    APPLICATION_ID,
    EARLY,
    EDMONTON,
    expense,
    make_approved,
    make_draft,
    make_program,
    make_under_review,
)

S = ApplicationState
COORDINATOR = "coordinator@edsb.example"
REVIEWER = "reviewer@association.example"
FINANCE = "finance@association.example"


@pytest.mark.unit
def test_a_new_draft_records_its_creation() -> None:
    app = make_draft()
    assert app.state is S.DRAFT
    assert app.is_editable
    assert app.stream == "beginning_teacher"
    assert [(e.from_state, e.to_state, e.actor) for e in app.audit] == [(None, S.DRAFT, COORDINATOR)]


@pytest.mark.unit
def test_requested_total_is_the_exact_sum_of_the_lines() -> None:
    app = make_draft(lines=[expense("0.10"), expense("0.20", "materials")])
    assert app.requested_total == Decimal("0.30")
    app.add_expense_line(expense("1199.70", "travel"))
    assert app.requested_total == Decimal("1200.00")
    removed = app.remove_expense_line(0)
    assert removed.amount == Decimal("0.10")
    assert app.requested_total == Decimal("1199.90")


@pytest.mark.unit
def test_full_lifecycle_to_paid_with_events_and_audit() -> None:
    program = make_program()
    app = make_draft()
    submitted_at = datetime(2027, 6, 30, 23, 59, tzinfo=EDMONTON)

    [submitted] = app.submit(program, actor=COORDINATOR, now=submitted_at, note="Signed by the committee")
    assert isinstance(submitted, events.GrantSubmitted)
    assert app.state is S.SUBMITTED and app.submitted_at == submitted_at
    assert submitted.application_id == APPLICATION_ID
    assert (submitted.board, submitted.program_year, submitted.stream) == (
        "EDSB",
        "2026-2027",
        "beginning_teacher",
    )
    assert submitted.applicant_organisation == "EDSB / ATA Local 37"
    assert (submitted.contact_name, submitted.contact_email) == ("Dana Okafor", "dana.okafor@edsb.example")
    assert submitted.requested_total == "1500.50"
    assert submitted.occurred_at == submitted_at

    assert app.start_review(actor=REVIEWER, now=datetime(2027, 7, 3, 9, 0, tzinfo=EDMONTON)) == []
    assert app.state is S.UNDER_REVIEW

    [approved] = app.approve(
        program,
        "1250.00",
        awarded_total=Decimal("20000.00"),
        actor=REVIEWER,
        now=datetime(2027, 7, 10, tzinfo=EDMONTON),
    )
    assert isinstance(approved, events.GrantApproved)
    assert approved.awarded_amount == "1250.00" and approved.requested_total == "1500.50"
    assert app.state is S.APPROVED and app.awarded_amount == Decimal("1250.00")

    [paid] = app.mark_paid(actor=FINANCE, now=datetime(2027, 8, 1, tzinfo=EDMONTON), note="EFT 000123")
    assert isinstance(paid, events.GrantPaid)
    assert paid.awarded_amount == "1250.00"
    assert app.state is S.PAID

    assert [(e.from_state, e.to_state) for e in app.audit] == [
        (None, S.DRAFT),
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.APPROVED),
        (S.APPROVED, S.PAID),
    ]
    assert [e.actor for e in app.audit[1:]] == [COORDINATOR, REVIEWER, REVIEWER, FINANCE]
    assert app.audit[1].at == submitted_at
    assert app.audit[1].note == "Signed by the committee"
    assert app.audit[2].note is None
    assert app.audit[4].note == "EFT 000123"


@pytest.mark.unit
def test_decline_requires_a_reason_and_records_it() -> None:
    app = make_under_review()
    for blank in ("", "   "):
        with pytest.raises(InvalidField) as caught:
            app.decline(blank, actor=REVIEWER, now=EARLY)
        assert caught.value.field == "reason"
    assert app.state is S.UNDER_REVIEW and len(app.audit) == 3

    [declined] = app.decline("Budget lines are not mentorship expenses", actor=REVIEWER, now=EARLY)
    assert isinstance(declined, events.GrantDeclined)
    assert declined.reason == "Budget lines are not mentorship expenses"
    assert app.state is S.DECLINED and app.decline_reason == declined.reason
    assert app.audit[-1].from_state is S.UNDER_REVIEW and app.audit[-1].to_state is S.DECLINED
    assert app.audit[-1].note == declined.reason


@pytest.mark.unit
def test_withdraw_from_draft_or_submitted() -> None:
    draft = make_draft()
    [withdrawn] = draft.withdraw(actor=COORDINATOR, now=EARLY)
    assert isinstance(withdrawn, events.GrantWithdrawn) and withdrawn.reason is None
    assert draft.state is S.WITHDRAWN

    submitted = make_draft()
    submitted.submit(make_program(), actor=COORDINATOR, now=EARLY)
    [withdrawn] = submitted.withdraw(actor=COORDINATOR, now=EARLY, reason="The board merged programs")
    assert isinstance(withdrawn, events.GrantWithdrawn)
    assert withdrawn.reason == "The board merged programs"
    assert submitted.withdrawal_reason == "The board merged programs"
    assert (submitted.audit[-1].from_state, submitted.audit[-1].to_state) == (S.SUBMITTED, S.WITHDRAWN)


def _draft() -> Application:
    return make_draft()


def _submitted() -> Application:
    app = make_draft()
    app.submit(make_program(), actor=COORDINATOR, now=EARLY)
    return app


def _declined() -> Application:
    app = make_under_review()
    app.decline("Not eligible", actor=REVIEWER, now=EARLY)
    return app


def _paid() -> Application:
    app = make_approved()
    app.mark_paid(actor=FINANCE, now=EARLY)
    return app


def _withdrawn() -> Application:
    app = make_draft()
    app.withdraw(actor=COORDINATOR, now=EARLY)
    return app


SUBMIT = ("submit", lambda app: app.submit(make_program(), actor=COORDINATOR, now=EARLY))
REVIEW = ("start_review", lambda app: app.start_review(actor=REVIEWER, now=EARLY))
APPROVE = (
    "approve",
    lambda app: app.approve(make_program(), "100.00", awarded_total=Decimal(0), actor=REVIEWER, now=EARLY),
)
DECLINE = ("decline", lambda app: app.decline("No", actor=REVIEWER, now=EARLY))
PAY = ("mark_paid", lambda app: app.mark_paid(actor=FINANCE, now=EARLY))
WITHDRAW = ("withdraw", lambda app: app.withdraw(actor=COORDINATOR, now=EARLY))
TARGET = {
    "submit": S.SUBMITTED,
    "start_review": S.UNDER_REVIEW,
    "approve": S.APPROVED,
    "decline": S.DECLINED,
    "mark_paid": S.PAID,
    "withdraw": S.WITHDRAWN,
}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("build", "action"),
    [
        (_draft, REVIEW),
        (_draft, APPROVE),
        (_draft, DECLINE),
        (_draft, PAY),
        (_submitted, SUBMIT),
        (_submitted, APPROVE),
        (_submitted, PAY),
        (make_under_review, SUBMIT),
        (make_under_review, PAY),
        (make_under_review, WITHDRAW),
        (make_approved, APPROVE),
        (make_approved, DECLINE),
        (make_approved, WITHDRAW),
        (_declined, APPROVE),
        (_declined, PAY),
        (_paid, PAY),
        (_paid, WITHDRAW),
        (_withdrawn, SUBMIT),
        (_withdrawn, WITHDRAW),
    ],
)
def test_invalid_transitions_are_refused_naming_from_and_to(
    build: Callable[[], Application], action: tuple[str, Callable[[Application], object]]
) -> None:
    app = build()
    before_state, before_audit = app.state, list(app.audit)
    name, act = action
    with pytest.raises(InvalidTransition) as caught:
        act(app)
    assert caught.value.from_state == before_state.value
    assert caught.value.to_state == TARGET[name].value
    assert f"from {before_state.value} to {TARGET[name].value}" in str(caught.value)
    assert app.state is before_state and app.audit == before_audit


@pytest.mark.unit
def test_the_transition_table() -> None:
    assert FINAL_STATES == {S.DECLINED, S.PAID, S.WITHDRAWN}
    assert can_transition(S.DRAFT, S.WITHDRAWN) and can_transition(S.SUBMITTED, S.WITHDRAWN)
    assert not can_transition(S.UNDER_REVIEW, S.WITHDRAWN)
    assert set(TRANSITIONS) == set(S)


@pytest.mark.unit
def test_editing_is_only_allowed_in_draft() -> None:
    app = _submitted()
    edits: list[Callable[[], object]] = [
        lambda: app.add_expense_line(expense()),
        lambda: app.remove_expense_line(0),
        lambda: app.replace_expense_lines([expense()]),
        lambda: app.add_committee_member(CommitteeMember("Lee Chan", "provincial_association")),
        lambda: app.remove_committee_member(0),
        lambda: app.replace_committee([]),
        lambda: app.set_contact(None),
        lambda: app.set_organisation(ApplicantOrganisation(association_local="ATA Local 1")),
        lambda: app.set_funded_program(FundedProgram("beginning_teacher", 3, 1)),
    ]
    for edit in edits:
        with pytest.raises(ApplicationNotEditable) as caught:
            edit()
        assert caught.value.state == "submitted"
    assert app.requested_total == Decimal("1500.50") and len(app.committee) == 2


@pytest.mark.unit
def test_draft_edits() -> None:
    app = make_draft(complete=False)
    assert app.missing_for_submission() == ("contact", "committee", "expense_lines")
    app.set_contact(Contact("  Dana Okafor ", "dana@edsb.example"))
    app.add_committee_member(CommitteeMember("Lee Chan", "provincial_association"))
    app.add_expense_line(expense("75.25", "facilitator"))
    assert app.missing_for_submission() == ()
    assert app.contact is not None and app.contact.name == "Dana Okafor"
    with pytest.raises(InvalidField) as caught:
        app.remove_committee_member(5)
    assert caught.value.field == "committee"
    with pytest.raises(InvalidField) as caught:
        app.add_expense_line(expense("999999.00"))
        app.add_expense_line(expense("999999.00"))
    assert caught.value.field == "expense_lines"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("options", "missing"),
    [
        ({"complete": False}, ("contact", "committee", "expense_lines")),
        ({"lines": []}, ("expense_lines",)),
        ({"committee": []}, ("committee",)),
    ],
)
def test_submission_requires_contact_committee_and_expenses(
    options: dict[str, object], missing: tuple[str, ...]
) -> None:
    app = make_draft(**options)  # type: ignore[arg-type]
    with pytest.raises(IncompleteApplication) as caught:
        app.submit(make_program(), actor=COORDINATOR, now=EARLY)
    assert caught.value.missing == missing
    assert app.state is S.DRAFT and len(app.audit) == 1


@pytest.mark.unit
def test_submission_without_contact_is_refused() -> None:
    app = make_draft()
    app.set_contact(None)
    with pytest.raises(IncompleteApplication) as caught:
        app.submit(make_program(), actor=COORDINATOR, now=EARLY)
    assert caught.value.missing == ("contact",)


@pytest.mark.unit
def test_submission_checks_the_deadline_in_the_province_zone() -> None:
    program = make_program()
    app = make_draft()
    with pytest.raises(DeadlinePassed) as caught:
        app.submit(program, actor=COORDINATOR, now=datetime(2027, 7, 1, 0, 0, tzinfo=EDMONTON))
    assert caught.value.deadline == datetime(2027, 6, 30, 23, 59, 59, tzinfo=EDMONTON)
    assert app.state is S.DRAFT

    toronto = make_program(timezone="America/Toronto")
    with pytest.raises(DeadlinePassed):
        app.submit(toronto, actor=COORDINATOR, now=datetime(2027, 7, 1, 0, 0, tzinfo=toronto.deadline.tzinfo))
    app.submit(toronto, actor=COORDINATOR, now=datetime(2027, 6, 30, 23, 59, tzinfo=toronto.deadline.tzinfo))
    assert app.state is S.SUBMITTED


@pytest.mark.unit
def test_an_extension_lets_a_late_submission_through() -> None:
    program = make_program()
    late = datetime(2027, 7, 4, 10, 0, tzinfo=EDMONTON)
    app = make_draft()
    with pytest.raises(DeadlinePassed):
        app.submit(
            program, actor=COORDINATOR, now=late, extension_until=datetime(2027, 7, 2, tzinfo=EDMONTON)
        )
    [event] = app.submit(
        program, actor=COORDINATOR, now=late, extension_until=datetime(2027, 7, 7, tzinfo=EDMONTON)
    )
    assert isinstance(event, events.GrantSubmitted) and app.submitted_at == late


@pytest.mark.unit
def test_an_application_is_checked_against_its_own_program() -> None:
    app = make_draft()
    for other in (make_program(program_year="2025-2026"), make_program(stream="school_leadership")):
        with pytest.raises(ProgramMismatch):
            app.submit(other, actor=COORDINATOR, now=EARLY)
    assert app.state is S.DRAFT


@pytest.mark.unit
def test_transitions_need_an_actor_and_an_aware_time() -> None:
    app = make_draft()
    with pytest.raises(InvalidField) as caught:
        app.withdraw(actor=" ", now=EARLY)
    assert caught.value.field == "actor"
    with pytest.raises(InvalidField) as caught:
        app.withdraw(actor=COORDINATOR, now=datetime(2027, 1, 1))
    assert caught.value.field == "now"
    assert app.state is S.DRAFT and len(app.audit) == 1


@pytest.mark.unit
@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ApplicantOrganisation(), "organisation"),
        (lambda: Contact("Dana", "not-an-email"), "contact.email"),
        (lambda: Contact(" ", "dana@edsb.example"), "contact.name"),
        (lambda: CommitteeMember("Lee", "trustee"), "role"),  # type: ignore[arg-type]
        (lambda: FundedProgram("beginning_teacher", -1, 2), "program.expected_mentees"),
        (lambda: FundedProgram("beginning_teacher", 3, True), "program.expected_mentors"),  # type: ignore[arg-type]
        (lambda: FundedProgram("kindergarten", 3, 2), "program.stream"),  # type: ignore[arg-type]
        (lambda: ExpenseLine("catering", "Lunch", Decimal("10"), date(2026, 9, 1)), "category"),  # type: ignore[arg-type]
        (lambda: ExpenseLine("travel", "", Decimal("10"), date(2026, 9, 1)), "description"),
        (lambda: ExpenseLine("travel", "Bus", Decimal("10"), datetime(2026, 9, 1)), "incurred_on"),
    ],
)
def test_application_parts_are_validated(build: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidField) as caught:
        build()
    assert caught.value.field == field


@pytest.mark.unit
def test_domain_events_build_the_integration_events() -> None:
    from shared.events import grants as integration

    program = make_program()
    app = make_draft()
    emitted = app.submit(program, actor=COORDINATOR, now=EARLY)
    app.start_review(actor=REVIEWER, now=EARLY)
    emitted += app.approve(program, "1000", awarded_total=Decimal(0), actor=REVIEWER, now=EARLY)
    emitted += app.mark_paid(actor=FINANCE, now=EARLY)
    emitted += make_draft().withdraw(actor=COORDINATOR, now=EARLY, reason="Merged")
    declined = make_under_review()
    emitted += declined.decline("Out of scope", actor=REVIEWER, now=EARLY)
    for event in emitted:
        model = getattr(integration, type(event).__name__)
        message = model(**dataclasses.asdict(event))
        assert message.application_id == event.application_id
        assert message.board == "EDSB"
        assert message.occurred_at == EARLY
    assert {type(e).__name__ for e in emitted} == {
        "GrantSubmitted",
        "GrantApproved",
        "GrantPaid",
        "GrantWithdrawn",
        "GrantDeclined",
    }
