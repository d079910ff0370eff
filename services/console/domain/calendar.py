"""The calendar screen's month: weeks of days, each with its release-day places and what happens on it.

Pure: computed from the services' answers (plain dicts as the APIs return them) and a month.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_ZONE = "America/Toronto"


@dataclass
class Day:
    """One day of the month view."""

    day: date
    in_month: bool
    weekend: bool
    capacity: int | None = None
    booked: int = 0
    closed: str | None = None  # holiday | pa_day | outside (the school year)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.booked

    @property
    def empty(self) -> bool:
        return not self.meetings and not self.sessions and self.capacity is None


def program_year_span(program_year: str) -> tuple[date, date]:
    """The months a program year's calendar shows: September to August (matching's program year)."""
    first = int(program_year[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


def parse_month(text: str | None) -> date | None:
    """``2026-12`` as the first day of that month; None when absent or malformed."""
    found = MONTH_PATTERN.match(text or "")
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def month_shown(requested: date | None, program_year: str, today: date) -> date:
    """The month to show: the one asked for, else today's; kept inside the program year."""
    first, last = program_year_span(program_year)
    wanted = requested or today.replace(day=1)
    if wanted < first:
        return first
    if wanted > last:
        return last.replace(day=1)
    return wanted


def neighbours(month: date, program_year: str) -> tuple[date | None, date | None]:
    """The previous and next months inside the program year (None at either end)."""
    first, last = program_year_span(program_year)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return (previous if previous >= first else None, following if following <= last else None)


def month_end(month: date) -> date:
    return month.replace(day=_calendar.monthrange(month.year, month.month)[1])


def local_day(moment: str | datetime, zone: str) -> date:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(ZoneInfo(zone)).date() if value.tzinfo else value.date()


def month_weeks(
    month: date,
    *,
    capacity: list[dict[str, Any]],
    meetings: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    school_year: dict[str, Any] | None,
) -> list[list[Day]]:
    """Weeks (Monday first) covering the month; days outside it are kept for the grid but left empty."""
    zone = (school_year or {}).get("timezone") or DEFAULT_ZONE
    start = month - timedelta(days=month.weekday())
    end = month_end(month)
    end = end + timedelta(days=6 - end.weekday())
    days: dict[date, Day] = {}
    cursor = start
    while cursor <= end:
        days[cursor] = Day(day=cursor, in_month=cursor.month == month.month, weekend=cursor.weekday() >= 5)
        cursor += timedelta(days=1)
    for row in capacity:
        d = days.get(date.fromisoformat(str(row["date"])))
        if d and d.in_month:
            d.capacity, d.booked = int(row["capacity"]), int(row["booked"])
    for m in meetings:
        if m.get("status") == "cancelled":
            continue
        d = days.get(date.fromisoformat(str(m["day"])))
        if d and d.in_month:
            d.meetings.append(m)
    for s in sessions:
        if s.get("status") == "cancelled":
            continue
        d = days.get(local_day(s["starts_at"], s.get("timezone") or zone))
        if d and d.in_month:
            d.sessions.append(s)
    if school_year:
        holidays = {date.fromisoformat(str(x)) for x in school_year.get("holidays") or []}
        pa_days = {date.fromisoformat(str(x)) for x in school_year.get("pa_days") or []}
        first, last = (date.fromisoformat(str(school_year[k])) for k in ("first_day", "last_day"))
        for d in days.values():
            if not d.in_month or d.weekend:
                continue
            if d.day in holidays:
                d.closed = "holiday"
            elif d.day in pa_days:
                d.closed = "pa_day"
            elif not first <= d.day <= last:
                d.closed = "outside"
    for d in days.values():
        d.meetings.sort(key=lambda m: str(m["starts_at"]))
        d.sessions.sort(key=lambda s: str(s["starts_at"]))
    ordered = [days[k] for k in sorted(days)]
    return [ordered[i : i + 7] for i in range(0, len(ordered), 7)]


def month_totals(weeks: list[list[Day]]) -> dict[str, int]:
    """Places available and used, meetings and sessions in the month."""
    shown = [d for w in weeks for d in w if d.in_month]
    return {
        "capacity": sum(d.capacity or 0 for d in shown),
        "booked": sum(d.booked for d in shown),
        "meetings": sum(len(d.meetings) for d in shown),
        "sessions": sum(len(d.sessions) for d in shown),
    }


def parse_days(text: str) -> tuple[list[date], list[str]]:
    """Dates typed one per line or separated by commas (YYYY-MM-DD); returns the dates and the bad entries."""
    found: list[date] = []
    bad: list[str] = []
    for item in re.split(r"[\s,;]+", text.strip()):
        if not item:
            continue
        try:
            found.append(date.fromisoformat(item))
        except ValueError:
            bad.append(item)
    return sorted(set(found)), bad


def field_errors(problem: dict[str, Any], known: tuple[str, ...]) -> dict[str, str]:
    """A service's problem+json errors by the form field they name (the last known part of its path)."""
    out: dict[str, str] = {}
    for e in problem.get("errors") or []:
        name = str(e.get("field") or "")
        parts = name.split(".")
        target = next((p for p in reversed(parts) if p in known), None)
        if target is None:
            target = next((k for k in known if name.startswith(k)), "form")
        out.setdefault(target, str(e.get("message") or problem.get("detail") or ""))
    if not out and problem.get("detail"):
        out["form"] = str(problem["detail"])
    return out
