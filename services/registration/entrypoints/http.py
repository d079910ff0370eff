"""Registration's HTTP API (/v1): boards, schools, themes, participants and bulk imports.

Thin: parse, authorise, call the service layer.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile

from services.registration.adapters.tables import Board, Import, Participant, School, Theme
from services.registration.domain.imports import valid_program_year
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.entrypoints.schemas import (
    BoardCreate,
    BoardPublic,
    BoardUpdate,
    ImportErrorPage,
    ImportPage,
    ImportPublic,
    ImportRowErrorPublic,
    Page,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    SchoolCreate,
    SchoolPublic,
    SchoolUpdate,
    ThemeCreate,
    ThemePublic,
    Withdrawal,
)
from services.registration.service_layer import boards, importing, registering
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem, field_problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["registration"], route_class=RegistrationRoute)

Admin = Annotated[Principal, Depends(require_roles("province_admin"))]
Registrar = Annotated[
    Principal, Depends(require_roles("province_admin", "board_coordinator", "hr_integration"))
]
AnyUser = Annotated[Principal, Depends(current_principal)]

# What a participant may change about themself: never role, board or status.
SELF_EDITABLE = {"learning_goals", "themes", "language", "expertise_themes"}


@router.post("/boards", status_code=status.HTTP_201_CREATED, response_model=BoardPublic)
async def create_board(body: BoardCreate, request: Request, principal: Admin) -> Board:
    async with runtime_of(request).uow() as uow:
        return await boards.create_board(uow, body.model_dump())


@router.get("/boards", response_model=list[BoardPublic])
async def list_boards(request: Request, principal: AnyUser) -> list[Board]:
    async with runtime_of(request).uow() as uow:
        return await boards.list_boards(uow, principal.visible_boards())


@router.post("/participants", status_code=status.HTTP_201_CREATED, response_model=ParticipantPublic)
async def register(body: ParticipantCreate, request: Request, principal: Registrar) -> Participant:
    if not principal.can_access_board(body.board):
        raise Problem(
            403,
            "Forbidden",
            "board: you may only register participants in your own board",
            errors=[{"field": "board", "message": "not your board"}],
        )
    async with runtime_of(request).uow(board=body.board) as uow:
        return await registering.register(uow, body.model_dump())


@router.get("/participants", response_model=Page)
async def list_participants(
    request: Request,
    principal: Registrar,
    board: str | None = None,
    program_year: str | None = None,
    role: str | None = None,
    participant_status: Annotated[str | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    async with runtime_of(request).uow() as uow:
        total, rows = await registering.list_participants(
            uow,
            boards=principal.visible_boards(),
            board=board,
            program_year=program_year,
            role=role,
            status=participant_status,
            limit=limit,
            offset=offset,
        )
    return Page(
        items=[ParticipantPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


def _ensure_can_read(principal: Principal, participant: Participant) -> None:
    if principal.participant_id == participant.id:
        return
    if not principal.has_any("province_admin", "board_coordinator", "hr_integration"):
        raise Problem(404, "Not found", "No such participant.")
    ensure_board(principal, participant.board)


@router.get("/participants/{participant_id}", response_model=ParticipantPublic)
async def read_participant(participant_id: uuid.UUID, request: Request, principal: AnyUser) -> Participant:
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id)
        _ensure_can_read(principal, participant)
        return participant


@router.patch("/participants/{participant_id}", response_model=ParticipantPublic)
async def update_participant(
    participant_id: uuid.UUID, body: ParticipantUpdate, request: Request, principal: AnyUser
) -> Participant:
    changes = body.model_dump(exclude_unset=True)
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id, for_update=True)
        _ensure_can_read(principal, participant)
        if principal.participant_id == participant.id and not principal.has_any(
            "province_admin", "board_coordinator", "hr_integration"
        ):
            forbidden = sorted(set(changes) - SELF_EDITABLE)
            if forbidden:
                raise Problem(
                    403,
                    "Forbidden",
                    f"{forbidden[0]}: participants may only edit their goals and themes",
                    errors=[{"field": f, "message": "not editable by the participant"} for f in forbidden],
                )
        await registering.change(uow, participant, changes)
        return participant


@router.post("/participants/{participant_id}/withdrawal", response_model=ParticipantPublic)
async def withdraw(
    participant_id: uuid.UUID, body: Withdrawal, request: Request, principal: Registrar
) -> Participant:
    async with runtime_of(request).uow() as uow:
        participant = await registering.get_participant(uow, participant_id, for_update=True)
        ensure_board(principal, participant.board)
        await registering.withdraw(uow, participant, body.reason)
        return participant


# ---------------------------------------------------------------- boards


async def _board(uow: UnitOfWork, principal: Principal, code: str) -> Board:
    ensure_board(principal, code)
    return await boards.get_board(uow, code)


@router.get("/boards/{code}", response_model=BoardPublic)
async def read_board(code: str, request: Request, principal: AnyUser) -> Board:
    async with runtime_of(request).uow() as uow:
        return await _board(uow, principal, code)


@router.patch("/boards/{code}", response_model=BoardPublic)
async def update_board(code: str, body: BoardUpdate, request: Request, principal: Admin) -> Board:
    async with runtime_of(request).uow() as uow:
        board = await _board(uow, principal, code)
        return await boards.update_board(uow, board, body.model_dump(exclude_unset=True))


@router.delete("/boards/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_board(code: str, request: Request, principal: Admin) -> Response:
    async with runtime_of(request).uow() as uow:
        await boards.delete_board(uow, await _board(uow, principal, code))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- schools


@router.post("/schools", status_code=status.HTTP_201_CREATED, response_model=SchoolPublic)
async def create_school(body: SchoolCreate, request: Request, principal: Admin) -> School:
    async with runtime_of(request).uow(board=body.board) as uow:
        return await boards.create_school(uow, body.model_dump())


@router.get("/schools", response_model=list[SchoolPublic])
async def list_schools(
    request: Request,
    principal: Registrar,
    board: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[School]:
    async with runtime_of(request).uow() as uow:
        return await boards.list_schools(
            uow, boards=principal.visible_boards(), board=board, limit=limit, offset=offset
        )


async def _school(uow: UnitOfWork, principal: Principal, school_id: uuid.UUID) -> School:
    school = await boards.get_school(uow, school_id)
    ensure_board(principal, school.board)
    return school


@router.get("/schools/{school_id}", response_model=SchoolPublic)
async def read_school(school_id: uuid.UUID, request: Request, principal: Registrar) -> School:
    async with runtime_of(request).uow() as uow:
        return await _school(uow, principal, school_id)


@router.patch("/schools/{school_id}", response_model=SchoolPublic)
async def update_school(
    school_id: uuid.UUID, body: SchoolUpdate, request: Request, principal: Admin
) -> School:
    async with runtime_of(request).uow() as uow:
        school = await _school(uow, principal, school_id)
        return await boards.update_school(uow, school, body.model_dump(exclude_unset=True))


@router.delete("/schools/{school_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_school(school_id: uuid.UUID, request: Request, principal: Admin) -> Response:
    async with runtime_of(request).uow() as uow:
        await boards.delete_school(uow, await _school(uow, principal, school_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- themes


@router.get("/themes", response_model=list[ThemePublic])
async def list_themes(request: Request, principal: AnyUser) -> list[Theme]:
    async with runtime_of(request).uow() as uow:
        return await boards.list_themes(uow)


@router.post("/themes", status_code=status.HTTP_201_CREATED, response_model=ThemePublic)
async def create_theme(body: ThemeCreate, request: Request, principal: Admin) -> Theme:
    async with runtime_of(request).uow() as uow:
        return await boards.create_theme(uow, body.model_dump())


# ---------------------------------------------------------------- bulk imports

IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "Mentorweb CSV, or a OneRoster CSV bundle (zip)",
                        },
                        "format": {"type": "string", "enum": list(importing.FORMATS)},
                        "board": {"type": "string", "description": "Defaults to the token's board"},
                        "program_year": {
                            "type": "string",
                            "example": "2026-2027",
                            "description": "Required for OneRoster; the default for CSV rows without one",
                        },
                    },
                }
            }
        },
    }
}


def _too_large(limit: int) -> Problem:
    return Problem(
        413,
        "File too large",
        f"file: imports are limited to {limit // (1024 * 1024)} MB; split the file",
        errors=[{"field": "file", "message": f"larger than {limit} bytes"}],
    )


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportPublic,
    openapi_extra=IMPORT_BODY,
    summary="Upload an HR file; it is imported in the background (poll the import for progress)",
)
async def submit_import(request: Request, response: Response, principal: Registrar) -> ImportPublic:
    runtime = runtime_of(request)
    limit: int = runtime.settings.import_max_bytes  # type: ignore[attr-defined]
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + 64 * 1024:
        raise _too_large(limit)  # refused before reading the body
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(
            415, "Unsupported media type", "Send the file as multipart/form-data with a 'file' part."
        )
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise field_problem("file", "required: the CSV or zip as a multipart file part")
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)

    def text(name: str) -> str | None:
        value = form.get(name)
        return value.strip() or None if isinstance(value, str) else None

    board = text("board") or principal.board
    if board is not None and not principal.can_access_board(board):
        raise Problem(
            403,
            "Forbidden",
            "board: you may only import into your own board",
            errors=[{"field": "board", "message": "not your board"}],
        )
    # Every problem of the request is named at once (one 422), the file's included.
    problems: list[tuple[str, str]] = []
    if board is None:
        problems.append(("board", "required (province staff choose the board)"))
    requested = text("format")
    if requested is not None and requested not in importing.FORMATS:
        problems.append(("format", f"must be one of {', '.join(importing.FORMATS)}"))
        requested = None
    program_year = text("program_year")
    if program_year is not None and not valid_program_year(program_year):
        problems.append(("program_year", "must look like 2026-2027"))
        program_year = None
    async with runtime.uow(board=board) as uow:
        job = await importing.submit_import(
            uow,
            request_problems=problems,
            board=board or "",
            content=content,
            filename=upload.filename,
            requested_format=requested,
            program_year=program_year,
            submitted_by=principal.subject,
        )
    response.headers["Location"] = f"/v1/imports/{job.id}"
    return ImportPublic.model_validate(job)


async def _import(uow: UnitOfWork, principal: Principal, import_id: uuid.UUID) -> Import:
    job = await importing.get_import(uow, import_id)
    ensure_board(principal, job.board)
    return job


async def _errors(
    uow: UnitOfWork, import_id: uuid.UUID, limit: int, offset: int
) -> list[ImportRowErrorPublic]:
    rows = await importing.row_errors(uow, import_id, limit=limit, offset=offset)
    return [ImportRowErrorPublic.model_validate(r) for r in rows]


@router.get("/imports/{import_id}", response_model=ImportPublic)
async def read_import(
    import_id: uuid.UUID,
    request: Request,
    principal: Registrar,
    errors_limit: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> ImportPublic:
    """Progress and the first row errors (all of them through /errors)."""
    async with runtime_of(request).uow() as uow:
        job = await _import(uow, principal, import_id)
        result = ImportPublic.model_validate(job)
        result.errors = await _errors(uow, import_id, errors_limit, 0)
        return result


@router.get("/imports/{import_id}/errors", response_model=ImportErrorPage)
async def read_import_errors(
    import_id: uuid.UUID,
    request: Request,
    principal: Registrar,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ImportErrorPage:
    async with runtime_of(request).uow() as uow:
        job = await _import(uow, principal, import_id)
        return ImportErrorPage(
            items=await _errors(uow, import_id, limit, offset),
            total=job.error_count,
            limit=limit,
            offset=offset,
        )


@router.get("/imports", response_model=ImportPage)
async def list_imports(
    request: Request,
    principal: Registrar,
    board: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ImportPage:
    async with runtime_of(request).uow() as uow:
        total, rows = await importing.list_imports(
            uow, boards=principal.visible_boards(), board=board, limit=limit, offset=offset
        )
    return ImportPage(
        items=[ImportPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )
