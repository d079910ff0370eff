"""Use cases of release days: the board's calendar and occasional-teacher capacity, scheduling hub
meetings, moving and cancelling them, and the release-day report. Each commits what it changes.

Capacity is enforced by PostgreSQL (see ``adapters/meetings.py``): the ledger rows of the window are
locked before planning and each booking is conditional, so two schedulers never over-book.

Hubs come in as plain data (hub id, members, leaders) so the caller may read them from a request
body or from matching's own hub tables.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.matching.adapters.meeting_tables import BoardCalendarRow, HubMeetingRow
from services.matching.adapters.meetings import CapacityTaken
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain import release_days as scheduler
from services.matching.domain.errors import (
    DayNotAvailable,
    Invalid,
    MeetingCancelled,
    OccasionalTeachersTaken,
)
from services.matching.domain.release_day_report import ReleaseDayReport, ReleaseUse, build_report
from services.matching.domain.release_days import BoardCalendar, HubToSchedule, SchedulingPolicy
from services.matching.service_layer.errors import NoSchoolCalendar, NotFound
from shared.db import UnitOfWork
from shared.events.matching import HubMeetingCancelled, HubMeetingRescheduled, HubMeetingScheduled

# ---------------------------------------------------------------- calendar


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid("timezone", "unknown time zone (use e.g. America/Toronto)") from exc


def calendar_of(row: BoardCalendarRow) -> BoardCalendar:
    return BoardCalendar(row.first_day, row.last_day, frozenset(row.holidays), frozenset(row.pa_days))


async def put_calendar(
    uow: UnitOfWork, board: str, program_year: str, data: Mapping[str, Any]
) -> BoardCalendarRow:
    """Create or replace the board's school calendar for a program year."""
    try:
        BoardCalendar(data["first_day"], data["last_day"])
    except ValueError as exc:
        raise Invalid("last_day", str(exc)) from exc
    zone(data.get("timezone") or "America/Toronto")
    for name in ("holidays", "pa_days"):
        for i, day in enumerate(data.get(name) or []):
            if not data["first_day"] <= day <= data["last_day"]:
                raise Invalid(f"{name}.{i}", "outside the school year")
    for start, end in (("release_starts", "release_ends"), ("after_school_starts", "after_school_ends")):
        if start in data and end in data and data[end] <= data[start]:
            raise Invalid(end, f"must be after {start}")
    values = {
        **{k: v for k, v in data.items() if v is not None},
        "holidays": sorted(set(data.get("holidays") or [])),
        "pa_days": sorted(set(data.get("pa_days") or [])),
    }
    await repositories(uow).meetings.put_calendar(board, program_year, values)
    row = await get_calendar(uow, board, program_year)
    await uow.commit()
    return row


async def get_calendar(uow: UnitOfWork, board: str, program_year: str) -> BoardCalendarRow:
    row = await repositories(uow).meetings.calendar(board, program_year)
    if row is None:
        raise NoSchoolCalendar(board, program_year)
    return row


def meeting_times(row: BoardCalendarRow, day: date, release_time: bool) -> tuple[datetime, datetime]:
    tz = zone(row.timezone)
    start, end = (
        (row.release_starts, row.release_ends)
        if release_time
        else (row.after_school_starts, row.after_school_ends)
    )
    return datetime.combine(day, start, tz), datetime.combine(day, end, tz)


# ---------------------------------------------------------------- occasional-teacher capacity


@dataclass(frozen=True)
class CapacityConflict:
    day: date
    capacity: int
    booked: int


async def set_capacity(uow: UnitOfWork, board: str, days: Mapping[date, int]) -> list[CapacityConflict]:
    """Publish how many occasional teachers the board can supply each day (upsert). A day cannot
    drop below what is already booked: those days are returned and nothing is changed."""
    if not days:
        return []
    ledger = repositories(uow).meetings
    booked = await ledger.booked_locked(board, days)
    conflicts = [CapacityConflict(d, days[d], booked[d]) for d in sorted(days) if booked.get(d, 0) > days[d]]
    if conflicts:
        return conflicts
    await ledger.set_capacity(board, days)
    await uow.commit()
    return []


async def capacity_rows(
    uow: UnitOfWork, board: str, start: date | None, end: date | None
) -> list[tuple[date, int, int]]:
    """(day, capacity, booked) of the board's ledger, in day order."""
    return await repositories(uow).meetings.capacity_rows(board, start, end)


# ---------------------------------------------------------------- scheduling hub meetings


