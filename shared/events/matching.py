"""Events published by the matching service."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.events.envelope import IntegrationEvent


class HubFormed(IntegrationEvent):
    """A mentoring hub was formed: its members, its two hub leaders and why."""

    PRODUCER = "matching"
    hub_id: uuid.UUID
    program_year: str
    theme: str
    grade_band: str | None = None
    language: str = "en"
    members: list[uuid.UUID]
    leaders: list[uuid.UUID]
    explanation: str = ""
    meeting_dates: list[datetime] = []


class HubMembershipChanged(IntegrationEvent):
    """Members or leaders of a hub changed (late joiner, coordinator override, withdrawal)."""

    PRODUCER = "matching"
    hub_id: uuid.UUID
    program_year: str
    theme: str
    added: list[uuid.UUID] = []
    removed: list[uuid.UUID] = []
    members: list[uuid.UUID]
    leaders: list[uuid.UUID]
    reason: str = ""


class MentorPaired(IntegrationEvent):
    """A beginning teacher got a one-to-one school-based mentor."""

    PRODUCER = "matching"
    program_year: str
    teacher_id: uuid.UUID
    mentor_id: uuid.UUID
    explanation: str = ""


class ParticipantUnplaced(IntegrationEvent):
    """A teacher could not be placed in a hub; the reason is shown to the coordinator."""

    PRODUCER = "matching"
    program_year: str
    participant_id: uuid.UUID
    reason: str


class HubMeetingScheduled(IntegrationEvent):
    """A hub meeting was booked (on a release day, or after school)."""

    PRODUCER = "matching"
    meeting_id: uuid.UUID
    hub_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    location: str | None = None
    release_time: bool = True
    sequence: int = 0
    attendees: list[uuid.UUID] = []


class HubMeetingRescheduled(HubMeetingScheduled):
    """A hub meeting moved; ``sequence`` grows so calendars update the same entry."""


class HubMeetingCancelled(HubMeetingScheduled):
    """A hub meeting was cancelled."""


class ObservationScheduled(IntegrationEvent):
    """A classroom observation visit was booked on a release day."""

    PRODUCER = "matching"
    observation_id: uuid.UUID
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
