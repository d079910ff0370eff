"""Names people read, as registration publishes them (boards, the theme taxonomy), and the current
one-to-one pairings: kept from events, read when a message is written."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.notifications.adapters.tables import BoardName, Pairing, ThemeName
from services.notifications.domain.wording import language_of
from shared.db import UnitOfWork

_THEMES = "mentorweb.themes"
_BOARDS = "mentorweb.boards"


async def remember_board(
    uow: UnitOfWork, *, code: str, name: str, language: str | None, updated_at: datetime
) -> None:
    """Keep a board's name; an older event arriving late never overwrites a newer name."""
    table = BoardName.__table__  # type: ignore[attr-defined]
    values: dict[str, object] = {"code": code, "name": name, "updated_at": updated_at}
    if language is not None:
        values["language"] = language
    statement = insert(table).values(**values)
    update = {"name": statement.excluded.name, "updated_at": statement.excluded.updated_at}
    if language is not None:
        update["language"] = statement.excluded.language
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.code],
            set_=update,
            where=statement.excluded.updated_at > table.c.updated_at,
        )
    )
    uow.session.info.pop(_BOARDS, None)


async def remember_theme(
    uow: UnitOfWork, *, code: str, name_en: str, name_fr: str, updated_at: datetime
) -> None:
    table = ThemeName.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(code=code, name_en=name_en, name_fr=name_fr, updated_at=updated_at)
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.code],
            set_={
                "name_en": statement.excluded.name_en,
                "name_fr": statement.excluded.name_fr,
                "updated_at": statement.excluded.updated_at,
            },
            where=statement.excluded.updated_at > table.c.updated_at,
        )
    )
    uow.session.info.pop(_THEMES, None)


async def _themes(uow: UnitOfWork) -> dict[str, tuple[str, str]]:
    cached = uow.session.info.get(_THEMES)
    if cached is None:
        rows = await uow.session.execute(sa.select(ThemeName.code, ThemeName.name_en, ThemeName.name_fr))  # type: ignore[call-overload]
        cached = {code: (en, fr) for code, en, fr in rows}
        uow.session.info[_THEMES] = cached
    return cached  # type: ignore[no-any-return]


async def theme_namer(uow: UnitOfWork, language: str) -> Callable[[str], str | None]:
    """Theme code -> its name in ``language``; None for a theme registration has not published."""
    themes = await _themes(uow)
    index = 1 if language_of(language) == "fr" else 0

    def name(code: str) -> str | None:
        names = themes.get(code)
        return names[index] if names else None

    return name


async def board_name(uow: UnitOfWork, board: str) -> str | None:
    cached: dict[str, str | None] = uow.session.info.setdefault(_BOARDS, {})
    if board not in cached:
        row = await uow.session.get(BoardName, board)
        cached[board] = row.name if row is not None else None
    return cached[board]


async def current_mentor(uow: UnitOfWork, teacher_id: uuid.UUID) -> uuid.UUID | None:
    row = await uow.session.get(Pairing, teacher_id, populate_existing=True)
    return row.mentor_id if row is not None else None


async def set_mentor(
    uow: UnitOfWork, *, board: str, teacher_id: uuid.UUID, mentor_id: uuid.UUID | None, updated_at: datetime
) -> None:
    table = Pairing.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(
        teacher_id=teacher_id, board=board, mentor_id=mentor_id, updated_at=updated_at
    )
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.teacher_id],
            set_={"mentor_id": statement.excluded.mentor_id, "updated_at": statement.excluded.updated_at},
            where=statement.excluded.updated_at >= table.c.updated_at,
        )
    )