@dataclass(frozen=True)
class ScheduleOutcome:
    meetings: list[HubMeetingRow]
    unscheduled: list[scheduler.UnscheduledHub]


def _event(row: HubMeetingRow, cls: type[HubMeetingScheduled] = HubMeetingScheduled) -> HubMeetingScheduled:
    return cls(
        board=row.board,
        meeting_id=row.id,
        hub_id=row.hub_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        location=row.location,
        release_time=row.release_time,
        sequence=row.sequence,
        attendees=list(row.attendees),
    )


async def schedule_hub_meetings(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    hubs: Sequence[HubToSchedule],
    policy: SchedulingPolicy,
    extra_busy: Mapping[str, Iterable[date]] | None = None,
    location: str | None = None,
    today: date | None = None,
) -> ScheduleOutcome:
    """Plan and book every hub's meetings (HubMeetingScheduled each); hubs that cannot be placed
    are returned with the reason and book nothing. A hub that already has meetings this program
    year is left as it is (move or cancel its meetings instead)."""
    # One scheduler per board at a time (replicas included), so "does this hub already meet?" is
    # answered after the previous run committed. Capacity does not rely on it: the ledger's row
    # locks, conditional updates and CHECK hold against every writer.
    store = repositories(uow).meetings
    await store.lock_scheduler(board)
    calendar_row = await get_calendar(uow, board, program_year)
    calendar = calendar_of(calendar_row)
    start = max(policy.start or calendar.first_day, calendar.first_day)
    if today is not None:
        start = max(start, today)  # never a meeting on a day already gone
    end = min(policy.end or calendar.last_day, calendar.last_day)
    if end < start:
        raise Invalid("end", "the window is outside the school year (or entirely before today)")
    ids = [uuid.UUID(h.hub_id) for h in hubs]
    existing = await store.hubs_meeting(board, program_year, ids)
    skipped = [
        scheduler.UnscheduledHub(
            h.hub_id, "calendar", "already has meetings this program year: reschedule or cancel them instead"
        )
        for h in hubs
        if uuid.UUID(h.hub_id) in existing
    ]
    todo = [h for h in hubs if uuid.UUID(h.hub_id) not in existing]
    capacity, booked = await store.lock_ledger(board, start, end)
    people = {p for h in todo for p in h.attendees}
    busy = await store.busy_days(board, people, start, end)
    for person, days in (extra_busy or {}).items():
        busy[person].update(days)
    plan = scheduler.schedule_hubs(
        todo,
        calendar,
        capacity=capacity,
        booked=booked,
        busy=busy,
        policy=SchedulingPolicy(policy.meetings_per_hub, policy.release_time, start, end),
    )
    try:
        await store.book(board, plan.releases_by_day())
    except CapacityTaken as exc:
        raise OccasionalTeachersTaken(
            f"another booking took the occasional teachers of {exc.args[0]}; retry", retry_after=1
        ) from exc
    rows: list[HubMeetingRow] = []
    with_class = {h.hub_id: h.releases for h in todo}
    now = datetime.now(UTC)
    for meeting in plan.meetings:
        starts_at, ends_at = meeting_times(calendar_row, meeting.day, meeting.release_time)
        row = HubMeetingRow(
            id=uuid.uuid4(),
            board=board,
            program_year=program_year,
            hub_id=uuid.UUID(meeting.hub_id),
            day=meeting.day,
            starts_at=starts_at,
            ends_at=ends_at,
            release_time=meeting.release_time,
            releases=meeting.releases,
            with_class=with_class[meeting.hub_id],
            attendees=[uuid.UUID(a) for a in meeting.attendees],
            location=location,
            created_at=now,
            updated_at=now,
        )
        rows.append(row)
    await store.add_meetings(rows)
    uow.publish(*(_event(r) for r in rows))
    await uow.commit()
    return ScheduleOutcome(rows, sorted([*skipped, *plan.unscheduled], key=lambda u: u.hub_id))


