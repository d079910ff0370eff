"""What the sessions API reads and writes: workshops, network sessions and cohort groups, enrolment,
attendance and a new school leader's workshop progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.registration.entrypoints.program_year_schemas import BoardField, ProgramYearField

Audience = Literal["beginning_teacher", "mentor", "school_leader", "leader_menu"]


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str | None = BoardField
    program_year: str = ProgramYearField
    kind: Literal["workshop", "network_cohort", "network_open"]
    title: str = Field(min_length=1, max_length=200)
    facilitator: str | None = Field(default=None, max_length=200)
    starts_at: datetime
    ends_at: datetime
    timezone: str | None = Field(default=None, max_length=60, examples=["America/Toronto"])
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=2000)
    audience: list[Audience] = Field(default_factory=list, max_length=4)
    cohort_id: uuid.UUID | None = None
    release_time: bool = Field(default=True, description="Workshops: during the school day")


class SessionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    facilitator: str | None = Field(default=None, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=2000)


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str | None
    program_year: str
    kind: str
    title: str
    facilitator: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    online_url: str | None
    capacity: int | None
    audience: list[str]
    cohort_id: uuid.UUID | None
    release_time: bool
    status: str
    sequence: int
    confirmed: int = 0
    waitlisted: int = 0


class CohortCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str | None = BoardField
    program_year: str = ProgramYearField
    title: str = Field(min_length=1, max_length=200)
    facilitator: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=500)
    meetings_planned: int = Field(default=4, ge=1, le=8)


class CohortPublic(CohortCreate):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    confirmed: int = 0
    waitlisted: int = 0
    meetings: list[uuid.UUID] = []


class EnrolmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID


class EnrolmentPublic(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID | None
    cohort_id: uuid.UUID | None
    participant_id: uuid.UUID
    status: str
    position: int | None = None
    promoted_from_waitlist: bool


class CancellationPublic(BaseModel):
    cancelled: EnrolmentPublic
    promoted: list[EnrolmentPublic]


class AttendanceRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    attended: bool


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[AttendanceRecordIn] = Field(min_length=1, max_length=2000)


class AttendanceResult(BaseModel):
    recorded: int


class WorkshopRecordPublic(BaseModel):
    session_id: uuid.UUID
    title: str
    starts_at: datetime
    leader_menu: bool
    enrolment: str
    attended: bool | None
    cancelled: bool


class WorkshopProgressPublic(BaseModel):
    participant_id: uuid.UUID
    role: str
    applies: bool = Field(description="The 'at least N menu workshops' rule is for new school leaders")
    required: int
    attended: int
    planned: int
    met: bool
    remaining: int
    workshops: list[WorkshopRecordPublic]


class AttendancePublic(BaseModel):
    participant_id: uuid.UUID
    attended: bool
    recorded_at: datetime
