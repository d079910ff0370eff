"""Release days: when each mentoring hub meets during the school day, within what the board's
occasional (substitute) teachers can cover.

A hub meets 3 or 4 times a year (configurable), one meeting per month at most, spread across the
window, on school days of the board's calendar (no weekend, holiday or PA day), never on a day one
of its members or leaders is at a workshop (or another meeting). Every attendee with a class is
released and needs an occasional teacher: a day never gets more releases than the board can supply
minus what is already booked, and the load is spread across days. A hub that cannot be placed is
reported with the reason; all or none of a hub's meetings are planned. An after-school meeting
(no release) is the coordinator's fallback.

Pure: capacities, bookings and busy days come in as data; the database enforces the same capacity
when the plan is booked (two schedulers at once cannot over-book).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

Month = tuple[int, int]
UnscheduledCode = Literal["calendar", "workshop_days", "occasional_teachers", "no_attendees"]
MAX_MEETINGS_PER_HUB = 6


@dataclass(frozen=True)
class BoardCalendar:
    """The board's school year: first and last day of classes, holidays and PA days (no classes)."""

    first_day: date
    last_day: date
    holidays: frozenset[date] = frozenset()
    pa_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        if (self.last_day - self.first_day).days > 400:
            raise ValueError("a school year spans at most 400 days")

    def closed_because(self, day: date) -> str | None:
        """Why ``day`` is not a school day, or None when it is one."""
        if not self.first_day <= day <= self.last_day:
            return f"outside the school year ({self.first_day.isoformat()} to {self.last_day.isoformat()})"
        if day.weekday() >= 5:
            return "a weekend"
        if day in self.holidays:
            return "a holiday"
        if day in self.pa_days:
            return "a PA day"
        return None

    def is_school_day(self, day: date) -> bool:
        return self.closed_because(day) is None

    def school_days(self, start: date | None = None, end: date | None = None) -> list[date]:
        """School days between ``start`` and ``end`` (inclusive; default the whole year)."""
        first = max(start or self.first_day, self.first_day)
        last = min(end or self.last_day, self.last_day)
        days: list[date] = []
        day = first
        while day <= last:
            if self.is_school_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days


@dataclass(frozen=True)
class HubToSchedule:
    """A hub as the scheduler sees it: who attends, and who of them has no class to cover
    (a consultant or coach leading the hub needs no occasional teacher)."""

    hub_id: str
    members: tuple[str, ...]
    leaders: tuple[str, ...] = ()
    without_class: frozenset[str] = frozenset()
    coaches: tuple[str, ...] = ()  # board coaches and consultants: invited, no class to cover

    @property
    def attendees(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.members, *self.leaders, *self.coaches)))

    @property
    def releases(self) -> int:
        """Occasional teachers a release-time meeting of this hub needs."""
        return sum(1 for a in self.attendees if a not in self.without_class and a not in self.coaches)


@dataclass(frozen=True)
class SchedulingPolicy:
    meetings_per_hub: int = 4
    release_time: bool = True
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.meetings_per_hub <= MAX_MEETINGS_PER_HUB:
            raise ValueError(f"meetings_per_hub must be between 1 and {MAX_MEETINGS_PER_HUB}")
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")


@dataclass(frozen=True)
class PlannedMeeting:
    hub_id: str
    day: date
    releases: int
    attendees: tuple[str, ...]
    release_time: bool = True


@dataclass(frozen=True)
class UnscheduledHub:
    hub_id: str
    code: UnscheduledCode
    reason: str
    days_found: tuple[date, ...] = ()


@dataclass(frozen=True)
class SchedulePlan:
    meetings: tuple[PlannedMeeting, ...]
    unscheduled: tuple[UnscheduledHub, ...]
    booked: Mapping[date, int] = field(default_factory=dict)  # releases per day after the plan

    def releases_by_day(self) -> dict[date, int]:
        """Releases this plan adds per day (what the database must book)."""
        added: dict[date, int] = defaultdict(int)
        for meeting in self.meetings:
            if meeting.release_time and meeting.releases:
                added[meeting.day] += meeting.releases
        return dict(sorted(added.items()))


