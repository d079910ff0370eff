"""Release days over HTTP (/v1): school calendars, occasional-teacher capacity, hub meetings,
observation visits and debriefs, the release-day report.

Thin: parse, authorise, call the service layer. Board staff (province admins, board coordinators
of the board) run the schedule; participants request observation visits and keep their debriefs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.matching.adapters.meeting_tables import (
    BoardCalendarRow,
    DebriefRow,
    HubMeetingRow,
    ObservationRow,
)
from services.matching.domain.occasional_teachers import decode, parse_capacity_csv
from services.matching.domain.release_day_report import ReleaseDayReport, report_csv
from services.matching.domain.release_days import HubToSchedule, SchedulingPolicy
from services.matching.entrypoints.problems import MatchingRoute
from services.matching.entrypoints.schemas.release_days import (
    CalendarIn,
    CalendarPublic,
    CapacityDayPublic,
    CapacityIn,
    CapacityResult,
    DebriefIn,
    DebriefPublic,
    MeetingPublic,
    ObservationIn,
    ObservationPublic,
    ReportLinePublic,
    ReportPublic,
    RescheduleIn,
    ScheduleRequest,
    ScheduleResult,
    UnscheduledPublic,
)
from services.matching.service_layer import observations
from services.matching.service_layer import release_days as service
from services.matching.service_layer.errors import NoSchoolCalendar
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["release days"], route_class=MatchingRoute)


def program_year_bounds(program_year: str) -> tuple[date, date]:
    """A program year "2026-2027" runs from 1 September 2026 to 31 August 2027."""
    first = int(program_year[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


Coordinator = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]
AnyUser = Annotated[Principal, Depends(current_principal)]
ProgramYearPath = Annotated[str, Path(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])]
MAX_CSV_BYTES = 1_000_000


# ---------------------------------------------------------------- bodies


# ---------------------------------------------------------------- calendar and capacity


def _calendar_public(row: BoardCalendarRow) -> CalendarPublic:
    return CalendarPublic.model_validate(row).model_copy(
        update={"school_days": len(service.calendar_of(row).school_days())}
    )


@router.put("/boards/{board}/calendars/{program_year}", response_model=CalendarPublic)
async def put_calendar(
    board: str, program_year: ProgramYearPath, body: CalendarIn, request: Request, principal: Coordinator
) -> CalendarPublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        row = await service.put_calendar(uow, board, program_year, body.model_dump())
        return _calendar_public(row)


@router.get("/boards/{board}/calendars/{program_year}", response_model=CalendarPublic)
async def read_calendar(
    board: str, program_year: ProgramYearPath, request: Request, principal: Coordinator
) -> CalendarPublic:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        try:
            return _calendar_public(await service.get_calendar(uow, board, program_year))
        except NoSchoolCalendar as exc:
            raise Problem(404, "Not found", str(exc)) from exc


async def _set_capacity(request: Request, board: str, days: dict[date, int]) -> CapacityResult:
    async with runtime_of(request).uow() as uow:
        conflicts = await service.set_capacity(uow, board, days)
        if conflicts:
            raise Problem(
                409,
                "Below what is booked",
                "; ".join(f"{c.day}: {c.booked} already booked" for c in conflicts[:10]),
                errors=[
                    {
                        "field": f"days.{c.day.isoformat()}",
                        "message": f"{c.booked} occasional teachers already booked",
                    }
                    for c in conflicts
                ],
            )
    return CapacityResult(days_set=len(days))


@router.put("/boards/{board}/release-capacity", response_model=CapacityResult)
async def put_capacity(
    board: str, body: CapacityIn, request: Request, principal: Coordinator
) -> CapacityResult:
    """How many occasional teachers the board can supply each day (days not listed keep their figure)."""
    ensure_board(principal, board)
    days: dict[date, int] = {}
    for i, item in enumerate(body.days):
        if item.date in days:
            raise Problem(
                422,
                "Invalid input",
                f"days.{i}.date: listed twice",
                errors=[{"field": f"days.{i}.date", "message": "listed twice"}],
            )
        days[item.date] = item.available
    return await _set_capacity(request, board, days)


@router.post(
    "/boards/{board}/release-capacity/csv",
    response_model=CapacityResult,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_capacity(board: str, request: Request, principal: Coordinator) -> CapacityResult:
    """The absence-management system's export as the request body (``text/csv``): ``date,available``."""
    ensure_board(principal, board)
    content = await request.body()
    if len(content) > MAX_CSV_BYTES:
        raise Problem(
            413,
            "Too large",
            f"file: at most {MAX_CSV_BYTES} bytes",
            errors=[{"field": "file", "message": "too large"}],
        )
    parsed = parse_capacity_csv(decode(content))
    if parsed.errors:
        raise Problem(
            422,
            "Invalid file",
            "; ".join(f"row {e.row}, {e.column}: {e.message}" for e in parsed.errors[:10]),
            errors=[{"field": e.column, "row": e.row, "message": e.message} for e in parsed.errors],
        )
    if not parsed.days:
        raise Problem(422, "Invalid file", "file: no days", errors=[{"field": "file", "message": "no days"}])
    return await _set_capacity(request, board, parsed.days)


