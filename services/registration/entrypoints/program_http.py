"""The program year's HTTP API (/v1): timeline, workshops and network sessions, enrolment, attendance.

Thin: parse, authorise, call the service layer. Staff are province admins (everything) and board
coordinators (their board). Participants read their board's timeline and sessions, and enrol
themselves. ``board`` null means provincial (province admins organise those).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.registration.adapters.program_tables import EnrolmentRow, NetworkCohortRow, SessionRow
from services.registration.adapters.tables import Participant
from services.registration.domain.timeline import Phase, Standing
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.service_layer import program_years, registering, sessions
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["program year"], route_class=RegistrationRoute)

Staff = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
AnyUser = Annotated[Principal, Depends(current_principal)]

ProgramYearField = Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])
BoardField = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["ELM"])
Audience = Literal["beginning_teacher", "mentor", "school_leader", "leader_menu"]
PhaseKind = Literal["phase", "workshop", "activities", "deadline", "ongoing"]


# ---------------------------------------------------------------- bodies


class PhaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    title: str = Field(min_length=1, max_length=300)
    starts_on: date
    ends_on: date
    kind: PhaseKind = "phase"
    audience: list[str] = Field(default_factory=lambda: ["all"], max_length=10)
    milestone: bool = True
    min_workshops: int | None = Field(default=None, ge=1, le=20)
    completed_on: date | None = None

    def phase(self) -> Phase:
        return Phase(**{**self.model_dump(), "audience": tuple(self.audience)})


class PhasePublic(PhaseIn):
    position: int
    # What closed the phase: null for a coordinator (or still open), else the fact (e.g. GrantSubmitted).
    completed_by: str | None = None


class PhaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    starts_on: date | None = None
    ends_on: date | None = None
    completed_on: date | None = None
    min_workshops: int | None = Field(default=None, ge=1, le=20)
    audience: list[str] | None = Field(default=None, max_length=10)
    milestone: bool | None = None


class ProgramYearCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str | None = BoardField
    program_year: str = ProgramYearField
    phases: list[PhaseIn] | None = Field(
        default=None, max_length=50, description="Omit for the association's sample timeline"
    )


class ProgramYearPublic(BaseModel):
    id: uuid.UUID
    board: str | None
    program_year: str
    phases: list[PhasePublic]


class PhaseStanding(PhasePublic):
    days_until_start: int
    days_until_end: int


class StandingPublic(BaseModel):
    program_year_id: uuid.UUID
    program_year: str
    scope: Literal["board", "province"]
    state: Literal["not_started", "in_progress", "finished"]
    current: list[PhaseStanding]
    overdue: list[PhaseStanding]
    next: list[PhaseStanding]
    upcoming: list[PhaseStanding]
    completed: list[PhaseStanding]
    notes: list[str]


class TimelinePublic(BaseModel):
    board: str
    on: date
    standings: list[StandingPublic]


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str | None = BoardField
    program_year: str = ProgramYearField
    kind: Literal["workshop", "network_cohort", "network_open"]
    title: str = Field(min_length=1, max_length=200)
    facilitator: str | None = Field(default=None, max_length=200)
    starts_at: datetime
    ends_at: datetime
    timezone: str | None = Field(default=None, max_length=60, examples=["America/Toronto"])
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=2000)
    audience: list[Audience] = Field(default_factory=list, max_length=4)
    cohort_id: uuid.UUID | None = None
    release_time: bool = Field(default=True, description="Workshops: during the school day")


class SessionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    facilitator: str | None = Field(default=None, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=2000)


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    board: str | None
    program_year: str
    kind: str
    title: str
    facilitator: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    online_url: str | None
    capacity: int | None
    audience: list[str]
    cohort_id: uuid.UUID | None
    release_time: bool
    status: str
    sequence: int
    confirmed: int = 0
    waitlisted: int = 0


class CohortCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: str | None = BoardField
    program_year: str = ProgramYearField
    title: str = Field(min_length=1, max_length=200)
    facilitator: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=500)
    meetings_planned: int = Field(default=4, ge=1, le=8)


class CohortPublic(CohortCreate):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    confirmed: int = 0
    waitlisted: int = 0
    meetings: list[uuid.UUID] = []


class EnrolmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID


class EnrolmentPublic(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID | None
    cohort_id: uuid.UUID | None
    participant_id: uuid.UUID
    status: str
    position: int | None = None
    promoted_from_waitlist: bool


class CancellationPublic(BaseModel):
    cancelled: EnrolmentPublic
    promoted: list[EnrolmentPublic]


class AttendanceRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: uuid.UUID
    attended: bool


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[AttendanceRecordIn] = Field(min_length=1, max_length=2000)


class AttendanceResult(BaseModel):
    recorded: int


class WorkshopRecordPublic(BaseModel):
    session_id: uuid.UUID
    title: str
    starts_at: datetime
    leader_menu: bool
    enrolment: str
    attended: bool | None
    cancelled: bool


class WorkshopProgressPublic(BaseModel):
    participant_id: uuid.UUID
    role: str
    applies: bool = Field(description="The 'at least N menu workshops' rule is for new school leaders")
    required: int
    attended: int
    planned: int
    met: bool
    remaining: int
    workshops: list[WorkshopRecordPublic]


# ---------------------------------------------------------------- helpers


def _may_write_board(principal: Principal, board: str | None) -> None:
    """Province admins organise provincial and any board's; coordinators only their own board's."""
    if principal.is_province_admin:
        return
    if board is None or not principal.can_access_board(board):
        raise Problem(
            403,
            "Forbidden",
            "board: you may only organise your own board's program",
            errors=[{"field": "board", "message": "not your board"}],
        )


def _may_read_board(principal: Principal, board: str | None) -> None:
    if board is not None:
        ensure_board(principal, board)


def _phase_public(phase: Phase) -> PhasePublic:
    return PhasePublic(**{**phase.__dict__, "audience": list(phase.audience)})


def _program_year_public(view: program_years.ProgramYearView) -> ProgramYearPublic:
    return ProgramYearPublic(
        id=view.row.id,
        board=view.row.board,
        program_year=view.row.program_year,
        phases=[_phase_public(p) for p in view.phases],
    )


def _standing_public(found: program_years.BoardStanding) -> StandingPublic:
    standing: Standing = found.standing

    def many(phases: tuple[Phase, ...]) -> list[PhaseStanding]:
        return [
            PhaseStanding(
                **_phase_public(p).model_dump(),
                days_until_start=(p.starts_on - standing.on).days,
                days_until_end=(p.ends_on - standing.on).days,
            )
            for p in phases
        ]

    return StandingPublic(
        program_year_id=found.program_year.row.id,
        program_year=found.program_year.row.program_year,
        scope=found.scope,  # type: ignore[arg-type]
        state=standing.state,
        current=many(standing.current),
        overdue=many(standing.overdue),
        next=many(standing.next),
        upcoming=many(standing.upcoming),
        completed=many(standing.completed),
        notes=list(standing.notes),
    )


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
    _may_read_board(principal, row.board)
    return row


async def _cohort_visible(uow: UnitOfWork, principal: Principal, cohort_id: uuid.UUID) -> NetworkCohortRow:
    cohort = await sessions.get_cohort(uow, cohort_id)
    _may_read_board(principal, cohort.board)
    return cohort


# ---------------------------------------------------------------- program years and timeline


@router.post("/program-years", status_code=status.HTTP_201_CREATED, response_model=ProgramYearPublic)
async def create_program_year(
    body: ProgramYearCreate, request: Request, principal: Staff
) -> ProgramYearPublic:
    _may_write_board(principal, body.board)
    async with runtime_of(request).uow() as uow:
        view = await program_years.create_program_year(
            uow,
            board=body.board,
            program_year=body.program_year,
            phases=[p.phase() for p in body.phases] if body.phases else None,
        )
        return _program_year_public(view)


@router.get("/program-years", response_model=list[ProgramYearPublic])
async def list_program_years(
    request: Request,
    principal: AnyUser,
    board: str | None = None,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> list[ProgramYearPublic]:
    async with runtime_of(request).uow() as uow:
        views = await program_years.list_program_years(
            uow, boards=principal.visible_boards(), board=board, program_year=program_year
        )
        return [_program_year_public(v) for v in views]


@router.get("/program-years/{program_year_id}", response_model=ProgramYearPublic)
async def read_program_year(
    program_year_id: uuid.UUID, request: Request, principal: AnyUser
) -> ProgramYearPublic:
    async with runtime_of(request).uow() as uow:
        view = await program_years.get_program_year(uow, program_year_id)
        _may_read_board(principal, view.row.board)
        return _program_year_public(view)


@router.patch("/program-years/{program_year_id}/phases/{key}", response_model=ProgramYearPublic)
async def edit_phase(
    program_year_id: uuid.UUID, key: str, body: PhaseUpdate, request: Request, principal: Staff
) -> ProgramYearPublic:
    changes = body.model_dump(exclude_unset=True)
    for name in ("title", "starts_on", "ends_on", "audience", "milestone"):
        if name in changes and changes[name] is None:
            raise Problem(
                422, "Invalid input", f"{name}: cannot be null", errors=[{"field": name, "message": "null"}]
            )
    async with runtime_of(request).uow() as uow:
        view = await program_years.get_program_year(uow, program_year_id)
        _may_read_board(principal, view.row.board)
        _may_write_board(principal, view.row.board)
        view = await program_years.edit_phase(uow, program_year_id, key, changes)
        return _program_year_public(view)


@router.post(
    "/program-years/{program_year_id}/phases",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgramYearPublic,
)
async def add_phase(
    program_year_id: uuid.UUID, body: PhaseIn, request: Request, principal: Staff
) -> ProgramYearPublic:
    async with runtime_of(request).uow() as uow:
        view = await program_years.get_program_year(uow, program_year_id)
        _may_read_board(principal, view.row.board)
        _may_write_board(principal, view.row.board)
        view = await program_years.add_phase(uow, program_year_id, body.phase())
        return _program_year_public(view)


@router.get("/boards/{board}/timeline", response_model=TimelinePublic)
async def board_timeline(
    board: str,
    request: Request,
    principal: AnyUser,
    on: Annotated[date | None, Query(description="The day to stand on (default: today)")] = None,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> TimelinePublic:
    ensure_board(principal, board)
    day = on or date.today()
    async with runtime_of(request).uow() as uow:
        found = await program_years.board_standing(uow, board, day, program_year)
        return TimelinePublic(board=board, on=day, standings=[_standing_public(f) for f in found])


# ---------------------------------------------------------------- sessions


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionPublic)
async def create_session(body: SessionCreate, request: Request, principal: Staff) -> SessionPublic:
    _may_write_board(principal, body.board)
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
        _may_write_board(principal, row.board)
        row = await sessions.change_session(uow, session_id, changes)
        return (await _sessions_public(uow, [row]))[0]


@router.post("/sessions/{session_id}/cancellation", response_model=SessionPublic)
async def cancel_session(session_id: uuid.UUID, request: Request, principal: Staff) -> SessionPublic:
    async with runtime_of(request).uow() as uow:
        row = await _session_visible(uow, principal, session_id)
        _may_write_board(principal, row.board)
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
            _may_write_board(principal, row.board)
        recorded = await sessions.record_attendance(
            uow, session_id, [(r.participant_id, r.attended) for r in body.records], principal.subject
        )
        return AttendanceResult(recorded=recorded)


class AttendancePublic(BaseModel):
    participant_id: uuid.UUID
    attended: bool
    recorded_at: datetime


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
    _may_write_board(principal, body.board)
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
