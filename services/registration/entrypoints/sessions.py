"""Workshops and Beginning Teacher Network sessions (/v1): schedule, change, cancel, enrol (with a
waitlist), record attendance, a participant's own enrolments and a new school leader's progress.

Thin: parse, authorise, call the service layer. Staff are province admins (everything) and board
coordinators (their board). Participants read their board's sessions and enrol themselves; their
own enrolments are theirs or their board staff's to read (404 for anyone else). ``board`` null means
provincial (province admins organise those).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from services.registration.adapters.tables import EnrolmentRow, NetworkCohortRow, Participant, SessionRow
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.entrypoints.program_years import may_read_board, may_write_board
from services.registration.entrypoints.session_schemas import (
    AttendanceIn,
    AttendancePublic,
    AttendanceResult,
    CancellationPublic,
    CohortCreate,
    CohortPublic,
    EnrolmentPublic,
    EnrolmentRequest,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    WorkshopProgressPublic,
    WorkshopRecordPublic,
)
from services.registration.service_layer import registering, sessions
from services.registration.service_layer.my_enrolments import enrolments_of_participant
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["program year"], route_class=RegistrationRoute)
# What the participant portal asks about one participant, beyond their record.
portal = APIRouter(prefix="/v1", tags=["participant portal"], route_class=RegistrationRoute)

Staff = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
AnyUser = Annotated[Principal, Depends(current_principal)]


async def _sessions_public(uow: UnitOfWork, rows: list[SessionRow]) -> list[SessionPublic]:
    seats = await sessions.seats_of_sessions(uow, rows)
    return [
        SessionPublic.model_validate(row).model_copy(
            update={"confirmed": seats[row.id].confirmed, "waitlisted": seats[row.id].waitlisted}
        )
        for row in rows
    ]


def _enrolment_public(row: EnrolmentRow, position: int | None = None) -> EnrolmentPublic:
    return EnrolmentPublic(
        id=row.id,
        session_id=row.session_id,
        cohort_id=row.cohort_id,
        participant_id=row.participant_id,
        status=row.status,
        position=position,
        promoted_from_waitlist=row.promoted_from_waitlist,
    )


async def _participant_for(uow: UnitOfWork, principal: Principal, participant_id: uuid.UUID) -> Participant:
    """A participant acts for themself; staff act for participants of their board."""
    if principal.participant_id == participant_id:
        return await registering.get_participant(uow, participant_id)
    if not principal.has_any("province_admin", "board_coordinator"):
        raise Problem(
            403,
            "Forbidden",
            "participant_id: participants enrol only themselves",
            errors=[{"field": "participant_id", "message": "not you"}],
        )
    participant = await registering.get_participant(uow, participant_id)
    ensure_board(principal, participant.board)
    return participant


async def _session_visible(uow: UnitOfWork, principal: Principal, session_id: uuid.UUID) -> SessionRow:
    row = await sessions.get_session(uow, session_id)
    may_read_board(principal, row.board)
    return row


async def _cohort_visible(uow: UnitOfWork, principal: Principal, cohort_id: uuid.UUID) -> NetworkCohortRow:
    cohort = await sessions.get_cohort(uow, cohort_id)
    may_read_board(principal, cohort.board)
    return cohort


# ---------------------------------------------------------------- sessions


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionPublic)
async def create_session(body: SessionCreate, request: Request, principal: Staff) -> SessionPublic:
    may_write_board(principal, body.board)
    async with runtime_of(request).uow() as uow:
        row = await sessions.create_session(uow, body.model_dump())
        return (await _sessions_public(uow, [row]))[0]


@router.get("/sessions", response_model=list[SessionPublic])
async def list_sessions(
    request: Request,
    principal: AnyUser,
    board: str | None = None,
    kind: Literal["workshop", "network_cohort", "network_open"] | None = None,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> list[SessionPublic]:
    async with runtime_of(request).uow() as uow:
        rows = await sessions.list_sessions(
            uow, boards=principal.visible_boards(), board=board, kind=kind, program_year=program_year
        )
        return await _sessions_public(uow, rows)


@router.get("/sessions/{session_id}", response_model=SessionPublic)
async def read_session(session_id: uuid.UUID, request: Request, principal: AnyUser) -> SessionPublic:
    async with runtime_of(request).uow() as uow:
        row = await _session_visible(uow, principal, session_id)
        return (await _sessions_public(uow, [row]))[0]


@router.patch("/sessions/{session_id}", response_model=SessionPublic)
async def change_session(
    session_id: uuid.UUID, body: SessionUpdate, request: Request, principal: Staff
) -> SessionPublic:
    changes = body.model_dump(exclude_unset=True)
    async with runtime_of(request).uow() as uow:
        row = await _session_visible(uow, principal, session_id)
        may_write_board(principal, row.board)
        row = await sessions.change_session(uow, session_id, changes)
        return (await _sessions_public(uow, [row]))[0]


@router.post("/sessions/{session_id}/cancellation", response_model=SessionPublic)
async def cancel_session(session_id: uuid.UUID, request: Request, principal: Staff) -> SessionPublic:
    async with runtime_of(request).uow() as uow:
        row = await _session_visible(uow, principal, session_id)
        may_write_board(principal, row.board)
        row = await sessions.cancel_session(uow, session_id)
        return (await _sessions_public(uow, [row]))[0]


@router.post("/sessions/{session_id}/enrolments", response_model=EnrolmentPublic, status_code=201)
async def enrol_in_session(
    session_id: uuid.UUID, body: EnrolmentRequest, request: Request, principal: AnyUser
) -> EnrolmentPublic:
    async with runtime_of(request).uow() as uow:
        participant = await _participant_for(uow, principal, body.participant_id)
        await _session_visible(uow, principal, session_id)
        outcome = await sessions.enrol(uow, participant, session_id=session_id)
        return _enrolment_public(outcome.enrolment, outcome.position)


@router.delete("/sessions/{session_id}/enrolments/{participant_id}", response_model=CancellationPublic)
async def leave_session(
    session_id: uuid.UUID, participant_id: uuid.UUID, request: Request, principal: AnyUser
) -> CancellationPublic:
    async with runtime_of(request).uow() as uow:
        await _participant_for(uow, principal, participant_id)
        await _session_visible(uow, principal, session_id)
        outcome = await sessions.cancel_enrolment(uow, participant_id, session_id=session_id)
        return CancellationPublic(
            cancelled=_enrolment_public(outcome.cancelled),
            promoted=[_enrolment_public(e) for e in outcome.promoted],
        )


@router.get("/sessions/{session_id}/enrolments", response_model=list[EnrolmentPublic])
async def session_enrolments(
    session_id: uuid.UUID, request: Request, principal: Staff
) -> list[EnrolmentPublic]:
    async with runtime_of(request).uow() as uow:
        row = await _session_visible(uow, principal, session_id)
        found = await sessions.enrolments_of(
            uow, session_id=None if row.cohort_id else row.id, cohort_id=row.cohort_id
        )
        visible = principal.visible_boards()
        return [_enrolment_public(e, p) for e, p in found if visible is None or e.board in visible]


@router.put("/sessions/{session_id}/attendance", response_model=AttendanceResult)
async def record_attendance(
    session_id: uuid.UUID, body: AttendanceIn, request: Request, principal: Staff
) -> AttendanceResult:
    async with runtime_of(request).uow() as uow:
        row = await _session_visible(uow, principal, session_id)
        if row.board is None and not principal.is_province_admin:
            # A coordinator records their own board's people at a provincial session.
            for i, record in enumerate(body.records):
                participant = await registering.find_participant(uow, record.participant_id)
                if participant is None or not principal.can_access_board(participant.board):
                    raise Problem(
                        403,
                        "Forbidden",
                        f"records.{i}.participant_id: not a participant of your board",
                        errors=[{"field": f"records.{i}.participant_id", "message": "not your board"}],
                    )
        else:
            may_write_board(principal, row.board)
        recorded = await sessions.record_attendance(
            uow, session_id, [(r.participant_id, r.attended) for r in body.records], principal.subject
        )
        return AttendanceResult(recorded=recorded)


@router.get("/sessions/{session_id}/attendance", response_model=list[AttendancePublic])
async def read_attendance(
    session_id: uuid.UUID, request: Request, principal: Staff
) -> list[AttendancePublic]:
    """Who was recorded present or absent (the console's attendance screen); staff of the session's
    board, and only their own board's people at a provincial session."""
    async with runtime_of(request).uow() as uow:
        await _session_visible(uow, principal, session_id)
        visible = principal.visible_boards()
        return [
            AttendancePublic(participant_id=a.participant_id, attended=a.attended, recorded_at=a.recorded_at)
            for a in await sessions.attendance_of(uow, session_id)
            if visible is None or a.board in visible
        ]


# ---------------------------------------------------------------- Beginning Teacher Network cohort groups


async def _cohort_public(uow: UnitOfWork, cohort: NetworkCohortRow) -> CohortPublic:
    seats = await sessions.seats_of_cohort(uow, cohort.id)
    meetings = await sessions.cohort_meetings(uow, cohort.id)
    return CohortPublic(
        **CohortCreate.model_validate(cohort, from_attributes=True).model_dump(),
        id=cohort.id,
        confirmed=seats.confirmed,
        waitlisted=seats.waitlisted,
        meetings=[m.id for m in meetings],
    )


@router.post("/network-cohorts", status_code=status.HTTP_201_CREATED, response_model=CohortPublic)
async def create_cohort(body: CohortCreate, request: Request, principal: Staff) -> CohortPublic:
    may_write_board(principal, body.board)
    async with runtime_of(request).uow() as uow:
        cohort = await sessions.create_cohort(uow, body.model_dump())
        return await _cohort_public(uow, cohort)


@router.get("/network-cohorts/{cohort_id}", response_model=CohortPublic)
async def read_cohort(cohort_id: uuid.UUID, request: Request, principal: AnyUser) -> CohortPublic:
    async with runtime_of(request).uow() as uow:
        return await _cohort_public(uow, await _cohort_visible(uow, principal, cohort_id))


@router.post("/network-cohorts/{cohort_id}/enrolments", response_model=EnrolmentPublic, status_code=201)
async def join_cohort(
    cohort_id: uuid.UUID, body: EnrolmentRequest, request: Request, principal: AnyUser
) -> EnrolmentPublic:
    async with runtime_of(request).uow() as uow:
        participant = await _participant_for(uow, principal, body.participant_id)
        await _cohort_visible(uow, principal, cohort_id)
        outcome = await sessions.enrol(uow, participant, cohort_id=cohort_id)
        return _enrolment_public(outcome.enrolment, outcome.position)


@router.delete("/network-cohorts/{cohort_id}/enrolments/{participant_id}", response_model=CancellationPublic)
async def leave_cohort(
    cohort_id: uuid.UUID, participant_id: uuid.UUID, request: Request, principal: AnyUser
) -> CancellationPublic:
    async with runtime_of(request).uow() as uow:
        await _participant_for(uow, principal, participant_id)
        await _cohort_visible(uow, principal, cohort_id)
        outcome = await sessions.cancel_enrolment(uow, participant_id, cohort_id=cohort_id)
        return CancellationPublic(
            cancelled=_enrolment_public(outcome.cancelled),
            promoted=[_enrolment_public(e) for e in outcome.promoted],
        )


# ---------------------------------------------------------------- progress


@router.get("/participants/{participant_id}/workshop-progress", response_model=WorkshopProgressPublic)
async def workshop_progress(
    participant_id: uuid.UUID, request: Request, principal: AnyUser
) -> WorkshopProgressPublic:
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id)
        if principal.participant_id != participant.id:
            if not principal.has_any("province_admin", "board_coordinator"):
                raise Problem(404, "Not found", "No such participant.")
            ensure_board(principal, participant.board)
        progress = await sessions.workshop_progress(uow, participant)
        return WorkshopProgressPublic(
            participant_id=participant.id,
            role=participant.role,
            applies=participant.role == "new_school_leader",
            required=progress.required,
            attended=progress.attended,
            planned=progress.planned,
            met=progress.met,
            remaining=progress.remaining,
            workshops=[
                WorkshopRecordPublic(**{**w.__dict__, "session_id": uuid.UUID(w.session_id)})
                for w in progress.workshops
            ],
        )


# ---------------------------------------------------------------- the participant portal


@portal.get("/participants/{participant_id}/enrolments", response_model=list[EnrolmentPublic])
async def my_enrolments(
    participant_id: uuid.UUID, request: Request, principal: AnyUser
) -> list[EnrolmentPublic]:
    async with runtime_of(request).uow() as uow:
        if principal.participant_id != participant_id:
            if not principal.has_any("province_admin", "board_coordinator"):
                raise Problem(404, "Not found", "No such participant.")
            ensure_board(principal, (await registering.get_participant(uow, participant_id)).board)
        found = await enrolments_of_participant(uow, participant_id)
        return [_enrolment_public(row, place) for row, place in found]
