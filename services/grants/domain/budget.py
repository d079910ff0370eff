"""The program budget: what has been awarded, what remains, and whether one more award fits."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from services.grants.domain.errors import BudgetExceeded
from services.grants.domain.lifecycle import AWARDED_STATES
from services.grants.domain.money import CENT, total

if TYPE_CHECKING:
    from services.grants.domain.application import Application


def remaining_budget(budget: Decimal, awarded_total: Decimal) -> Decimal:
    """``budget - awarded_total``, exact to the cent (negative only if the budget was already overspent)."""
    return (budget - awarded_total).quantize(CENT)


def ensure_within_budget(budget: Decimal, awarded_total: Decimal, award: Decimal) -> None:
    """Raise ``BudgetExceeded`` if awarding ``award`` would push ``awarded_total`` over ``budget``.

    An award that uses up the budget exactly is accepted.
    """
    if award > remaining_budget(budget, awarded_total):
        raise BudgetExceeded(budget, awarded_total, award)


def awarded_total(applications: Iterable[Application]) -> Decimal:
    """The sum awarded to the approved and paid applications among ``applications``."""
    return total(
        app.awarded_amount
        for app in applications
        if app.state in AWARDED_STATES and app.awarded_amount is not None
    )
