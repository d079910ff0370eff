"""Grants' HTTP API (/v1): programs (province admin), applications (board coordinators apply, the
province admin reviews), the finance export and printable summaries.

Thin: parse, authorise, call the service layer. Board coordinators only ever reach their own board's
applications (404 for any other); domain refusals become problem+json through :class:`GrantsRoute`.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from services.grants.adapters.clock import SYSTEM_CLOCK, Clock
from services.grants.adapters.rendering import render_summary
from services.grants.config import Settings
from services.grants.domain.program import Stream
from services.grants.entrypoints.problems import GrantsRoute
from services.grants.entrypoints.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationPublic,
    ApplicationSummary,
    ApplicationUpdate,
    ApprovalIn,
    BoardCode,
    DeclineIn,
    ExtensionCreate,
    ExtensionPublic,
    NoteIn,
    ProgramCreate,
    ProgramPublic,
    ProgramYear,
    Status,
    WithdrawalIn,
)
from services.grants.service_layer import applications, programs
from shared.auth import Principal, require_roles
from shared.problems import Problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["grants"], route_class=GrantsRoute)

Admin = Annotated[Principal, Depends(require_roles("province_admin"))]
# Applicants are board coordinators; province staff may act for any board.
Applicant = Annotated[Principal, Depends(require_roles("province_admin", "board_coordinator"))]


def get_clock(request: Request) -> Clock:
    """The clock: ``app.state.clock`` when a test set one (or override this dependency), else UTC now."""
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock or SYSTEM_CLOCK


Now = Annotated[Clock, Depends(get_clock)]


def _applying_board(principal: Principal, requested: str | None) -> str:
    if principal.is_province_admin:
        if not requested:
            raise Problem(
                422,
                "Invalid input",
                "board: required when province staff create an application",
                errors=[{"field": "board", "message": "required for province staff"}],
            )
        return requested
    if principal.board is None or (requested is not None and requested != principal.board):
        raise Problem(
            403,
            "Forbidden",
            "board: you may only apply for your own board",
            errors=[{"field": "board", "message": "not your board"}],
        )
    return principal.board


# ---------------------------------------------------------------- programs


@router.post("/programs", status_code=status.HTTP_201_CREATED, response_model=ProgramPublic)
async def create_program(
    body: ProgramCreate, request: Request, principal: Admin, clock: Now
) -> ProgramPublic:
    settings = runtime_of(request).settings_as(Settings)
    async with runtime_of(request).uow() as uow:
        stored = await programs.create_program(
            uow,
            program_year=body.program_year,
            stream=body.stream,
            max_award=body.max_award,
            budget=body.budget,
            timezone=settings.province_timezone,
            deadline=body.deadline,
            actor=principal.subject,
            now=clock.now(),
        )
    return ProgramPublic.of(stored)


@router.get("/programs", response_model=list[ProgramPublic])
async def list_programs(
    request: Request,
    principal: Applicant,
    program_year: Annotated[ProgramYear | None, Query()] = None,
    stream: Stream | None = None,
) -> list[ProgramPublic]:
    async with runtime_of(request).uow() as uow:
        found = await programs.list_programs(uow, program_year=program_year, stream=stream)
    return [ProgramPublic.of(p) for p in found]


@router.get("/programs/{program_id}", response_model=ProgramPublic)
async def read_program(program_id: uuid.UUID, request: Request, principal: Applicant) -> ProgramPublic:
    """The program with its budget, what is awarded (approved + paid) and what remains."""
    async with runtime_of(request).uow() as uow:
        return ProgramPublic.of(await programs.get_program(uow, program_id))


@router.post(
    "/programs/{program_id}/extensions", status_code=status.HTTP_201_CREATED, response_model=ExtensionPublic
)
async def grant_extension(
    program_id: uuid.UUID, body: ExtensionCreate, request: Request, principal: Admin, clock: Now
) -> ExtensionPublic:
    """Let one applicant submit after the deadline, until ``extension_until`` (replaces an earlier one)."""
    async with runtime_of(request).uow() as uow:
        record = await programs.grant_extension(
            uow,
            program_id,
            board=body.board,
            association_local=body.association_local,
            extension_until=body.extension_until,
            note=body.note,
            actor=principal.subject,
            now=clock.now(),
        )
    return ExtensionPublic.of(record)


@router.get("/programs/{program_id}/extensions", response_model=list[ExtensionPublic])
async def list_extensions(program_id: uuid.UUID, request: Request, principal: Admin) -> list[ExtensionPublic]:
    async with runtime_of(request).uow() as uow:
        return [ExtensionPublic.of(r) for r in await programs.list_extensions(uow, program_id)]


# ---------------------------------------------------------------- applications (applicants)


@router.post("/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationPublic)
async def create_application(
    body: ApplicationCreate, request: Request, principal: Applicant, clock: Now
) -> ApplicationPublic:
    """A new draft; one per applicant, program year and stream (409 for a second)."""
    board = _applying_board(principal, body.board)
    content = body.to_content()
    async with runtime_of(request).uow() as uow:
        view = await applications.create_draft(
            uow,
            board=board,
            program_year=body.program_year,
            content=content,
            actor=principal.subject,
            now=clock.now(),
        )
    return ApplicationPublic.of_view(view)


@router.get("/applications", response_model=ApplicationPage)
async def list_applications(
    request: Request,
    principal: Applicant,
    program_year: Annotated[ProgramYear | None, Query()] = None,
    stream: Stream | None = None,
    application_status: Annotated[Status | None, Query(alias="status")] = None,
    board: Annotated[BoardCode | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ApplicationPage:
    async with runtime_of(request).uow() as uow:
        found, total = await applications.list_applications(
            uow,
            boards=principal.visible_boards(),
            board=board,
            program_year=program_year,
            stream=stream,
            status=application_status,
            limit=limit,
            offset=offset,
        )
    return ApplicationPage(
        items=[ApplicationSummary.of(s) for s in found], total=total, limit=limit, offset=offset
    )


@router.get("/applications/{application_id}", response_model=ApplicationPublic)
async def read_application(
    application_id: uuid.UUID, request: Request, principal: Applicant
) -> ApplicationPublic:
    async with runtime_of(request).uow() as uow:
        view = await applications.get_application(uow, application_id, boards=principal.visible_boards())
    return ApplicationPublic.of_view(view)


@router.patch("/applications/{application_id}", response_model=ApplicationPublic)
async def edit_application(
    application_id: uuid.UUID, body: ApplicationUpdate, request: Request, principal: Applicant, clock: Now
) -> ApplicationPublic:
    """Replace parts of a draft (409 once it is submitted)."""
    changes = body.to_changes()
    async with runtime_of(request).uow() as uow:
        view = await applications.edit_draft(
            uow, application_id, boards=principal.visible_boards(), changes=changes, now=clock.now()
        )
    return ApplicationPublic.of_view(view)


@router.post("/applications/{application_id}/submission", response_model=ApplicationPublic)
async def submit_application(
    application_id: uuid.UUID,
    request: Request,
    principal: Applicant,
    clock: Now,
    body: Annotated[NoteIn | None, Body()] = None,
) -> ApplicationPublic:
    """draft -> submitted; refused (409) after the deadline unless this applicant has an extension."""
    async with runtime_of(request).uow() as uow:
        view = await applications.submit(
            uow,
            application_id,
            boards=principal.visible_boards(),
            actor=principal.subject,
            now=clock.now(),
            note=body.note if body else None,
        )
    return ApplicationPublic.of_view(view)


@router.post("/applications/{application_id}/withdrawal", response_model=ApplicationPublic)
async def withdraw_application(
    application_id: uuid.UUID,
    request: Request,
    principal: Applicant,
    clock: Now,
    body: Annotated[WithdrawalIn | None, Body()] = None,
) -> ApplicationPublic:
    """draft | submitted -> withdrawn."""
    async with runtime_of(request).uow() as uow:
        view = await applications.withdraw(
            uow,
            application_id,
            boards=principal.visible_boards(),
            actor=principal.subject,
            now=clock.now(),
            reason=body.reason if body else None,
        )
    return ApplicationPublic.of_view(view)


# ---------------------------------------------------------------- review (province admin)


@router.post("/applications/{application_id}/review", response_model=ApplicationPublic)
async def start_review(
    application_id: uuid.UUID,
    request: Request,
    principal: Admin,
    clock: Now,
    body: Annotated[NoteIn | None, Body()] = None,
) -> ApplicationPublic:
    """submitted -> under_review."""
    async with runtime_of(request).uow() as uow:
        view = await applications.start_review(
            uow, application_id, actor=principal.subject, now=clock.now(), note=body.note if body else None
        )
    return ApplicationPublic.of_view(view)


@router.post("/applications/{application_id}/approval", response_model=ApplicationPublic)
async def approve_application(
    application_id: uuid.UUID, body: ApprovalIn, request: Request, principal: Admin, clock: Now
) -> ApplicationPublic:
    """under_review -> approved with ``awarded_amount`` (<= requested, <= max award; 409 over budget)."""
    async with runtime_of(request).uow() as uow:
        view = await applications.approve(
            uow, application_id, body.awarded_amount, actor=principal.subject, now=clock.now(), note=body.note
        )
    return ApplicationPublic.of_view(view)


@router.post("/applications/{application_id}/decline", response_model=ApplicationPublic)
async def decline_application(
    application_id: uuid.UUID, body: DeclineIn, request: Request, principal: Admin, clock: Now
) -> ApplicationPublic:
    """under_review -> declined, with the reason told to the applicant."""
    async with runtime_of(request).uow() as uow:
        view = await applications.decline(
            uow, application_id, reason=body.reason, actor=principal.subject, now=clock.now(), note=body.note
        )
    return ApplicationPublic.of_view(view)


@router.post("/applications/{application_id}/payment", response_model=ApplicationPublic)
async def record_payment(
    application_id: uuid.UUID,
    request: Request,
    principal: Admin,
    clock: Now,
    body: Annotated[NoteIn | None, Body()] = None,
) -> ApplicationPublic:
    """approved -> paid (finance paid the award)."""
    async with runtime_of(request).uow() as uow:
        view = await applications.mark_paid(
            uow, application_id, actor=principal.subject, now=clock.now(), note=body.note if body else None
        )
    return ApplicationPublic.of_view(view)


# ---------------------------------------------------------------- exports


@router.get(
    "/applications/{application_id}/summary",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
async def application_summary(
    application_id: uuid.UUID, request: Request, principal: Applicant, clock: Now
) -> HTMLResponse:
    """A printable HTML summary of one application."""
    async with runtime_of(request).uow() as uow:
        view = await applications.get_application(uow, application_id, boards=principal.visible_boards())
    html = render_summary(
        view.application, view.program.program, extension_until=view.extension_until, generated_at=clock.now()
    )
    # Belt and braces with autoescaping: the page may run no script and load nothing.
    return HTMLResponse(
        html, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    )


@router.get(
    "/exports/awards.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_awards(
    request: Request,
    principal: Applicant,
    program_year: Annotated[ProgramYear | None, Query()] = None,
    stream: Stream | None = None,
    include_paid: bool = False,
) -> Response:
    """Approved awards for finance (with ``include_paid`` also those already paid), as CSV whose cells a
    spreadsheet cannot evaluate as formulas. Board coordinators get their own board's only."""
    async with runtime_of(request).uow() as uow:
        text = await applications.finance_export(
            uow,
            boards=principal.visible_boards(),
            program_year=program_year,
            stream=stream,
            include_paid=include_paid,
        )
    name = f"grant-awards-{program_year or 'all'}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
