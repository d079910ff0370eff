"""Use cases of the program year's timeline: create it from defaults, edit phases, read a board's standing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import ProgramPhaseRow, ProgramYearRow
from services.registration.domain import timeline
from services.registration.domain.timeline import Phase, Standing, TimelineError
from services.registration.service_layer.errors import AlreadyExists, InvalidInput, NotFound
from shared.db import UnitOfWork


@dataclass(frozen=True)
class ProgramYearView:
    row: ProgramYearRow
    phases: list[Phase]


@dataclass(frozen=True)
class BoardStanding:
    program_year: ProgramYearView
    scope: Literal["board", "province"]
    standing: Standing


def _phase(row: ProgramPhaseRow) -> Phase:
    return Phase(
        key=row.key,
        title=row.title,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        kind=row.kind,  # type: ignore[arg-type]  # a checked phase kind stored as text
        audience=tuple(row.audience),
        milestone=row.milestone,
        min_workshops=row.min_workshops,
        completed_on=row.completed_on,
        position=row.position,
        completed_by=row.completed_by,
    )


def _row(program_year_id: uuid.UUID, phase: Phase) -> ProgramPhaseRow:
    return ProgramPhaseRow(
        program_year_id=program_year_id,
        position=phase.position,
        key=phase.key,
        title=phase.title,
        kind=phase.kind,
        audience=list(phase.audience),
        starts_on=phase.starts_on,
        ends_on=phase.ends_on,
        milestone=phase.milestone,
        min_workshops=phase.min_workshops,
        completed_on=phase.completed_on,
        completed_by=phase.completed_by,
    )


async def create_program_year(
    uow: UnitOfWork, *, board: str | None, program_year: str, phases: Sequence[Phase] | None = None
) -> ProgramYearView:
    """Plan a program year (see :func:`plan_program_year`) and commit."""
    view = await plan_program_year(uow, board=board, program_year=program_year, phases=phases)
    await uow.commit()
    return view


async def plan_program_year(
    uow: UnitOfWork, *, board: str | None, program_year: str, phases: Sequence[Phase] | None = None
) -> ProgramYearView:
    """A program year for ``board`` (None: the province's), its phases from the association's
    sample timeline unless the caller gives its own."""
    try:
        planned = timeline.order(phases) if phases else timeline.default_phases(program_year)
        timeline.validate(program_year, planned)
    except TimelineError as exc:
        raise InvalidInput([(exc.field, exc.message)]) from exc
    if board is not None and not await repositories(uow).program_years.board_exists(board):
        raise InvalidInput([("board", "unknown board")])
    row = ProgramYearRow(
        id=uuid.uuid4(), board=board, program_year=program_year, created_at=datetime.now(UTC)
    )
    if not await repositories(uow).program_years.add_program_year(row):
        raise AlreadyExists("program_year", f"{program_year} already has a timeline for this board")
    await repositories(uow).program_years.replace_phases(row.id, [_row(row.id, p) for p in planned])
    return ProgramYearView(row, planned)


async def get_program_year(uow: UnitOfWork, program_year_id: uuid.UUID) -> ProgramYearView:
    row = await repositories(uow).program_years.get(program_year_id)
    if row is None:
        raise NotFound("program year")
    return ProgramYearView(row, (await _phases(uow, [row.id]))[row.id])


async def _phases(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Phase]]:
    rows = await repositories(uow).program_years.phases_of(ids)
    return {i: [_phase(r) for r in found] for i, found in rows.items()}


async def list_program_years(
    uow: UnitOfWork, *, boards: list[str] | None, board: str | None = None, program_year: str | None = None
) -> list[ProgramYearView]:
    """Program years visible to the caller (``boards`` None: every board); provincial ones always."""
    rows = await repositories(uow).program_years.find(boards=boards, board=board, program_year=program_year)
    phases = await _phases(uow, [r.id for r in rows])
    return [ProgramYearView(row, phases[row.id]) for row in rows]


_EDITABLE = {"title", "starts_on", "ends_on", "completed_on", "min_workshops", "audience", "milestone"}


async def edit_phase(
    uow: UnitOfWork, program_year_id: uuid.UUID, key: str, changes: Mapping[str, Any]
) -> ProgramYearView:
    """Change one phase's dates, title or completion (``completed_on`` null: not done after all)."""
    view = await lock_program_year(uow, program_year_id)
    current = next((p for p in view.phases if p.key == key), None)
    if current is None:
        raise NotFound(f"phase {key!r} in this program year")
    unknown = sorted(set(changes) - _EDITABLE)
    if unknown:
        raise InvalidInput([(field, "cannot be changed") for field in unknown])
    values = dict(changes)
    if "audience" in values:
        values["audience"] = tuple(values["audience"])
    if "completed_on" in values:
        values["completed_by"] = None  # closed or reopened by hand
    updated = replace(current, **values)
    phases = [updated if p.key == key else p for p in view.phases]
    view = await _store(uow, view, phases)
    await uow.commit()
    return view


async def add_phase(uow: UnitOfWork, program_year_id: uuid.UUID, phase: Phase) -> ProgramYearView:
    view = await lock_program_year(uow, program_year_id)
    view = await _store(uow, view, [*view.phases, phase])
    await uow.commit()
    return view


async def lock_program_year(uow: UnitOfWork, program_year_id: uuid.UUID) -> ProgramYearView:
    """The program year, locked for this transaction (its phases change one edit at a time)."""
    row = await repositories(uow).program_years.get(program_year_id, lock=True)
    if row is None:
        raise NotFound("program year")
    return ProgramYearView(row, (await _phases(uow, [row.id]))[row.id])


async def store_phases(uow: UnitOfWork, view: ProgramYearView, phases: list[Phase]) -> ProgramYearView:
    """Replace the (locked) program year's phases after validating them."""
    return await _store(uow, view, phases)


async def _store(uow: UnitOfWork, view: ProgramYearView, phases: list[Phase]) -> ProgramYearView:
    try:
        ordered = timeline.order(phases)
        timeline.validate(view.row.program_year, ordered)
    except TimelineError as exc:
        raise InvalidInput([(exc.field, exc.message)]) from exc
    await repositories(uow).program_years.replace_phases(view.row.id, [_row(view.row.id, p) for p in ordered])
    return ProgramYearView(view.row, ordered)


async def board_standing(
    uow: UnitOfWork, board: str, on: date, program_year: str | None = None
) -> list[BoardStanding]:
    """Where ``board`` stands on ``on``: its own program year(s) covering the date, else the
    province's. Two program years overlap in spring (next year's steering committee starts while
    this year's activities end): both are shown."""
    if not await repositories(uow).program_years.board_exists(board):
        raise NotFound("board")
    views = await list_program_years(uow, boards=[board], program_year=program_year)
    own = [v for v in views if v.row.board == board]
    provincial = {v.row.program_year: v for v in views if v.row.board is None}
    # A board's own timeline replaces the province's for the same year.
    candidates = own + [v for year, v in provincial.items() if year not in {o.row.program_year for o in own}]
    candidates = [v for v in candidates if v.phases]
    spans = [timeline.span(v.phases) or (on, on) for v in candidates]
    chosen = timeline.covering(spans, on)
    return [
        BoardStanding(
            program_year=candidates[i],
            scope="board" if candidates[i].row.board else "province",
            standing=timeline.standing(candidates[i].phases, on),
        )
        for i in sorted(chosen, key=lambda i: candidates[i].row.program_year)
    ]
