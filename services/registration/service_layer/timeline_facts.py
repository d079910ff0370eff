"""Phases of the timeline closed by the facts that fulfil them: a workshop held with attendance, the
board's grant application submitted or paid. A coordinator can still close or reopen any phase by
hand (``program_years.edit_phase``); a reopened phase closes again only on a new fact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.registration.adapters.repository import repositories
from services.registration.domain import timeline
from services.registration.domain.timeline import Phase
from services.registration.service_layer import program_years
from shared.db import UnitOfWork
from shared.events.grants import GrantPaid, GrantSubmitted, GrantWithdrawn


async def close_phases_by_fact(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    on: date,
    fact: str,
    fulfilled: Callable[[Sequence[Phase]], list[str]],
) -> list[str]:
    """Close, in ``board``'s own timeline of ``program_year``, the phases ``fulfilled`` picks.

    A board standing on the province's timeline gets its own copy first (closing the province's
    would close it for every board). Nothing happens for a board or year registration does not know.
    """
    if not await repositories(uow).timeline.board_exists(board):
        return []
    try:
        defaults = timeline.default_phases(program_year)
    except timeline.TimelineError:
        return []
    views = await program_years.list_program_years(uow, boards=[board], program_year=program_year)
    own = next((v for v in views if v.row.board == board), None)
    provincial = next((v for v in views if v.row.board is None and v.phases), None)
    if own is not None:
        own = await program_years.lock_program_year(uow, own.row.id)
    phases = own.phases if own is not None else provincial.phases if provincial is not None else defaults
    keys = [k for k in fulfilled(phases) if any(p.key == k and p.completed_on is None for p in phases)]
    if not keys:
        return []
    closed = timeline.close_by_fact(phases, keys, on, fact)
    if own is None:
        # A concurrent creation fails this transaction; the event is retried and finds it.
        await program_years.plan_program_year(uow, board=board, program_year=program_year, phases=closed)
    else:
        await program_years.store_phases(uow, own, closed)
    return keys


async def local_day(uow: UnitOfWork, board: str, moment: datetime) -> date:
    """The day ``moment`` falls on in the board's time zone."""
    name = await repositories(uow).timeline.board_timezone(board)
    try:
        return moment.astimezone(ZoneInfo(name)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return moment.date()


async def grant_progressed(uow: UnitOfWork, event: GrantSubmitted | GrantPaid) -> None:
    """The board's grant application was submitted (or paid): its grant phase is done."""
    await close_phases_by_fact(
        uow,
        board=event.board,
        program_year=event.program_year,
        on=await local_day(uow, event.board, event.occurred_at),
        fact=event.type,
        fulfilled=timeline.grant_phases,
    )


async def workshop_held(
    uow: UnitOfWork, *, boards: set[str], program_year: str, held_on: date, audience: Sequence[str]
) -> None:
    """A workshop was held with attendance: the workshop phase it fulfils closes for each board
    whose participants attended (a provincial workshop counts for every board present)."""
    for board in sorted(boards):
        await close_phases_by_fact(
            uow,
            board=board,
            program_year=program_year,
            on=held_on,
            fact="WorkshopHeld",
            fulfilled=lambda phases: timeline.workshop_phases_held(phases, held_on, audience),
        )


async def grant_withdrawn(uow: UnitOfWork, event: GrantWithdrawn) -> None:
    """The board withdrew its grant application: a grant phase its submission closed is open again
    (one a coordinator closed by hand, or a payment, stays closed)."""
    views = await program_years.list_program_years(uow, boards=[event.board], program_year=event.program_year)
    own = next((v for v in views if v.row.board == event.board), None)
    if own is None:
        return
    own = await program_years.lock_program_year(uow, own.row.id)
    reopened = timeline.reopen_by_fact(own.phases, timeline.grant_phases(own.phases), ["GrantSubmitted"])
    if reopened != own.phases:
        await program_years.store_phases(uow, own, reopened)
