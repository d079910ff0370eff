"""What the bus reports, kept as facts for engagement: participants' roles, hubs, pairings, meetings
(and the pulse each meeting held opens), observation visits, sessions, enrolments, attendance.

Every handler runs in the consumer's unit of work with the inbox row (each event once); each write
is also an upsert that keeps the newer fact, so events arriving out of order settle the same way.
"""

from __future__ import annotations

from services.evaluation.adapters.repository import EvaluationRepository
from services.evaluation.domain.questions import MAX_GOAL_THEMES
from services.evaluation.service_layer import surveys
from shared.db import UnitOfWork
from shared.events import evaluation, matching, registration


async def participant_changed(uow: UnitOfWork, event: registration.ParticipantEvent) -> None:
    p = event.participant
    status = "withdrawn" if isinstance(event, registration.ParticipantWithdrawn) else p.status
    await EvaluationRepository(uow.session).put_participant(
        {
            "participant_id": p.participant_id,
            "board": event.board,
            "program_year": p.program_year,
            "role": p.role,
            "language": p.language,
            "status": status,
            "revision": p.revision,
            "themes": list(dict.fromkeys(p.themes))[:MAX_GOAL_THEMES],
        }
    )


async def theme_defined(uow: UnitOfWork, event: registration.ThemeDefined) -> None:
    """A theme's English and French names, to word its attainment question and its report line."""
    await EvaluationRepository(uow.session).put_theme(
        code=event.code, name_en=event.name_en, name_fr=event.name_fr, updated_at=event.occurred_at
    )


async def hub_formed(uow: UnitOfWork, event: matching.HubFormed) -> None:
    await EvaluationRepository(uow.session).put_hub(
        {
            "id": event.hub_id,
            "board": event.board,
            "program_year": event.program_year,
            "theme": event.theme,
            "language": event.language,
            "formed_at": event.occurred_at,
            "changed_at": event.occurred_at,
            "members": event.members,
            "leaders": event.leaders,
        }
    )


async def hub_membership_changed(uow: UnitOfWork, event: matching.HubMembershipChanged) -> None:
    await EvaluationRepository(uow.session).put_hub(
        {
            "id": event.hub_id,
            "board": event.board,
            "program_year": event.program_year,
            "theme": event.theme,
            "language": "en",
            "formed_at": event.occurred_at,
            "changed_at": event.occurred_at,
            "members": event.members,
            "leaders": event.leaders,
        }
    )


async def mentor_paired(uow: UnitOfWork, event: matching.MentorPaired) -> None:
    await EvaluationRepository(uow.session).put_pairing(
        {
            "program_year": event.program_year,
            "teacher_id": event.teacher_id,
            "board": event.board,
            "mentor_id": event.mentor_id,
            "paired_at": event.occurred_at,
        }
    )


async def mentor_unpaired(uow: UnitOfWork, event: matching.MentorUnpaired) -> None:
    """The pairing ended (unpaired, replaced, or a partner withdrew): it no longer counts in engagement,
    its "no observation visit" flag goes, and the next survey round does not invite the teacher for it."""
    await EvaluationRepository(uow.session).end_pairing(
        program_year=event.program_year,
        teacher_id=event.teacher_id,
        mentor_id=event.mentor_id,
        board=event.board,
        at=event.occurred_at,
    )


async def meeting_changed(uow: UnitOfWork, event: matching.HubMeetingScheduled) -> None:
    await EvaluationRepository(uow.session).put_meeting(
        {
            "id": event.meeting_id,
            "board": event.board,
            "hub_id": event.hub_id,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "status": "cancelled" if isinstance(event, matching.HubMeetingCancelled) else "scheduled",
            "sequence": event.sequence,
        }
    )


async def meeting_held(uow: UnitOfWork, event: evaluation.HubMeetingRecorded) -> None:
    """The meeting took place: keep its attendance and open its pulse (once per meeting, never for a
    cancelled one: a cancelled meeting is not marked held, so no pulse follows)."""
    repo = EvaluationRepository(uow.session)
    if await repo.mark_held(
        event.meeting_id,
        event.board,
        recorded_at=event.recorded_at,
        present=event.present,
        absent=event.absent,
    ):
        await surveys.open_pulse(uow, event)


async def observation_scheduled(uow: UnitOfWork, event: matching.ObservationScheduled) -> None:
    await EvaluationRepository(uow.session).add_observation(
        {
            "id": event.observation_id,
            "board": event.board,
            "visitor_id": event.visitor_id,
            "host_id": event.host_id,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
        }
    )


async def session_changed(uow: UnitOfWork, event: registration.SessionScheduled) -> None:
    await EvaluationRepository(uow.session).put_session(
        {
            "id": event.session_id,
            "board": event.board,
            "kind": event.kind,
            "starts_at": event.starts_at,
            "status": "cancelled" if isinstance(event, registration.SessionCancelled) else "scheduled",
            "sequence": event.sequence,
        }
    )


async def enrolment_confirmed(uow: UnitOfWork, event: registration.EnrolmentConfirmed) -> None:
    await EvaluationRepository(uow.session).add_enrolment(
        {"session_id": event.session_id, "participant_id": event.participant_id, "board": event.board}
    )


async def attendance_recorded(uow: UnitOfWork, event: registration.AttendanceRecorded) -> None:
    await EvaluationRepository(uow.session).put_session_attendance(
        {
            "session_id": event.session_id,
            "participant_id": event.participant_id,
            "board": event.board,
            "attended": event.attended,
        }
    )