@router.get("/boards/{board}/release-capacity", response_model=list[CapacityDayPublic])
async def read_capacity(
    board: str,
    request: Request,
    principal: Coordinator,
    start: date | None = None,
    end: date | None = None,
) -> list[CapacityDayPublic]:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        rows = await service.capacity_rows(uow, board, start, end)
        return [CapacityDayPublic(date=d, capacity=c, booked=b, left=c - b) for d, c, b in rows]


# ---------------------------------------------------------------- hub meetings


@router.post("/boards/{board}/hub-meetings/schedule", response_model=ScheduleResult)
async def schedule(
    board: str, body: ScheduleRequest, request: Request, principal: Coordinator
) -> ScheduleResult:
    """Plan and book the hubs' meetings; hubs that cannot be placed come back with the reason.
    Call again with ``release_time: false`` for an after-school fallback."""
    ensure_board(principal, board)
    hubs = [
        HubToSchedule(
            hub_id=str(h.hub_id),
            members=tuple(str(m) for m in h.members),
            leaders=tuple(str(m) for m in h.leaders),
            without_class=frozenset(str(m) for m in h.without_class),
        )
        for h in body.hubs or []
    ]
    if len({h.hub_id for h in hubs}) != len(hubs):
        raise Problem(
            422,
            "Invalid input",
            "hubs: a hub is listed twice",
            errors=[{"field": "hubs", "message": "duplicate hub_id"}],
        )
    first, last = program_year_bounds(body.program_year)
    outside = [
        {"field": name, "message": f"must fall inside program year {body.program_year} ({first} to {last})"}
        for name, day in (("start", body.start), ("end", body.end))
        if day is not None and not first <= day <= last
    ]
    if outside:
        raise Problem(
            422,
            "Invalid input",
            "; ".join(f"{e['field']}: {e['message']}" for e in outside),
            errors=outside,
        )
    try:
        policy = SchedulingPolicy(body.meetings_per_hub, body.release_time, body.start, body.end)
    except ValueError as exc:
        raise Problem(
            422, "Invalid input", f"end: {exc}", errors=[{"field": "end", "message": str(exc)}]
        ) from exc
    async with runtime_of(request).uow() as uow:
        if body.hubs is None:
            hubs = await service.board_hubs(
                uow, board, body.program_year, hub_ids=body.hub_ids, without_class=body.without_class
            )
            if not hubs:
                raise Problem(
                    409,
                    "No hubs",
                    f"hubs: board {board} has no hubs in {body.program_year}; form them or list them in `hubs`",
                    errors=[{"field": "hubs", "message": "no hubs to schedule"}],
                )
        outcome = await service.schedule_hub_meetings(
            uow,
            board=board,
            program_year=body.program_year,
            hubs=hubs,
            policy=policy,
            extra_busy={str(p): days for p, days in body.workshop_days.items()},
            location=body.location,
            today=datetime.now(UTC).date(),
        )
    return ScheduleResult(
        scheduled=[MeetingPublic.model_validate(m) for m in outcome.meetings],
        unscheduled=[
            UnscheduledPublic(hub_id=u.hub_id, code=u.code, reason=u.reason, days_found=list(u.days_found))
            for u in outcome.unscheduled
        ],
    )


@router.get("/boards/{board}/hub-meetings", response_model=list[MeetingPublic])
async def list_meetings(
    board: str,
    request: Request,
    principal: Coordinator,
    program_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
    hub_id: uuid.UUID | None = None,
) -> list[HubMeetingRow]:
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        return await service.list_meetings(uow, board, program_year, hub_id)


@router.post("/hub-meetings/{meeting_id}/reschedule", response_model=MeetingPublic)
async def reschedule(
    meeting_id: uuid.UUID, body: RescheduleIn, request: Request, principal: Coordinator
) -> HubMeetingRow:
    async with runtime_of(request).uow() as uow:
        ensure_board(principal, (await service.get_meeting(uow, meeting_id)).board)
        row = await service.reschedule_meeting(
            uow, meeting_id, body.day, release_time=body.release_time, location=body.location
        )
        return row


@router.post("/hub-meetings/{meeting_id}/cancellation", response_model=MeetingPublic)
async def cancel_meeting(meeting_id: uuid.UUID, request: Request, principal: Coordinator) -> HubMeetingRow:
    async with runtime_of(request).uow() as uow:
        ensure_board(principal, (await service.get_meeting(uow, meeting_id)).board)
        row = await service.cancel_meeting(uow, meeting_id)
        return row


# ---------------------------------------------------------------- observation visits and debriefs


def _is_staff(principal: Principal) -> bool:
    return principal.has_any("province_admin", "board_coordinator")


def _may_see_observation(principal: Principal, row: ObservationRow) -> None:
    if principal.participant_id in (row.visitor_id, row.host_id):
        return
    if not _is_staff(principal):
        raise Problem(404, "Not found", "No such observation visit.")
    ensure_board(principal, row.board)


