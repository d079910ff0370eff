from decimal import Decimal

import pytest

from services.grants.domain.budget import awarded_total, ensure_within_budget, remaining_budget
from services.grants.domain.errors import (
    AwardExceedsMaximum,
    AwardExceedsRequest,
    AwardRefused,
    BudgetExceeded,
    InvalidAmount,
)
from services.grants.domain.lifecycle import ApplicationState
from services.grants.tests.unit.factories import (
    EARLY,
    make_approved,
    make_draft,
    make_program,
    make_under_review,
)

REVIEWER = "reviewer@association.example"


@pytest.mark.unit
def test_an_award_may_be_less_than_requested_but_never_more() -> None:
    program = make_program()
    app = make_under_review(program)  # requests 1500.50
    with pytest.raises(AwardExceedsRequest) as caught:
        app.approve(program, "1500.51", awarded_total=Decimal(0), actor=REVIEWER, now=EARLY)
    assert caught.value.requested == Decimal("1500.50")
    assert caught.value.field == "awarded_amount"
    assert app.state is ApplicationState.UNDER_REVIEW and app.awarded_amount is None and len(app.audit) == 3
    app.approve(program, "1500.50", awarded_total=Decimal(0), actor=REVIEWER, now=EARLY)
    assert app.awarded_amount == Decimal("1500.50")


@pytest.mark.unit
def test_an_award_may_not_exceed_the_program_maximum() -> None:
    program = make_program(max_award=Decimal("1000.00"))
    app = make_under_review(program)
    with pytest.raises(AwardExceedsMaximum) as caught:
        app.approve(program, "1000.01", awarded_total=Decimal(0), actor=REVIEWER, now=EARLY)
    assert caught.value.max_award == Decimal("1000.00")
    assert isinstance(caught.value, AwardRefused)
    assert app.state is ApplicationState.UNDER_REVIEW
    app.approve(program, "1000.00", awarded_total=Decimal(0), actor=REVIEWER, now=EARLY)
    assert app.state is ApplicationState.APPROVED


@pytest.mark.unit
@pytest.mark.parametrize("bad", ["0", "-10", 100.0, "10.005", "abc"])
def test_an_award_must_be_a_positive_amount_in_cents(bad: object) -> None:
    program = make_program()
    app = make_under_review(program)
    with pytest.raises(InvalidAmount) as caught:
        app.approve(program, bad, awarded_total=Decimal(0), actor=REVIEWER, now=EARLY)  # type: ignore[arg-type]
    assert caught.value.field == "awarded_amount"
    assert app.state is ApplicationState.UNDER_REVIEW


@pytest.mark.unit
def test_remaining_budget_is_exact() -> None:
    assert remaining_budget(Decimal("100000.00"), Decimal("99999.70")) == Decimal("0.30")
    assert remaining_budget(Decimal("0.30"), Decimal("0.10") + Decimal("0.20")) == Decimal("0.00")


@pytest.mark.unit
def test_an_approval_that_would_exceed_the_budget_is_refused() -> None:
    program = make_program(budget=Decimal("10000.00"))
    app = make_under_review(program)
    with pytest.raises(BudgetExceeded) as caught:
        app.approve(program, "1500.00", awarded_total=Decimal("8500.01"), actor=REVIEWER, now=EARLY)
    assert caught.value.remaining == Decimal("1499.99")
    assert "1499.99 remains" in str(caught.value)
    assert app.state is ApplicationState.UNDER_REVIEW and len(app.audit) == 3
    # Using up the budget exactly is fine.
    app.approve(program, "1500.00", awarded_total=Decimal("8500.00"), actor=REVIEWER, now=EARLY)
    assert app.state is ApplicationState.APPROVED


@pytest.mark.unit
def test_ensure_within_budget() -> None:
    ensure_within_budget(Decimal("100.00"), Decimal("99.70"), Decimal("0.30"))
    with pytest.raises(BudgetExceeded):
        ensure_within_budget(Decimal("100.00"), Decimal("99.70"), Decimal("0.31"))


@pytest.mark.unit
def test_awarded_total_counts_approved_and_paid_applications_only() -> None:
    approved = make_approved("1000.10")
    paid = make_approved("400.20")
    paid.mark_paid(actor="finance@association.example", now=EARLY)
    under_review = make_under_review()
    draft = make_draft()
    assert awarded_total([approved, paid, under_review, draft]) == Decimal("1400.30")
    assert awarded_total([]) == Decimal("0.00")
