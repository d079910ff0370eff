"""Request and response bodies of the grants API, and their translation into domain values.

Amounts travel as strings (``"1250.00"``): a JSON number is refused naming the field, because most
clients hold it as a binary float. Values are checked once more by the domain, whose refusals name
the field in the same dotted form pydantic uses (``expense_lines.2.amount``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from services.grants.adapters.repository import StoredApplication, StoredProgram
from services.grants.adapters.tables import ExtensionRecord
from services.grants.domain.applicants import (
    MAX_DESCRIPTION,
    ApplicantOrganisation,
    CommitteeMember,
    CommitteeRole,
    Contact,
    ExpenseCategory,
    ExpenseLine,
    FundedProgram,
    clean_text,
)
from services.grants.domain.application import Application
from services.grants.domain.errors import InvalidField, InvalidFields
from services.grants.domain.lifecycle import ApplicationState
from services.grants.domain.money import format_amount, parse_amount
from services.grants.domain.program import Stream
from services.grants.service_layer.applications import ApplicationView, DraftContent

T = TypeVar("T")


def _amount_text(value: object) -> object:
    if isinstance(value, bool | int | float):
        raise ValueError(
            'must be a string such as "1250.00", not a JSON number (numbers are read as inexact floats)'
        )
    return value


AmountText = Annotated[
    str,
    StringConstraints(max_length=20),
    BeforeValidator(_amount_text),
    Field(examples=["1250.00"], description="CAD amount as a decimal string, at most 2 decimals"),
]
ProgramYear = Annotated[str, Field(pattern=r"^\d{4}-\d{4}$", examples=["2026-2027"])]
BoardCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["EDSB"])]
Status = Literal["draft", "submitted", "under_review", "approved", "declined", "paid", "withdrawn"]
Note = Annotated[str | None, Field(default=None, max_length=2000)]


def _build(prefix: str, factory: Callable[..., T], *args: Any) -> T:
    """``factory(*args)``, with a refused field renamed under ``prefix`` (``committee.1.name``) unless
    the domain already named it from the top (``organisation``)."""
    try:
        return factory(*args)
    except InvalidField as exc:
        if exc.field.split(".")[0] == prefix.split(".")[0]:
            raise
        raise exc.prefixed(prefix) from None


class _Refusals:
    """Every refused field of one request body, so that a form can show all of them at once."""

    def __init__(self) -> None:
        self.found: list[InvalidField] = []

    def check(self, make: Callable[[], T]) -> T | None:
        try:
            return make()
        except InvalidField as exc:
            self.found.append(exc)
            return None

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]  # one refusal answers exactly as before
        if self.found:
            raise InvalidFields(self.found)


# -- programs ---------------------------------------------------------------------------------------


class ProgramCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program_year: ProgramYear
    stream: Stream
    max_award: AmountText
    budget: AmountText
    deadline: AwareDatetime | None = Field(
        default=None, description="Defaults to June 30 23:59:59 of the program year's end, province time"
    )


class ProgramPublic(BaseModel):
    id: uuid.UUID
    program_year: str
    stream: Stream
    deadline: datetime
    timezone: str
    max_award: str
    budget: str
    awarded_total: str
    remaining: str
    created_at: datetime

    @classmethod
    def of(cls, stored: StoredProgram) -> ProgramPublic:
        r = stored.record
        return cls(
            id=r.id,
            program_year=r.program_year,
            stream=r.stream,
            deadline=stored.program.deadline,
            timezone=r.timezone,
            max_award=format_amount(r.max_award),
            budget=format_amount(r.budget),
            awarded_total=format_amount(r.awarded_total),
            remaining=format_amount(stored.remaining),
            created_at=r.created_at,
        )


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: BoardCode
    association_local: str | None = Field(
        default=None,
        max_length=200,
        description="The local applying within the board; none for the board itself",
    )
    extension_until: AwareDatetime
    note: Note


class ExtensionPublic(BaseModel):
    program_id: uuid.UUID
    board: str
    association_local: str | None
    extension_until: datetime
    granted_by: str
    granted_at: datetime
    note: str | None

    @classmethod
    def of(cls, r: ExtensionRecord) -> ExtensionPublic:
        return cls(
            program_id=r.program_id,
            board=r.board,
            association_local=r.association_local,
            extension_until=r.extension_until,
            granted_by=r.granted_by,
            granted_at=r.granted_at,
            note=r.note,
        )


# -- application contents ---------------------------------------------------------------------------


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board_code: str | None = Field(default=None, max_length=40)
    association_local: str | None = Field(default=None, max_length=200)

    def to_domain(self) -> ApplicantOrganisation:
        return _build("organisation", ApplicantOrganisation, self.board_code, self.association_local)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)

    def to_domain(self) -> Contact:
        return Contact(self.name, self.email)  # its errors already say contact.name / contact.email

    def checked(self, refusals: _Refusals) -> Contact | None:
        """The contact, with a refused name and a refused email both noted (not only the first)."""
        name = refusals.check(lambda: clean_text(self.name, "contact.name"))
        contact = refusals.check(lambda: Contact(name or "name checked above", self.email))
        return contact if name else None


class CommitteeMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    role: CommitteeRole


class FundedProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stream: Stream
    expected_mentees: int = Field(ge=0, le=100_000, description="Beginning teachers or new school leaders")
    expected_mentors: int = Field(ge=0, le=100_000)

    def to_domain(self) -> FundedProgram:
        return FundedProgram(self.stream, self.expected_mentees, self.expected_mentors)


class ExpenseLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: ExpenseCategory
    description: str = Field(max_length=500)
    amount: AmountText
    incurred_on: date


def _committee(members: list[CommitteeMemberIn], refusals: _Refusals) -> list[CommitteeMember]:
    built = [_committee_member(i, m, refusals) for i, m in enumerate(members)]
    return [m for m in built if m is not None]


def _committee_member(i: int, member: CommitteeMemberIn, refusals: _Refusals) -> CommitteeMember | None:
    return refusals.check(lambda: _build(f"committee.{i}", CommitteeMember, member.name, member.role))


def _expense_line(i: int, line: ExpenseLineIn, refusals: _Refusals) -> ExpenseLine | None:
    # The description and the amount are checked apart, so that both are named when both are wrong.
    description = refusals.check(
        lambda: clean_text(line.description, f"expense_lines.{i}.description", limit=MAX_DESCRIPTION)
    )
    amount = refusals.check(lambda: parse_amount(line.amount, f"expense_lines.{i}.amount"))
    if description is None or amount is None:
        return None
    return refusals.check(
        lambda: _build(
            f"expense_lines.{i}", ExpenseLine, line.category, description, amount, line.incurred_on
        )
    )


def _expense_lines(lines: list[ExpenseLineIn], refusals: _Refusals) -> list[ExpenseLine]:
    built = [_expense_line(i, line, refusals) for i, line in enumerate(lines)]
    return [line for line in built if line is not None]


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    board: BoardCode | None = Field(default=None, description="Province staff only: the applying board")
    program_year: ProgramYear
    organisation: OrganisationIn | None = Field(
        default=None, description="Defaults to the board itself; name an association local applying with it"
    )
    contact: ContactIn | None = None
    committee: list[CommitteeMemberIn] = Field(default_factory=list, max_length=50)
    program: FundedProgramIn
    expense_lines: list[ExpenseLineIn] = Field(default_factory=list, max_length=200)

    def to_content(self) -> DraftContent:
        refusals = _Refusals()
        funded_program = refusals.check(self.program.to_domain)
        organisation = refusals.check(self.organisation.to_domain) if self.organisation else None
        contact = self.contact.checked(refusals) if self.contact else None
        committee = _committee(self.committee, refusals)
        expense_lines = _expense_lines(self.expense_lines, refusals)
        refusals.raise_any()
        assert funded_program is not None  # refused above otherwise
        return DraftContent(
            funded_program=funded_program,
            organisation=organisation,
            contact=contact,
            committee=committee,
            expense_lines=expense_lines,
        )


class ApplicationUpdate(BaseModel):
    """Parts of a draft to replace; parts left out stay as they are (``contact: null`` clears it)."""

    model_config = ConfigDict(extra="forbid")
    organisation: OrganisationIn | None = None
    contact: ContactIn | None = None
    committee: list[CommitteeMemberIn] | None = Field(default=None, max_length=50)
    program: FundedProgramIn | None = None
    expense_lines: list[ExpenseLineIn] | None = Field(default=None, max_length=200)

    def to_changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        given = self.model_fields_set
        for name in ("committee", "program", "expense_lines"):
            if name in given and getattr(self, name) is None:
                raise InvalidField(name, "must not be null")
        refusals = _Refusals()
        if "organisation" in given:
            changes["organisation"] = (
                refusals.check(self.organisation.to_domain) if self.organisation else None
            )
        if "contact" in given:
            changes["contact"] = self.contact.checked(refusals) if self.contact else None
        if self.committee is not None:
            changes["committee"] = _committee(self.committee, refusals)
        if self.program is not None:
            changes["program"] = refusals.check(self.program.to_domain)
        if self.expense_lines is not None:
            changes["expense_lines"] = _expense_lines(self.expense_lines, refusals)
        refusals.raise_any()
        return changes


# -- transitions ------------------------------------------------------------------------------------


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=2000)


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    awarded_amount: AmountText
    note: Note


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="Told to the applicant")
    note: Note


# -- application responses --------------------------------------------------------------------------


class OrganisationOut(BaseModel):
    board_code: str | None
    association_local: str | None
    display_name: str


class ContactOut(BaseModel):
    name: str
    email: str


class CommitteeMemberOut(BaseModel):
    name: str
    role: str


class SteeringMeetingOut(BaseModel):
    held_on: str
    expenses: str


class SteeringMemberOut(BaseModel):
    name: str
    representing: str


class SteeringCommitteeOut(BaseModel):
    """The board's steering committee as registration keeps it: its expenses support the request."""

    members: list[SteeringMemberOut]
    meetings: list[SteeringMeetingOut]
    expenses_total: str


