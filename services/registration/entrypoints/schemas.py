"""Request and response bodies of the registration API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.events.registration import GradeBand, Language, ParticipantRole

ProgramYear = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
BoardCode = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])


class BoardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = BoardCode
    name: str = Field(min_length=1, max_length=200)
    language: Language = "en"
    region: str | None = Field(default=None, max_length=100)
    timezone: str = "America/Toronto"


class BoardPublic(BoardCreate):
    model_config = ConfigDict(from_attributes=True)


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


class BoardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    language: Language | None = None
    region: str | None = Field(default=None, max_length=100)
    timezone: str | None = None


class SchoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str = BoardCode
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)


class SchoolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(default=None, min_length=1, max_length=80)
    name: str | None = Field(default=None, min_length=1, max_length=200)


class SchoolPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    code: str
    name: str


class ThemeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["outdoor_education"])
    name_en: str = Field(min_length=1, max_length=200)
    name_fr: str = Field(min_length=1, max_length=200)


class ThemePublic(ThemeCreate):
    model_config = ConfigDict(from_attributes=True)


class ImportRowErrorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    file: str | None = Field(description="File of a bundle the row is in (OneRoster); null for a plain CSV")
    row: int | None = Field(description="Record number in the file; the header is row 1")
    column: str | None
    message: str
    outcome: str = Field(
        default="refused",
        description="refused (not imported), skipped (not a program participant, or nothing to do) or withdrawn",
    )


class ImportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    format: Literal["mentorweb_csv", "oneroster"]
    filename: str | None
    program_year: str | None
    size_bytes: int
    state: Literal["queued", "running", "completed", "failed"]
    encoding: str | None
    total_rows: int | None
    processed_rows: int = Field(validation_alias="next_row")
    created_count: int
    updated_count: int
    unchanged_count: int
    withdrawn_count: int
    skipped_count: int
    failed_rows: int
    error_count: int
    schools_count: int
    attempts: int
    error: str | None = Field(description="Why the whole file was refused (state failed)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    errors: list[ImportRowErrorPublic] = []


class ImportPage(BaseModel):
    items: list[ImportPublic]
    total: int
    limit: int
    offset: int


class ImportErrorPage(BaseModel):
    items: list[ImportRowErrorPublic]
    total: int
    limit: int
    offset: int
