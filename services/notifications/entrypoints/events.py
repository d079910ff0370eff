"""Events notifications consumes, and which topic of the service layer reacts to each."""

from __future__ import annotations

from services.notifications.config import Settings
from services.notifications.service_layer.news import Newsroom
from shared.bus.consumer import Handler
from shared.events import evaluation, grants, matching, registration
from shared.events.envelope import IntegrationEvent


def handlers(settings: Settings) -> dict[type[IntegrationEvent], Handler]:
    news = Newsroom(settings)
    welcome = news.directory.welcome()
    return {
        registration.TeacherRegistered: welcome,
        registration.MentorRegistered: welcome,
        registration.ParticipantUpdated: news.directory.participant_changed,
        registration.ParticipantWithdrawn: news.directory.participant_changed,
        registration.BoardRegistered: news.directory.board_named,
        registration.BoardRenamed: news.directory.board_named,
        registration.ThemeDefined: news.directory.theme_defined,
        matching.HubFormed: news.hubs.formed,
        matching.HubMembershipChanged: news.hubs.membership_changed,
        matching.HubMeetingScheduled: news.hubs.meeting,
        matching.HubMeetingRescheduled: news.hubs.meeting,
        matching.HubMeetingCancelled: news.hubs.meeting,
        matching.HubCoachAssigned: news.hubs.news,
        matching.HubCoachReleased: news.hubs.news,
        matching.ParticipantUnplaced: news.hubs.news,
        matching.MentorPaired: news.pairings.paired,
        matching.MentorUnpaired: news.pairings.unpaired,
        matching.ObservationScheduled: news.observations.visit,
        matching.ObservationRescheduled: news.observations.visit,
        matching.ObservationCancelled: news.observations.visit,
        registration.SessionScheduled: news.sessions.session,
        registration.SessionChanged: news.sessions.session,
        registration.SessionCancelled: news.sessions.session,
        registration.EnrolmentConfirmed: news.sessions.enrolment,
        registration.EnrolmentWaitlisted: news.sessions.enrolment,
        registration.EnrolmentCancelled: news.sessions.enrolment_cancelled,
        grants.GrantSubmitted: news.grants.step,
        grants.GrantApproved: news.grants.step,
        grants.GrantDeclined: news.grants.step,
        grants.GrantPaid: news.grants.step,
        grants.GrantWithdrawn: news.grants.step,
        evaluation.SurveyOpened: news.evaluation.news,
        evaluation.SurveyReminderRequested: news.evaluation.news,
        evaluation.HarvestPublished: news.evaluation.news,
    }