class FundedProgramOut(BaseModel):
    stream: Stream
    expected_mentees: int
    expected_mentors: int


class ExpenseLineOut(BaseModel):
    category: str
    description: str
    amount: str
    incurred_on: date


class AuditEntryOut(BaseModel):
    actor: str
    at: datetime
    from_status: Status | None
    to_status: Status
    note: str | None


class ApplicationSummary(BaseModel):
    id: uuid.UUID
    board: str
    program_year: str
    stream: Stream
    status: Status
    applicant_organisation: str
    requested_total: str
    awarded_amount: str | None
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def fields_of(cls, stored: StoredApplication) -> dict[str, Any]:
        app, record = stored.application, stored.record
        return {
            "id": app.id,
            "board": app.board,
            "program_year": app.program_year,
            "stream": app.stream,
            "status": app.state.value,
            "applicant_organisation": app.organisation.display_name,
            "requested_total": format_amount(app.requested_total),
            "awarded_amount": format_amount(app.awarded_amount) if app.awarded_amount is not None else None,
            "submitted_at": app.submitted_at,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }

    @classmethod
    def of(cls, stored: StoredApplication) -> ApplicationSummary:
        return cls(**cls.fields_of(stored))


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    total: int
    limit: int
    offset: int


class ApplicationPublic(ApplicationSummary):
    program_id: uuid.UUID
    organisation: OrganisationOut
    contact: ContactOut | None
    committee: list[CommitteeMemberOut]
    program: FundedProgramOut
    expense_lines: list[ExpenseLineOut]
    decline_reason: str | None
    withdrawal_reason: str | None
    deadline: datetime = Field(description="The program's deadline (province time)")
    extension_until: datetime | None = Field(description="This applicant's extension, if one was granted")
    missing_for_submission: list[str]
    audit: list[AuditEntryOut]
    steering_committee: SteeringCommitteeOut | None = Field(
        default=None, description="The committee's members, meetings and expenses, from registration"
    )

    @classmethod
    def of_view(cls, view: ApplicationView) -> ApplicationPublic:
        app: Application = view.application
        return cls(
            **cls.fields_of(view.stored),
            program_id=view.program.id,
            organisation=OrganisationOut(
                board_code=app.organisation.board_code,
                association_local=app.organisation.association_local,
                display_name=app.organisation.display_name,
            ),
            contact=ContactOut(name=app.contact.name, email=app.contact.email) if app.contact else None,
            committee=[CommitteeMemberOut(name=m.name, role=m.role) for m in app.committee],
            program=FundedProgramOut(
                stream=app.funded_program.stream,
                expected_mentees=app.funded_program.expected_mentees,
                expected_mentors=app.funded_program.expected_mentors,
            ),
            expense_lines=[
                ExpenseLineOut(
                    category=line.category,
                    description=line.description,
                    amount=format_amount(line.amount),
                    incurred_on=line.incurred_on,
                )
                for line in app.expense_lines
            ],
            decline_reason=app.decline_reason,
            withdrawal_reason=app.withdrawal_reason,
            deadline=view.program.program.deadline,
            extension_until=view.extension_until,
            steering_committee=SteeringCommitteeOut(
                members=[SteeringMemberOut(**m) for m in view.steering_committee.members],
                meetings=[
                    SteeringMeetingOut(held_on=m["held_on"], expenses=m["expenses"])
                    for m in view.steering_committee.meetings
                ],
                expenses_total=format_amount(view.steering_committee.expenses_total),
            )
            if view.steering_committee is not None
            else None,
            missing_for_submission=list(app.missing_for_submission())
            if app.state is ApplicationState.DRAFT
            else [],
            audit=[
                AuditEntryOut(
                    actor=e.actor,
                    at=e.at,
                    from_status=e.from_state.value if e.from_state else None,
                    to_status=e.to_state.value,
                    note=e.note,
                )
                for e in app.audit
            ],
        )
