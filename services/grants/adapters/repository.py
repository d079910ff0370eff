"""Storing and rebuilding grant programs and applications (the domain objects) in PostgreSQL.

Every read of an application takes the caller's visible boards (None = every board, province staff) so
board scoping is part of the query itself, never a check after the fact.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.grants.adapters.tables import (
    ApplicationRecord,
    AuditRecord,
    CommitteeMemberRecord,
    ExpenseLineRecord,
    ExtensionRecord,
    ProgramRecord,
    SteeringCommitteeRecord,
)
from services.grants.domain.applicants import (
    ApplicantOrganisation,
    CommitteeMember,
    Contact,
    ExpenseLine,
    FundedProgram,
)
from services.grants.domain.application import Application
from services.grants.domain.budget import remaining_budget
from services.grants.domain.lifecycle import ApplicationState, AuditEntry
from services.grants.domain.program import GrantProgram, Stream, province_zone
from shared.db import table_of

# An application's child rows, loaded in one batch per kind.
_Child = TypeVar("_Child", CommitteeMemberRecord, ExpenseLineRecord, AuditRecord)


@dataclass
class StoredProgram:
    """A program row and the domain program it describes."""

    record: ProgramRecord
    program: GrantProgram

    @property
    def id(self) -> uuid.UUID:
        return self.record.id

    @property
    def awarded_total(self) -> Decimal:
        return self.record.awarded_total

    @property
    def remaining(self) -> Decimal:
        return remaining_budget(self.record.budget, self.record.awarded_total)


@dataclass
class StoredApplication:
    """An application as loaded: the domain object, its row, and how many audit entries are stored."""

    application: Application
    record: ApplicationRecord
    audit_stored: int


def to_program(record: ProgramRecord) -> StoredProgram:
    zone = province_zone(record.timezone)
    custom = record.custom_deadline.astimezone(zone) if record.custom_deadline is not None else None
    program = GrantProgram(
        program_year=record.program_year,
        stream=record.stream,
        max_award=record.max_award,
        budget=record.budget,
        timezone=record.timezone,
        custom_deadline=custom,
    )
    return StoredProgram(record, program)


class GrantsRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    # -- programs ---------------------------------------------------------------------------------

    async def program(self, program_id: uuid.UUID, *, lock: bool = False) -> StoredProgram | None:
        """The program; ``lock`` takes its row lock (FOR NO KEY UPDATE, so inserts referencing it
        are not blocked) and reads the latest committed awarded total."""
        query = sa.select(ProgramRecord).where(col(ProgramRecord.id) == program_id)
        if lock:
            query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
        record = (await self.session.execute(query)).scalar_one_or_none()
        return to_program(record) if record is not None else None

    async def program_for(self, program_year: str, stream: str) -> StoredProgram | None:
        record = (
            await self.session.execute(
                sa.select(ProgramRecord).where(
                    col(ProgramRecord.program_year) == program_year,
                    col(ProgramRecord.stream) == stream,
                )
            )
        ).scalar_one_or_none()
        return to_program(record) if record is not None else None

    async def programs(self, *, program_year: str | None, stream: str | None) -> list[StoredProgram]:
        query = sa.select(ProgramRecord).order_by(
            col(ProgramRecord.program_year).desc(),
            col(ProgramRecord.stream),
        )
        if program_year:
            query = query.where(col(ProgramRecord.program_year) == program_year)
        if stream:
            query = query.where(col(ProgramRecord.stream) == stream)
        return [to_program(r) for r in (await self.session.execute(query)).scalars()]

    async def add_program(self, record: ProgramRecord) -> StoredProgram:
        self.session.add(record)
        await self.session.flush()
        await self.session.refresh(record)
        return to_program(record)

    async def extension(
        self, program_id: uuid.UUID, board: str, applicant_key: str
    ) -> ExtensionRecord | None:
        return await self.session.get(ExtensionRecord, (program_id, board, applicant_key))

    async def put_extension(self, values: dict[str, Any]) -> ExtensionRecord:
        """Insert or replace the extension of one applicant of one program."""
        table = table_of(ExtensionRecord)
        statement = pg_insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["program_id", "board", "applicant_key"],
            set_={
                k: statement.excluded[k] for k in values if k not in ("program_id", "board", "applicant_key")
            },
        )
        await self.session.execute(statement)
        record = await self.session.get(
            ExtensionRecord,
            (values["program_id"], values["board"], values["applicant_key"]),
            populate_existing=True,
        )
        assert record is not None
        return record

    async def extensions(self, program_id: uuid.UUID) -> list[ExtensionRecord]:
        query = (
            sa.select(ExtensionRecord)
            .where(col(ExtensionRecord.program_id) == program_id)
            .order_by(col(ExtensionRecord.board), col(ExtensionRecord.applicant_key))
        )
        return list((await self.session.execute(query)).scalars())

    # -- the steering committee (registration's SteeringCommitteeChanged) ---------------------------

    async def steering_committee(self, board: str, program_year: str) -> SteeringCommitteeRecord | None:
        return await self.session.get(SteeringCommitteeRecord, (board, program_year))

    async def put_steering_committee(self, values: dict[str, Any]) -> None:
        """Keep the newest committee (by ``sequence``) of a board and program year."""
        table = table_of(SteeringCommitteeRecord)
        statement = pg_insert(table).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["board", "program_year"],
                set_={k: statement.excluded[k] for k in values if k not in ("board", "program_year")},
                where=statement.excluded.sequence > table.c.sequence,
            )
        )

    # -- applications -----------------------------------------------------------------------------

    def _scoped(self, boards: Sequence[str] | None) -> sa.Select[Any]:
        query = sa.select(ApplicationRecord, col(ProgramRecord.program_year), col(ProgramRecord.stream)).join(
            ProgramRecord, col(ProgramRecord.id) == col(ApplicationRecord.program_id)
        )
        if boards is not None:
            query = query.where(col(ApplicationRecord.board).in_(boards))
        return query

    async def get(
        self, application_id: uuid.UUID, *, boards: Sequence[str] | None, for_update: bool = False
    ) -> StoredApplication | None:
        """The application if it exists in one of ``boards``; ``for_update`` locks its row (only)."""
        query = self._scoped(boards).where(col(ApplicationRecord.id) == application_id)
        if for_update:
            query = query.with_for_update(of=ApplicationRecord).execution_options(populate_existing=True)
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        return (await self._rebuild([row]))[0]

    async def find(
        self,
        *,
        boards: Sequence[str] | None,
        board: str | None = None,
        program_year: str | None = None,
        stream: str | None = None,
        states: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[StoredApplication], int]:
        """A page of applications (oldest first) and how many match in all."""
        filters: list[Any] = []
        if board:
            filters.append(col(ApplicationRecord.board) == board)
        if program_year:
            filters.append(col(ProgramRecord.program_year) == program_year)
        if stream:
            filters.append(col(ProgramRecord.stream) == stream)
        if states:
            filters.append(col(ApplicationRecord.state).in_(states))
        query = self._scoped(boards).where(*filters)
        count = (
            await self.session.execute(sa.select(sa.func.count()).select_from(query.subquery()))
        ).scalar_one()
        query = query.order_by(col(ApplicationRecord.created_at), col(ApplicationRecord.id)).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = list((await self.session.execute(query)).all())
        return await self._rebuild(rows), count

    async def add(
        self, app: Application, *, program_id: uuid.UUID, applicant_key: str, now: datetime
    ) -> StoredApplication:
        """Insert a new application (a unique violation surfaces here, at flush)."""
        record = ApplicationRecord(
            id=app.id,
            program_id=program_id,
            applicant_key=applicant_key,
            created_at=now,
            **_columns(app, now),
        )
        self.session.add(record)
        await self.session.flush()
        await self._write_contents(app)
        await self._append_audit(app, 0)
        return StoredApplication(app, record, len(app.audit))

    async def save(
        self,
        stored: StoredApplication,
        *,
        now: datetime,
        program_id: uuid.UUID | None = None,
        applicant_key: str | None = None,
        contents_changed: bool = False,
    ) -> None:
        """Write back a loaded application: its row, its contents if edited, its new audit entries."""
        app, record = stored.application, stored.record
        for name, value in _columns(app, now).items():
            setattr(record, name, value)
        if program_id is not None:
            record.program_id = program_id
        if applicant_key is not None:
            record.applicant_key = applicant_key
        await self.session.flush()
        if contents_changed:
            for child in (CommitteeMemberRecord, ExpenseLineRecord):
                await self.session.execute(sa.delete(child).where(col(child.application_id) == app.id))
            await self._write_contents(app)
        await self._append_audit(app, stored.audit_stored)
        stored.audit_stored = len(app.audit)

    async def _write_contents(self, app: Application) -> None:
        if app.committee:
            await self.session.execute(
                sa.insert(CommitteeMemberRecord),
                [
                    {"application_id": app.id, "position": i, "name": m.name, "role": m.role}
                    for i, m in enumerate(app.committee)
                ],
            )
        if app.expense_lines:
            await self.session.execute(
                sa.insert(ExpenseLineRecord),
                [
                    {
                        "application_id": app.id,
                        "position": i,
                        "category": line.category,
                        "description": line.description,
                        "amount": line.amount,
                        "incurred_on": line.incurred_on,
                    }
                    for i, line in enumerate(app.expense_lines)
                ],
            )

    async def _append_audit(self, app: Application, already_stored: int) -> None:
        new = app.audit[already_stored:]
        if new:
            await self.session.execute(
                sa.insert(AuditRecord),
                [
                    {
                        "application_id": app.id,
                        "actor": e.actor,
                        "at": e.at,
                        "from_state": e.from_state.value if e.from_state else None,
                        "to_state": e.to_state.value,
                        "note": e.note,
                    }
                    for e in new
                ],
            )

    async def _rebuild(self, rows: Sequence[Any]) -> list[StoredApplication]:
        """Domain applications from rows of (record, program_year, stream), children loaded in batches."""
        ids = [row[0].id for row in rows]
        if not ids:
            return []
        members = await self._children(CommitteeMemberRecord, ids, col(CommitteeMemberRecord.position))
        lines = await self._children(ExpenseLineRecord, ids, col(ExpenseLineRecord.position))
        audit = await self._children(AuditRecord, ids, col(AuditRecord.id))
        return [
            StoredApplication(
                application=_application(
                    record, program_year, stream, members[record.id], lines[record.id], audit[record.id]
                ),
                record=record,
                audit_stored=len(audit[record.id]),
            )
            for record, program_year, stream in rows
        ]

    async def _children(
        self, table: type[_Child], ids: list[uuid.UUID], order: Any
    ) -> dict[uuid.UUID, list[_Child]]:
        """Rows of ``table`` (an application's committee, expense lines or audit) by application."""
        query = sa.select(table).where(col(table.application_id).in_(ids)).order_by(order)
        by_application: dict[uuid.UUID, list[_Child]] = defaultdict(list)
        for child in (await self.session.execute(query)).scalars():
            by_application[child.application_id].append(child)
        return by_application


def _columns(app: Application, now: datetime) -> dict[str, Any]:
    return {
        "board": app.board,
        "board_code": app.organisation.board_code,
        "association_local": app.organisation.association_local,
        "contact_name": app.contact.name if app.contact else None,
        "contact_email": app.contact.email if app.contact else None,
        "expected_mentees": app.funded_program.expected_mentees,
        "expected_mentors": app.funded_program.expected_mentors,
        "state": app.state.value,
        "requested_total": app.requested_total,
        "awarded_amount": app.awarded_amount,
        "decline_reason": app.decline_reason,
        "withdrawal_reason": app.withdrawal_reason,
        "submitted_at": app.submitted_at,
        "updated_at": now,
    }


def _application(
    record: ApplicationRecord,
    program_year: str,
    stream: Stream,
    members: list[CommitteeMemberRecord],
    lines: list[ExpenseLineRecord],
    audit: list[AuditRecord],
) -> Application:
    contact = (
        Contact(record.contact_name, record.contact_email)
        if record.contact_name is not None and record.contact_email is not None
        else None
    )
    return Application(
        id=record.id,
        board=record.board,
        program_year=program_year,
        organisation=ApplicantOrganisation(record.board_code, record.association_local),
        funded_program=FundedProgram(
            stream=stream,
            expected_mentees=record.expected_mentees,
            expected_mentors=record.expected_mentors,
        ),
        contact=contact,
        committee=[CommitteeMember(m.name, m.role) for m in members],
        expense_lines=[
            ExpenseLine(line.category, line.description, line.amount, line.incurred_on) for line in lines
        ],
        state=ApplicationState(record.state),
        awarded_amount=record.awarded_amount,
        decline_reason=record.decline_reason,
        withdrawal_reason=record.withdrawal_reason,
        submitted_at=record.submitted_at,
        audit=[
            AuditEntry(
                actor=a.actor,
                at=a.at,
                from_state=ApplicationState(a.from_state) if a.from_state else None,
                to_state=ApplicationState(a.to_state),
                note=a.note,
            )
            for a in audit
        ],
    )
