"""Release days in PostgreSQL: board calendars, the occasional-teacher ledger, hub meetings,
observation visits and their debriefs, and the workshop days learned from registration.

Capacity is enforced by PostgreSQL: the board's ``release_day_bookings`` rows of a window are
locked in day order (``FOR UPDATE``) before planning, each booking is a conditional
``UPDATE ... SET booked = booked + n WHERE booked + n <= capacity RETURNING``, and a
``CHECK (booked <= capacity)`` backs both. Two schedulers running at once (two replicas) queue on
the locks; the second plans with what the first booked.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.matching.adapters.meeting_tables import (
    BoardCalendarRow,
    DebriefRow,
    HubMeetingRow,
    ObservationRow,
    ReleaseDayBooking,
    WorkshopEnrolmentView,
    WorkshopSessionView,
)
from services.matching.adapters.tables import table_of

BOOKINGS: sa.Table = table_of(ReleaseDayBooking)
CALENDARS: sa.Table = table_of(BoardCalendarRow)
DEBRIEFS: sa.Table = table_of(DebriefRow)
WORKSHOP_SESSIONS: sa.Table = table_of(WorkshopSessionView)
WORKSHOP_ENROLMENTS: sa.Table = table_of(WorkshopEnrolmentView)


class CapacityTaken(Exception):
    """A conditional booking found fewer occasional teachers than planned (should not happen under
    the row locks; the caller rolls back and tells the user to retry). ``args[0]`` is the day."""


def _per_day(rows: Any) -> tuple[dict[date, int], dict[date, int]]:
    capacity: dict[date, int] = {}
    booked: dict[date, int] = {}
    for day, cap, used in rows:
        capacity[day] = cap
        booked[day] = used
    return capacity, booked


class MeetingRepository:
    """Calendars, the occasional-teacher ledger, hub meetings, observation visits, debriefs and
    workshop days over one session."""

    def __init__(self, session: AsyncSession):
        self.session = session

    # ------------------------------------------------------------ calendars

    async def put_calendar(self, board: str, program_year: str, values: Mapping[str, Any]) -> None:
        statement = insert(CALENDARS).values(board=board, program_year=program_year, **values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["board", "program_year"],
                set_={**{k: statement.excluded[k] for k in values}, "updated_at": sa.func.now()},
            )
        )

    async def calendar(self, board: str, program_year: str) -> BoardCalendarRow | None:
        return (
            await self.session.execute(
                sa.select(BoardCalendarRow)
                .where(
                    col(BoardCalendarRow.board) == board, col(BoardCalendarRow.program_year) == program_year
                )
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()

    # ------------------------------------------------------------ the occasional-teacher ledger

    async def lock_scheduler(self, board: str) -> None:
        """One scheduler per board at a time (replicas included), until the transaction ends."""
        await self.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext('mentorweb.release_days'), hashtext(:board))"),
            {"board": board},
        )

    async def booked_locked(self, board: str, days: Collection[date]) -> dict[date, int]:
        """What is booked on these days (locked, in day order), for days the ledger has."""
        rows = await self.session.execute(
            sa.select(BOOKINGS.c.day, BOOKINGS.c.booked)
            .where(BOOKINGS.c.board == board, BOOKINGS.c.day.in_(sorted(days)))
            .order_by(BOOKINGS.c.day)
            .with_for_update()
        )
        return {day: booked for day, booked in rows}

    async def set_capacity(self, board: str, days: Mapping[date, int]) -> None:
        ordered = sorted(days)
        statement = insert(BOOKINGS).values(
            [{"board": board, "day": d, "capacity": days[d]} for d in ordered]
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["board", "day"],
                set_={"capacity": statement.excluded.capacity, "updated_at": sa.func.now()},
            )
        )

    async def capacity_rows(
        self, board: str, start: date | None, end: date | None
    ) -> list[tuple[date, int, int]]:
        """(day, capacity, booked) of the board's ledger, in day order."""
        query = sa.select(BOOKINGS.c.day, BOOKINGS.c.capacity, BOOKINGS.c.booked).where(
            BOOKINGS.c.board == board
        )
        if start:
            query = query.where(BOOKINGS.c.day >= start)
        if end:
            query = query.where(BOOKINGS.c.day <= end)
        return [(d, c, b) for d, c, b in await self.session.execute(query.order_by(BOOKINGS.c.day))]

    async def lock_ledger(
        self, board: str, start: date, end: date
    ) -> tuple[dict[date, int], dict[date, int]]:
        """Lock the board's ledger rows of the window, in day order (no deadlock between schedulers),
        and return (capacity, booked) per day."""
        rows = await self.session.execute(
            sa.select(BOOKINGS.c.day, BOOKINGS.c.capacity, BOOKINGS.c.booked)
            .where(BOOKINGS.c.board == board, BOOKINGS.c.day.between(start, end))
            .order_by(BOOKINGS.c.day)
            .with_for_update()
        )
        return _per_day(rows)

    async def lock_days(self, board: str, days: Collection[date]) -> tuple[dict[date, int], dict[date, int]]:
        """Like :meth:`lock_ledger` for a few days (a meeting moving from one day to another)."""
        rows = await self.session.execute(
            sa.select(BOOKINGS.c.day, BOOKINGS.c.capacity, BOOKINGS.c.booked)
            .where(BOOKINGS.c.board == board, BOOKINGS.c.day.in_(sorted(days)))
            .order_by(BOOKINGS.c.day)
            .with_for_update()
        )
        return _per_day(rows)

    async def book(self, board: str, releases: Mapping[date, int]) -> None:
        """Take occasional teachers, in day order, only where they are left (the database decides);
        :class:`CapacityTaken` when a day has too few."""
        for day in sorted(releases):
            n = releases[day]
            if n <= 0:
                continue
            taken = (
                await self.session.execute(
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

    async def release(self, board: str, day: date, n: int) -> None:
        """Give ``n`` occasional teachers of ``day`` back (never below zero)."""
        if n > 0:
            await self.session.execute(
                sa.update(BOOKINGS)
                .where(BOOKINGS.c.board == board, BOOKINGS.c.day == day)
                .values(booked=sa.func.greatest(BOOKINGS.c.booked - n, 0), updated_at=sa.func.now())
            )

    # ------------------------------------------------------------ who is busy when

    async def busy_days(
        self,
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
        workshops = await self.session.execute(
            sa.select(col(WorkshopEnrolmentView.participant_id), col(WorkshopSessionView.day))
            .join(
                WorkshopSessionView,
                col(WorkshopSessionView.session_id) == col(WorkshopEnrolmentView.session_id),
            )
            .where(
                col(WorkshopEnrolmentView.participant_id).in_(ids),
                col(WorkshopSessionView.cancelled).is_(False),
                col(WorkshopSessionView.kind) != "network_open",
                col(WorkshopSessionView.day).between(start, end),
            )
        )
        for person, day in workshops:
            busy[str(person)].add(day)
        meetings = sa.select(col(HubMeetingRow.attendees), col(HubMeetingRow.day)).where(
            col(HubMeetingRow.board) == board,
            col(HubMeetingRow.status) == "scheduled",
            col(HubMeetingRow.day).between(start, end),
            table_of(HubMeetingRow).c.attendees.overlap(ids),
        )
        if except_meeting is not None:
            meetings = meetings.where(col(HubMeetingRow.id) != except_meeting)
        wanted = set(ids)
        for attendees, day in await self.session.execute(meetings):
            for person in wanted.intersection(attendees):
                busy[str(person)].add(day)
        visits = sa.select(
            col(ObservationRow.visitor_id), col(ObservationRow.host_id), col(ObservationRow.day)
        ).where(
            col(ObservationRow.board) == board,
            col(ObservationRow.status) == "scheduled",
            col(ObservationRow.day).between(start, end),
            sa.or_(col(ObservationRow.visitor_id).in_(ids), col(ObservationRow.host_id).in_(ids)),
        )
        if except_observation is not None:
            visits = visits.where(col(ObservationRow.id) != except_observation)
        for visitor, host, day in await self.session.execute(visits):
            for person in wanted.intersection((visitor, host)):
                busy[str(person)].add(day)
        return busy

    # ------------------------------------------------------------ hub meetings

    async def hubs_meeting(
        self, board: str, program_year: str, hub_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of ``hub_ids`` that already have scheduled meetings this program year."""
        return set(
            (
                await self.session.execute(
                    sa.select(col(HubMeetingRow.hub_id))
                    .where(
                        col(HubMeetingRow.board) == board,
                        col(HubMeetingRow.program_year) == program_year,
                        col(HubMeetingRow.status) == "scheduled",
                        col(HubMeetingRow.hub_id).in_(hub_ids),
                    )
                    .distinct()
                )
            ).scalars()
        )

    async def add_meetings(self, rows: Sequence[HubMeetingRow]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def hub_people(
        self, board: str, program_year: str, hub_ids: Collection[uuid.UUID] | None
    ) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
        """(hub, participant, role) of the board's hubs as matching formed them."""
        query = (
            "SELECT hub_id, participant_id, role FROM hub_members "
            "WHERE board = :board AND program_year = :program_year"
        )
        params: dict[str, Any] = {"board": board, "program_year": program_year}
        if hub_ids is not None:
            query += " AND hub_id = ANY(:hub_ids)"
            params["hub_ids"] = list(hub_ids)
        rows = await self.session.execute(
            sa.text(query + " ORDER BY hub_id, role DESC, participant_id"), params
        )
        return [(h, p, r) for h, p, r in rows]

    async def meeting(self, meeting_id: uuid.UUID, *, lock: bool = False) -> HubMeetingRow | None:
        query = sa.select(HubMeetingRow).where(col(HubMeetingRow.id) == meeting_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def meetings(
        self, board: str, program_year: str | None = None, hub_id: uuid.UUID | None = None
    ) -> list[HubMeetingRow]:
        query = sa.select(HubMeetingRow).where(col(HubMeetingRow.board) == board)
        if program_year:
            query = query.where(col(HubMeetingRow.program_year) == program_year)
        if hub_id:
            query = query.where(col(HubMeetingRow.hub_id) == hub_id)
        return list(
            (
                await self.session.execute(query.order_by(col(HubMeetingRow.day), col(HubMeetingRow.hub_id)))
            ).scalars()
        )

    async def other_days(self, row: HubMeetingRow) -> list[date]:
        """The days of the hub's other scheduled meetings."""
        return [
            d
            for (d,) in await self.session.execute(
                sa.select(col(HubMeetingRow.day)).where(
                    col(HubMeetingRow.hub_id) == row.hub_id,
                    col(HubMeetingRow.status) == "scheduled",
                    col(HubMeetingRow.id) != row.id,
                )
            )
        ]

    async def future_meetings(
        self, board: str, hub_ids: Collection[uuid.UUID], today: date
    ) -> list[HubMeetingRow]:
        """The scheduled meetings of these hubs from ``today`` on, locked, in day order."""
        if not hub_ids:
            return []
        rows = await self.session.execute(
            sa.select(HubMeetingRow)
            .where(
                col(HubMeetingRow.board) == board,
                col(HubMeetingRow.hub_id).in_(list(hub_ids)),
                col(HubMeetingRow.status) == "scheduled",
                col(HubMeetingRow.day) >= today,
            )
            .order_by(col(HubMeetingRow.day), col(HubMeetingRow.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(rows.scalars())

    async def coming_meetings(self, hub_ids: Collection[uuid.UUID], now: datetime) -> list[HubMeetingRow]:
        """The scheduled meetings of these hubs that have not ended, in order."""
        if not hub_ids:
            return []
        return list(
            (
                await self.session.execute(
                    sa.select(HubMeetingRow)
                    .where(
                        col(HubMeetingRow.hub_id).in_(list(hub_ids)),
                        col(HubMeetingRow.status) == "scheduled",
                        col(HubMeetingRow.ends_at) >= now,
                    )
                    .order_by(col(HubMeetingRow.starts_at), col(HubMeetingRow.id))
                )
            ).scalars()
        )

    async def release_uses(
        self, board: str, program_year: str
    ) -> tuple[list[tuple[date, uuid.UUID, int]], list[tuple[date, int]]]:
        """Releases of the scheduled hub meetings (day, hub, releases) and observation visits (day,
        releases) of the board's program year."""
        meetings = await self.session.execute(
            sa.select(col(HubMeetingRow.day), col(HubMeetingRow.hub_id), col(HubMeetingRow.releases)).where(
                col(HubMeetingRow.board) == board,
                col(HubMeetingRow.program_year) == program_year,
                col(HubMeetingRow.status) == "scheduled",
                col(HubMeetingRow.release_time).is_(True),
            )
        )
        visits = await self.session.execute(
            sa.select(col(ObservationRow.day), col(ObservationRow.releases)).where(
                col(ObservationRow.board) == board,
                col(ObservationRow.program_year) == program_year,
                col(ObservationRow.status) == "scheduled",
            )
        )
        return [(d, h, n) for d, h, n in meetings], [(d, n) for d, n in visits]

    # ------------------------------------------------------------ observation visits and debriefs

    async def add_observation(self, row: ObservationRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def observation(self, observation_id: uuid.UUID, *, lock: bool = False) -> ObservationRow | None:
        query = sa.select(ObservationRow).where(col(ObservationRow.id) == observation_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def put_debrief(
        self, observation: ObservationRow, author_id: uuid.UUID, body: str, mentor_id: uuid.UUID | None
    ) -> DebriefRow:
        statement = insert(DEBRIEFS).values(
            observation_id=observation.id,
            author_id=author_id,
            board=observation.board,
            mentor_id=mentor_id,
            body=body,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["observation_id", "author_id"],
                set_={
                    "body": statement.excluded.body,
                    "mentor_id": statement.excluded.mentor_id,
                    "updated_at": sa.func.now(),
                },
            )
        )
        return (
            await self.session.execute(
                sa.select(DebriefRow)
                .where(
                    col(DebriefRow.observation_id) == observation.id, col(DebriefRow.author_id) == author_id
                )
                .execution_options(populate_existing=True)
            )
        ).scalar_one()

    async def debriefs_for(self, observation_id: uuid.UUID, reader_id: uuid.UUID) -> list[DebriefRow]:
        """Debriefs of the visit that ``reader_id`` wrote or that name them as the mentor."""
        return list(
            (
                await self.session.execute(
                    sa.select(DebriefRow).where(
                        col(DebriefRow.observation_id) == observation_id,
                        sa.or_(
                            col(DebriefRow.author_id) == reader_id, col(DebriefRow.mentor_id) == reader_id
                        ),
                    )
                )
            ).scalars()
        )

    # ------------------------------------------------------------ workshop days (registration's)

    async def record_session(self, row: Mapping[str, Any]) -> None:
        """Keep a workshop session's day; an older ``sequence`` arriving late never wins."""
        statement = insert(WORKSHOP_SESSIONS).values(**row)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[WORKSHOP_SESSIONS.c.session_id],
                set_={k: statement.excluded[k] for k in ("kind", "day", "cancelled", "sequence")},
                where=WORKSHOP_SESSIONS.c.sequence <= statement.excluded.sequence,
            )
        )

    async def record_enrolment(self, session_id: uuid.UUID, participant_id: uuid.UUID, board: str) -> None:
        await self.session.execute(
            insert(WORKSHOP_ENROLMENTS)
            .values(session_id=session_id, participant_id=participant_id, board=board)
            .on_conflict_do_nothing()
        )
