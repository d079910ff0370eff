"""Use cases of the program year's timeline: create it from defaults, edit phases, read a board's standing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.registration.adapters.program_tables import ProgramPhaseRow, ProgramYearRow
from services.registration.adapters.tables import Board
from services.registration.domain import timeline
from services.registration.domain.timeline import Phase, Standing, TimelineError
from shared.db import UnitOfWork
from shared.problems import Problem, field_problem


@dataclass(frozen=True)
class ProgramYearView:
    row: ProgramYearRow
    phases: list[Phase]


@dataclass(frozen=True)
class BoardStanding:
    program_year: ProgramYearView
    scope: str  # "board" or "province"
    standing: Standing


def _phase(row: ProgramPhaseRow) -> Phase:
    return Phase(
        key=row.key,
        title=row.title,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        kind=row.kind,  # type: ignore[arg-type]
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


def _problem(error: TimelineError) -> Problem:
    return field_problem(error.field, error.message)


async def create_program_year(
    uow: UnitOfWork, *, board: str | None, program_year: str, phases: Sequence[Phase] | None = None
) -> ProgramYearView:
    """A program year for ``board`` (None: the province's), its phases from the association's
    sample timeline unless the caller gives its own."""
    try:
        planned = timeline.order(phases) if phases else timeline.default_phases(program_year)
        timeline.validate(program_year, planned)
    except TimelineError as exc:
        raise _problem(exc) from exc
    if board is not None and await uow.session.get(Board, board) is None:
        raise field_problem("board", "unknown board")
    row = ProgramYearRow(id=uuid.uuid4(), board=board, program_year=program_year)
    uow.session.add(row)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Problem(
            409,
            "Program year exists",
            f"program_year: {program_year} already has a timeline for this board",
            errors=[{"field": "program_year", "message": "already exists"}],
        ) from exc
    uow.session.add_all([_row(row.id, p) for p in planned])
    await uow.session.flush()
    return ProgramYearView(row, planned)


async def get_program_year(uow: UnitOfWork, program_year_id: uuid.UUID) -> ProgramYearView:
    row = await uow.session.get(ProgramYearRow, program_year_id)
    if row is None:
        raise Problem(404, "Not found", "No such program year.")
    return ProgramYearView(row, (await _phases(uow, [row.id]))[row.id])


async def _phases(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Phase]]:
    found: dict[uuid.UUID, list[Phase]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = (
        (
            await uow.session.execute(
                sa.select(ProgramPhaseRow)
                .where(ProgramPhaseRow.program_year_id.in_(ids))  # type: ignore[attr-defined]
                .order_by(ProgramPhaseRow.position, ProgramPhaseRow.key)  # type: ignore[arg-type]
            )
        )
        .scalars()
        .all()
    )
    for r in rows:
        found[r.program_year_id].append(_phase(r))
    return found


async def list_program_years(
    uow: UnitOfWork, *, boards: list[str] | None, board: str | None = None, program_year: str | None = None
) -> list[ProgramYearView]:
    """Program years visible to the caller (``boards`` None: every board); provincial ones always."""
    query = sa.select(ProgramYearRow).order_by(ProgramYearRow.program_year, ProgramYearRow.board)  # type: ignore[arg-type]
    if boards is not None:
        query = query.where(
            sa.or_(ProgramYearRow.board.is_(None), ProgramYearRow.board.in_(boards))  # type: ignore[union-attr]
        )
    if board is not None:
        query = query.where(ProgramYearRow.board == board)
    if program_year is not None:
        query = query.where(ProgramYearRow.program_year == program_year)
    rows = list((await uow.session.execute(query)).scalars())
    phases = await _phases(uow, [r.id for r in rows])
    return [ProgramYearView(row, phases[row.id]) for row in rows]


_EDITABLE = {"title", "starts_on", "ends_on", "completed_on", "min_workshops", "audience", "milestone"}


async def edit_phase(
    uow: UnitOfWork, program_year_id: uuid.UUID, key: str, changes: Mapping[str, Any]
) -> ProgramYearView:
    """Change one phase's dates, title or completion (``completed_on`` null: not done after all)."""
    # Lock the program year first: two edits of its phases apply one after the other.
    await uow.session.execute(
        sa.select(ProgramYearRow.id).where(ProgramYearRow.id == program_year_id).with_for_update()  # type: ignore[arg-type]
    )
    view = await get_program_year(uow, program_year_id)
    current = next((p for p in view.phases if p.key == key), None)
    if current is None:
        raise Problem(404, "Not found", f"No phase {key!r} in this program year.")
    unknown = sorted(set(changes) - _EDITABLE)
    if unknown:
        raise field_problem(unknown[0], "cannot be changed")
    values = dict(changes)
    if "audience" in values:
        values["audience"] = tuple(values["audience"])
    if "completed_on" in values:
        values["completed_by"] = None  # closed or reopened by hand

    updated = replace(current, **values)
    phases = [updated if p.key == key else p for p in view.phases]
    return await _store(uow, view, phases)


async def add_phase(uow: UnitOfWork, program_year_id: uuid.UUID, phase: Phase) -> ProgramYearView:
    await uow.session.execute(
        sa.select(ProgramYearRow.id).where(ProgramYearRow.id == program_year_id).with_for_update()  # type: ignore[arg-type]
    )
    view = await get_program_year(uow, program_year_id)
    return await _store(uow, view, [*view.phases, phase])


async def lock_program_year(uow: UnitOfWork, program_year_id: uuid.UUID) -> ProgramYearView:
    """The program year, locked for this transaction (its phases change one edit at a time)."""
    await uow.session.execute(
        sa.select(ProgramYearRow.id).where(ProgramYearRow.id == program_year_id).with_for_update()  # type: ignore[arg-type]
    )
    return await get_program_year(uow, program_year_id)


async def store_phases(uow: UnitOfWork, view: ProgramYearView, phases: list[Phase]) -> ProgramYearView:
    """Replace the (locked) program year's phases after validating them."""
    return await _store(uow, view, phases)


async def _store(uow: UnitOfWork, view: ProgramYearView, phases: list[Phase]) -> ProgramYearView:
    try:
        ordered = timeline.order(phases)
        timeline.validate(view.row.program_year, ordered)
    except TimelineError as exc:
        raise _problem(exc) from exc
    await uow.session.execute(
        sa.delete(ProgramPhaseRow).where(ProgramPhaseRow.program_year_id == view.row.id)  # type: ignore[arg-type]
    )
    uow.session.add_all([_row(view.row.id, p) for p in ordered])
    await uow.session.flush()
    return ProgramYearView(view.row, ordered)


async def board_standing(
    uow: UnitOfWork, board: str, on: date, program_year: str | None = None
) -> list[BoardStanding]:
    """Where ``board`` stands on ``on``: its own program year(s) covering the date, else the
    province's. Two program years overlap in spring (next year's steering committee starts while
    this year's activities end): both are shown."""
    if await uow.session.get(Board, board) is None:
        raise Problem(404, "Not found", "No such board.")
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
