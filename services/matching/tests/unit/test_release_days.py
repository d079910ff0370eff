"""The release-day scheduler: hubs meet on school days, within the occasional teachers available."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.domain.release_days import (
    BoardCalendar,
    HubToSchedule,
    SchedulePlan,
    SchedulingPolicy,
    day_problem,
    pick_observation_day,
    schedule_hubs,
    split_months,
)

pytestmark = pytest.mark.unit


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


HOLIDAYS = frozenset(
    [
        date(2026, 10, 12),  # Thanksgiving
        *_days(date(2026, 12, 21), date(2027, 1, 1)),  # winter break
        date(2027, 2, 15),  # Family Day
        *_days(date(2027, 3, 15), date(2027, 3, 19)),  # March break
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 24),  # Victoria Day
    ]
)
PA_DAYS = frozenset([date(2026, 10, 9), date(2026, 11, 20), date(2027, 1, 29), date(2027, 6, 4)])
CALENDAR = BoardCalendar(date(2026, 9, 1), date(2027, 6, 30), HOLIDAYS, PA_DAYS)
WINDOW = SchedulingPolicy(meetings_per_hub=4, start=date(2026, 10, 1), end=date(2027, 5, 31))


def hub(
    n: int, members: int = 7, leaders: int = 2, without_class: frozenset[str] = frozenset()
) -> HubToSchedule:
    return HubToSchedule(
        hub_id=f"hub-{n:02d}",
        members=tuple(f"t{n:02d}-{i}" for i in range(members)),
        leaders=tuple(f"m{n:02d}-{i}" for i in range(leaders)),
        without_class=without_class,
    )


def every_school_day(available: int) -> dict[date, int]:
    return {d: available for d in CALENDAR.school_days()}


def check_invariants(
    plan: SchedulePlan,
    hubs: list[HubToSchedule],
    capacity: dict[date, int],
    busy: dict[str, set[date]],
    booked: dict[date, int] | None = None,
) -> None:
    """Nothing over-booked, only school days, nobody pulled from a workshop, one meeting a month."""
    booked = booked or {}
    by_id = {h.hub_id: h for h in hubs}
    per_day: Counter[date] = Counter(booked)
    people_days: dict[str, set[date]] = defaultdict(set)
    months: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for meeting in plan.meetings:
        assert CALENDAR.is_school_day(meeting.day), meeting
        per_day[meeting.day] += meeting.releases
        assert (meeting.day.year, meeting.day.month) not in months[meeting.hub_id], (
            "two meetings in one month"
        )
        months[meeting.hub_id].add((meeting.day.year, meeting.day.month))
        for person in by_id[meeting.hub_id].attendees:
            assert meeting.day not in busy.get(person, set()), f"{person} is at a workshop on {meeting.day}"
            assert meeting.day not in people_days[person], f"{person} has two meetings on {meeting.day}"
            people_days[person].add(meeting.day)
    for day, releases in per_day.items():
        assert releases <= capacity.get(day, 0), (
            f"{day}: {releases} releases, {capacity.get(day, 0)} available"
        )
    assert dict(plan.booked) == {d: n for d, n in per_day.items() if n}


def test_twelve_hubs_of_four_meetings_with_twenty_occasional_teachers_a_day_all_fit():
    hubs = [hub(n, members=6 + n % 3) for n in range(12)]
    capacity = every_school_day(20)
    # Members are at workshops on some days (Workshop 1 and 2, a cohort meeting for some).
    workshop_days = {date(2026, 10, 16), date(2027, 2, 5), date(2026, 11, 6)}
    busy = {person: set(workshop_days) for h in hubs[:6] for person in h.attendees}
    busy.update({h.leaders[0]: {date(2026, 12, 3), date(2027, 4, 14)} for h in hubs[6:]})

    plan = schedule_hubs(hubs, CALENDAR, capacity=capacity, busy=busy, policy=WINDOW)

    assert plan.unscheduled == ()
    assert Counter(m.hub_id for m in plan.meetings) == {h.hub_id: 4 for h in hubs}
    check_invariants(plan, hubs, capacity, busy)
    assert not {m.day for m in plan.meetings} & (HOLIDAYS | PA_DAYS)
    assert all(date(2026, 10, 1) <= m.day <= date(2027, 5, 31) for m in plan.meetings)
    # Spread out: each hub meets once in each quarter of the window (Oct–Nov, Dec–Jan, Feb–Mar,
    # Apr–May), and the load is spread so no day holds two hubs when there is room.
    quarters = [(10, 11), (12, 1), (2, 3), (4, 5)]
    for h in hubs:
        months = sorted(m.day for m in plan.meetings if m.hub_id == h.hub_id)
        assert [next(i for i, q in enumerate(quarters) if d.month in q) for d in months] == [0, 1, 2, 3]
    assert max(Counter(m.day for m in plan.meetings).values()) == 1
    releases = {m.hub_id: m.releases for m in plan.meetings}
    assert releases == {h.hub_id: h.releases for h in hubs}


def test_too_few_occasional_teachers_reports_the_hubs_left_out_and_over_books_nothing():
    hubs = [hub(n) for n in range(12)]  # 9 releases each
    # Only the first Tuesday of each month has occasional teachers, 20 of them: two hubs a day.
    capacity = {}
    for d in CALENDAR.school_days(date(2026, 10, 1), date(2027, 5, 31)):
        if d.weekday() == 1 and d.day <= 7:
            capacity[d] = 20
    plan = schedule_hubs(hubs, CALENDAR, capacity=capacity, policy=WINDOW)

    check_invariants(plan, hubs, capacity, {})
    scheduled = {m.hub_id for m in plan.meetings}
    assert len(scheduled) == 4  # 8 days × 2 hubs = 16 meetings = 4 hubs of 4
    assert Counter(m.hub_id for m in plan.meetings) == {h: 4 for h in scheduled}
    left_out = {u.hub_id for u in plan.unscheduled}
    assert left_out == {h.hub_id for h in hubs} - scheduled
    for unscheduled in plan.unscheduled:
        assert unscheduled.code == "occasional_teachers"
        assert "needs 9 occasional teachers" in unscheduled.reason
        assert "after-school" in unscheduled.reason
    # A hub left out books nothing: the ledger holds only the scheduled hubs' releases.
    assert sum(plan.booked.values()) == 4 * 4 * 9


def test_a_hub_larger_than_any_days_supply_is_reported():
    plan = schedule_hubs([hub(1, members=12)], CALENDAR, capacity=every_school_day(10), policy=WINDOW)
    assert plan.meetings == ()
    (unscheduled,) = plan.unscheduled
    assert unscheduled.code == "occasional_teachers" and "needs 14 occasional teachers" in unscheduled.reason
    assert "at most 10" in unscheduled.reason


def test_what_other_hubs_already_booked_is_respected():
    hubs = [hub(1)]
    capacity = every_school_day(10)
    booked = {d: 5 for d in capacity}  # another run booked half of every day
    plan = schedule_hubs(hubs, CALENDAR, capacity=capacity, booked=booked, policy=WINDOW)
    assert plan.meetings == () and plan.unscheduled[0].code == "occasional_teachers"
    booked = {d: (5 if d.month != 11 else 1) for d in capacity}
    plan = schedule_hubs(hubs, CALENDAR, capacity=capacity, booked=booked, policy=SchedulingPolicy(1))
    (meeting,) = plan.meetings
    assert meeting.day.month == 11 and plan.booked[meeting.day] == 10


def test_after_school_needs_no_occasional_teachers():
    hubs = [hub(1)]
    plan = schedule_hubs(hubs, CALENDAR, capacity={}, policy=SchedulingPolicy(3, release_time=False))
    assert len(plan.meetings) == 3 and plan.unscheduled == ()
    assert all(not m.release_time and m.releases == 0 for m in plan.meetings)
    assert plan.booked == {}


def test_leaders_without_a_class_need_no_release_and_a_shared_leader_is_never_double_booked():
    a = hub(1, without_class=frozenset({"m01-0", "m01-1"}))
    shared = "m01-0"
    b = HubToSchedule("hub-02", members=tuple(f"t02-{i}" for i in range(7)), leaders=(shared, "m02-1"))
    assert a.releases == 7 and b.releases == 9
    capacity = every_school_day(20)
    plan = schedule_hubs([a, b], CALENDAR, capacity=capacity, policy=WINDOW)
    check_invariants(plan, [a, b], capacity, {})
    days_a = {m.day for m in plan.meetings if m.hub_id == "hub-01"}
    days_b = {m.day for m in plan.meetings if m.hub_id == "hub-02"}
    assert len(days_a) == len(days_b) == 4 and not days_a & days_b


def test_workshop_days_of_everyone_block_the_whole_window():
    h = hub(1)
    window = set(CALENDAR.school_days(date(2026, 10, 1), date(2027, 5, 31)))
    plan = schedule_hubs(
        [h], CALENDAR, capacity=every_school_day(20), busy={h.members[0]: window}, policy=WINDOW
    )
    (unscheduled,) = plan.unscheduled
    assert unscheduled.code == "workshop_days"


def test_a_window_with_fewer_months_than_meetings_cannot_hold_them():
    policy = SchedulingPolicy(4, start=date(2026, 10, 1), end=date(2026, 12, 31))
    plan = schedule_hubs([hub(1)], CALENDAR, capacity=every_school_day(20), policy=policy)
    assert plan.unscheduled[0].code == "calendar" and "different months" in plan.unscheduled[0].reason


def test_the_plan_is_deterministic_whatever_the_order_of_hubs():
    hubs = [hub(n, members=5 + n % 4) for n in range(8)]
    capacity = every_school_day(15)
    first = schedule_hubs(hubs, CALENDAR, capacity=capacity, policy=WINDOW)
    again = schedule_hubs(list(reversed(hubs)), CALENDAR, capacity=capacity, policy=WINDOW)
    assert first == again


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        SchedulingPolicy(meetings_per_hub=0)
    with pytest.raises(ValueError):
        BoardCalendar(date(2027, 6, 30), date(2026, 9, 1))
    with pytest.raises(ValueError, match="twice"):
        schedule_hubs([hub(1), hub(1)], CALENDAR, capacity={})
    assert schedule_hubs([HubToSchedule("empty", ())], CALENDAR, capacity={}).unscheduled[0].code == (
        "no_attendees"
    )


def test_split_months_is_even_and_contiguous():
    months = [(2026, m) for m in range(9, 13)] + [(2027, m) for m in range(1, 7)]
    parts = split_months(months, 4)
    assert [len(p) for p in parts] == [2, 3, 2, 3]
    assert [m for p in parts for m in p] == months


def test_calendar_says_why_a_day_is_not_a_school_day():
    assert CALENDAR.closed_because(date(2026, 10, 12)) == "a holiday"
    assert CALENDAR.closed_because(date(2026, 10, 9)) == "a PA day"
    assert CALENDAR.closed_because(date(2026, 10, 10)) == "a weekend"
    assert "outside the school year" in (CALENDAR.closed_because(date(2027, 7, 2)) or "")
    assert CALENDAR.closed_because(date(2026, 10, 13)) is None


def test_day_problem_for_a_coordinators_chosen_day():
    attendees = ["a", "b"]
    busy = {"b": {date(2026, 10, 14)}}

    def code(day: date, left: int, other_days: Sequence[date] = ()) -> str | None:
        problem = day_problem(
            day,
            calendar=CALENDAR,
            attendees=attendees,
            busy=busy,
            releases=2,
            left=left,
            other_days=other_days,
        )
        return problem[0] if problem is not None else None

    assert code(date(2026, 10, 12), left=5) == "calendar"
    assert code(date(2026, 10, 14), left=5) == "workshop_days"
    assert code(date(2026, 10, 15), left=1) == "occasional_teachers"
    assert code(date(2026, 10, 15), left=5, other_days=[date(2026, 10, 28)]) == "same_month"
    assert code(date(2026, 10, 15), left=2) is None


def test_observation_takes_the_earliest_free_day_with_an_occasional_teacher():
    capacity = {date(2026, 11, 2): 3, date(2026, 11, 3): 3, date(2026, 11, 4): 3}
    booked = {date(2026, 11, 2): 3}  # full
    busy = {date(2026, 11, 3)}  # host teaches a workshop
    day = pick_observation_day(CALENDAR, capacity=capacity, booked=booked, busy=busy, start=date(2026, 11, 1))
    assert day == date(2026, 11, 4)
    none = pick_observation_day(
        CALENDAR, capacity=capacity, booked=booked, busy=busy, start=date(2026, 11, 1), end=date(2026, 11, 3)
    )
    assert not isinstance(none, date) and none.code == "occasional_teachers"


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=10),
    supply=st.dictionaries(
        st.sampled_from(CALENDAR.school_days(date(2026, 10, 1), date(2027, 5, 31))),
        st.integers(min_value=0, max_value=25),
        max_size=60,
    ),
    meetings=st.integers(min_value=1, max_value=4),
    busy_days=st.lists(st.sampled_from(sorted(CALENDAR.school_days())), max_size=20),
)
def test_whatever_the_supply_nothing_is_over_booked(sizes, supply, meetings, busy_days):
    hubs = [hub(n, members=s) for n, s in enumerate(sizes)]
    busy = {h.members[0]: set(busy_days) for h in hubs[::2] if h.members}
    booked = {d: n // 3 for d, n in supply.items()}
    plan = schedule_hubs(
        hubs,
        CALENDAR,
        capacity=supply,
        booked=booked,
        busy=busy,
        policy=SchedulingPolicy(meetings, start=date(2026, 10, 1), end=date(2027, 5, 31)),
    )
    check_invariants(plan, hubs, supply, busy, booked)
    counts = Counter(m.hub_id for m in plan.meetings)
    assert set(counts.values()) <= {meetings}  # all of a hub's meetings or none
    assert set(counts) | {u.hub_id for u in plan.unscheduled} == {h.hub_id for h in hubs}


def test_a_coach_attends_every_hub_they_support_without_an_occasional_teacher_and_never_twice_a_day():
    coached = [
        HubToSchedule(
            f"hub-{n}", tuple(f"m{n}-{i}" for i in range(6)), (f"l{n}-1", f"l{n}-2"), coaches=("coach",)
        )
        for n in range(3)
    ]
    assert coached[0].releases == 8 and "coach" in coached[0].attendees
    plan = schedule_hubs(coached, CALENDAR, capacity=every_school_day(40), policy=WINDOW)
    assert not plan.unscheduled and len(plan.meetings) == 12
    assert all("coach" in m.attendees and m.releases == 8 for m in plan.meetings)
    days = [m.day for m in plan.meetings]
    assert len(set(days)) == len(days)  # one hub's meeting a day for the coach
