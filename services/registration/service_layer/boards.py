"""Use cases of the catalogue: boards, their schools and the theme taxonomy.

Each change runs in the caller's unit of work and commits it, with the event it causes (outbox).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from services.registration.adapters.boards import DuplicateRow
from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import Board, School, Theme
from services.registration.service_layer import announcing, registering
from services.registration.service_layer.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shared.db import UnitOfWork

# A board keeps these; a school's every field is required.
_BOARD_REQUIRED = ("name", "language", "timezone")
SCHOOL_CODE_TAKEN = "a school with this code exists in the board"


def _already(field: str, what: str, value: str) -> AlreadyExists:
    return AlreadyExists(
        field,
        "already exists",
        title=f"{what} exists",
        detail=f"{field}: {what.lower()} {value!r} already exists",
    )


# ---------------------------------------------------------------- boards


async def create_board(uow: UnitOfWork, data: Mapping[str, Any]) -> Board:
    """Register a board (BoardRegistered)."""
    repo = repositories(uow).boards
    if await repo.get(data["code"]):
        raise _already("code", "Board", data["code"])
    board = Board(**data)
    await repo.add(board)
    uow.publish(announcing.board_registered(board))
    await uow.commit()
    return board


async def list_boards(uow: UnitOfWork, boards: Sequence[str] | None) -> list[Board]:
    return await repositories(uow).boards.find(boards)


async def get_board(uow: UnitOfWork, code: str) -> Board:
    board = await repositories(uow).boards.get(code)
    if board is None:
        raise NotFound("board")
    return board


async def update_board(uow: UnitOfWork, board: Board, changes: Mapping[str, Any]) -> Board:
    """Change a board; a new name is announced (BoardRenamed)."""
    old_name = board.name
    for field, value in changes.items():
        if value is None and field in _BOARD_REQUIRED:
            raise InvalidInput([(field, "cannot be null")])
        setattr(board, field, value)
    if board.name != old_name:
        uow.publish(announcing.board_renamed(board))
    await uow.commit()
    return board


async def delete_board(uow: UnitOfWork, board: Board) -> None:
    """Delete a board without history (no participants, schools or imports)."""
    repo = repositories(uow).boards
    history = await repo.history(board.code)
    if history:
        what = history[0]
        raise Conflict(
            "Board in use",
            f"code: board {board.code!r} has {what}; a board with history is kept",
            [("code", f"has {what}")],
        )
    await repo.delete(board)
    await uow.commit()
    registering.forget_cached_catalog()


# ---------------------------------------------------------------- schools


async def _flush_school(uow: UnitOfWork) -> None:
    try:
        await repositories(uow).boards.flush()
    except DuplicateRow as exc:
        raise AlreadyExists("code", SCHOOL_CODE_TAKEN, title="Conflict") from exc


async def create_school(uow: UnitOfWork, data: Mapping[str, Any]) -> School:
    repo = repositories(uow).boards
    if await repo.get(data["board"]) is None:
        raise InvalidInput([("board", "unknown board")])
    school = School(**data)
    await repo.add_school(school)
    await _flush_school(uow)
    await uow.commit()
    return school


async def list_schools(
    uow: UnitOfWork, *, boards: Sequence[str] | None, board: str | None, limit: int, offset: int
) -> list[School]:
    return await repositories(uow).boards.schools(boards=boards, board=board, limit=limit, offset=offset)


async def get_school(uow: UnitOfWork, school_id: uuid.UUID) -> School:
    school = await repositories(uow).boards.school(school_id)
    if school is None:
        raise NotFound("school")
    return school


async def update_school(uow: UnitOfWork, school: School, changes: Mapping[str, Any]) -> School:
    for field, value in changes.items():
        if value is None:
            raise InvalidInput([(field, "cannot be null")])
        setattr(school, field, value)
    await _flush_school(uow)
    await uow.commit()
    return school


async def delete_school(uow: UnitOfWork, school: School) -> None:
    await repositories(uow).boards.delete_school(school)
    await uow.commit()


# ---------------------------------------------------------------- themes


async def list_themes(uow: UnitOfWork) -> list[Theme]:
    return await repositories(uow).boards.themes()


async def create_theme(uow: UnitOfWork, data: Mapping[str, Any]) -> Theme:
    """Add a theme to the taxonomy (ThemeDefined)."""
    repo = repositories(uow).boards
    if await repo.theme(data["code"]):
        raise _already("code", "Theme", data["code"])
    theme = Theme(**data)
    await repo.add_theme(theme)
    uow.publish(announcing.theme_defined(theme))
    await uow.commit()
    registering.forget_cached_catalog()  # this replica sees it at once; others within 30 s
    return theme
