"""Use cases on grant applications: drafts, the lifecycle, listings and the finance export.

Each runs in one unit of work: the application row, its audit entries and the events its transition
causes (outbox) commit together. Reads and writes are scoped to ``boards`` (None = every board).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.grants.adapters.repository import GrantsRepository, StoredApplication, StoredProgram
from services.grants.adapters.tables import APPLICANT_UNIQUE, BUDGET_CONSTRAINT, SteeringCommitteeRecord
from services.grants.domain import events as domain_events
from services.grants.domain.applicants import (
    ApplicantOrganisation,
    CommitteeMember,
    Contact,
    ExpenseLine,
    FundedProgram,
)
from services.grants.domain.application import Application
from services.grants.domain.errors import ApplicationNotEditable, BudgetExceeded, InvalidField
from services.grants.domain.export import finance_csv
from services.grants.domain.lifecycle import ApplicationState
from services.grants.domain.money import AmountInput, parse_amount
from services.grants.service_layer.errors import AlreadyExists, NotFound
from services.grants.service_layer.integrity import constraint_name
from services.grants.service_layer.programs import applicant_key
from shared.db import UnitOfWork
from shared.events import grants as contracts
from shared.events.envelope import IntegrationEvent

_CONTRACTS: dict[type[domain_events.GrantEvent], type[contracts.GrantEvent]] = {
    domain_events.GrantSubmitted: contracts.GrantSubmitted,
    domain_events.GrantApproved: contracts.GrantApproved,
    domain_events.GrantDeclined: contracts.GrantDeclined,
    domain_events.GrantPaid: contracts.GrantPaid,
    domain_events.GrantWithdrawn: contracts.GrantWithdrawn,
}

EDITABLE = frozenset({"organisation", "contact", "committee", "program", "expense_lines"})


def to_integration(event: domain_events.GrantEvent) -> IntegrationEvent:
    """The integration event for a domain event (same field names; ``board`` is the applicant's board)."""
    return _CONTRACTS[type(event)](**dataclasses.asdict(event))


@dataclass(frozen=True)
class DraftContent:
    """What a new draft says; ``organisation`` None means the board itself applies."""

    funded_program: FundedProgram
    organisation: ApplicantOrganisation | None = None
    contact: Contact | None = None
    committee: Sequence[CommitteeMember] = ()
    expense_lines: Sequence[ExpenseLine] = ()


@dataclass
class ApplicationView:
    """An application with its program and the applicant's extension (if one was granted)."""

    stored: StoredApplication
    program: StoredProgram
    extension_until: datetime | None
    # The board's steering committee as registration last published it (members, meetings and
    # their expenses), shown on the application; None until registration has recorded one.
    steering_committee: SteeringCommitteeRecord | None = None

    @property
    def application(self) -> Application:
        return self.stored.application


def _organisation(organisation: ApplicantOrganisation | None, board: str) -> ApplicantOrganisation:
    """The applicant: the board itself, or an association local together with it. A coordinator applies
    for their own board, never in another's name; the board code is filled in when left out."""
    if organisation is None:
        return ApplicantOrganisation(board_code=board)
    if organisation.board_code is not None and organisation.board_code != board:
        raise InvalidField("organisation.board_code", f"must be the applying board {board}")
    return ApplicantOrganisation(board_code=board, association_local=organisation.association_local)


async def _program_for(repo: GrantsRepository, program_year: str, stream: str, field: str) -> StoredProgram:
    program = await repo.program_for(program_year, stream)
    if program is None:
        raise InvalidField(field, f"there is no grant program for {program_year} {stream}")
    return program


async def _view(repo: GrantsRepository, stored: StoredApplication) -> ApplicationView:
    program = await repo.program(stored.record.program_id)
    assert program is not None  # foreign key
    extension = await repo.extension(program.id, stored.record.board, stored.record.applicant_key)
    committee = await repo.steering_committee(stored.record.board, program.record.program_year)
    return ApplicationView(stored, program, extension.extension_until if extension else None, committee)


async def _locked(
    repo: GrantsRepository, application_id: uuid.UUID, boards: Sequence[str] | None
) -> StoredApplication:
    stored = await repo.get(application_id, boards=boards, for_update=True)
    if stored is None:
        raise NotFound("grant application")
    return stored


async def _duplicate(uow: UnitOfWork, repo: GrantsRepository, app: Application) -> AlreadyExists:
    """Say which application already holds this applicant's place (same board, so visible to the caller).

    Called after the unique constraint refused a flush: the transaction is rolled back first.
    """
    await uow.session.rollback()
    existing, _ = await repo.find(boards=[app.board], program_year=app.program_year, stream=app.stream)
    key = applicant_key(app.organisation.association_local)
    ids = [s.application.id for s in existing if s.record.applicant_key == key and s.application.id != app.id]
    where = f" (application {ids[0]})" if ids else ""
    return AlreadyExists(
        "organisation",
        f"{app.organisation.display_name} already has an application for {app.program_year} {app.stream}"
        f"{where}; edit that draft instead",
    )


async def create_draft(
    uow: UnitOfWork,
    *,
    board: str,
    program_year: str,
    content: DraftContent,
    actor: str,
    now: datetime,
) -> ApplicationView:
    """A new draft of ``board`` for the program of ``program_year`` and the content's stream."""
    repo = GrantsRepository(uow.session)
    organisation = _organisation(content.organisation, board)
    program = await _program_for(repo, program_year, content.funded_program.stream, "program.stream")
    app = Application.draft(
        board=board,
        program_year=program_year,
        organisation=organisation,
        funded_program=content.funded_program,
        actor=actor,
        now=now,
        contact=content.contact,
        committee=content.committee,
        expense_lines=content.expense_lines,
    )
    try:
        stored = await repo.add(
            app, program_id=program.id, applicant_key=applicant_key(organisation.association_local), now=now
        )
    except IntegrityError as exc:
        if constraint_name(exc) == APPLICANT_UNIQUE:
            raise await _duplicate(uow, repo, app) from None
        raise
    view = await _view(repo, stored)
    await uow.commit()
    return view


async def edit_draft(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    *,
    boards: Sequence[str] | None,
    changes: Mapping[str, Any],
    now: datetime,
) -> ApplicationView:
    """Replace parts of a draft: any of :data:`EDITABLE` (domain objects; ``contact`` may be None)."""
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, boards)
    app = stored.application
    if not app.is_editable:
        raise ApplicationNotEditable(app.state.value)
    program_id = None
    if "organisation" in changes:
        app.set_organisation(_organisation(changes["organisation"], app.board))
    if "contact" in changes:
        app.set_contact(changes["contact"])
    if "committee" in changes:
        app.replace_committee(changes["committee"])
    if "expense_lines" in changes:
        app.replace_expense_lines(changes["expense_lines"])
    if "program" in changes:
        funded: FundedProgram = changes["program"]
        if funded.stream != app.stream:
            program_id = (await _program_for(repo, app.program_year, funded.stream, "program.stream")).id
        app.set_funded_program(funded)
    try:
        await repo.save(
            stored,
            now=now,
            program_id=program_id,
            applicant_key=applicant_key(app.organisation.association_local),
            contents_changed=bool({"committee", "expense_lines"} & changes.keys()),
        )
    except IntegrityError as exc:
        if constraint_name(exc) == APPLICANT_UNIQUE:
            raise await _duplicate(uow, repo, app) from None
        raise
    view = await _view(repo, stored)
    await uow.commit()
    return view


