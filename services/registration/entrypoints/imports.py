"""Bulk imports (/v1/imports): upload an HR file (Mentorweb CSV or a OneRoster bundle), follow its
progress and read the rows it refused.

Thin: parse, authorise, call the service layer.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile

from services.registration.adapters.tables import Import
from services.registration.config import Settings
from services.registration.domain.imports import valid_program_year
from services.registration.entrypoints.import_schemas import (
    ImportErrorPage,
    ImportPage,
    ImportPublic,
    ImportRowErrorPublic,
)
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.service_layer import importing
from shared.auth import Principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.problems import Problem, field_problem
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["registration"], route_class=RegistrationRoute)

Registrar = Annotated[
    Principal, Depends(require_roles("province_admin", "board_coordinator", "hr_integration"))
]


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
    settings = runtime.settings
    assert isinstance(settings, Settings)
    limit = settings.import_max_bytes
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
