"""Registration owns the boards and the provincial theme taxonomy; other services keep the names
people read (a board's name, a theme's English and French names) from its events.

A board created or renamed and a theme defined publish their event at once (``board_registered``,
``board_renamed``, ``theme_defined``). At start-up, :class:`NameAnnouncer` publishes the names that
never were (the default taxonomy a migration seeded, boards created before these events existed):
what the outbox already holds is not published again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import Board, Theme
from shared.db import UnitOfWork
from shared.events.registration import BoardRegistered, BoardRenamed, ThemeDefined

log = logging.getLogger(__name__)

PROVINCE = "province"  # the taxonomy is the province's, not a board's (as provincial sessions)


def board_registered(board: Board) -> BoardRegistered:
    # The list of boards is the province's (its admins create them): the envelope's tenant is the
    # province, the board itself is ``code``.
    return BoardRegistered(
        board=PROVINCE,
        code=board.code,
        name=board.name,
        language=board.language,  # type: ignore[arg-type]  # a checked language stored as text
        timezone=board.timezone,
    )


def board_renamed(board: Board) -> BoardRenamed:
    return BoardRenamed(board=PROVINCE, code=board.code, name=board.name)


def theme_defined(theme: Theme) -> ThemeDefined:
    return ThemeDefined(board=PROVINCE, code=theme.code, name_en=theme.name_en, name_fr=theme.name_fr)


async def announce_unannounced(uow: UnitOfWork) -> int:
    """Publish every board and theme whose current names no event in the outbox carries; returns
    how many events were queued (the caller commits)."""
    repo = repositories(uow).boards
    rows = await repo.announced_names()
    announced: set[tuple[str, ...]] = set()
    for event_type, body in rows:
        data: dict[str, Any] = json.loads(body)
        if event_type == "ThemeDefined":
            announced.add(("theme", data["code"], data["name_en"], data["name_fr"]))
        else:
            announced.add(("board", data["code"], data["name"]))
    events: list[BoardRegistered | ThemeDefined] = []
    for board in await repo.find(None):
        if ("board", board.code, board.name) not in announced:
            events.append(board_registered(board))
    for theme in await repo.themes():
        if ("theme", theme.code, theme.name_en, theme.name_fr) not in announced:
            events.append(theme_defined(theme))
    uow.publish(*events)
    return len(events)


class NameAnnouncer:
    """A start-up step: announce the names no event carried yet, then stop."""

    def __init__(self, system_uow: Callable[[], UnitOfWork]):
        self.system_uow = system_uow

    async def start(self) -> None:
        try:
            async with self.system_uow() as uow:
                count = await announce_unannounced(uow)
                await uow.commit()
        except Exception as exc:  # never keeps the service from starting; the next start tries again
            log.warning("announcing board and theme names failed: %s", exc.__class__.__name__)
            return
        if count:
            log.info("announced %d board and theme names", count)

    async def stop(self) -> None:
        return None


def announcer_factory() -> Callable[[Any], NameAnnouncer]:
    def build(runtime: Any) -> NameAnnouncer:
        return NameAnnouncer(runtime.system_uow)

    return build
