"""What the catalogue API reads and writes: boards, their schools and the theme taxonomy."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from shared.events.registration import Language

ProgramYear = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
BoardCode = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])


class BoardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = BoardCode
    name: str = Field(min_length=1, max_length=200)
    language: Language = "en"
    region: str | None = Field(default=None, max_length=100)
    timezone: str = "America/Toronto"


class BoardPublic(BoardCreate):
    model_config = ConfigDict(from_attributes=True)


class BoardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    language: Language | None = None
    region: str | None = Field(default=None, max_length=100)
    timezone: str | None = None


class SchoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str = BoardCode
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)


class SchoolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(default=None, min_length=1, max_length=80)
    name: str | None = Field(default=None, min_length=1, max_length=200)


class SchoolPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str
    code: str
    name: str


class ThemeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["outdoor_education"])
    name_en: str = Field(min_length=1, max_length=200)
    name_fr: str = Field(min_length=1, max_length=200)


class ThemePublic(ThemeCreate):
    model_config = ConfigDict(from_attributes=True)
