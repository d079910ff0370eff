"""What the bulk imports API answers: an import's progress and the rows it refused."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProgramYear = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
BoardCode = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])


class ImportRowErrorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    file: str | None = Field(description="File of a bundle the row is in (OneRoster); null for a plain CSV")
    row: int | None = Field(description="Record number in the file; the header is row 1")
    column: str | None
    message: str
    outcome: str = Field(
        default="refused",
        description="refused (not imported), skipped (not a program participant, or nothing to do), withdrawn, "
        "or unknown_school (imported, but its school is none of the board's schools by code or name)",
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
