"""The grant application: its contents, editable while a draft, and its lifecycle transitions.

Each transition checks the lifecycle (``InvalidTransition``) and its own rules, records an
:class:`AuditEntry` and returns the domain events to publish. Nothing changes when a check fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from services.grants.domain import events
from services.grants.domain.applicants import (
    ApplicantOrganisation,
    CommitteeMember,
    Contact,
    ExpenseLine,
    FundedProgram,
    clean_text,
)
from services.grants.domain.budget import ensure_within_budget
from services.grants.domain.errors import (
    ApplicationNotEditable,
    AwardExceedsMaximum,
    AwardExceedsRequest,
    DeadlinePassed,
    IncompleteApplication,
    InvalidField,
    ProgramMismatch,
)
from services.grants.domain.lifecycle import ApplicationState, AuditEntry, check_transition
from services.grants.domain.money import MAX_AMOUNT, AmountInput, format_amount, parse_amount, total
from services.grants.domain.program import GrantProgram, Stream, is_open, parse_program_year, require_aware

MAX_EXPENSE_LINES = 200
MAX_COMMITTEE_MEMBERS = 50
MAX_NOTE = 2000


class _EventFields(TypedDict):
    application_id: uuid.UUID
    board: str
    program_year: str
    stream: str
    applicant_organisation: str
    contact_name: str | None
    contact_email: str | None
    requested_total: str
    occurred_at: datetime


@dataclass(eq=False)
class Application:
    """A start-up grant application of one ``board`` (the tenant) for one program year.

    Build a new one with :meth:`Application.draft`; the plain constructor is for rebuilding a stored one.
    """

    id: uuid.UUID
    board: str
    program_year: str
    organisation: ApplicantOrganisation
    funded_program: FundedProgram
    contact: Contact | None = None
    committee: list[CommitteeMember] = field(default_factory=list)
    expense_lines: list[ExpenseLine] = field(default_factory=list)
    state: ApplicationState = ApplicationState.DRAFT
    awarded_amount: Decimal | None = None
    decline_reason: str | None = None
    withdrawal_reason: str | None = None
    submitted_at: datetime | None = None
    audit: list[AuditEntry] = field(default_factory=list)

    @classmethod
    def draft(
        cls,
        *,
        board: str,
        program_year: str,
        organisation: ApplicantOrganisation,
        funded_program: FundedProgram,
        actor: str,
        now: datetime,
        contact: Contact | None = None,
        committee: Iterable[CommitteeMember] = (),
        expense_lines: Iterable[ExpenseLine] = (),
        application_id: uuid.UUID | None = None,
    ) -> Application:
        """A new draft, with an audit entry recording who created it and when."""
        parse_program_year(program_year)
        app = cls(
            id=application_id or uuid.uuid4(),
            board=clean_text(board, "board", limit=64),
            program_year=program_year,
            organisation=organisation,
            funded_program=funded_program,
            contact=contact,
        )
        app.replace_committee(committee)
        app.replace_expense_lines(expense_lines)
        app.audit.append(_entry(actor, now, None, ApplicationState.DRAFT, None))
        return app

    # -- what it asks for -------------------------------------------------------------------------

    @property
    def stream(self) -> Stream:
        """The stream of the program the grant funds."""
        return self.funded_program.stream

    @property
    def requested_total(self) -> Decimal:
        """The exact sum of the expense lines."""
        return total(line.amount for line in self.expense_lines)

    @property
    def is_editable(self) -> bool:
        return self.state is ApplicationState.DRAFT

    def missing_for_submission(self) -> tuple[str, ...]:
        """The fields still needed before the application can be submitted (empty when complete)."""
        missing = []
        if self.contact is None:
            missing.append("contact")
        if not self.committee:
            missing.append("committee")
        if not self.expense_lines:
            missing.append("expense_lines")
        return tuple(missing)

    # -- editing (draft only) ---------------------------------------------------------------------

    def set_contact(self, contact: Contact | None) -> None:
        """Set (or clear) the contact person."""
        self._require_editable()
        self.contact = contact

    def set_organisation(self, organisation: ApplicantOrganisation) -> None:
        self._require_editable()
        self.organisation = organisation

    def set_funded_program(self, funded_program: FundedProgram) -> None:
        self._require_editable()
        self.funded_program = funded_program

    def add_committee_member(self, member: CommitteeMember) -> None:
        self._require_editable()
        if len(self.committee) >= MAX_COMMITTEE_MEMBERS:
            raise InvalidField("committee", f"at most {MAX_COMMITTEE_MEMBERS} members")
        self.committee.append(member)

    def remove_committee_member(self, index: int) -> CommitteeMember:
        """Remove and return the member at ``index``."""
        self._require_editable()
        if not 0 <= index < len(self.committee):
            raise InvalidField("committee", f"no member at position {index}")
        return self.committee.pop(index)

    def replace_committee(self, members: Iterable[CommitteeMember]) -> None:
        self._require_editable()
        members = list(members)
        if len(members) > MAX_COMMITTEE_MEMBERS:
            raise InvalidField("committee", f"at most {MAX_COMMITTEE_MEMBERS} members")
        self.committee = members

    def add_expense_line(self, line: ExpenseLine) -> None:
        """Add an expense; the requested total may not exceed the largest amount accepted."""
        self._require_editable()
        self._check_expense_lines([*self.expense_lines, line])
        self.expense_lines.append(line)

    def remove_expense_line(self, index: int) -> ExpenseLine:
        """Remove and return the expense line at ``index``."""
        self._require_editable()
        if not 0 <= index < len(self.expense_lines):
            raise InvalidField("expense_lines", f"no line at position {index}")
        return self.expense_lines.pop(index)

    def replace_expense_lines(self, lines: Iterable[ExpenseLine]) -> None:
        self._require_editable()
        lines = list(lines)
        self._check_expense_lines(lines)
        self.expense_lines = lines

    # -- transitions ------------------------------------------------------------------------------

    def submit(
        self,
        program: GrantProgram,
        *,
        actor: str,
        now: datetime,
        extension_until: datetime | None = None,
        note: str | None = None,
    ) -> list[events.GrantEvent]:
        """draft -> submitted, on time (or within this applicant's extension) and complete."""
        check_transition(self.state, ApplicationState.SUBMITTED)
        self._require_program(program)
        if not is_open(program, now, extension_until):
            raise DeadlinePassed(program.deadline, now, extension_until)
        missing = self.missing_for_submission()
        if missing:
            raise IncompleteApplication(missing)
        self._move(ApplicationState.SUBMITTED, actor, now, note)
        self.submitted_at = now
        return [events.GrantSubmitted(**self._event_fields(now))]

    def start_review(self, *, actor: str, now: datetime, note: str | None = None) -> list[events.GrantEvent]:
        """submitted -> under_review. No event: the review is internal to the association."""
        self._move(ApplicationState.UNDER_REVIEW, actor, now, note)
        return []

    def approve(
        self,
        program: GrantProgram,
        awarded: AmountInput,
        *,
        awarded_total: Decimal,
        actor: str,
        now: datetime,
        note: str | None = None,
    ) -> list[events.GrantEvent]:
        """under_review -> approved with ``awarded`` (at most the requested total and the maximum award).

        ``awarded_total`` is what the program has already awarded to other applications this year; the
        approval is refused (``BudgetExceeded``) if this award would push it over the program budget.
        """
        check_transition(self.state, ApplicationState.APPROVED)
        self._require_program(program)
        amount = parse_amount(awarded, "awarded_amount")
        requested = self.requested_total
        if amount > requested:
            raise AwardExceedsRequest(amount, requested)
        if amount > program.max_award:
            raise AwardExceedsMaximum(amount, program.max_award)
        ensure_within_budget(program.budget, awarded_total, amount)
        self._move(ApplicationState.APPROVED, actor, now, note)
        self.awarded_amount = amount
        return [events.GrantApproved(**self._event_fields(now), awarded_amount=format_amount(amount))]

    def decline(
        self, reason: str, *, actor: str, now: datetime, note: str | None = None
    ) -> list[events.GrantEvent]:
        """under_review -> declined; the reason is required and is told to the applicant."""
        check_transition(self.state, ApplicationState.DECLINED)
        reason = clean_text(reason, "reason", limit=MAX_NOTE)
        self._move(ApplicationState.DECLINED, actor, now, note or reason)
        self.decline_reason = reason
        return [events.GrantDeclined(**self._event_fields(now), reason=reason)]

    def mark_paid(self, *, actor: str, now: datetime, note: str | None = None) -> list[events.GrantEvent]:
        """approved -> paid (finance paid the award)."""
        self._move(ApplicationState.PAID, actor, now, note)
        assert self.awarded_amount is not None
        return [
            events.GrantPaid(**self._event_fields(now), awarded_amount=format_amount(self.awarded_amount))
        ]

    def withdraw(self, *, actor: str, now: datetime, reason: str | None = None) -> list[events.GrantEvent]:
        """draft | submitted -> withdrawn, by the applicant, with an optional reason."""
        check_transition(self.state, ApplicationState.WITHDRAWN)
        cleaned = clean_text(reason, "reason", limit=MAX_NOTE, required=False) if reason is not None else ""
        self._move(ApplicationState.WITHDRAWN, actor, now, cleaned or None)
        self.withdrawal_reason = cleaned or None
        return [events.GrantWithdrawn(**self._event_fields(now), reason=self.withdrawal_reason)]

    # -- helpers ----------------------------------------------------------------------------------

    def _require_editable(self) -> None:
        if not self.is_editable:
            raise ApplicationNotEditable(self.state.value)

    def _require_program(self, program: GrantProgram) -> None:
        if (program.program_year, program.stream) != (self.program_year, self.stream):
            raise ProgramMismatch(f"{self.program_year} {self.stream}", program.label)

    @staticmethod
    def _check_expense_lines(lines: list[ExpenseLine]) -> None:
        if len(lines) > MAX_EXPENSE_LINES:
            raise InvalidField("expense_lines", f"at most {MAX_EXPENSE_LINES} lines")
        if total(line.amount for line in lines) > MAX_AMOUNT:
            raise InvalidField("expense_lines", f"the requested total must not exceed {MAX_AMOUNT}")

    def _move(self, to_state: ApplicationState, actor: str, now: datetime, note: str | None) -> None:
        check_transition(self.state, to_state)
        entry = _entry(actor, now, self.state, to_state, note)
        self.state = to_state
        self.audit.append(entry)

    def _event_fields(self, now: datetime) -> _EventFields:
        return {
            "application_id": self.id,
            "board": self.board,
            "program_year": self.program_year,
            "stream": self.stream,
            "applicant_organisation": self.organisation.display_name,
            "contact_name": self.contact.name if self.contact else None,
            "contact_email": self.contact.email if self.contact else None,
            "requested_total": format_amount(self.requested_total),
            "occurred_at": now,
        }


def _entry(
    actor: str,
    now: datetime,
    from_state: ApplicationState | None,
    to_state: ApplicationState,
    note: str | None,
) -> AuditEntry:
    return AuditEntry(
        actor=clean_text(actor, "actor"),
        at=require_aware(now, "now"),
        from_state=from_state,
        to_state=to_state,
        note=(clean_text(note, "note", limit=MAX_NOTE, required=False) or None) if note is not None else None,
    )