async def get_application(
    uow: UnitOfWork, application_id: uuid.UUID, *, boards: Sequence[str] | None
) -> ApplicationView:
    repo = GrantsRepository(uow.session)
    stored = await repo.get(application_id, boards=boards)
    if stored is None:
        raise NotFound("grant application")
    return await _view(repo, stored)


async def list_applications(
    uow: UnitOfWork,
    *,
    boards: Sequence[str] | None,
    board: str | None = None,
    program_year: str | None = None,
    stream: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[StoredApplication], int]:
    return await GrantsRepository(uow.session).find(
        boards=boards,
        board=board,
        program_year=program_year,
        stream=stream,
        states=(status,) if status else (),
        limit=limit,
        offset=offset,
    )


async def _transition(
    uow: UnitOfWork,
    repo: GrantsRepository,
    stored: StoredApplication,
    events: list[domain_events.GrantEvent],
    now: datetime,
) -> ApplicationView:
    await repo.save(stored, now=now)
    uow.publish(*(to_integration(e) for e in events))
    view = await _view(repo, stored)
    await uow.commit()
    return view


async def submit(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    *,
    boards: Sequence[str] | None,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> ApplicationView:
    """draft -> submitted, refused after the program's deadline unless the applicant has an extension."""
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, boards)
    program = await repo.program(stored.record.program_id)
    assert program is not None  # foreign key
    extension = await repo.extension(program.id, stored.record.board, stored.record.applicant_key)
    events = stored.application.submit(
        program.program,
        actor=actor,
        now=now,
        extension_until=extension.extension_until if extension else None,
        note=note,
    )
    return await _transition(uow, repo, stored, events, now)


