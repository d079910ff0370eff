"""Response bodies of readiness: is matching up to date with registration."""

from __future__ import annotations

from pydantic import BaseModel


class Behind(BaseModel):
    participants: int
    revisions: int


class ReadinessPublic(BaseModel):
    board: str
    program_year: str
    up_to_date: bool
    known_to_registration: bool
    importing: bool
    registration_participants: int | None
    matching_participants: int
    behind: Behind
