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
        matching.MentorPaired: on.mentor_paired,
        matching.MentorUnpaired: on.mentor_unpaired,
        matching.ObservationScheduled: on.observation,
        matching.ObservationRescheduled: on.observation,
        matching.ObservationCancelled: on.observation,
        matching.ParticipantUnplaced: on.deliver_only,
        matching.HubCoachAssigned: on.deliver_only,
        matching.HubCoachReleased: on.deliver_only,
        matching.HubMeetingScheduled: on.hub_meeting,
        matching.HubMeetingRescheduled: on.hub_meeting,
        matching.HubMeetingCancelled: on.hub_meeting,
        registration.SessionScheduled: on.session,
        registration.SessionChanged: on.session,
        registration.SessionCancelled: on.session,
        registration.EnrolmentConfirmed: on.enrolment,
        registration.EnrolmentWaitlisted: on.enrolment,
        registration.EnrolmentCancelled: on.enrolment_cancelled,
        registration.BoardRegistered: on.board_named,
        registration.BoardRenamed: on.board_named,
        registration.ThemeDefined: on.theme_defined,
        grants.GrantSubmitted: on.grant,
        grants.GrantApproved: on.grant,
        grants.GrantDeclined: on.grant,
        grants.GrantPaid: on.grant,
        grants.GrantWithdrawn: on.grant,
        evaluation.SurveyOpened: on.deliver_only,
        evaluation.SurveyReminderRequested: on.deliver_only,
        evaluation.HarvestPublished: on.deliver_only,
    }
