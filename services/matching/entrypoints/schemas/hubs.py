"""Request and response bodies of hubs: runs, hubs and their people, placements, the unplaced list,
overrides, coaches and the board's policy."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.matching.entrypoints.schemas.common import Note


class PersonInHub(BaseModel):
    participant_id: uuid.UUID
    display_name: str | None
    school: str | None = None
    hr_id: str | None = Field(None, description="The board's HR id, to join with its own records")
    explanation: str


class CoachInHub(BaseModel):
    """A board coach or consultant who supports the hub (invited to its meetings, not a leader)."""

    participant_id: uuid.UUID
    display_name: str | None
    school: str | None = None
    hr_id: str | None = Field(None, description="The board's HR id, to join with its own records")


class CoachRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    note: Note = None


class HubPublic(BaseModel):
    id: uuid.UUID
    board: str
    program_year: str
    theme: str
    grade_band: str | None
    language: str
    track: str
    locked: bool
    explanation: str
    flags: list[str]
    run_id: uuid.UUID | None
    member_count: int
    members: list[PersonInHub]
    leaders: list[PersonInHub]
    coaches: list[CoachInHub] = []


class HubPage(BaseModel):
    items: list[HubPublic]
    total: int
    limit: int
    offset: int


class HubSummary(BaseModel):
    id: uuid.UUID
    theme: str
    grade_band: str | None
    language: str
    locked: bool
    explanation: str


class PersonPublic(BaseModel):
    participant_id: uuid.UUID
    display_name: str | None


class MentorPublic(PersonPublic):
    explanation: str


class PlacementPublic(BaseModel):
    participant_id: uuid.UUID
    board: str
    program_year: str
    role: str
    placement_status: str
    withdrawn: bool
    revision: int
    hub: HubSummary | None = None
    co_members: int = Field(0, description="Other members of the participant's hub")
    leaders: list[PersonPublic] = []
    explanation: str | None = Field(None, description="Why the participant is in this hub")
    one_to_one_mentor: MentorPublic | None = None
    unplaced_reason: str | None = None
    leads_hubs: list[uuid.UUID] = []


class UnplacedPublic(BaseModel):
    participant_id: uuid.UUID
    display_name: str | None
    hr_id: str | None = Field(None, description="The board's HR id, to join with its own records")
    reason: str
    run_id: uuid.UUID | None
    recorded_at: datetime


class RoleCounts(BaseModel):
    participants: int = Field(description="Registered and not withdrawn")
    hubs: int
    placed: int
    unplaced: int
    pairings: int


class BoardSummary(BaseModel):
    """What is published for a board's program year; the totals are over both roles."""

    board: str
    program_year: str
    hubs: int
    placed: int
    unplaced: int
    pairings: int
    beginning_teachers: RoleCounts
    new_school_leaders: RoleCounts


class OverridePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    board: str
    program_year: str
    hub_id: uuid.UUID
    action: str
    participant_id: uuid.UUID | None
    details: dict[str, Any]
    forced: bool
    note: str | None
    actor: str
    at: datetime


class OverrideOutcome(BaseModel):
    override: OverridePublic | None = Field(None, description="None when nothing changed")
    hubs: list[HubPublic]


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    to_hub_id: uuid.UUID
    note: Note = None
    force: bool = Field(False, description="Allow the hubs to go beyond their size bounds")


class LeaderSwapRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leader_id: uuid.UUID | None = Field(None, description="The leader to replace; omit to fill an empty seat")
    new_leader_id: uuid.UUID
    note: Note = None
    force: bool = Field(False, description="Allow the new leader to go beyond their hub capacity")


class LockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note = None


class PolicyFields(BaseModel):
    min_hub_size: int = Field(6, ge=2, le=30)
    max_hub_size: int = Field(8, ge=2, le=30)
    share_across_boards_in_region: bool = False
    region: str | None = Field(None, max_length=100)
    weights: dict[str, Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]] = Field(
        default_factory=dict, description="Overrides of the objective's weights (see domain/objective.py)"
    )
    hold_late_joiners: bool = Field(
        False,
        description="Hold teachers who register after a published run for review (listed as unplaced, "
        '"held for review") instead of placing them at once; the next published run places them',
    )


class PolicyUpdate(PolicyFields):
    model_config = ConfigDict(extra="forbid")


class PolicyPublic(PolicyFields):
    model_config = ConfigDict(from_attributes=True)
    board: str
    updated_by: str | None = None
    updated_at: datetime | None = None