async def withdraw(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    *,
    boards: Sequence[str] | None,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> ApplicationView:
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, boards)
    events = stored.application.withdraw(actor=actor, now=now, reason=reason)
    return await _transition(uow, repo, stored, events, now)


async def start_review(
    uow: UnitOfWork, application_id: uuid.UUID, *, actor: str, now: datetime, note: str | None = None
) -> ApplicationView:
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, None)
    events = stored.application.start_review(actor=actor, now=now, note=note)
    return await _transition(uow, repo, stored, events, now)


async def approve(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    awarded: AmountInput,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> ApplicationView:
    """under_review -> approved, never over the program's budget.

    The program row is locked (application first, then program: every path takes them in that order)
    so the awarded total read here is the one the award is added to; approvals of one program queue
    behind each other. The database's CHECK on the program row backs this up.
    """
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, None)
    program = await repo.program(stored.record.program_id, lock=True)
    assert program is not None  # foreign key
    awarded_total = program.awarded_total  # read now: a failed flush expires the loaded rows
    events = stored.application.approve(
        program.program, awarded, awarded_total=awarded_total, actor=actor, now=now, note=note
    )
    try:
        return await _transition(uow, repo, stored, events, now)
    except IntegrityError as exc:
        if constraint_name(exc) == BUDGET_CONSTRAINT:
            award = parse_amount(awarded, "awarded_amount")
            raise BudgetExceeded(program.program.budget, awarded_total, award) from None
        raise


async def decline(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    *,
    reason: str,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> ApplicationView:
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, None)
    events = stored.application.decline(reason, actor=actor, now=now, note=note)
    return await _transition(uow, repo, stored, events, now)


async def mark_paid(
    uow: UnitOfWork, application_id: uuid.UUID, *, actor: str, now: datetime, note: str | None = None
) -> ApplicationView:
    repo = GrantsRepository(uow.session)
    stored = await _locked(repo, application_id, None)
    events = stored.application.mark_paid(actor=actor, now=now, note=note)
    return await _transition(uow, repo, stored, events, now)


async def finance_export(
    uow: UnitOfWork,
    *,
    boards: Sequence[str] | None,
    program_year: str | None = None,
    stream: str | None = None,
    include_paid: bool = False,
) -> str:
    """CSV of the awards finance has to pay (approved; with ``include_paid`` also those paid)."""
    states = (
        (ApplicationState.APPROVED, ApplicationState.PAID) if include_paid else (ApplicationState.APPROVED,)
    )
    stored, _ = await GrantsRepository(uow.session).find(
        boards=boards, program_year=program_year, stream=stream, states=[s.value for s in states]
    )
    return finance_csv((s.application for s in stored), states=states)
