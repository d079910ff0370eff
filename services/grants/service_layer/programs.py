"""Use cases of the province admin on grant programs: create, list, read, grant deadline extensions.

Each runs in the caller's unit of work and commits it when it changes something.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from services.grants.adapters.repository import GrantsRepository, StoredProgram
from services.grants.adapters.tables import PROGRAM_UNIQUE, ExtensionRecord, ProgramRecord
from services.grants.domain.applicants import clean_text
from services.grants.domain.program import GrantProgram, Stream, check_extension, province_zone
from services.grants.service_layer.errors import AlreadyExists, NotFound
from services.grants.service_layer.integrity import constraint_name
from shared.db import UnitOfWork


def applicant_key(association_local: str | None) -> str:
    """Who applies within a board: ``""`` for the board itself, else its association local's name
    case-folded with runs of spaces collapsed (``"ATA  local 37"`` and ``"ATA Local 37"`` are one)."""
    return " ".join((association_local or "").split()).casefold()


async def create_program(
    uow: UnitOfWork,
    *,
    program_year: str,
    stream: Stream,
    max_award: Decimal | str,
    budget: Decimal | str,
    timezone: str,
    deadline: datetime | None,
    actor: str,
    now: datetime,
) -> StoredProgram:
    """A new program; its deadline is June 30 23:59:59 in ``timezone`` unless ``deadline`` is given."""
    custom = deadline.astimezone(province_zone(timezone)) if deadline is not None else None
    program = GrantProgram(
        program_year=program_year,
        stream=stream,
        # GrantProgram parses text amounts itself (in its checking order); its fields read back as Decimal.
        max_award=max_award,  # type: ignore[arg-type]
        budget=budget,  # type: ignore[arg-type]
        timezone=timezone,
        custom_deadline=custom,
    )
    record = ProgramRecord(
        program_year=program.program_year,
        stream=program.stream,
        max_award=program.max_award,
        budget=program.budget,
        timezone=timezone,
        custom_deadline=custom,
        created_by=clean_text(actor, "actor"),
        created_at=now,
    )
    try:
        stored = await GrantsRepository(uow.session).add_program(record)
    except IntegrityError as exc:
        if constraint_name(exc) == PROGRAM_UNIQUE:
            raise AlreadyExists("stream", f"a grant program for {program.label} already exists") from None
        raise
    await uow.commit()
    return stored


async def get_program(uow: UnitOfWork, program_id: uuid.UUID) -> StoredProgram:
    stored = await GrantsRepository(uow.session).program(program_id)
    if stored is None:
        raise NotFound("grant program")
    return stored


async def list_programs(
    uow: UnitOfWork, *, program_year: str | None = None, stream: str | None = None
) -> list[StoredProgram]:
    return await GrantsRepository(uow.session).programs(program_year=program_year, stream=stream)


async def grant_extension(
    uow: UnitOfWork,
    program_id: uuid.UUID,
    *,
    board: str,
    association_local: str | None,
    extension_until: datetime,
    note: str | None,
    actor: str,
    now: datetime,
) -> ExtensionRecord:
    """Let one applicant (a board, or an association local within it) submit until ``extension_until``.

    Granting again replaces the earlier extension of that applicant.
    """
    repo = GrantsRepository(uow.session)
    stored = await repo.program(program_id)
    if stored is None:
        raise NotFound("grant program")
    until = check_extension(stored.program, extension_until)
    local = clean_text(association_local or "", "association_local", required=False) or None
    record = await repo.put_extension(
        {
            "program_id": program_id,
            "board": clean_text(board, "board", limit=40),
            "applicant_key": applicant_key(local),
            "association_local": local,
            "extension_until": until,
            "granted_by": clean_text(actor, "actor"),
            "granted_at": now,
            "note": (clean_text(note, "note", limit=2000, required=False) or None) if note else None,
        }
    )
    await uow.commit()
    return record


async def list_extensions(uow: UnitOfWork, program_id: uuid.UUID) -> list[ExtensionRecord]:
    repo = GrantsRepository(uow.session)
    if await repo.program(program_id) is None:
        raise NotFound("grant program")
    return await repo.extensions(program_id)
