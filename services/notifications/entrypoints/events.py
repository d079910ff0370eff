"""Events notifications consumes."""

from __future__ import annotations

from services.notifications.config import Settings
from services.notifications.service_layer.handlers import NotificationHandlers
from services.notifications.service_layer.welcome import welcome_handler
from shared.bus.consumer import Handler
from shared.events import evaluation, grants, matching, registration
from shared.events.envelope import IntegrationEvent


def handlers(settings: Settings) -> dict[type[IntegrationEvent], Handler]:
    welcome = welcome_handler(settings)
    on = NotificationHandlers(settings)
    return {
        registration.TeacherRegistered: welcome,
        registration.MentorRegistered: welcome,
        registration.ParticipantUpdated: on.participant_changed,
        registration.ParticipantWithdrawn: on.participant_changed,
        matching.HubFormed: on.hub_formed,
        matching.HubMembershipChanged: on.hub_membership_changed,
        matching.MentorPaired: on.deliver_only,
        matching.ParticipantUnplaced: on.deliver_only,
        matching.HubMeetingScheduled: on.hub_meeting,
        matching.HubMeetingRescheduled: on.hub_meeting,
        matching.HubMeetingCancelled: on.hub_meeting,
        registration.SessionScheduled: on.session,
        registration.SessionChanged: on.session,
        registration.SessionCancelled: on.session,
        registration.EnrolmentConfirmed: on.enrolment,
        registration.EnrolmentWaitlisted: on.enrolment,
        grants.GrantSubmitted: on.grant,
        grants.GrantApproved: on.grant,
        grants.GrantDeclined: on.grant,
        evaluation.SurveyOpened: on.deliver_only,
        evaluation.SurveyReminderRequested: on.deliver_only,
    }
