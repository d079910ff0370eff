"""Registration's own tables (SQLModel families: Base → table → Create/Update/Public).

The program year's (its timeline, workshops and network sessions, enrolments, attendance, steering
committee) were created by migration 0003_program_year and later; ``board`` NULL there means
provincial (organised by the Association for every board)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class RegistrationTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, so tables of different services never clash."""


class Board(RegistrationTable, table=True):
    __tablename__ = "boards"

    code: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    name: str
    language: str = "en"
    region: str | None = None
    timezone: str = "America/Toronto"
    # SCIM: the attribute that carries the HR identifier (employeeNumber, externalId or userName).
    scim_identity: str = Field(
        default="employeeNumber",
        sa_column=Column(sa.String(20), nullable=False, server_default="employeeNumber"),
    )


class School(RegistrationTable, table=True):
    __tablename__ = "schools"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(
        sa_column=Column(sa.String(40), sa.ForeignKey("boards.code"), nullable=False, index=True)
    )
    code: str = Field(sa_column=Column(sa.String(80), nullable=False))
    name: str
    __table_args__ = (sa.UniqueConstraint("board", "code"),)


class Theme(RegistrationTable, table=True):
    __tablename__ = "themes"

    code: str = Field(sa_column=Column(sa.String(60), primary_key=True))
    name_en: str
    name_fr: str


class Participant(RegistrationTable, table=True):
    __tablename__ = "participants"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Board filters use the unique (board, program_year, hr_id) index (see migration 0002).
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    hr_id: str = Field(sa_column=Column(sa.String(80), nullable=False))
    role: str = Field(sa_column=Column(sa.String(30), nullable=False))
    given_name: str
    family_name: str
    email: str
    language: str = "en"
    school: str | None = None
    grade_band: str | None = None
    subjects: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    themes: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    learning_goals: str | None = None
    expertise_themes: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    leads_school_leaders: bool = False
    trained: bool = False
    hub_capacity: int = 0
    one_to_one_capacity: int = 0
    evaluates_hr_ids: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    status: str = "registered"
    revision: int = 1
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    updated_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    # SCIM bookkeeping: the client's own id, and when a SCIM client deleted (deprovisioned) the user.
    external_id: str | None = Field(default=None, sa_column=Column(sa.String(200)))
    deprovisioned_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    # What the SCIM client sent beyond Mentorweb's columns, returned as it was sent.
    scim_resource: dict[str, Any] | None = Field(default=None, sa_column=Column(postgresql.JSONB))

    __table_args__ = (sa.UniqueConstraint("board", "program_year", "hr_id", name="uq_participant_hr_id"),)


class Import(RegistrationTable, table=True):
    """One uploaded HR file and how far its processing got."""

    __tablename__ = "imports"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), sa.ForeignKey("boards.code"), nullable=False))
    format: str = Field(sa_column=Column(sa.String(20), nullable=False))
    filename: str | None = None
    program_year: str | None = None
    size_bytes: int
    submitted_by: str | None = None
    state: str = "queued"
    encoding: str | None = None
    total_rows: int | None = None
    next_row: int = 0
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    withdrawn_count: int = 0
    skipped_count: int = 0
    failed_rows: int = 0
    error_count: int = 0
    schools_count: int = 0
    attempts: int = 0
    error: str | None = None
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )
    started_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    finished_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))


class ImportFile(RegistrationTable, table=True):
    """The uploaded bytes of an import still to be processed (deleted when it finishes)."""

    __tablename__ = "import_files"

    import_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    content: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False))


class ImportRowError(RegistrationTable, table=True):
    """One problem with one row (and column) of an import's file."""

    __tablename__ = "import_errors"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    import_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True), sa.ForeignKey("imports.id", ondelete="CASCADE"), nullable=False
        )
    )
    file: str | None = None
    row: int | None = None
    column: str | None = None
    message: str
    outcome: str = "refused"


# The board a participant belongs to, for a token that names the participant but no board
# (ServiceSpec.participant_board: row-level security needs a board to show any row).
PARTICIPANT_BOARD = (
    "SELECT board FROM participants WHERE id = :participant ORDER BY program_year DESC LIMIT 1"
)


# ---------------------------------------------------------------- the program year


def _uuid_fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column[Any]:
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


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table of a table model, typed (SQLModel sets ``__table__`` without declaring it)."""
    table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass, undeclared
    assert isinstance(table, sa.Table)
    return table
