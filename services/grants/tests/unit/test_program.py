from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.grants.domain.errors import InvalidField
from services.grants.domain.program import (
    DEFAULT_TIMEZONE,
    check_extension,
    default_deadline,
    is_open,
    parse_program_year,
)
from services.grants.tests.unit.factories import EDMONTON, TORONTO, make_program


@pytest.mark.unit
def test_default_deadline_is_june_30_of_the_end_year_in_edmonton() -> None:
    deadline = default_deadline("2026-2027")
    assert DEFAULT_TIMEZONE == "America/Edmonton"
    assert deadline == datetime(2027, 6, 30, 23, 59, 59, tzinfo=EDMONTON)
    assert deadline.tzinfo is not None
    assert deadline.utcoffset() == timedelta(hours=-6)  # MDT
    assert deadline.astimezone(UTC) == datetime(2027, 7, 1, 5, 59, 59, tzinfo=UTC)


@pytest.mark.unit
def test_default_deadline_in_another_time_zone() -> None:
    assert default_deadline("2026-2027", "America/Toronto") == datetime(
        2027, 6, 30, 23, 59, 59, tzinfo=TORONTO
    )
    assert default_deadline("2026-2027", TORONTO).utcoffset() == timedelta(hours=-4)


@pytest.mark.unit
@pytest.mark.parametrize("year", ["2026", "2026-2028", "2027-2026", "26-27", "2026/2027", ""])
def test_malformed_program_years_are_refused(year: str) -> None:
    with pytest.raises(InvalidField) as caught:
        parse_program_year(year)
    assert caught.value.field == "program_year"


@pytest.mark.unit
def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidField) as caught:
        default_deadline("2026-2027", "Mars/Olympus_Mons")
    assert caught.value.field == "timezone"
    with pytest.raises(InvalidField):
        make_program(timezone="Nowhere/Atall")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("tz", "zone"),
    [("America/Edmonton", EDMONTON), ("America/Toronto", TORONTO)],
)
def test_deadline_boundaries_in_the_configured_zone(tz: str, zone: object) -> None:
    program = make_program(timezone=tz)
    assert is_open(program, datetime(2027, 6, 30, 23, 59, tzinfo=zone))  # type: ignore[arg-type]
    assert is_open(program, datetime(2027, 6, 30, 23, 59, 59, 999999, tzinfo=zone))  # type: ignore[arg-type]
    assert not is_open(program, datetime(2027, 7, 1, 0, 0, tzinfo=zone))  # type: ignore[arg-type]
    assert not is_open(program, datetime(2027, 7, 1, 0, 0, 1, tzinfo=zone))  # type: ignore[arg-type]


@pytest.mark.unit
def test_the_same_instant_is_judged_in_the_province_zone_whatever_zone_now_is_in() -> None:
    edmonton, toronto = make_program(), make_program(timezone="America/Toronto")
    # 00:30 July 1 in Toronto is 22:30 June 30 in Edmonton: still open in Alberta, closed in Ontario.
    moment = datetime(2027, 7, 1, 0, 30, tzinfo=TORONTO)
    assert is_open(edmonton, moment)
    assert not is_open(toronto, moment)
    # 23:59 June 30 in Edmonton, given in UTC.
    assert is_open(edmonton, datetime(2027, 7, 1, 5, 59, tzinfo=UTC))
    assert not is_open(edmonton, datetime(2027, 7, 1, 6, 0, tzinfo=UTC))


@pytest.mark.unit
def test_an_extension_lets_one_applicant_submit_late() -> None:
    program = make_program()
    late = datetime(2027, 7, 3, 12, 0, tzinfo=EDMONTON)
    extension = datetime(2027, 7, 5, 23, 59, 59, tzinfo=EDMONTON)
    assert not is_open(program, late)
    assert is_open(program, late, extension_until=extension)
    assert is_open(program, extension, extension_until=extension)
    assert not is_open(program, datetime(2027, 7, 6, 0, 0, tzinfo=EDMONTON), extension_until=extension)


@pytest.mark.unit
def test_an_extension_must_be_later_than_the_deadline_and_aware() -> None:
    program = make_program()
    assert check_extension(program, datetime(2027, 7, 15, tzinfo=EDMONTON)) == datetime(
        2027, 7, 15, tzinfo=EDMONTON
    )
    for bad in (datetime(2027, 6, 1, tzinfo=EDMONTON), program.deadline, datetime(2027, 7, 15)):
        with pytest.raises(InvalidField) as caught:
            check_extension(program, bad)
        assert caught.value.field == "extension_until"


@pytest.mark.unit
def test_naive_now_is_refused() -> None:
    with pytest.raises(InvalidField) as caught:
        is_open(make_program(), datetime(2027, 6, 30, 12, 0))
    assert caught.value.field == "now"


@pytest.mark.unit
def test_program_validates_its_amounts_and_stream_and_may_override_the_deadline() -> None:
    program = make_program(max_award="2500", budget=50000)
    assert program.max_award == Decimal("2500.00")
    assert program.budget == Decimal("50000.00")
    assert program.label == "2026-2027 beginning_teacher"
    with pytest.raises(InvalidField) as caught:
        make_program(max_award=Decimal("6000"), budget=Decimal("5000"))
    assert caught.value.field == "max_award"
    with pytest.raises(InvalidField) as caught:
        make_program(stream="principals")
    assert caught.value.field == "stream"
    with pytest.raises(InvalidField) as caught:
        make_program(budget=0.5)
    assert caught.value.field == "budget"
    custom = make_program(custom_deadline=datetime(2027, 5, 31, 17, 0, tzinfo=EDMONTON))
    assert custom.deadline == datetime(2027, 5, 31, 17, 0, tzinfo=EDMONTON)
    assert not is_open(custom, datetime(2027, 6, 1, tzinfo=EDMONTON))
    with pytest.raises(InvalidField):
        make_program(custom_deadline=datetime(2027, 5, 31))
