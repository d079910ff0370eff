"""What the program-year API reads and writes: timelines, their phases and where a board stands."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.registration.domain.timeline import Phase

ProgramYearField = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
BoardField = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])
PhaseKind = Literal["phase", "workshop", "activities", "deadline", "ongoing"]


class PhaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    title: str = Field(min_length=1, max_length=300)
    starts_on: date
    ends_on: date
    kind: PhaseKind = "phase"
    audience: list[str] = Field(default_factory=lambda: ["all"], max_length=10)
    milestone: bool = True
    min_workshops: int | None = Field(default=None, ge=1, le=20)
    completed_on: date | None = None

    def phase(self) -> Phase:
        return Phase(**{**self.model_dump(), "audience": tuple(self.audience)})


class PhasePublic(PhaseIn):
    position: int
    # What closed the phase: null for a coordinator (or still open), else the fact (e.g. GrantSubmitted).
    completed_by: str | None = None


class PhaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    starts_on: date | None = None
    ends_on: date | None = None
    completed_on: date | None = None
    min_workshops: int | None = Field(default=None, ge=1, le=20)
    audience: list[str] | None = Field(default=None, max_length=10)
    milestone: bool | None = None


class ProgramYearCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str | None = BoardField
    program_year: str = ProgramYearField
    phases: list[PhaseIn] | None = Field(
        default=None, max_length=50, description="Omit for the association's sample timeline"
    )


class ProgramYearPublic(BaseModel):
    id: uuid.UUID
    board: str | None
    program_year: str
    phases: list[PhasePublic]


class PhaseStanding(PhasePublic):
    days_until_start: int
    days_until_end: int


class StandingPublic(BaseModel):
    program_year_id: uuid.UUID
    program_year: str
    scope: Literal["board", "province"]
    state: Literal["not_started", "in_progress", "finished"]
    current: list[PhaseStanding]
    overdue: list[PhaseStanding]
    next: list[PhaseStanding]
    upcoming: list[PhaseStanding]
    completed: list[PhaseStanding]
    notes: list[str]


class TimelinePublic(BaseModel):
    board: str
    on: date
    standings: list[StandingPublic]
