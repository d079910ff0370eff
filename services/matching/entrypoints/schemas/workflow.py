"""Request and response bodies of the coordinator's workflow: drafts, pairing by hand, standing
decisions, observation-visit lists."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.matching.entrypoints.schemas.common import Note, RunPublic


class DraftPerson(BaseModel):
    participant_id: uuid.UUID
    display_name: str | None
    school: str | None
    hr_id: str | None = None
    explanation: str = ""


class DraftHub(BaseModel):
    id: uuid.UUID
    status: str  # formed | changed | unchanged
    theme: str
    grade_band: str | None
    language: str
    track: str
    locked: bool
    explanation: str
    flags: list[str]
    members: list[DraftPerson]
    leaders: list[DraftPerson]


class DraftPairing(BaseModel):
    teacher: DraftPerson
    mentor: DraftPerson


class DraftUnplaced(BaseModel):
    participant: DraftPerson
    reason: str


class DraftAdjustment(BaseModel):
    """A coordinator's adjustment of the draft: a standing decision once the draft is published."""

    kind: str  # move | leader | pair | unpair
    participant_id: uuid.UUID
    hub_id: uuid.UUID | None = None
    leader_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    note: str | None = None
    forced: bool = False
    actor: str
    at: datetime


class DraftPublic(BaseModel):
    run: RunPublic
    hubs: list[DraftHub]
    pairings: list[DraftPairing]
    unplaced: list[DraftUnplaced]
    difference: dict[str, Any]
    decisions_not_applied: list[dict[str, Any]]
    adjustments: list[DraftAdjustment] = []


class PairingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    teacher_id: uuid.UUID
    mentor_id: uuid.UUID
    note: Note = None


class DraftMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    to_hub_id: uuid.UUID
    note: Note = None
    force: bool = False


class DraftLeaderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hub_id: uuid.UUID
    new_leader_id: uuid.UUID
    leader_id: uuid.UUID | None = None  # the leader to replace; none: fill an empty seat
    note: Note = None
    force: bool = False


class PairingPublic(BaseModel):
    teacher_id: uuid.UUID
    teacher_name: str | None = None
    teacher_hr_id: str | None = None
    school: str | None = None
    mentor_id: uuid.UUID
    mentor_name: str | None = None
    mentor_school: str | None = None
    mentor_hr_id: str | None = None
    explanation: str
    created_at: datetime | None = None
    manual: bool = False


class PairingPage(BaseModel):
    items: list[PairingPublic]
    total: int
    limit: int
    offset: int


class DecisionPublic(BaseModel):
    id: int
    kind: str
    participant_id: uuid.UUID
    display_name: str | None
    hub_id: uuid.UUID | None
    mentor_id: uuid.UUID | None
    note: str | None
    actor: str
    at: datetime


class VisitPublic(BaseModel):
    id: uuid.UUID
    day: date
    starts_at: datetime
    ends_at: datetime
    status: str
    visitor_id: uuid.UUID
    visitor_name: str | None
    visitor_school: str | None
    host_id: uuid.UUID
    host_name: str | None
    host_school: str | None


class VisitPage(BaseModel):
    items: list[VisitPublic]
    total: int
    limit: int
    offset: int
