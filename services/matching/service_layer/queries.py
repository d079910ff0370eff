"""What coordinators and participants read: runs, hubs with their people, a participant's placement,
the unplaced list, overrides, pairings, standing decisions and observation visits. Names come from
matching's participant view; every read is scoped by board (and row-level security)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from services.matching.adapters.repository import StoredHub
from services.matching.adapters.tables import MatchingRun, Override, ParticipantView
from services.matching.adapters.unit_of_work import repositories
from services.matching.adapters.views import Card
from services.matching.domain.hub_export import csv_lines
from services.matching.service_layer.errors import NotFound
from shared.db import UnitOfWork


async def list_runs(uow: UnitOfWork, board: str, program_year: str) -> list[MatchingRun]:
    return await repositories(uow).views.list_runs(board, program_year)


async def get_run(uow: UnitOfWork, board: str, program_year: str, run_id: uuid.UUID) -> MatchingRun:
    run = await repositories(uow).runs.get_run(run_id)
    if run is None or run.board != board or run.program_year != program_year:
        raise NotFound("No such matching run in your board.")
    return run


async def list_unplaced(
    uow: UnitOfWork, board: str, program_year: str, *, q: str | None, sort: str
) -> list[dict[str, Any]]:
    """Teachers no hub could take, matching ``q`` (a name's part or an HR id), sorted by ``sort``
    (``recorded_at`` or ``display_name``, ``-`` first for descending)."""
    rows = await repositories(uow).views.list_unplaced(board, program_year)
    if q:
        needle = q.casefold()
        rows = [r for r in rows if needle in (r["display_name"] or "").casefold() or r["hr_id"] == q]
    key = sort.lstrip("-")
    rows.sort(key=lambda r: (r[key] or "", str(r["participant_id"])), reverse=sort.startswith("-"))
    return rows


async def hub_seats_csv(uow: UnitOfWork, board: str, program_year: str) -> AsyncIterator[str]:
    """The board's hubs as CSV, one row per seat with the person's HR id, header first, streamed."""
    yield csv_lines([], header=True)
    async for rows in repositories(uow).views.hub_seats(board, program_year):
        yield csv_lines(rows)


async def summary(uow: UnitOfWork, board: str, program_year: str) -> dict[str, Any]:
    """The published hubs, placed, unplaced and pairings of a board's year, in all and by role."""
    return await repositories(uow).views.summary(board, program_year)


async def list_overrides(uow: UnitOfWork, board: str, program_year: str) -> list[Override]:
    return await repositories(uow).views.list_overrides(board, program_year)


async def list_hubs(
    uow: UnitOfWork,
    *,
    boards: list[str] | None,
    board: str | None,
    program_year: str | None,
    theme: str | None,
    limit: int,
    offset: int,
    q: str | None = None,
    school: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """A page of hubs of ``boards`` (None: every board) with their people, and how many match."""
    return await repositories(uow).views.list_hubs(
        boards=boards,
        board=board,
        program_year=program_year,
        theme=theme,
        limit=limit,
        offset=offset,
        q=q,
        school=school,
    )


async def hub_board(uow: UnitOfWork, hub_id: uuid.UUID) -> tuple[str, str] | None:
    """(board, program year) of a hub, to check access before anything else is read."""
    return await repositories(uow).hubs.hub_board(hub_id)


async def read_hub(uow: UnitOfWork, board: str, program_year: str, hub_id: uuid.UUID) -> dict[str, Any]:
    store = repositories(uow)
    found = await store.hubs.load_hubs(board=board, program_year=program_year, hub_ids=[hub_id])
    return (await store.views.hub_views(found))[0]


async def hub_views(uow: UnitOfWork, hubs: list[StoredHub]) -> list[dict[str, Any]]:
    """The hubs with their people's names and schools."""
    return await repositories(uow).views.hub_views(hubs)


async def participant(uow: UnitOfWork, participant_id: uuid.UUID) -> ParticipantView | None:
    return await repositories(uow).people.participant(participant_id)


async def placement(uow: UnitOfWork, view: ParticipantView) -> dict[str, Any]:
    """A participant's placement: their hub (or why none), co-members, leaders, one-to-one mentor."""
    return await repositories(uow).views.placement(view)


async def list_pairings(uow: UnitOfWork, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
    """A page of one-to-one pairings with names (filters: see ``Lists.pairings``)."""
    return await repositories(uow).lists.pairings(**filters)


async def list_decisions(uow: UnitOfWork, board: str, program_year: str) -> list[dict[str, Any]]:
    return await repositories(uow).lists.decisions(board, program_year)


async def list_observations(uow: UnitOfWork, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
    """A page of observation visits with names (filters: see ``Lists.observations``)."""
    return await repositories(uow).lists.observations(**filters)


async def cards(uow: UnitOfWork, ids: list[uuid.UUID]) -> dict[str, Card]:
    """Names, schools and HR ids of these participants, keyed by their id as text."""
    return {str(p): card for p, card in (await repositories(uow).views.cards(ids)).items()}


async def get_draft(uow: UnitOfWork, board: str, program_year: str, run_id: uuid.UUID) -> MatchingRun:
    """A run of the board's program year that holds a draft."""
    run = await repositories(uow).runs.get_run(run_id)
    if run is None or run.board != board or run.program_year != program_year or run.draft is None:
        raise NotFound("No such draft in your board.")
    return run
