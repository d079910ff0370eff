"""Grants' own tables (created by migration 0002; the constraints and triggers live there).

Columns a CHECK constraint holds to the domain's choices (stream, committee role, expense category)
carry the domain's literal types.

``ProgramRecord.awarded_total`` is maintained by a database trigger from the applications' awards
and checked against the budget by a CHECK constraint: code never writes it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.grants.domain.applicants import CommitteeRole, ExpenseCategory
from services.grants.domain.program import Stream

MONEY = sa.Numeric(12, 2)

BUDGET_CONSTRAINT = "ck_grant_programs_within_budget"
PROGRAM_UNIQUE = "uq_grant_programs_year_stream"
APPLICANT_UNIQUE = "uq_grant_applications_applicant"


class GrantsTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, so tables of different services never clash."""


class ProgramRecord(GrantsTable, table=True):
    __tablename__ = "grant_programs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    program_year: str = Field(sa_column=Column(sa.String(9), nullable=False))
    stream: Stream = Field(sa_column=Column(sa.String(30), nullable=False))
    max_award: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    budget: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    awarded_total: Decimal = Field(
        default=Decimal("0.00"), sa_column=Column(MONEY, nullable=False, server_default="0")
    )
    timezone: str = Field(sa_column=Column(sa.String(64), nullable=False))
    custom_deadline: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    created_by: str = Field(sa_column=Column(sa.String(200), nullable=False))
    created_at: datetime = Field(
        sa_column=Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    )


class ApplicationRecord(GrantsTable, table=True):
    __tablename__ = "grant_applications"

    id: uuid.UUID = Field(primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False))
    program_id: uuid.UUID = Field(
        sa_column=Column(postgresql.UUID(as_uuid=True), sa.ForeignKey("grant_programs.id"), nullable=False)
    )
    applicant_key: str = Field(sa_column=Column(sa.String(200), nullable=False))
    board_code: str | None = Field(default=None, sa_column=Column(sa.String(40)))
    association_local: str | None = Field(default=None, sa_column=Column(sa.String(200)))
    contact_name: str | None = Field(default=None, sa_column=Column(sa.String(200)))
    contact_email: str | None = Field(default=None, sa_column=Column(sa.String(254)))
    expected_mentees: int
    expected_mentors: int
    state: str = Field(sa_column=Column(sa.String(20), nullable=False))
    requested_total: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    awarded_amount: Decimal | None = Field(default=None, sa_column=Column(MONEY))
    decline_reason: str | None = Field(default=None, sa_column=Column(sa.Text))
    withdrawal_reason: str | None = Field(default=None, sa_column=Column(sa.Text))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(sa.DateTime(timezone=True)))
    created_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class CommitteeMemberRecord(GrantsTable, table=True):
    __tablename__ = "grant_committee_members"

    application_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("grant_applications.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    position: int = Field(sa_column=Column(sa.Integer, primary_key=True))
    name: str = Field(sa_column=Column(sa.String(200), nullable=False))
    role: CommitteeRole = Field(sa_column=Column(sa.String(40), nullable=False))


class ExpenseLineRecord(GrantsTable, table=True):
    __tablename__ = "grant_expense_lines"

    application_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("grant_applications.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    position: int = Field(sa_column=Column(sa.Integer, primary_key=True))
    category: ExpenseCategory = Field(sa_column=Column(sa.String(40), nullable=False))
    description: str = Field(sa_column=Column(sa.String(500), nullable=False))
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    incurred_on: date = Field(sa_column=Column(sa.Date, nullable=False))


class AuditRecord(GrantsTable, table=True):
    """One lifecycle step of an application (append-only: a trigger refuses updates and deletes)."""

    __tablename__ = "grant_audit"

    id: int | None = Field(default=None, sa_column=Column(sa.BigInteger, sa.Identity(), primary_key=True))
    application_id: uuid.UUID = Field(
        sa_column=Column(
            postgresql.UUID(as_uuid=True), sa.ForeignKey("grant_applications.id"), nullable=False
        )
    )
    actor: str = Field(sa_column=Column(sa.String(200), nullable=False))
    at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    from_state: str | None = Field(default=None, sa_column=Column(sa.String(20)))
    to_state: str = Field(sa_column=Column(sa.String(20), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(sa.Text))


class ExtensionRecord(GrantsTable, table=True):
    """A later deadline a province admin granted one applicant of one program."""

    __tablename__ = "grant_extensions"

    program_id: uuid.UUID = Field(
        sa_column=Column(postgresql.UUID(as_uuid=True), sa.ForeignKey("grant_programs.id"), primary_key=True)
    )
    board: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    applicant_key: str = Field(sa_column=Column(sa.String(200), primary_key=True))
    association_local: str | None = Field(default=None, sa_column=Column(sa.String(200)))
    extension_until: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    granted_by: str = Field(sa_column=Column(sa.String(200), nullable=False))
    granted_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(sa.Text))


class SteeringCommitteeRecord(GrantsTable, table=True):
    """A board's steering committee for a program year, as registration last published it."""

    __tablename__ = "steering_committees"

    board: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    program_year: str = Field(sa_column=Column(sa.String(9), primary_key=True))
    sequence: int = Field(sa_column=Column(sa.Integer, nullable=False))
    members: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(postgresql.JSONB, nullable=False)
    )
    meetings: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(postgresql.JSONB, nullable=False)
    )
    expenses_total: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    updated_at: datetime = Field(sa_column=Column(sa.DateTime(timezone=True), nullable=False))
