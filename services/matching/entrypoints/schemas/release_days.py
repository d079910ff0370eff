"""Request and response bodies of release days: calendars, occasional-teacher capacity, hub
meetings, observation visits and debriefs, the release-day report."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.matching.domain.occasional_teachers import MAX_AVAILABLE
from services.matching.domain.release_days import MAX_MEETINGS_PER_HUB
from services.matching.service_layer import observations

ProgramYear = Annotated[str, Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])]


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_day: date
    last_day: date
    holidays: list[date] = Field(default_factory=list, max_length=200)
    pa_days: list[date] = Field(default_factory=list, max_length=200)
    timezone: str = Field(default="America/Toronto", max_length=60)
    release_starts: time = time(9, 0)
    release_ends: time = time(15, 0)
    after_school_starts: time = time(15, 45)
    after_school_ends: time = time(17, 15)


class CalendarPublic(CalendarIn):
    model_config = ConfigDict(from_attributes=True)
    board: str
    program_year: str
    school_days: int = 0


class CapacityDay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    available: int = Field(ge=0, le=MAX_AVAILABLE)


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: list[CapacityDay] = Field(min_length=1, max_length=5000)


class CapacityResult(BaseModel):
    days_set: int


class CapacityDayPublic(BaseModel):
    date: date
    capacity: int
    booked: int
    left: int


class HubIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hub_id: uuid.UUID
    members: list[uuid.UUID] = Field(max_length=30)
    leaders: list[uuid.UUID] = Field(default_factory=list, max_length=5)
    without_class: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=35,
        description="Attendees with no class to cover (a consultant leading the hub): no release needed",
    )


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program_year: ProgramYear
    hubs: list[HubIn] | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="The hubs to schedule; omit to schedule the board's hubs as matching formed them",
    )
    hub_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=500, description="Without `hubs`: only these of the board's hubs"
    )
    without_class: list[uuid.UUID] = Field(
        default_factory=list, max_length=1000, description="Without `hubs`: attendees with no class to cover"
    )
    meetings_per_hub: int = Field(default=4, ge=1, le=MAX_MEETINGS_PER_HUB)
    release_time: bool = Field(default=True, description="False: after-school meetings, no release")
    start: date | None = None
    end: date | None = None
    location: str | None = Field(default=None, max_length=300)
    workshop_days: dict[uuid.UUID, list[date]] = Field(
        default_factory=dict,
        description="Extra busy days per participant, on top of those learned from registration's events",
    )


class MeetingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    program_year: str
    hub_id: uuid.UUID
    day: date
    starts_at: datetime
    ends_at: datetime
    release_time: bool
    releases: int
    attendees: list[uuid.UUID]
    location: str | None
    status: str
    sequence: int


class UnscheduledPublic(BaseModel):
    hub_id: str
    code: str
    reason: str
    days_found: list[date]


class ScheduleResult(BaseModel):
    scheduled: list[MeetingPublic]
    unscheduled: list[UnscheduledPublic]


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date
    release_time: bool | None = None
    location: str | None = Field(default=None, max_length=300)


class ObservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program_year: ProgramYear
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    not_before: date | None = None
    not_after: date | None = None
    day: date | None = None
    visitor_has_class: bool = True


class ObservationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    program_year: str
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    day: date
    starts_at: datetime
    ends_at: datetime
    releases: int
    status: str


class DebriefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=observations.DEBRIEF_MAX_CHARS)
    mentor_id: uuid.UUID | None = Field(default=None, description="The one mentor who may read it")


class DebriefPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    observation_id: uuid.UUID
    author_id: uuid.UUID
    mentor_id: uuid.UUID | None
    body: str
    updated_at: datetime


class ReportLinePublic(BaseModel):
    key: str
    release_days: int
    meetings: int
    observations: int
    cost: Decimal | None


class ReportPublic(BaseModel):
    board: str
    program_year: str
    release_days: int = Field(description="Occasional-teacher days: one per released attendee per meeting")
    days_with_releases: int
    meetings: int
    observations: int
    daily_rate: Decimal | None
    cost: Decimal | None
    by_month: list[ReportLinePublic]
    by_hub: list[ReportLinePublic]
