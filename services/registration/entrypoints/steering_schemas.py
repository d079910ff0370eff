"""What the steering committee API reads and writes: its members and its meetings with their expenses."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    representing: Literal["local", "district", "association"]
    participant_id: uuid.UUID | None = Field(
        default=None, description="When the member is also a participant"
    )


class MemberPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    representing: str
    participant_id: uuid.UUID | None
    created_at: datetime


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Required, but checked with the rest so every problem is named at once.
    held_on: date | None = Field(
        default=None, description="Within the program year as the committee works it: 1 April to 30 June"
    )
    agenda_summary: str | None = Field(default=None, max_length=4000)
    expenses: str | int | float = Field(
        default="0.00", description="Dollars, at most two decimals", examples=["125.40"]
    )


class MeetingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    held_on: date
    agenda_summary: str
    expenses: str
    created_at: datetime


class CommitteePublic(BaseModel):
    board: str
    program_year: str
    members: list[MemberPublic]
    meetings: list[MeetingPublic]
    expenses_total: str
