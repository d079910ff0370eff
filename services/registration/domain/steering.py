"""The program's steering committee: who sits on it (representing the association's local, the
school district, or the provincial association) and the meetings it holds, with their expenses (the
start-up grant covers them). Pure: no I/O, no clock.

The committee works on the timeline's span of a program year: it is formed in April before the
school year and its grant application is due on 30 June at the end of it, so program year
``2026-2027`` takes committee meetings from 1 April 2026 to 30 June 2027.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

Representing = Literal["local", "district", "association"]
REPRESENTING: tuple[str, ...] = ("local", "district", "association")
MAX_EXPENSES = Decimal("100000.00")
CENT = Decimal("0.01")


def committee_window(program_year: str) -> tuple[date, date]:
    """The days a program year's steering committee meets on: 1 April of its first year to 30 June
    of its second (the timeline's steering committee phases)."""
    first = int(program_year[:4])
    return date(first, 4, 1), date(first + 1, 6, 30)


def meeting_problems(
    program_year: str, held_on: date | None, agenda_summary: str | None, expenses: str | None
) -> list[tuple[str, str]]:
    """Every problem of a committee meeting (date, agenda summary, expenses) as (field, message),
    all at once."""
    problems: list[tuple[str, str]] = []
    start, end = committee_window(program_year)
    if held_on is None:
        problems.append(("held_on", "required: the day the committee met"))
    elif not start <= held_on <= end:
        problems.append(
            (
                "held_on",
                f"must fall within program year {program_year} for the steering committee "
                f"({start.isoformat()} to {end.isoformat()})",
            )
        )
    if agenda_summary is None or not agenda_summary.strip():
        problems.append(("agenda_summary", "required: what the committee discussed, in a few words"))
    if expenses is not None:
        try:
            amount = money(expenses)
        except ValueError as exc:
            problems.append(("expenses", str(exc)))
        else:
            if amount < 0 or amount > MAX_EXPENSES:
                problems.append(("expenses", f"must be between 0.00 and {MAX_EXPENSES}"))
    return problems


def money(text: str) -> Decimal:
    """An amount of dollars with at most two decimals."""
    try:
        amount = Decimal(text.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError("must be an amount such as 125.40") from exc
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("must be an amount with at most two decimals, such as 125.40")
    return amount.quantize(CENT)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """The committee's expenses, summed to the cent."""
    return sum(amounts, Decimal("0.00")).quantize(CENT)
