from datetime import date
from decimal import Decimal

import pytest

from services.grants.domain.applicants import ExpenseLine
from services.grants.domain.errors import InvalidAmount, InvalidField
from services.grants.domain.money import MAX_AMOUNT, format_amount, parse_amount, total


@pytest.mark.unit
def test_ten_cents_plus_twenty_cents_is_exactly_thirty_cents() -> None:
    amounts = [parse_amount("0.10"), parse_amount("0.20")]
    assert total(amounts) == Decimal("0.30")
    assert format_amount(total(amounts)) == "0.30"
    assert sum(amounts) == parse_amount("0.30")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1250", "1250.00"),
        (" 1250.5 ", "1250.50"),
        ("12.340", "12.34"),
        (".75", "0.75"),
        (42, "42.00"),
        (Decimal("99.9"), "99.90"),
        ("1000000.00", "1000000.00"),
    ],
)
def test_amounts_are_read_as_decimals_quantised_to_cents(value: object, expected: str) -> None:
    amount = parse_amount(value, "amount")  # type: ignore[arg-type]
    assert isinstance(amount, Decimal)
    assert amount == Decimal(expected)
    assert str(amount) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0.1, "float"),
        (12.0, "float"),
        (True, "float"),
        ("-5.00", "negative"),
        (-1, "negative"),
        (Decimal("-0.01"), "negative"),
        ("1000000.01", "exceed"),
        (10**9, "exceed"),
        ("12.345", "two decimal places"),
        (Decimal("1.005"), "two decimal places"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-inf", "finite"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        ("1e3", "plain decimal"),
        ("1,250.00", "plain decimal"),
        ("$5", "plain decimal"),
        ("", "plain decimal"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        (None, "not NoneType"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(value: object, reason: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(value, "expense_lines[3].amount")  # type: ignore[arg-type]
    assert caught.value.field == "expense_lines[3].amount"
    assert str(caught.value).startswith("expense_lines[3].amount: ")
    assert reason in caught.value.message


@pytest.mark.unit
def test_zero_is_accepted_where_allowed() -> None:
    assert parse_amount("0", "budget", allow_zero=True) == Decimal("0.00")
    assert str(parse_amount("-0", "budget", allow_zero=True)) == "0.00"


@pytest.mark.unit
def test_amount_errors_are_value_errors_of_the_domain() -> None:
    error = InvalidAmount("amount", "must not be negative")
    assert isinstance(error, InvalidField)
    assert isinstance(error, ValueError)
    prefixed = error.prefixed("expense_lines[0]")
    assert isinstance(prefixed, InvalidAmount)
    assert prefixed.field == "expense_lines[0].amount"


@pytest.mark.unit
def test_expense_line_refuses_a_zero_or_float_amount_naming_amount() -> None:
    for bad in (Decimal("0"), 12.5):
        with pytest.raises(InvalidAmount) as caught:
            ExpenseLine("travel", "Mileage", bad, date(2026, 11, 2))  # type: ignore[arg-type]
        assert caught.value.field == "amount"


@pytest.mark.unit
def test_max_amount_is_one_million() -> None:
    assert MAX_AMOUNT == Decimal("1000000.00")
