"""Matching's repositories over a unit of work's transaction: the only way the service layer reaches
the database (``repositories(uow).hubs.load_hubs(...)``); the use case then commits the unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.adapters.lists import Lists
from services.matching.adapters.meetings import MeetingRepository
from services.matching.adapters.readiness_store import ReadinessRepository
from services.matching.adapters.repository import (
    BoardRepository,
    DecisionRepository,
    HubRepository,
    PeopleRepository,
    PlacementRepository,
    RunRepository,
)
from services.matching.adapters.views import Views
from shared.db import UnitOfWork


class Repositories:
    """One transaction's repositories, per aggregate, and the session-wide add, delete and flush."""

    def __init__(self, session: AsyncSession):
        self._session = session
        self.boards = BoardRepository(session)  # a board's lock and policy
        self.people = PeopleRepository(session)  # registration's participants, placement status
        self.hubs = HubRepository(session)  # hubs, members, leaders
        self.runs = RunRepository(session)  # drafts and published runs
        self.placements = PlacementRepository(session)  # one-to-one pairings, the unplaced list
        self.decisions = DecisionRepository(session)  # standing decisions, coach assignments
        self.meetings = MeetingRepository(session)  # calendars, ledger, meetings, observations
        self.readiness = ReadinessRepository(session)
        self.views = Views(session)  # what coordinators and participants read
        self.lists = Lists(session)

    def add(self, row: Any) -> None:
        self._session.add(row)

    def add_all(self, rows: Any) -> None:
        self._session.add_all(rows)

    async def delete(self, row: Any) -> None:
        await self._session.delete(row)

    async def flush(self) -> None:
        await self._session.flush()

    @property
    def memo(self) -> dict[str, Any]:
        """Answers kept for the rest of the transaction (the session's ``info``)."""
        return self._session.info


def repositories(uow: UnitOfWork) -> Repositories:
    """The repositories of ``uow``'s transaction (one set per unit of work)."""
    found = uow.session.info.get(_KEY)
    if found is None or found._session is not uow.session:
        found = uow.session.info[_KEY] = Repositories(uow.session)
    return found


_KEY = "matching.repositories"
