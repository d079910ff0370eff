"""Events published by the matching service."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.events.envelope import IntegrationEvent

# Why someone was placed, paired or left unplaced, as facts (a code and its values), never as prose:
# each reader words a fact in its reader's language (notifications in the recipient's, the console in
# the coordinator's). Values are codes (theme codes, grade bands, language) or numbers, never names,
# ids or a coordinator's note. Adding a code is a compatible change; a reader that does not know a
# code leaves that fact out.
ReasonCode = Literal[
    # Hub level (HubFormed.reasons, HubMembershipChanged.reasons)
    "hub_theme",  # theme: the hub's theme; teachers: how many listed it first
    "hub_band",  # band: the hub's grade band (absent for a mixed-band hub); bands: the bands it spans
    "hub_size",  # teachers: beginning teachers; leaders: new school leaders (counts, exact)
    "mixed_schools",  # schools: how many different schools the members come from
    "leaders_trained",  # leaders: how many of the two hub leaders completed training
    "leader_expertise",  # theme: the leaders' expertise covers the hub's theme
    "same_language",  # language: the hub meets in this language
    "regional_hub",  # boards: a hub across neighbouring boards (small groups of new school leaders)
    # Member level (member_reasons[member_id])
    "first_theme",  # theme: the hub's theme is the teacher's own first-listed theme
    "listed_theme",  # theme, rank: the teacher listed this theme at this rank (2, 3, ...)
    "neighbour_theme",  # theme, asked: the hub's theme neighbours the teacher's first theme `asked`
    "same_band",  # band: the teacher's grade band is the hub's
    "neighbour_band",  # band, asked: the hub's band neighbours the teacher's band `asked`
    "one_alike",  # assignment: another member shares the teacher's one-alike assignment
    "late_joiner",  # the teacher registered after the run and joined an existing hub
    "coordinator_decision",  # a coordinator placed or moved the person (never the note's text)
    # Pairing (MentorPaired.reasons)
    "mentor_same_school",
    "mentor_same_band",  # band
    "mentor_expertise",  # theme
    "mentor_school_leader",  # an experienced school leader paired with a new school leader
    # Unplaced (ParticipantUnplaced.reasons)
    "too_few_for_hub",  # count, needed: too few people of this kind to form a hub
    "no_hub_with_room",  # hubs: every compatible hub is full
    "no_trained_leader",  # no trained leader is free for a hub of this kind
    "no_mentor_capacity",  # mentors: no mentor with room, language and no conflict
    "no_language_match",  # language
    "missing_data",  # fields: what the record lacks (e.g. grade_band)
]


class Reason(BaseModel):
    """One fact of an explanation: a code from ``ReasonCode`` and its values (codes or numbers)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: ReasonCode
    values: dict[str, str | int | list[str]] = {}


# What kind of change a HubMembershipChanged is, so a reader tells each person only what concerns them.
ChangeKind = Literal[
    "late_joiner",
    "coordinator_move",
    "leader_change",
    "withdrawal",
    "rerun",
    "dissolved",
    "",
]


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
    meeting_dates: list[AwareDatetime] = []
    reasons: list[Reason] = []
    member_reasons: dict[str, list[Reason]] = {}  # str(participant id) -> that member's facts


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
    reason: str = ""  # legacy prose; never a coordinator's note
    change: ChangeKind = ""
    reasons: list[Reason] = []
    member_reasons: dict[str, list[Reason]] = {}
    meetings_cancelled: int = (
        0  # future meetings this change cancelled (a dissolved hub's), each its own HubMeetingCancelled
    )


class MentorPaired(IntegrationEvent):
    """A beginning teacher got a one-to-one school-based mentor."""

    PRODUCER = "matching"
    program_year: str
    teacher_id: uuid.UUID
    mentor_id: uuid.UUID
    explanation: str = ""
    reasons: list[Reason] = []


class ParticipantUnplaced(IntegrationEvent):
    """A teacher could not be placed in a hub; the reason is shown to the coordinator."""

    PRODUCER = "matching"
    program_year: str
    participant_id: uuid.UUID
    reason: str
    reasons: list[Reason] = []


class HubMeetingScheduled(IntegrationEvent):
    """A hub meeting was booked (on a release day, or after school).

    ``attendees`` is always the meeting's full invitee list at ``sequence`` (never only a change);
    empty means "the hub's members and leaders"."""

    PRODUCER = "matching"
    meeting_id: uuid.UUID
    hub_id: uuid.UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: str | None = None
    release_time: bool = True
    sequence: int = 0
    attendees: list[uuid.UUID] = []


class HubMeetingRescheduled(HubMeetingScheduled):
    """A hub meeting moved, or its invitees changed (someone left or joined the hub: same times,
    the new full ``attendees``); ``sequence`` grows so calendars update the same entry. A reader
    cancels the copy of whoever is no longer listed and invites whoever is new."""


class HubMeetingCancelled(HubMeetingScheduled):
    """The meeting itself was cancelled (for every one of ``attendees``), never one person's copy."""


class ObservationScheduled(IntegrationEvent):
    """A classroom observation visit was booked on a release day."""

    PRODUCER = "matching"
    observation_id: uuid.UUID
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class ObservationRescheduled(ObservationScheduled):
    """An observation visit moved; ``sequence`` grows so calendars update the same entry."""

    sequence: int = 1


class ObservationCancelled(ObservationScheduled):
    """An observation visit will not take place (its release day is given back)."""

    sequence: int = 1


class MentorUnpaired(IntegrationEvent):
    """A one-to-one pairing ended (unpaired by a coordinator, or replaced by a new MentorPaired)."""

    PRODUCER = "matching"
    program_year: str
    teacher_id: uuid.UUID
    mentor_id: uuid.UUID
    change: Literal["unpaired", "repaired", "withdrawal"] = "unpaired"


class HubCoachAssigned(IntegrationEvent):
    """A board coach or consultant was assigned to support a hub: they are invited to its meetings
    (each future meeting's HubMeetingRescheduled lists them among its ``attendees``) but never take
    a hub leader's seat. ``members`` and ``leaders`` are the hub's at the time, for the coach's
    introduction; no coordinator's note travels here."""

    PRODUCER = "matching"
    hub_id: uuid.UUID
    program_year: str
    theme: str
    coach_id: uuid.UUID
    members: list[uuid.UUID] = []
    leaders: list[uuid.UUID] = []
    meetings_invited: int = 0  # future meetings the coach was added to by this assignment


class HubCoachReleased(IntegrationEvent):
    """A board coach or consultant no longer supports a hub: the coordinator released them, the hub
    was dissolved, or they withdrew. Their copies of its future meetings are cancelled by those
    meetings' new versions (HubMeetingRescheduled without them, or HubMeetingCancelled)."""

    PRODUCER = "matching"
    hub_id: uuid.UUID
    program_year: str
    theme: str
    coach_id: uuid.UUID
    change: Literal["released", "dissolved", "withdrawal"] = "released"
    meetings_cancelled: int = 0  # future meetings of the hub the coach is no longer invited to
