"""Registration's own tables (SQLModel families: Base → table → Create/Update/Public)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Column, Field, SQLModel


class Board(SQLModel, table=True):
    __tablename__ = "boards"

    code: str = Field(sa_column=Column(sa.String(40), primary_key=True))
    name: str
    language: str = "en"
    region: str | None = None
    timezone: str = "America/Toronto"


class School(SQLModel, table=True):
    __tablename__ = "schools"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(
        sa_column=Column(sa.String(40), sa.ForeignKey("boards.code"), nullable=False, index=True)
    )
    code: str = Field(sa_column=Column(sa.String(80), nullable=False))
    name: str
    __table_args__ = (sa.UniqueConstraint("board", "code"),)


class Theme(SQLModel, table=True):
    __tablename__ = "themes"

    code: str = Field(sa_column=Column(sa.String(60), primary_key=True))
    name_en: str
    name_fr: str


class Participant(SQLModel, table=True):
    __tablename__ = "participants"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    board: str = Field(sa_column=Column(sa.String(40), nullable=False, index=True))
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

    __table_args__ = (sa.UniqueConstraint("board", "program_year", "hr_id", name="uq_participant_hr_id"),)
