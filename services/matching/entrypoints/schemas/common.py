"""Path parameters and bodies every feature of matching's API shares."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

BoardPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])]
YearPath = Annotated[str, Path(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])]
YEAR_PATTERN = r"^\d{4}-\d{4}$"
Note = Annotated[str | None, Field(default=None, max_length=1000, description="Why (kept in the audit)")]


class RunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    program_year: str
    status: str
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    objective: float | None
    counts: dict[str, int | dict[str, int]] = Field(
        description="hubs, placed, unplaced, pairings, moves… over every role; beginning_teachers and "
        "new_school_leaders: their hubs, placed, unplaced and pairings apart"
    )
