"""Tables of the program year: its timeline, workshops and network sessions, enrolments, attendance.

Created by migration 0003_program_year. ``board`` NULL means provincial (organised by the
Association for every board).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Column, Field

from services.registration.adapters.tables import RegistrationTable


def _uuid_fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column:  # type: ignore[type-arg]
    return Column(postgresql.UUID(as_uuid=True), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


class ProgramYearRow(RegistrationTable, table=True):
    __tablename__ = "program_years"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str | None = Field(default=None, sa_column=Column(sa.String(40), sa.ForeignKey("boards.code")))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class ProgramPhaseRow(RegistrationTable, table=True):
    __tablename__ = "program_phases"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    program_year_id: uuid.UUID = Field(sa_column=_uuid_fk("program_years.id", ondelete="CASCADE"))
    position: int = 0
    key: str = Field(sa_column=Column(sa.String(40), nullable=False))
    title: str
    kind: str = Field(sa_column=Column(sa.String(20), nullable=False))
    audience: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    starts_on: date
    ends_on: date
    milestone: bool = True
    min_workshops: int | None = None
    completed_on: date | None = None
    completed_by: str | None = Field(default=None, sa_column=Column(sa.String(60)))


class NetworkCohortRow(RegistrationTable, table=True):
    """A Beginning Teacher Network cohort group: a fixed group meeting four times a year on release time."""

    __tablename__ = "network_cohorts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str | None = Field(default=None, sa_column=Column(sa.String(40), sa.ForeignKey("boards.code")))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    title: str
    facilitator: str
    capacity: int
    meetings_planned: int = 4
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class SessionRow(RegistrationTable, table=True):
    """A workshop, a cohort group's meeting, or an open (after-school) network session."""

    __tablename__ = "program_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str | None = Field(default=None, sa_column=Column(sa.String(40), sa.ForeignKey("boards.code")))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    kind: str = Field(sa_column=Column(sa.String(20), nullable=False))
    title: str
    facilitator: str | None = None
    starts_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    ends_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    timezone: str = "America/Toronto"
    location: str | None = None
    online_url: str | None = None
    # NULL for cohort meetings: the cohort group holds the seats.
    capacity: int | None = None
    audience: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    cohort_id: uuid.UUID | None = Field(default=None, sa_column=_uuid_fk("network_cohorts.id", nullable=True))
    release_time: bool = False
    status: str = "scheduled"
    sequence: int = 0
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    updated_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class EnrolmentRow(RegistrationTable, table=True):
    """A seat (or a place on the waitlist) in a session or a cohort group; ``seq`` orders the waitlist."""

    __tablename__ = "enrolments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    seq: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), nullable=False))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    session_id: uuid.UUID | None = Field(
        default=None, sa_column=_uuid_fk("program_sessions.id", nullable=True)
    )
    cohort_id: uuid.UUID | None = Field(default=None, sa_column=_uuid_fk("network_cohorts.id", nullable=True))
    participant_id: uuid.UUID = Field(sa_column=_uuid_fk("participants.id"))
    # confirmed | waitlisted | cancelled
    status: str = Field(sa_column=Column(sa.String(20), nullable=False))
    promoted_from_waitlist: bool = False
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    updated_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class AttendanceRow(RegistrationTable, table=True):
    __tablename__ = "session_attendance"

    session_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("program_sessions.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    participant_id: uuid.UUID = Field(
        sa_column=Column(postgresql.UUID(as_uuid=True), sa.ForeignKey("participants.id"), primary_key=True)
    )
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    attended: bool
    recorded_by: str | None = None
    recorded_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class SteeringCommitteeRow(RegistrationTable, table=True):
    """A board's mentorship steering committee for one program year (created by migration 0005)."""

    __tablename__ = "steering_committees"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), sa.ForeignKey("boards.code"), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    sequence: int = 0  # grows with each change (SteeringCommitteeChanged.sequence)


class SteeringMemberRow(RegistrationTable, table=True):
    __tablename__ = "steering_committee_members"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=_uuid_fk("steering_committees.id", ondelete="CASCADE"))
    name: str = Field(sa_column=Column(sa.String(200), nullable=False))
    representing: str = Field(sa_column=Column(sa.String(20), nullable=False))
    participant_id: uuid.UUID | None = Field(
        default=None, sa_column=_uuid_fk("participants.id", nullable=True, ondelete="SET NULL")
    )
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class SteeringMeetingRow(RegistrationTable, table=True):
    __tablename__ = "steering_committee_meetings"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    committee_id: uuid.UUID = Field(sa_column=_uuid_fk("steering_committees.id", ondelete="CASCADE"))
    held_on: date = Field(sa_column=Column(sa.Date, nullable=False))
    agenda_summary: str = Field(sa_column=Column(sa.Text, nullable=False))
    expenses: Decimal = Field(sa_column=Column(sa.Numeric(12, 2), nullable=False))
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
