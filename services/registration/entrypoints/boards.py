"""The catalogue (/v1): boards, their schools and the theme taxonomy.

Thin: parse, authorise, call the service layer.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from services.registration.adapters.tables import Board, School, Theme
from services.registration.entrypoints.board_schemas import (
    BoardCreate,
    BoardPublic,
    BoardUpdate,
    SchoolCreate,
    SchoolPublic,
    SchoolUpdate,
    ThemeCreate,
    ThemePublic,
)
from services.registration.entrypoints.problems import RegistrationRoute
from services.registration.service_layer import boards
from shared.auth import Principal, current_principal, ensure_board, require_roles
from shared.db import UnitOfWork
from shared.runtime import runtime_of

router = APIRouter(prefix="/v1", tags=["registration"], route_class=RegistrationRoute)

Admin = Annotated[Principal, Depends(require_roles("province_admin"))]
Registrar = Annotated[
    Principal, Depends(require_roles("province_admin", "board_coordinator", "hr_integration"))
]
AnyUser = Annotated[Principal, Depends(current_principal)]


@router.post("/boards", status_code=status.HTTP_201_CREATED, response_model=BoardPublic)
async def create_board(body: BoardCreate, request: Request, principal: Admin) -> Board:
    async with runtime_of(request).uow() as uow:
        return await boards.create_board(uow, body.model_dump())


@router.get("/boards", response_model=list[BoardPublic])
async def list_boards(request: Request, principal: AnyUser) -> list[Board]:
    async with runtime_of(request).uow() as uow:
        return await boards.list_boards(uow, principal.visible_boards())


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
