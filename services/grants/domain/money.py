"""Money: Canadian-dollar amounts as :class:`~decimal.Decimal` quantised to cents, never floats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from services.grants.domain.errors import InvalidAmount

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1000000.00")
"""No single amount (expense line, award, requested total) may exceed this: anything above is a typo."""

_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")

AmountInput = str | int | Decimal


def parse_amount(value: AmountInput, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """Read a CAD amount from a string, integer or Decimal, as a Decimal quantised to cents.

    Refused (``InvalidAmount`` naming ``field``): floats (and bools), text that is not a plain decimal
    number (no exponents, separators or currency signs), NaN and infinities, negative amounts, zero
    unless ``allow_zero``, amounts that need more than two decimal places (``"12.345"``; ``"12.340"``
    is read as 12.34) and amounts above :data:`MAX_AMOUNT`.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmount(field, "must be given as text or a Decimal, not a binary float")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _PLAIN_DECIMAL.fullmatch(text):
            if _is_non_finite(text):
                raise InvalidAmount(field, "must be a finite amount")
            raise InvalidAmount(field, "must be a plain decimal amount such as 1250.00")
        amount = Decimal(text)
    else:
        raise InvalidAmount(field, f"must be text, an integer or a Decimal, not {type(value).__name__}")
    if not amount.is_finite():
        raise InvalidAmount(field, "must be a finite amount")
    if amount < 0:
        raise InvalidAmount(field, "must not be negative")
    if amount == 0:
        if not allow_zero:
            raise InvalidAmount(field, "must be more than zero")
        return ZERO
    if amount > MAX_AMOUNT:
        raise InvalidAmount(field, f"must not exceed {MAX_AMOUNT}")
    cents = amount.quantize(CENT)
    if cents != amount:
        raise InvalidAmount(field, "must not have more than two decimal places")
    return cents


def _is_non_finite(text: str) -> bool:
    try:
        return not Decimal(text).is_finite()
    except InvalidOperation:
        return False


def total(amounts: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``amounts``, quantised to cents (0.00 for none)."""
    return sum(amounts, ZERO).quantize(CENT)


def format_amount(amount: Decimal) -> str:
    """An amount as plain text with two decimals (``"1250.00"``), as events and exports carry it."""
    return f"{amount.quantize(CENT):f}"
