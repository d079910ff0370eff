"""Events evaluation handles: what happened in the program (registration, matching) and the meetings
held it records itself."""

from __future__ import annotations

from services.evaluation.service_layer import facts
from shared.bus.consumer import Handler
from shared.events import evaluation, matching, registration
from shared.events.envelope import IntegrationEvent

HANDLERS: dict[type[IntegrationEvent], Handler] = {
    registration.TeacherRegistered: facts.participant_changed,
    registration.MentorRegistered: facts.participant_changed,
    registration.ParticipantUpdated: facts.participant_changed,
    registration.ParticipantWithdrawn: facts.participant_changed,
    registration.ThemeDefined: facts.theme_defined,
    matching.HubFormed: facts.hub_formed,
    matching.HubMembershipChanged: facts.hub_membership_changed,
    matching.MentorPaired: facts.mentor_paired,
    matching.MentorUnpaired: facts.mentor_unpaired,
    matching.HubMeetingScheduled: facts.meeting_changed,
    matching.HubMeetingRescheduled: facts.meeting_changed,
    matching.HubMeetingCancelled: facts.meeting_changed,
    matching.ObservationScheduled: facts.observation_scheduled,
    evaluation.HubMeetingRecorded: facts.meeting_held,
    registration.SessionScheduled: facts.session_changed,
    registration.SessionChanged: facts.session_changed,
    registration.SessionCancelled: facts.session_changed,
    registration.EnrolmentConfirmed: facts.enrolment_confirmed,
    registration.AttendanceRecorded: facts.attendance_recorded,
}
