"""Use cases of release days: the board's calendar and occasional-teacher capacity, scheduling hub
meetings, moving and cancelling them, and the release-day report.

Capacity is enforced by PostgreSQL: the board's ``release_day_bookings`` rows of the window are
locked in day order (``FOR UPDATE``) before planning, each booking is a conditional
``UPDATE ... SET booked = booked + n WHERE booked + n <= capacity RETURNING``, and a
``CHECK (booked <= capacity)`` backs both. Two schedulers running at once (two replicas) queue on
the locks; the second plans with what the first booked.

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

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.matching.adapters import repository
from services.matching.adapters.meeting_tables import (
    BoardCalendarRow,
    HubMeetingRow,
    ObservationRow,
    ReleaseDayBooking,
    WorkshopEnrolmentView,
    WorkshopSessionView,
)
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

BOOKINGS = ReleaseDayBooking.__table__  # type: ignore[attr-defined]


class CapacityTaken(Exception):
    """A conditional booking found fewer occasional teachers than planned (should not happen under
    the row locks; the transaction is rolled back and the caller told to retry)."""


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
    statement = insert(BoardCalendarRow.__table__).values(board=board, program_year=program_year, **values)  # type: ignore[attr-defined]
    statement = statement.on_conflict_do_update(
        index_elements=["board", "program_year"],
        set_={**{k: statement.excluded[k] for k in values}, "updated_at": sa.func.now()},
    )
    await uow.session.execute(statement)
    return await get_calendar(uow, board, program_year)


async def get_calendar(uow: UnitOfWork, board: str, program_year: str) -> BoardCalendarRow:
    row = (
        await uow.session.execute(
            sa.select(BoardCalendarRow)
            .where(BoardCalendarRow.board == board, BoardCalendarRow.program_year == program_year)  # type: ignore[arg-type]
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
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
    ordered = sorted(days)
    current = {
        r.day: r
        for r in (
            await uow.session.execute(
                sa.select(BOOKINGS.c.day, BOOKINGS.c.booked)
                .where(BOOKINGS.c.board == board, BOOKINGS.c.day.in_(ordered))
                .order_by(BOOKINGS.c.day)
                .with_for_update()
            )
        )
    }
    conflicts = [
        CapacityConflict(d, days[d], current[d].booked)
        for d in ordered
        if d in current and current[d].booked > days[d]
    ]
    if conflicts:
        return conflicts
    statement = insert(BOOKINGS).values([{"board": board, "day": d, "capacity": days[d]} for d in ordered])
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["board", "day"],
            set_={"capacity": statement.excluded.capacity, "updated_at": sa.func.now()},
        )
    )
    return []


async def capacity_rows(uow: UnitOfWork, board: str, start: date | None, end: date | None) -> list[Any]:
    query = sa.select(BOOKINGS.c.day, BOOKINGS.c.capacity, BOOKINGS.c.booked).where(BOOKINGS.c.board == board)
    if start:
        query = query.where(BOOKINGS.c.day >= start)
    if end:
        query = query.where(BOOKINGS.c.day <= end)
    return list(await uow.session.execute(query.order_by(BOOKINGS.c.day)))


async def lock_ledger(
    uow: UnitOfWork, board: str, start: date, end: date
) -> tuple[dict[date, int], dict[date, int]]:
    """Lock the board's ledger rows of the window, in day order (no deadlock between schedulers),
    and return (capacity, booked) per day."""
    rows = await uow.session.execute(
        sa.select(BOOKINGS.c.day, BOOKINGS.c.capacity, BOOKINGS.c.booked)
        .where(BOOKINGS.c.board == board, BOOKINGS.c.day.between(start, end))
        .order_by(BOOKINGS.c.day)
        .with_for_update()
    )
    capacity: dict[date, int] = {}
    booked: dict[date, int] = {}
    for day, cap, used in rows:
        capacity[day] = cap
        booked[day] = used
    return capacity, booked


async def lock_days(
    uow: UnitOfWork, board: str, days: Collection[date]
) -> tuple[dict[date, int], dict[date, int]]:
    """Like :func:`lock_ledger` for a few days (a meeting moving from one day to another)."""
    rows = await uow.session.execute(
        sa.select(BOOKINGS.c.day, BOOKINGS.c.capacity, BOOKINGS.c.booked)
        .where(BOOKINGS.c.board == board, BOOKINGS.c.day.in_(sorted(days)))
        .order_by(BOOKINGS.c.day)
        .with_for_update()
    )
    capacity: dict[date, int] = {}
    booked: dict[date, int] = {}
    for day, cap, used in rows:
        capacity[day] = cap
        booked[day] = used
    return capacity, booked


async def book(uow: UnitOfWork, board: str, releases: Mapping[date, int]) -> None:
    """Take occasional teachers, in day order, only where they are left (the database decides)."""
    for day in sorted(releases):
        n = releases[day]
        if n <= 0:
            continue
        taken = (
            await uow.session.execute(
                sa.update(BOOKINGS)
                .where(
                    BOOKINGS.c.board == board,
                    BOOKINGS.c.day == day,
                    BOOKINGS.c.booked + n <= BOOKINGS.c.capacity,
                )
                .values(booked=BOOKINGS.c.booked + n, updated_at=sa.func.now())
                .returning(BOOKINGS.c.booked)
            )
        ).first()
        if taken is None:
            raise CapacityTaken(day)


async def release(uow: UnitOfWork, board: str, day: date, n: int) -> None:
    if n > 0:
        await uow.session.execute(
            sa.update(BOOKINGS)
            .where(BOOKINGS.c.board == board, BOOKINGS.c.day == day)
            .values(booked=sa.func.greatest(BOOKINGS.c.booked - n, 0), updated_at=sa.func.now())
        )


# ---------------------------------------------------------------- who is busy when


async def busy_days(
    uow: UnitOfWork,
    board: str,
    people: Collection[str],
    start: date,
    end: date,
    *,
    except_meeting: uuid.UUID | None = None,
    except_observation: uuid.UUID | None = None,
) -> dict[str, set[date]]:
    """Days each person cannot be released for a meeting: workshops and cohort meetings they are
    confirmed in (learned from registration's events; open sessions are after school), hub
    meetings they attend and observation visits they are part of."""
    ids = [uuid.UUID(p) for p in people]
    busy: dict[str, set[date]] = defaultdict(set)
    if not ids:
        return busy
    workshops = await uow.session.execute(
        sa.select(WorkshopEnrolmentView.participant_id, WorkshopSessionView.day)
        .join(WorkshopSessionView, WorkshopSessionView.session_id == WorkshopEnrolmentView.session_id)  # type: ignore[arg-type]
        .where(
            WorkshopEnrolmentView.participant_id.in_(ids),  # type: ignore[attr-defined]
            WorkshopSessionView.cancelled.is_(False),  # type: ignore[attr-defined]
            WorkshopSessionView.kind != "network_open",  # type: ignore[arg-type]
            WorkshopSessionView.day.between(start, end),  # type: ignore[attr-defined]
        )
    )
    for person, day in workshops:
        busy[str(person)].add(day)
    meetings = sa.select(HubMeetingRow.attendees, HubMeetingRow.day).where(
        HubMeetingRow.board == board,  # type: ignore[arg-type]
        HubMeetingRow.status == "scheduled",  # type: ignore[arg-type]
        HubMeetingRow.day.between(start, end),  # type: ignore[attr-defined]
        HubMeetingRow.attendees.overlap(ids),  # type: ignore[attr-defined]
    )
    if except_meeting is not None:
        meetings = meetings.where(HubMeetingRow.id != except_meeting)  # type: ignore[arg-type]
    wanted = set(ids)
    for attendees, day in await uow.session.execute(meetings):
        for person in wanted.intersection(attendees):
            busy[str(person)].add(day)
    visits = sa.select(ObservationRow.visitor_id, ObservationRow.host_id, ObservationRow.day).where(
        ObservationRow.board == board,  # type: ignore[arg-type]
        ObservationRow.status == "scheduled",  # type: ignore[arg-type]
        ObservationRow.day.between(start, end),  # type: ignore[attr-defined]
        sa.or_(ObservationRow.visitor_id.in_(ids), ObservationRow.host_id.in_(ids)),  # type: ignore[attr-defined]
    )
    if except_observation is not None:
        visits = visits.where(ObservationRow.id != except_observation)  # type: ignore[arg-type]
    for visitor, host, day in await uow.session.execute(visits):
        for person in wanted.intersection((visitor, host)):
            busy[str(person)].add(day)
    return busy


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
    await uow.session.execute(
        sa.text("SELECT pg_advisory_xact_lock(hashtext('mentorweb.release_days'), hashtext(:board))"),
        {"board": board},
    )
    calendar_row = await get_calendar(uow, board, program_year)
    calendar = calendar_of(calendar_row)
    start = max(policy.start or calendar.first_day, calendar.first_day)
    if today is not None:
        start = max(start, today)  # never a meeting on a day already gone
    end = min(policy.end or calendar.last_day, calendar.last_day)
    if end < start:
        raise Invalid("end", "the window is outside the school year (or entirely before today)")
    ids = [uuid.UUID(h.hub_id) for h in hubs]
    existing = set(
        (
            await uow.session.execute(
                sa.select(HubMeetingRow.hub_id)
                .where(
                    HubMeetingRow.board == board,  # type: ignore[arg-type]
                    HubMeetingRow.program_year == program_year,  # type: ignore[arg-type]
                    HubMeetingRow.status == "scheduled",  # type: ignore[arg-type]
                    HubMeetingRow.hub_id.in_(ids),  # type: ignore[attr-defined]
                )
                .distinct()
            )
        ).scalars()
    )
    skipped = [
        scheduler.UnscheduledHub(
            h.hub_id, "calendar", "already has meetings this program year: reschedule or cancel them instead"
        )
        for h in hubs
        if uuid.UUID(h.hub_id) in existing
    ]
    todo = [h for h in hubs if uuid.UUID(h.hub_id) not in existing]
    capacity, booked = await lock_ledger(uow, board, start, end)
    people = {p for h in todo for p in h.attendees}
    busy = await busy_days(uow, board, people, start, end)
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
        await book(uow, board, plan.releases_by_day())
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
        uow.session.add(row)
        rows.append(row)
    await uow.session.flush()
    uow.publish(*(_event(r) for r in rows))
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
    query = (
        "SELECT hub_id, participant_id, role FROM hub_members "
        "WHERE board = :board AND program_year = :program_year"
    )
    params: dict[str, Any] = {"board": board, "program_year": program_year}
    if hub_ids is not None:
        query += " AND hub_id = ANY(:hub_ids)"
        params["hub_ids"] = list(hub_ids)
    rows = await uow.session.execute(sa.text(query + " ORDER BY hub_id, role DESC, participant_id"), params)
    members: dict[uuid.UUID, list[str]] = defaultdict(list)
    leaders: dict[uuid.UUID, list[str]] = defaultdict(list)
    for hub_id, participant_id, role in rows:
        (leaders if role == "leader" else members)[hub_id].append(str(participant_id))
    free = frozenset(str(p) for p in without_class)
    coaches: dict[uuid.UUID, list[str]] = defaultdict(list)
    for hub_id, coach_id in await repository.coaches_of(uow.session, board, program_year, hub_ids):
        coaches[hub_id].append(str(coach_id))
    return [
        HubToSchedule(
            str(hub_id), tuple(members[hub_id]), tuple(leaders[hub_id]), free, tuple(coaches[hub_id])
        )
        for hub_id in sorted(set(members) | set(leaders))
    ]


async def get_meeting(uow: UnitOfWork, meeting_id: uuid.UUID, *, lock: bool = False) -> HubMeetingRow:
    query = sa.select(HubMeetingRow).where(HubMeetingRow.id == meeting_id)  # type: ignore[arg-type]
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).scalar_one_or_none()
    if row is None:
        raise NotFound("No such hub meeting.")
    return row


async def list_meetings(
    uow: UnitOfWork, board: str, program_year: str | None = None, hub_id: uuid.UUID | None = None
) -> list[HubMeetingRow]:
    query = sa.select(HubMeetingRow).where(HubMeetingRow.board == board)  # type: ignore[arg-type]
    if program_year:
        query = query.where(HubMeetingRow.program_year == program_year)  # type: ignore[arg-type]
    if hub_id:
        query = query.where(HubMeetingRow.hub_id == hub_id)  # type: ignore[arg-type]
    return list(
        (await uow.session.execute(query.order_by(HubMeetingRow.day, HubMeetingRow.hub_id))).scalars()
    )  # type: ignore[arg-type]


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
    capacity, booked = await lock_days(uow, row.board, {day, row.day})
    others = [
        d
        for (d,) in await uow.session.execute(
            sa.select(HubMeetingRow.day).where(
                HubMeetingRow.hub_id == row.hub_id,  # type: ignore[arg-type]
                HubMeetingRow.status == "scheduled",  # type: ignore[arg-type]
                HubMeetingRow.id != row.id,  # type: ignore[arg-type]
            )
        )
    ]
    people = [str(a) for a in row.attendees]
    busy = await busy_days(uow, row.board, people, day, day, except_meeting=row.id)
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
    await release(uow, row.board, row.day, row.releases)
    try:
        await book(uow, row.board, {day: releases})
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
    await uow.session.flush()
    uow.publish(_event(row, HubMeetingRescheduled))
    return row


async def cancel_meeting(uow: UnitOfWork, meeting_id: uuid.UUID) -> HubMeetingRow:
    """Cancel a meeting and give its occasional teachers back (HubMeetingCancelled); idempotent."""
    row = await get_meeting(uow, meeting_id, lock=True)
    if row.status == "cancelled":
        return row
    await release(uow, row.board, row.day, row.releases)
    row.status = "cancelled"
    row.sequence += 1
    row.updated_at = datetime.now(UTC)
    await uow.session.flush()
    uow.publish(_event(row, HubMeetingCancelled))
    return row


# ---------------------------------------------------------------- report


async def release_day_report(
    uow: UnitOfWork, board: str, program_year: str, daily_rate: Decimal | None = None
) -> ReleaseDayReport:
    """Release days used by the board's scheduled hub meetings and observation visits."""
    meetings = await uow.session.execute(
        sa.select(HubMeetingRow.day, HubMeetingRow.hub_id, HubMeetingRow.releases).where(
            HubMeetingRow.board == board,  # type: ignore[arg-type]
            HubMeetingRow.program_year == program_year,  # type: ignore[arg-type]
            HubMeetingRow.status == "scheduled",  # type: ignore[arg-type]
            HubMeetingRow.release_time.is_(True),  # type: ignore[attr-defined]
        )
    )
    visits = await uow.session.execute(
        sa.select(ObservationRow.day, ObservationRow.releases).where(
            ObservationRow.board == board,  # type: ignore[arg-type]
            ObservationRow.program_year == program_year,  # type: ignore[arg-type]
            ObservationRow.status == "scheduled",  # type: ignore[arg-type]
        )
    )
    uses = [ReleaseUse(day, "hub_meeting", n, str(hub)) for day, hub, n in meetings]
    uses += [ReleaseUse(day, "observation", n) for day, n in visits]
    return build_report(uses, board=board, program_year=program_year, daily_rate=daily_rate)
