"""When things happen: reminder due times, the start-up grant deadline and the weekly digest.

Pure: every function takes the time it needs; nothing reads a clock.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_BOARD_TIMEZONE = "America/Toronto"
_PROGRAM_YEAR = re.compile(r"(\d{4})-(\d{4})")


def board_zone(name: str | None, default: str = DEFAULT_BOARD_TIMEZONE) -> tzinfo:
    """The IANA zone ``name``; the default zone when it is missing or unknown."""
    for candidate in (name, default, DEFAULT_BOARD_TIMEZONE):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    raise ValueError("no usable time zone")  # pragma: no cover - the default always exists


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def reminder_due_at(starts_at: datetime, lead: timedelta, now: datetime) -> datetime | None:
    """When to remind people of something starting at ``starts_at``, ``lead`` ahead.

    None when the reminder would already be due at ``now``: a meeting booked two days ahead
    needs no "in three days" reminder, its invitation is the reminder.
    """
    due = _aware(starts_at, "starts_at") - lead
    return due if due > _aware(now, "now") else None


def still_worth_reminding(starts_at: datetime, now: datetime) -> bool:
    """A reminder found late (the worker was down) is sent only if the thing has not started."""
    return _aware(now, "now") < _aware(starts_at, "starts_at")


def parse_program_year(program_year: str) -> tuple[int, int]:
    """``"2026-2027"`` → ``(2026, 2027)``; ValueError for anything else."""
    match = _PROGRAM_YEAR.fullmatch(program_year)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"not a program year: {program_year!r}")
    return int(match.group(1)), int(match.group(2))


def grant_deadline(program_year: str, zone: tzinfo) -> datetime:
    """The start-up grant deadline of ``program_year``: June 30 of its end year, 23:59:59 local."""
    _, end_year = parse_program_year(program_year)
    return datetime(end_year, 6, 30, 23, 59, 59, tzinfo=zone)


def upcoming_grant_program_year(now: datetime, zone: tzinfo) -> str:
    """The program year whose grant deadline is the next one at ``now`` (in the board's zone).

    Until June 30 of year Y that is "Y-1 – Y"; from July 1 it is "Y – Y+1".
    """
    local = _aware(now, "now").astimezone(zone)
    year = local.year
    if local <= grant_deadline(f"{year - 1}-{year}", zone):
        return f"{year - 1}-{year}"
    return f"{year}-{year + 1}"


def grant_reminder_due_at(program_year: str, zone: tzinfo, lead: timedelta) -> datetime:
    return grant_deadline(program_year, zone) - lead


def digest_cutoff(now: datetime, zone: tzinfo, *, weekday: int = 0, hour: int = 7) -> datetime:
    """The most recent weekly digest moment at or before ``now`` (default Monday 07:00 local).

    Messages held before the cutoff go into the digest sent at the cutoff; those held after it wait
    for the next week's. At most one digest per recipient per cutoff.
    """
    local = _aware(now, "now").astimezone(zone)
    days_back = (local.weekday() - weekday) % 7
    candidate = datetime.combine(local.date() - timedelta(days=days_back), time(hour), tzinfo=zone)
    if candidate > local:
        candidate -= timedelta(days=7)
    return candidate
