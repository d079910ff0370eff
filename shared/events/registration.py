"""Events published by the registration service."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr

from shared.events.envelope import IntegrationEvent
from shared.events.vocabulary import GradeBand, Language, ParticipantRole


class ParticipantProfile(BaseModel):
    """A participant as registration knows it; ``revision`` orders snapshots of one participant."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    participant_id: uuid.UUID
    revision: int = 1
    program_year: str
    hr_id: str
    role: ParticipantRole
    given_name: str
    family_name: str
    email: EmailStr
    language: Language = "en"
    school: str | None = None
    grade_band: GradeBand | None = None
    subjects: list[str] = []
    themes: list[str] = []
    learning_goals: str | None = None
    # Mentors only.
    expertise_themes: list[str] = []
    leads_school_leaders: bool = False
    trained: bool = False
    hub_capacity: int = 0
    one_to_one_capacity: int = 0
    evaluates_hr_ids: list[str] = []
    status: Literal["registered", "placed", "withdrawn"] = "registered"


class ParticipantEvent(IntegrationEvent):
    """What every participant event carries: the participant as registration now knows them."""

    FAMILY = True
    PRODUCER = "registration"
    participant: ParticipantProfile


class TeacherRegistered(ParticipantEvent):
    """A beginning teacher or new school leader joined a program year."""


class MentorRegistered(ParticipantEvent):
    """An experienced teacher or school leader offered to mentor or lead hubs."""


class ParticipantUpdated(ParticipantEvent):
    """Goals, themes, assignment or school changed; ``changed`` names the fields."""

    changed: list[str] = []


class ParticipantWithdrawn(ParticipantEvent):
    """The participant left the program year; their history is kept."""

    reason: str | None = None


class SessionScheduled(IntegrationEvent):
    """A workshop or Beginning Teacher Network session was put on the calendar."""

    PRODUCER = "registration"
    session_id: uuid.UUID
    kind: Literal["workshop", "network_cohort", "network_open"]
    title: str
    starts_at: AwareDatetime  # in the board's time zone (its offset kept)
    ends_at: AwareDatetime
    location: str | None = None
    online_url: str | None = None
    sequence: int = 0


class SessionChanged(SessionScheduled):
    """A scheduled session moved or changed place; ``sequence`` grows with each change."""


class SessionCancelled(SessionScheduled):
    """A scheduled session will not take place."""


class EnrolmentConfirmed(IntegrationEvent):
    PRODUCER = "registration"
    session_id: uuid.UUID
    participant_id: uuid.UUID
    promoted_from_waitlist: bool = False


class EnrolmentWaitlisted(IntegrationEvent):
    PRODUCER = "registration"
    session_id: uuid.UUID
    participant_id: uuid.UUID
    position: int


class AttendanceRecorded(IntegrationEvent):
    PRODUCER = "registration"
    session_id: uuid.UUID
    participant_id: uuid.UUID
    attended: bool


class EnrolmentCancelled(IntegrationEvent):
    """A participant no longer holds a seat (or a waiting-list place) in a session: they withdrew,
    or a coordinator withdrew them. The session itself goes on."""

    PRODUCER = "registration"
    session_id: uuid.UUID
    participant_id: uuid.UUID
    was_confirmed: bool = True  # False: they were on the waiting list (no calendar entry to cancel)


class BoardRegistered(IntegrationEvent):
    """A school board joined the province's program; readers keep its name for what people read.

    The province keeps the list of boards: ``board`` (the envelope's tenant) is ``"province"``, the
    board itself is ``code``.
    """

    PRODUCER = "registration"
    code: str
    name: str
    language: Language = "en"
    timezone: str = "America/Toronto"


class BoardRenamed(IntegrationEvent):
    """A board's name changed."""

    PRODUCER = "registration"
    code: str
    name: str


class ThemeDefined(IntegrationEvent):
    """A theme of the provincial taxonomy, with its English and French names (new, or renamed).

    ``board`` is the envelope's tenant: the taxonomy is the province's, so it is ``"province"``.
    """

    PRODUCER = "registration"
    code: str
    name_en: str
    name_fr: str


class ParticipantsCounted(IntegrationEvent):
    """What registration holds for a board's program year, sent after every change of its
    participants (a registration, an update, a withdrawal, each import chunk, an import queued).

    Matching is up to date for the board and year when it holds ``participants`` participants
    whose revisions add up to ``revisions`` and no import is under way; ``sequence`` grows with
    each count of the same board and year, so a reader keeps the newest whatever the arrival order.
    """

    PRODUCER = "registration"
    program_year: str
    sequence: int
    participants: int
    revisions: int
    importing: bool = False


class SteeringCommitteeMember(BaseModel):
    """A member of a board's mentorship steering committee, and whom they represent."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    representing: Literal["local", "district", "association"]


class SteeringCommitteeMeeting(BaseModel):
    """A meeting the steering committee held, and what it cost (an amount with two decimals)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    meeting_id: uuid.UUID
    held_on: str  # ISO date
    expenses: str  # e.g. "125.40"


class SteeringCommitteeChanged(IntegrationEvent):
    """A board's steering committee for a program year, as it now is (members, meetings and their
    expenses, for the start-up grant application). ``sequence`` grows with each change of the same
    board and year, so a reader keeps the newest whatever the arrival order."""

    PRODUCER = "registration"
    program_year: str
    sequence: int
    members: list[SteeringCommitteeMember] = []
    meetings: list[SteeringCommitteeMeeting] = []
    expenses_total: str = "0.00"
