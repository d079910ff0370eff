"""Response bodies of a participant's own mentoring web."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


class FactPublic(BaseModel):
    code: str
    values: dict[str, str | int | list[str]] = {}


class WebPerson(BaseModel):
    participant_id: uuid.UUID
    display_name: str | None
    school: str | None
    is_me: bool = False


class WebMentor(WebPerson):
    reasons: list[FactPublic] = []


class WebHub(BaseModel):
    id: uuid.UUID
    theme: str
    grade_band: str | None
    language: str
    track: str
    members: list[WebPerson]
    leaders: list[WebPerson]
    reasons: list[FactPublic] = []


class WebMeeting(BaseModel):
    id: uuid.UUID
    hub_id: uuid.UUID
    day: date
    starts_at: datetime
    ends_at: datetime
    location: str | None
    release_time: bool
    i_lead: bool


class MentoringWebPublic(BaseModel):
    participant_id: uuid.UUID
    board: str
    program_year: str
    role: str
    language: str
    placement_status: str
    hub: WebHub | None
    my_reasons: list[FactPublic] = []
    unplaced: bool = False
    one_to_one_mentor: WebMentor | None
    mentees: list[WebPerson] = []
    led_hubs: list[WebHub] = []
    meetings: list[WebMeeting] = []
