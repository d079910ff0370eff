"""Grant programs: one start-up grant per program year and stream, its deadline, maximum award and budget."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.grants.domain.errors import InvalidField
from services.grants.domain.money import parse_amount

Stream = Literal["beginning_teacher", "school_leadership"]
STREAMS: tuple[Stream, ...] = get_args(Stream)

DEFAULT_TIMEZONE = "America/Edmonton"
"""The province's time zone unless configured otherwise (the grants service's ``province_timezone``)."""

_PROGRAM_YEAR = re.compile(r"(\d{4})-(\d{4})")


def parse_program_year(program_year: str) -> tuple[int, int]:
    """``"2026-2027"`` → ``(2026, 2027)``; refuses anything else, including years that are not consecutive."""
    match = _PROGRAM_YEAR.fullmatch(program_year) if isinstance(program_year, str) else None
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise InvalidField("program_year", "must be two consecutive years such as 2026-2027")
    return int(match.group(1)), int(match.group(2))


def check_stream(stream: str, field: str = "stream") -> Stream:
    """The stream if it is one of :data:`STREAMS`, else ``InvalidField``."""
    for known in STREAMS:
        if stream == known:
            return known
    raise InvalidField(field, f"must be one of {', '.join(STREAMS)}")


def province_zone(tz: str | tzinfo = DEFAULT_TIMEZONE) -> tzinfo:
    """A time zone from its IANA name (``"America/Toronto"``) or as given if it already is one."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidField("timezone", f"unknown time zone {tz!r}") from None


def require_aware(moment: datetime, field: str) -> datetime:
    """``moment`` if it carries a time zone; naive datetimes are ambiguous around a deadline."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidField(field, "must be a timezone-aware datetime")
    return moment


def default_deadline(program_year: str, tz: str | tzinfo = DEFAULT_TIMEZONE) -> datetime:
    """June 30 of the program year's end year, 23:59:59 in the province's time zone (aware).

    ``default_deadline("2026-2027")`` is 2027-06-30 23:59:59 America/Edmonton.
    """
    _, end_year = parse_program_year(program_year)
    return datetime(end_year, 6, 30, 23, 59, 59, tzinfo=province_zone(tz))


@dataclass(frozen=True)
class GrantProgram:
    """The start-up grant of one program year and stream.

    ``deadline`` is :func:`default_deadline` in ``timezone`` unless ``custom_deadline`` is given.
    ``max_award`` caps what one applicant may be awarded; ``budget`` caps what the program awards in all.
    """

    program_year: str
    stream: Stream
    max_award: Decimal
    budget: Decimal
    timezone: str = DEFAULT_TIMEZONE
    custom_deadline: datetime | None = None

    def __post_init__(self) -> None:
        parse_program_year(self.program_year)
        check_stream(self.stream)
        province_zone(self.timezone)
        max_award = parse_amount(self.max_award, "max_award")
        budget = parse_amount(self.budget, "budget")
        if max_award > budget:
            raise InvalidField("max_award", f"must not exceed the program budget {budget}")
        object.__setattr__(self, "max_award", max_award)
        object.__setattr__(self, "budget", budget)
        if self.custom_deadline is not None:
            require_aware(self.custom_deadline, "deadline")

    @property
    def deadline(self) -> datetime:
        """When applications close (aware)."""
        if self.custom_deadline is not None:
            return self.custom_deadline
        return default_deadline(self.program_year, self.timezone)

    @property
    def label(self) -> str:
        """``"2026-2027 beginning_teacher"``: the program in messages."""
        return f"{self.program_year} {self.stream}"


def is_open(program: GrantProgram, now: datetime, extension_until: datetime | None = None) -> bool:
    """Whether a submission at ``now`` is on time.

    On time means no later than the program's deadline or, for an applicant a province admin granted an
    extension to, no later than ``extension_until``. The whole last second counts: with the default
    deadline 23:59:59.999 on June 30 (local time) passes and 00:00 on July 1 is refused. ``now`` and
    ``extension_until`` must be timezone-aware; instants are compared whatever their zones.
    """
    moment = require_aware(now, "now").replace(microsecond=0)
    if moment <= program.deadline:
        return True
    if extension_until is not None:
        return moment <= require_aware(extension_until, "extension_until")
    return False


def check_extension(program: GrantProgram, extension_until: datetime) -> datetime:
    """An extension a province admin grants one applicant must be aware and later than the deadline."""
    require_aware(extension_until, "extension_until")
    if extension_until <= program.deadline:
        raise InvalidField(
            "extension_until", f"must be later than the deadline {program.deadline.isoformat()}"
        )
    return extension_until