@router.post("/observations", status_code=201, response_model=ObservationPublic)
async def request_observation(body: ObservationIn, request: Request, principal: AnyUser) -> ObservationRow:
    """A participant (visitor or host) or their coordinator asks for a visit; the earliest workable
    release day is booked (or ``day``, if it works)."""
    if principal.participant_id not in (body.visitor_id, body.host_id) and not _is_staff(principal):
        raise Problem(
            403,
            "Forbidden",
            "visitor_id: you may request visits you are part of",
            errors=[{"field": "visitor_id", "message": "not you"}],
        )
    async with runtime_of(request).uow() as uow:
        visitor = await observations.participant(uow, body.visitor_id, "visitor_id")
        host = await observations.participant(uow, body.host_id, "host_id")
        if host.board != visitor.board:
            raise Problem(
                422,
                "Invalid input",
                "host_id: the host teaches in another board",
                errors=[{"field": "host_id", "message": "another board"}],
            )
        if _is_staff(principal) and principal.participant_id not in (body.visitor_id, body.host_id):
            ensure_board(principal, visitor.board)
        row = await observations.request_observation(
            uow,
            visitor.board,
            observations.ObservationRequest(
                visitor_id=body.visitor_id,
                host_id=body.host_id,
                program_year=body.program_year,
                not_before=body.not_before or date.today(),
                not_after=body.not_after,
                day=body.day,
                visitor_has_class=body.visitor_has_class,
                requested_by=principal.subject,
            ),
        )
        return row


@router.get("/observations/{observation_id}", response_model=ObservationPublic)
async def read_observation(observation_id: uuid.UUID, request: Request, principal: AnyUser) -> ObservationRow:
    async with runtime_of(request).uow() as uow:
        row = await observations.get_observation(uow, observation_id)
        _may_see_observation(principal, row)
        return row


@router.post("/observations/{observation_id}/cancellation", response_model=ObservationPublic)
async def cancel_observation(
    observation_id: uuid.UUID, request: Request, principal: AnyUser
) -> ObservationRow:
    async with runtime_of(request).uow() as uow:
        _may_see_observation(principal, await observations.get_observation(uow, observation_id))
        row = await observations.cancel_observation(uow, observation_id)
        return row


def _debrief_reader(principal: Principal) -> uuid.UUID:
    """Only participants hold debriefs; staff (coordinators, admins, evaluators) get the same 404 as any
    participant who is not the author or their mentor: nothing confirms a debrief exists."""
    if principal.participant_id is None or not principal.has_any("participant"):
        raise Problem(404, "Not found", "No debrief you may read.")
    return principal.participant_id


@router.put("/observations/{observation_id}/debrief", response_model=DebriefPublic)
async def write_debrief(
    observation_id: uuid.UUID, body: DebriefIn, request: Request, principal: AnyUser
) -> DebriefRow:
    author = _debrief_reader(principal)
    async with runtime_of(request).uow() as uow:
        row = await observations.get_observation(uow, observation_id)
        debrief = await observations.write_debrief(uow, row, author, body.body, body.mentor_id)
        return debrief


@router.get("/observations/{observation_id}/debriefs", response_model=list[DebriefPublic])
async def read_debriefs(observation_id: uuid.UUID, request: Request, principal: AnyUser) -> list[DebriefRow]:
    reader = _debrief_reader(principal)
    async with runtime_of(request).uow() as uow:
        found = await observations.readable_debriefs(uow, observation_id, reader)
        if not found:
            raise Problem(404, "Not found", "No debrief you may read.")
        return found


# ---------------------------------------------------------------- report


def _report_public(report: ReleaseDayReport) -> ReportPublic:
    return ReportPublic(
        **{
            **report.__dict__,
            "by_month": [ReportLinePublic(**line.__dict__) for line in report.by_month],
            "by_hub": [ReportLinePublic(**line.__dict__) for line in report.by_hub],
        }
    )


@router.get(
    "/boards/{board}/release-days/report",
    response_model=ReportPublic,
    responses={200: {"content": {"text/csv": {}}}},
)
async def report(
    board: str,
    request: Request,
    principal: Coordinator,
    program_year: Annotated[str, Query(pattern=r"^\d{4}-\d{4}$")],
    format: Literal["json", "csv"] | None = None,
    daily_rate: Annotated[
        Decimal | None, Query(ge=0, le=10_000, description="Cost of one occasional-teacher day")
    ] = None,
) -> Response | ReportPublic:
    """Release days used (occasional-teacher days) by month and by hub; JSON, or CSV with
    ``format=csv`` or ``Accept: text/csv``."""
    ensure_board(principal, board)
    async with runtime_of(request).uow() as uow:
        found = await service.release_day_report(uow, board, program_year, daily_rate)
    wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        return Response(
            report_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="release-days-{board}-{program_year}.csv"'
            },
        )
    return _report_public(found)
