"""What the participants API reads and writes, and the People screen's search answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.events.registration import GradeBand, Language, ParticipantRole

ProgramYear = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
BoardCode = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])


class ParticipantFields(BaseModel):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    language: Language = "en"
    school: str | None = Field(default=None, max_length=200)
    grade_band: GradeBand | None = None
    subjects: list[str] = Field(default_factory=list, max_length=20)
    themes: list[str] = Field(default_factory=list, max_length=10)
    learning_goals: str | None = Field(default=None, max_length=4000)
    expertise_themes: list[str] = Field(default_factory=list, max_length=10)
    leads_school_leaders: bool = False
    trained: bool = False
    hub_capacity: int = Field(default=0, ge=0, le=10)
    one_to_one_capacity: int = Field(default=0, ge=0, le=10)
    evaluates_hr_ids: list[str] = Field(default_factory=list, max_length=500)


class ParticipantCreate(ParticipantFields):
    # extra="forbid": a client cannot smuggle status, revision or ids in (mass assignment).
    model_config = ConfigDict(extra="forbid")
    board: str = BoardCode
    program_year: str = ProgramYear
    hr_id: str = Field(min_length=1, max_length=80)
    role: ParticipantRole


class ParticipantUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    language: Language | None = None
    school: str | None = Field(default=None, max_length=200)
    grade_band: GradeBand | None = None
    subjects: list[str] | None = Field(default=None, max_length=20)
    themes: list[str] | None = Field(default=None, max_length=10)
    learning_goals: str | None = Field(default=None, max_length=4000)
    expertise_themes: list[str] | None = Field(default=None, max_length=10)
    leads_school_leaders: bool | None = None
    trained: bool | None = None
    hub_capacity: int | None = Field(default=None, ge=0, le=10)
    one_to_one_capacity: int | None = Field(default=None, ge=0, le=10)
    evaluates_hr_ids: list[str] | None = Field(default=None, max_length=500)


class ParticipantPublic(ParticipantFields):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    program_year: str
    hr_id: str
    role: ParticipantRole
    status: Literal["registered", "placed", "withdrawn"]
    revision: int
    created_at: datetime
    updated_at: datetime


class Page(BaseModel):
    items: list[ParticipantPublic]
    total: int
    limit: int
    offset: int


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


class ParticipantCount(BaseModel):
    board: str
    role: str
    status: str
    count: int
