"""Matching's own tables: its view of participants (kept from registration's events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class MatchingTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, so tables of different services never clash."""


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model (for inserts and upserts by statement)."""
    return model.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__


class ParticipantView(MatchingTable, table=True):
    __tablename__ = "participants"

    participant_id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False, index=True))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    revision: int
    hr_id: str
    role: str
    display_name: str
    language: str
    school: str | None = None
    grade_band: str | None = None
    subjects: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    themes: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
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
    # awaiting_placement → placed (in a hub) | unplaced (with reason) ; withdrawn
    placement_status: str = "awaiting_placement"
    withdrawn: bool = False
    updated_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


def _now_column() -> Column:
    return Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


class MatchingRun(MatchingTable, table=True):
    """One run of hub forming for a board's program year (synchronous: one transaction)."""

    __tablename__ = "matching_runs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    status: str = Field(default="completed", sa_column=Column(sa.String(20), nullable=False))
    requested_by: str = Field(sa_column=Column(sa.String(200), nullable=False))
    started_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    objective: float | None = None
    # Numbers (all roles together) and, under beginning_teachers / new_school_leaders, the same by role.
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(postgresql.JSONB, nullable=False))
    # The draft a coordinator reviews before publishing (hubs, pairings, unplaced, difference).
    draft: dict[str, Any] | None = Field(default=None, sa_column=Column(postgresql.JSONB))
    inputs: str | None = Field(default=None, sa_column=Column(sa.String(64)))  # digest of the inputs
    base: str | None = Field(default=None, sa_column=Column(sa.String(64)))  # published state drafted on
    published_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    published_by: str | None = Field(default=None, sa_column=Column(sa.String(200)))


class HubRow(MatchingTable, table=True):
    """A mentoring hub; its id is the UUID of the domain's hub_key (same input, same id)."""

    __tablename__ = "hubs"

    id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    theme: str = Field(sa_column=Column(sa.String(60), nullable=False))
    grade_band: str | None = Field(default=None, sa_column=Column(sa.String(20)))
    language: str = Field(sa_column=Column(sa.String(2), nullable=False))
    track: str = Field(sa_column=Column(sa.String(20), nullable=False))
    explanation: str = Field(default="", sa_column=Column(sa.Text, nullable=False))
    flags: list[str] = Field(
        default_factory=list, sa_column=Column(postgresql.ARRAY(sa.Text), nullable=False)
    )
    locked: bool = Field(default=False, sa_column=Column(sa.Boolean, nullable=False))
    run_id: uuid.UUID | None = None
    created_at: datetime = Field(sa_column=_now_column())
    updated_at: datetime = Field(sa_column=_now_column())


class HubMember(MatchingTable, table=True):
    """A member (new teacher or school leader) or one of the two leaders of a hub."""

    __tablename__ = "hub_members"

    hub_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True), sa.ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True
        )
    )
    participant_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), primary_key=True))
    role: str = Field(sa_column=Column(sa.String(10), nullable=False))  # member | leader
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    explanation: str = Field(default="", sa_column=Column(sa.Text, nullable=False))
    added_at: datetime = Field(sa_column=_now_column())


class UnplacedTeacher(MatchingTable, table=True):
    """A teacher no hub could take, and why (shown to the coordinator)."""

    __tablename__ = "unplaced"

    program_year: str = Field(sa_column=Column(sa.String(9), primary_key=True))
    participant_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), primary_key=True))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    reason: str = Field(sa_column=Column(sa.Text, nullable=False))
    run_id: uuid.UUID | None = None
    recorded_at: datetime = Field(sa_column=_now_column())


class PairingRow(MatchingTable, table=True):
    """A beginning teacher's one-to-one school-based mentor."""

    __tablename__ = "pairings"

    program_year: str = Field(sa_column=Column(sa.String(9), primary_key=True))
    teacher_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), primary_key=True))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    mentor_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), nullable=False))
    explanation: str = Field(default="", sa_column=Column(sa.Text, nullable=False))
    run_id: uuid.UUID | None = None
    created_at: datetime = Field(sa_column=_now_column())


class Override(MatchingTable, table=True):
    """Audit of a coordinator's action on a hub: who, when, what and why."""

    __tablename__ = "overrides"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    hub_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), nullable=False))
    action: str = Field(sa_column=Column(sa.String(20), nullable=False))  # move | swap_leader | lock | unlock
    participant_id: uuid.UUID | None = Field(default=None, sa_column=Column(postgresql.UUID(as_uuid=True)))
    details: dict[str, object] = Field(
        default_factory=dict, sa_column=Column(postgresql.JSONB, nullable=False)
    )
    forced: bool = Field(default=False, sa_column=Column(sa.Boolean, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(sa.Text))
    actor: str = Field(sa_column=Column(sa.String(200), nullable=False))
    at: datetime = Field(sa_column=_now_column())


class BoardPolicy(MatchingTable, table=True):
    """A board's matching rules; absent means the defaults of the domain's MatchingPolicy."""

    __tablename__ = "board_policies"

    board: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    min_hub_size: int = 6
    max_hub_size: int = 8
    share_across_boards_in_region: bool = False
    region: str | None = Field(default=None, sa_column=Column(sa.String(100)))
    weights: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(postgresql.JSONB, nullable=False)
    )
    # Late joiners wait in the unplaced list ("held for review") until the next published run.
    hold_late_joiners: bool = Field(
        default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    updated_by: str | None = Field(default=None, sa_column=Column(sa.String(200)))
    updated_at: datetime = Field(sa_column=_now_column())


class StandingDecisionRow(MatchingTable, table=True):
    """A coordinator's decision every later run keeps until released: a member kept in a hub, a
    leader kept on (or off) a hub, a one-to-one pairing made (or ended) by hand."""

    __tablename__ = "standing_decisions"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    kind: str = Field(sa_column=Column(sa.String(20), nullable=False))
    participant_id: uuid.UUID = Field(sa_column=Column(postgresql.UUID(as_uuid=True), nullable=False))
    hub_id: uuid.UUID | None = Field(default=None, sa_column=Column(postgresql.UUID(as_uuid=True)))
    mentor_id: uuid.UUID | None = Field(default=None, sa_column=Column(postgresql.UUID(as_uuid=True)))
    note: str | None = Field(default=None, sa_column=Column(sa.Text))
    actor: str = Field(sa_column=Column(sa.String(200), nullable=False))
    at: datetime = Field(sa_column=_now_column())


# The board a participant belongs to, for a token that names the participant but no board
# (ServiceSpec.participant_board: row-level security needs a board to show any row).
PARTICIPANT_BOARD = (
    "SELECT board FROM participants WHERE participant_id = :participant ORDER BY program_year DESC LIMIT 1"
)
