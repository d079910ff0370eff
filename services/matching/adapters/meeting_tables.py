"""Tables of release days: board calendars, occasional-teacher capacity and bookings, hub meetings,
observation visits and their debriefs, and the workshop days matching learns from registration.

Created by migration 0003_release_days.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Column, Field

from services.matching.adapters.tables import MatchingTable


def _now_column() -> Column:
    return Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


class BoardCalendarRow(MatchingTable, table=True):
    __tablename__ = "board_calendars"

    board: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    program_year: str = Field(sa_column=Column(sa.String(9), primary_key=True))
    first_day: date
    last_day: date
    holidays: list[date] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Date), nullable=False)
    )
    pa_days: list[date] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Date), nullable=False)
    )
    timezone: str = "America/Toronto"
    release_starts: time = time(9, 0)
    release_ends: time = time(15, 0)
    after_school_starts: time = time(15, 45)
    after_school_ends: time = time(17, 15)
    updated_at: datetime = Field(sa_column=_now_column())


class ReleaseDayBooking(MatchingTable, table=True):
    """One row per board and day: occasional teachers the board can supply and how many are booked.

    ``CHECK (booked <= capacity)``; bookings use a conditional ``UPDATE`` under row locks, so two
    schedulers (two replicas) at the same moment never over-book.
    """

    __tablename__ = "release_day_bookings"

    board: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    day: date = Field(sa_column=Column(sa.Date, primary_key=True))
    capacity: int
    booked: int = 0
    updated_at: datetime = Field(sa_column=_now_column())


class HubMeetingRow(MatchingTable, table=True):
    __tablename__ = "hub_meetings"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    hub_id: uuid.UUID
    day: date
    starts_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    release_time: bool = True
    # Occasional teachers booked (0 after school) and attendees with a class (released on a release day).
    releases: int = 0
    with_class: int = 0
    attendees: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(postgresql.ARRAY(postgresql.UUID(as_uuid=True)), nullable=False),
    )
    location: str | None = None
    status: str = "scheduled"  # scheduled | cancelled
    sequence: int = 0
    created_at: datetime = Field(sa_column=_now_column())
    updated_at: datetime = Field(sa_column=_now_column())


class ObservationRow(MatchingTable, table=True):
    """A classroom observation visit: the visitor is released for the day to observe the host."""

    __tablename__ = "observations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    requested_by: str | None = None
    day: date
    starts_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    releases: int = 1
    status: str = "scheduled"  # scheduled | cancelled
    created_at: datetime = Field(sa_column=_now_column())


class DebriefRow(MatchingTable, table=True):
    """A participant's own short debrief of an observation, readable by them and the one mentor
    they name: never by coordinators or anyone who evaluates them (mentorship is non-evaluative)."""

    __tablename__ = "observation_debriefs"

    observation_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("observations.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    author_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), primary_key=True))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    mentor_id: uuid.UUID | None = None
    body: str
    created_at: datetime = Field(sa_column=_now_column())
    updated_at: datetime = Field(sa_column=_now_column())


class WorkshopSessionView(MatchingTable, table=True):
    """Registration's workshops and network sessions, kept from SessionScheduled/Changed/Cancelled."""

    __tablename__ = "workshop_sessions"

    session_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    kind: str
    day: date
    cancelled: bool = False
    sequence: int = 0


class WorkshopEnrolmentView(MatchingTable, table=True):
    """Who is confirmed in which session, kept from EnrolmentConfirmed."""

    __tablename__ = "workshop_enrolments"

    session_id: uuid.UUID = Field(primary_key=True)
    participant_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
