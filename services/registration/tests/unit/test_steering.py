"""The steering committee's rules: its meetings fall between 1 April of the program year's first year
and 30 June of its second; expenses are dollars with at most two decimals; every problem at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.registration.domain.steering import committee_window, meeting_problems, money, total

pytestmark = pytest.mark.unit


def test_the_committee_works_from_april_before_the_school_year_to_the_grants_30_june() -> None:
    assert committee_window("2026-2027") == (date(2026, 4, 1), date(2027, 6, 30))
    assert meeting_problems("2026-2027", date(2026, 4, 1), "Form the committee", "0") == []
    assert meeting_problems("2026-2027", date(2027, 6, 30), "Grant application", "125.40") == []
    assert [f for f, _ in meeting_problems("2026-2027", date(2026, 3, 31), "x", "0")] == ["held_on"]
    assert [f for f, _ in meeting_problems("2026-2027", date(2027, 7, 1), "x", "0")] == ["held_on"]


def test_every_problem_is_named_at_once() -> None:
    problems = dict(meeting_problems("2026-2027", None, "  ", "12.345"))
    assert set(problems) == {"held_on", "agenda_summary", "expenses"}
    assert dict(meeting_problems("2026-2027", date(2026, 5, 1), "x", "-5"))["expenses"].startswith(
        "must be between"
    )
    assert "expenses" in dict(meeting_problems("2026-2027", date(2026, 5, 1), "x", "lots"))


def test_amounts_are_kept_to_the_cent() -> None:
    assert money(" 120.5 ") == Decimal("120.50")
    assert total([money("85"), money("120.50")]) == Decimal("205.50")
    with pytest.raises(ValueError):
        money("NaN")
