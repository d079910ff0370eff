"""The calendar screen's month, pure: weeks Monday first, each day's places, meetings and sessions, and
the form helpers (dates typed in a list, a service's problem+json by field)."""

from __future__ import annotations

from datetime import date

import pytest

from services.console.domain import calendar as cal

pytestmark = pytest.mark.unit


def test_the_month_shown_stays_inside_the_program_year():
    assert cal.month_shown(None, "2026-2027", date(2026, 12, 3)) == date(2026, 12, 1)
    assert cal.month_shown(date(2025, 1, 1), "2026-2027", date(2026, 12, 3)) == date(2026, 9, 1)
    assert cal.month_shown(date(2028, 1, 1), "2026-2027", date(2026, 12, 3)) == date(2027, 8, 1)
    assert cal.neighbours(date(2026, 9, 1), "2026-2027") == (None, date(2026, 10, 1))
    assert cal.neighbours(date(2027, 8, 1), "2026-2027") == (date(2027, 7, 1), None)
    assert cal.parse_month("2026-13") is None and cal.parse_month("x") is None
    assert cal.parse_month("2027-02") == date(2027, 2, 1)


def test_a_month_of_days_with_places_meetings_and_sessions():
    weeks = cal.month_weeks(
        date(2026, 12, 1),
        capacity=[
            {"date": "2026-12-02", "capacity": 40, "booked": 12, "left": 28},
            {"date": "2027-01-04", "capacity": 40, "booked": 0, "left": 40},  # not this month
        ],
        meetings=[
            {
                "id": "m1",
                "day": "2026-12-02",
                "status": "scheduled",
                "starts_at": "2026-12-02T14:00:00+00:00",
            },
            {
                "id": "m2",
                "day": "2026-12-03",
                "status": "cancelled",
                "starts_at": "2026-12-03T14:00:00+00:00",
            },
        ],
        sessions=[
            # 01:00 UTC on the 10th is still the 9th in Toronto: the board's day counts.
            {
                "id": "s1",
                "starts_at": "2026-12-10T01:00:00+00:00",
                "timezone": "America/Toronto",
                "status": "scheduled",
            }
        ],
        school_year={
            "first_day": "2026-09-01",
            "last_day": "2027-06-30",
            "holidays": ["2026-12-25"],
            "pa_days": ["2026-12-04"],
            "timezone": "America/Toronto",
        },
    )
    days = {d.day: d for w in weeks for d in w}
    assert all(len(w) == 7 and w[0].day.weekday() == 0 for w in weeks)
    assert weeks[0][0].day == date(2026, 11, 30) and not weeks[0][0].in_month
    assert (days[date(2026, 12, 2)].booked, days[date(2026, 12, 2)].left) == (12, 28)
    assert [m["id"] for m in days[date(2026, 12, 2)].meetings] == ["m1"]
    assert days[date(2026, 12, 3)].meetings == []  # a cancelled meeting is not on the calendar
    assert [s["id"] for s in days[date(2026, 12, 9)].sessions] == ["s1"]
    assert days[date(2026, 12, 25)].closed == "holiday" and days[date(2026, 12, 4)].closed == "pa_day"
    assert days[date(2026, 12, 5)].weekend and days[date(2026, 12, 5)].closed is None
    assert cal.month_totals(weeks) == {"capacity": 40, "booked": 12, "meetings": 1, "sessions": 1}


def test_form_helpers():
    assert cal.parse_days("2026-12-25\n2026-12-24, 2026-12-25; nope") == (
        [date(2026, 12, 24), date(2026, 12, 25)],
        ["nope"],
    )
    problem = {
        "detail": "start: must fall inside program year",
        "errors": [
            {"field": "start", "message": "must fall inside program year 2026-2027"},
            {"field": "days.2026-12-02", "message": "3 occasional teachers already booked"},
            {"field": "body", "message": "?"},
        ],
    }
    assert cal.field_errors(problem, ("start", "end", "days")) == {
        "start": "must fall inside program year 2026-2027",
        "days": "3 occasional teachers already booked",
        "form": "?",
    }
    assert cal.field_errors({"detail": "the meeting was cancelled"}, ("day",)) == {
        "form": "the meeting was cancelled"
    }