def split_months(months: Sequence[Month], parts: int) -> list[list[Month]]:
    """``months`` in ``parts`` contiguous groups as even as possible (one meeting per group)."""
    k = len(months)
    return [list(months[(i * k) // parts : ((i + 1) * k) // parts]) for i in range(parts)]


def _month(day: date) -> Month:
    return (day.year, day.month)


class _Board:
    """Mutable state of one planning run: releases booked per day, meetings per day, busy people."""

    def __init__(
        self,
        capacity: Mapping[date, int],
        booked: Mapping[date, int],
        busy: Mapping[str, Collection[date]],
    ):
        self.capacity = capacity
        self.booked: dict[date, int] = defaultdict(int, booked)
        self.meetings: dict[date, int] = defaultdict(int)
        self.busy: dict[str, set[date]] = defaultdict(set, {k: set(v) for k, v in busy.items()})

    def left(self, day: date) -> int:
        return self.capacity.get(day, 0) - self.booked[day]

    def busy_attendees(self, day: date, attendees: Iterable[str]) -> int:
        return sum(1 for a in attendees if day in self.busy.get(a, ()))

    def fits(self, day: date, hub: HubToSchedule, release_time: bool) -> bool:
        if self.busy_attendees(day, hub.attendees):
            return False
        return not release_time or hub.releases == 0 or self.left(day) >= hub.releases

    def score(self, day: date, hub: HubToSchedule, release_time: bool, target: date) -> tuple[float, ...]:
        # Lowest share of the day's occasional teachers first (spreads the load), then the day with
        # fewest hub meetings, then the one nearest the segment's middle (spreads the year).
        distance = abs((day - target).days)
        if release_time and hub.releases:
            share = (self.booked[day] + hub.releases) / max(self.capacity.get(day, 0), 1)
            return (share, self.meetings[day], distance, day.toordinal())
        return (0.0, self.meetings[day], distance, day.toordinal())

    def book(self, hub: HubToSchedule, days: Iterable[date], release_time: bool) -> None:
        for day in days:
            if release_time:
                self.booked[day] += hub.releases
            self.meetings[day] += 1
            for person in hub.attendees:
                self.busy[person].add(day)


def schedule_hubs(
    hubs: Sequence[HubToSchedule],
    calendar: BoardCalendar,
    *,
    capacity: Mapping[date, int],
    booked: Mapping[date, int] | None = None,
    busy: Mapping[str, Collection[date]] | None = None,
    policy: SchedulingPolicy | None = None,
) -> SchedulePlan:
    """Plan every hub's meetings, hardest hub (most releases) first; deterministic.

    ``capacity``: occasional teachers the board can supply per day (a day without a figure has
    none). ``booked``: releases already booked per day (other hubs, observations). ``busy``: per
    participant, days they cannot meet (workshops, Beginning Teacher Network cohort meetings,
    other hub meetings).
    """
    policy = policy or SchedulingPolicy()
    ids = [h.hub_id for h in hubs]
    if len(set(ids)) != len(ids):
        raise ValueError("a hub appears twice")
    state = _Board(capacity, booked or {}, busy or {})
    days = calendar.school_days(policy.start, policy.end)
    by_month: dict[Month, list[date]] = defaultdict(list)
    for day in days:
        by_month[_month(day)].append(day)
    months = sorted(by_month)
    n = policy.meetings_per_hub
    segments = split_months(months, n) if len(months) >= n else []
    targets = [by_month_middle(by_month, segment) for segment in segments]
    meetings: list[PlannedMeeting] = []
    unscheduled: list[UnscheduledHub] = []
    for hub in sorted(hubs, key=lambda h: (-h.releases, -len(h.attendees), h.hub_id)):
        if not hub.attendees:
            unscheduled.append(
                UnscheduledHub(hub.hub_id, "no_attendees", "the hub has no members or leaders")
            )
            continue
        if not segments:
            unscheduled.append(
                UnscheduledHub(
                    hub.hub_id,
                    "calendar",
                    f"the window has school days in {len(months)} month(s); {n} meetings need {n} different months",
                )
            )
            continue
        picked = _pick_days(hub, state, by_month, segments, targets, policy.release_time)
        if len(picked) < n:
            unscheduled.append(_diagnose(hub, state, by_month, picked, n, policy.release_time))
            continue
        state.book(hub, picked, policy.release_time)
        releases = hub.releases if policy.release_time else 0
        meetings.extend(
            PlannedMeeting(hub.hub_id, day, releases, hub.attendees, policy.release_time)
            for day in sorted(picked)
        )
    meetings.sort(key=lambda m: (m.day, m.hub_id))
    return SchedulePlan(
        meetings=tuple(meetings),
        unscheduled=tuple(sorted(unscheduled, key=lambda u: u.hub_id)),
        booked={d: n for d, n in sorted(state.booked.items()) if n},
    )


def by_month_middle(by_month: Mapping[Month, list[date]], segment: Sequence[Month]) -> date:
    days = [d for m in segment for d in by_month[m]]
    return days[len(days) // 2]


def _pick_days(
    hub: HubToSchedule,
    state: _Board,
    by_month: Mapping[Month, list[date]],
    segments: Sequence[Sequence[Month]],
    targets: Sequence[date],
    release_time: bool,
) -> list[date]:
    """One day per segment; a segment with no fitting day falls back to any month still unused."""
    picked: list[date] = []
    used: set[Month] = set()
    missed: list[date] = []
    for segment, target in zip(segments, targets, strict=True):
        best = _best(hub, state, [by_month[m] for m in segment if m not in used], target, release_time)
        if best is None:
            missed.append(target)
        else:
            picked.append(best)
            used.add(_month(best))
    for target in missed:
        best = _best(hub, state, [d for m, d in by_month.items() if m not in used], target, release_time)
        if best is None:
            break
        picked.append(best)
        used.add(_month(best))
    return picked


def _best(
    hub: HubToSchedule, state: _Board, months: Iterable[list[date]], target: date, release_time: bool
) -> date | None:
    candidates = [d for days in months for d in days if state.fits(d, hub, release_time)]
    if not candidates:
        return None
    return min(candidates, key=lambda d: state.score(d, hub, release_time, target))


def _diagnose(
    hub: HubToSchedule,
    state: _Board,
    by_month: Mapping[Month, list[date]],
    picked: Sequence[date],
    n: int,
    release_time: bool,
) -> UnscheduledHub:
    used = {_month(d) for d in picked}
    days = [d for m, ds in by_month.items() if m not in used for d in ds]
    blocked = [d for d in days if state.busy_attendees(d, hub.attendees)]
    free = [d for d in days if not state.busy_attendees(d, hub.attendees)]
    short = [d for d in free if release_time and state.left(d) < hub.releases]
    most = max((state.left(d) for d in free), default=0)
    found = f"found {len(picked)} of {n} meeting days (one per month)"
    if not days:
        return UnscheduledHub(hub.hub_id, "calendar", f"{found}: no school days left", tuple(picked))
    if len(blocked) == len(days):
        reason = (
            f"{found}: each of the {len(days)} school days left is a workshop or meeting day of a "
            "member or leader"
        )
        return UnscheduledHub(hub.hub_id, "workshop_days", reason, tuple(picked))
    reason = (
        f"{found}: it needs {hub.releases} occasional teachers on one day; of {len(days)} school days "
        f"left, {len(blocked)} are workshop or meeting days of its people and {len(short)} have fewer "
        f"occasional teachers left (at most {max(most, 0)}). An after-school meeting needs no release."
    )
    return UnscheduledHub(hub.hub_id, "occasional_teachers", reason, tuple(picked))


def day_problem(
    day: date,
    *,
    calendar: BoardCalendar,
    attendees: Sequence[str],
    busy: Mapping[str, Collection[date]],
    releases: int,
    left: int,
    other_days: Collection[date] = (),
) -> tuple[str, str] | None:
    """Why a coordinator's chosen day does not work for a meeting, as (code, reason), or None.

    ``left``: occasional teachers still free that day; ``other_days``: the hub's other meetings
    (one per month)."""
    closed = calendar.closed_because(day)
    if closed:
        return ("calendar", f"{day.isoformat()} is {closed}")
    if any(_month(day) == _month(other) for other in other_days if other != day):
        return ("same_month", "the hub already meets that month")
    taken = sum(1 for a in attendees if day in busy.get(a, ()))
    if taken:
        return ("workshop_days", f"{taken} of its people have a workshop or meeting that day")
    if releases > left:
        return ("occasional_teachers", f"needs {releases} occasional teachers; {max(left, 0)} left that day")
    return None


def pick_observation_day(
    calendar: BoardCalendar,
    *,
    capacity: Mapping[date, int],
    booked: Mapping[date, int],
    busy: Collection[date],
    start: date,
    end: date | None = None,
    releases: int = 1,
) -> date | UnscheduledHub:
    """The earliest school day from ``start`` on which the visitor (and host) are free and an
    occasional teacher is left to cover the visitor's class; else why not."""
    days = calendar.school_days(start, end)
    free = [d for d in days if d not in busy]
    for day in free:
        if releases == 0 or capacity.get(day, 0) - booked.get(day, 0) >= releases:
            return day
    if not days:
        return UnscheduledHub("observation", "calendar", "no school days in the window")
    if not free:
        return UnscheduledHub("observation", "workshop_days", "the visitor or host is busy every school day")
    return UnscheduledHub(
        "observation",
        "occasional_teachers",
        f"no occasional teacher is left on any of the {len(free)} free school days",
    )
