"""Events matching consumes: registration's participants."""

from services.matching.service_layer.participants import record_participant
from shared.events.registration import (
    MentorRegistered,
    ParticipantUpdated,
    ParticipantWithdrawn,
    TeacherRegistered,
)

HANDLERS = {
    TeacherRegistered: record_participant,
    MentorRegistered: record_participant,
    ParticipantUpdated: record_participant,
    ParticipantWithdrawn: record_participant,
}