async def board_hubs(
    uow: UnitOfWork,
    board: str,
    program_year: str,
    *,
    hub_ids: Collection[uuid.UUID] | None = None,
    without_class: Collection[uuid.UUID] = (),
) -> list[HubToSchedule]:
    """The board's hubs of the program year as formed by matching (``hubs``/``hub_members``)."""
    store = repositories(uow)
    rows = await store.meetings.hub_people(board, program_year, hub_ids)
    members: dict[uuid.UUID, list[str]] = defaultdict(list)
    leaders: dict[uuid.UUID, list[str]] = defaultdict(list)
    for hub_id, participant_id, role in rows:
        (leaders if role == "leader" else members)[hub_id].append(str(participant_id))
    free = frozenset(str(p) for p in without_class)
    coaches: dict[uuid.UUID, list[str]] = defaultdict(list)
    for hub_id, coach_id in await store.decisions.coaches_of(board, program_year, hub_ids):
        coaches[hub_id].append(str(coach_id))
    return [
        HubToSchedule(
            str(hub_id), tuple(members[hub_id]), tuple(leaders[hub_id]), free, tuple(coaches[hub_id])
        )
        for hub_id in sorted(set(members) | set(leaders))
    ]


async def get_meeting(uow: UnitOfWork, meeting_id: uuid.UUID, *, lock: bool = False) -> HubMeetingRow:
    row = await repositories(uow).meetings.meeting(meeting_id, lock=lock)
    if row is None:
        raise NotFound("No such hub meeting.")
    return row


async def list_meetings(
    uow: UnitOfWork, board: str, program_year: str | None = None, hub_id: uuid.UUID | None = None
) -> list[HubMeetingRow]:
    return await repositories(uow).meetings.meetings(board, program_year, hub_id)


async def reschedule_meeting(
    uow: UnitOfWork,
    meeting_id: uuid.UUID,
    day: date,
    *,
    release_time: bool | None = None,
    location: str | None = None,
) -> HubMeetingRow:
    """Move a meeting to ``day`` (or switch it to after school with ``release_time`` false):
    HubMeetingRescheduled with ``sequence`` + 1. The occasional teachers of the old day are
    given back and the new day's are booked in the same transaction."""
    row = await get_meeting(uow, meeting_id, lock=True)
    if row.status != "scheduled":
        raise MeetingCancelled()
    calendar_row = await get_calendar(uow, row.board, row.program_year)
    with_release = row.release_time if release_time is None else release_time
    releases = row.with_class if with_release else 0
    store = repositories(uow).meetings
    capacity, booked = await store.lock_days(row.board, {day, row.day})
    others = await store.other_days(row)
    people = [str(a) for a in row.attendees]
    busy = await store.busy_days(row.board, people, day, day, except_meeting=row.id)
    left = capacity.get(day, 0) - booked.get(day, 0) + (row.releases if day == row.day else 0)
    problem = scheduler.day_problem(
        day,
        calendar=calendar_of(calendar_row),
        attendees=people,
        busy=busy,
        releases=releases,
        left=left,
        other_days=others,
    )
    if problem is not None:
        raise DayNotAvailable("day", problem[1])
    await store.release(row.board, row.day, row.releases)
    try:
        await store.book(row.board, {day: releases})
    except CapacityTaken as exc:  # pragma: no cover - the ledger rows are locked
        raise OccasionalTeachersTaken("day: no occasional teachers left; retry") from exc
    row.day = day
    row.release_time = with_release
    row.releases = releases
    row.starts_at, row.ends_at = meeting_times(calendar_row, day, with_release)
    if location is not None:
        row.location = location
    row.sequence += 1
    row.updated_at = datetime.now(UTC)
    await repositories(uow).flush()
    uow.publish(_event(row, HubMeetingRescheduled))
    await uow.commit()
    return row


async def cancel_meeting(uow: UnitOfWork, meeting_id: uuid.UUID) -> HubMeetingRow:
    """Cancel a meeting and give its occasional teachers back (HubMeetingCancelled); idempotent."""
    row = await get_meeting(uow, meeting_id, lock=True)
    if row.status == "cancelled":
        return row
    await repositories(uow).meetings.release(row.board, row.day, row.releases)
    row.status = "cancelled"
    row.sequence += 1
    row.updated_at = datetime.now(UTC)
    await repositories(uow).flush()
    uow.publish(_event(row, HubMeetingCancelled))
    await uow.commit()
    return row


# ---------------------------------------------------------------- report


async def release_day_report(
    uow: UnitOfWork, board: str, program_year: str, daily_rate: Decimal | None = None
) -> ReleaseDayReport:
    """Release days used by the board's scheduled hub meetings and observation visits."""
    meetings, visits = await repositories(uow).meetings.release_uses(board, program_year)
    uses = [ReleaseUse(day, "hub_meeting", n, str(hub)) for day, hub, n in meetings]
    uses += [ReleaseUse(day, "observation", n) for day, n in visits]
    return build_report(uses, board=board, program_year=program_year, daily_rate=daily_rate)
