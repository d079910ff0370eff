"""Matching's own tables: its view of participants (kept from registration's events)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class MatchingTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, so tables of different services never clash."""


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
