"""Events matching consumes: registration's participants (kept as matching's view, and acted on
once a board's hubs exist: late joiners, withdrawals, new mentors) and its workshop days."""

from services.matching.service_layer.placement import (
    on_participant_updated,
    on_participant_withdrawn,
    on_registered,
)
from services.matching.service_layer.readiness import record_count
from services.matching.service_layer.workshop_days import record_enrolment, record_session
from shared.bus.consumer import Handler
from shared.events.envelope import IntegrationEvent
from shared.events.registration import (
    EnrolmentConfirmed,
    MentorRegistered,
    ParticipantsCounted,
    ParticipantUpdated,
    ParticipantWithdrawn,
    SessionCancelled,
    SessionChanged,
    SessionScheduled,
    TeacherRegistered,
)

HANDLERS: dict[type[IntegrationEvent], Handler] = {
    # One handler for both, so a bulk import's run of registrations is recorded in one statement.
    TeacherRegistered: on_registered,
    MentorRegistered: on_registered,
    ParticipantUpdated: on_participant_updated,
    ParticipantWithdrawn: on_participant_withdrawn,
    # Workshop days (release-day scheduling avoids them).
    SessionScheduled: record_session,
    SessionChanged: record_session,
    SessionCancelled: record_session,
    EnrolmentConfirmed: record_enrolment,
    # What registration holds per board and year: runs wait for matching to catch up.
    ParticipantsCounted: record_count,
}
