"""Domain events: what the evaluation model decided, named like the integration events'
payloads in ``shared.events.evaluation`` (plus ``board``) so the service layer builds those from
``dataclasses.asdict``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HubMeetingRecorded:
    """A scheduled hub meeting took place; who was present and who was absent."""

    board: str
    meeting_id: uuid.UUID
    hub_id: uuid.UUID
    held_at: datetime
    recorded_at: datetime
    present: list[uuid.UUID]
    absent: list[uuid.UUID]


@dataclass(frozen=True)
class SurveyOpened:
    """A survey opened for ``invitees``."""

    board: str
    survey_id: uuid.UUID
    program_year: str
    kind: str
    hub_id: uuid.UUID | None
    meeting_id: uuid.UUID | None
    title_en: str
    title_fr: str
    closes_at: datetime
    invitees: list[uuid.UUID]


@dataclass(frozen=True)
class SurveyReminderRequested:
    """A confidential survey closes soon; ``invitees`` have not answered yet."""

    board: str
    survey_id: uuid.UUID
    program_year: str
    kind: str
    title_en: str
    title_fr: str
    closes_at: datetime
    invitees: list[uuid.UUID]


@dataclass(frozen=True)
class HarvestPublished:
    """The board's harvest of the year is published; ``themes`` most votes first."""

    board: str
    program_year: str
    themes: list[str]
    propositions: int
    invitees: list[uuid.UUID]
