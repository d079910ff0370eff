"""What an application is made of: the applicant, its contact and committee, the program and expenses.

Value objects, validated when built; each refusal is an ``InvalidField`` naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from services.grants.domain.errors import InvalidField
from services.grants.domain.money import parse_amount
from services.grants.domain.program import Stream, check_stream

CommitteeRole = Literal["local", "district", "provincial_association"]
COMMITTEE_ROLES: tuple[CommitteeRole, ...] = get_args(CommitteeRole)

ExpenseCategory = Literal["release_time", "meeting_costs", "travel", "materials", "facilitator", "other"]
EXPENSE_CATEGORIES: tuple[ExpenseCategory, ...] = get_args(ExpenseCategory)

MAX_NAME = 200
MAX_DESCRIPTION = 500
MAX_EXPECTED = 100_000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def clean_text(value: object, field: str, *, limit: int = MAX_NAME, required: bool = True) -> str:
    """``value`` stripped; refused when it is not text, blank (if required) or longer than ``limit``."""
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    text = value.strip()
    if required and not text:
        raise InvalidField(field, "required")
    if len(text) > limit:
        raise InvalidField(field, f"at most {limit} characters")
    return text


@dataclass(frozen=True)
class ApplicantOrganisation:
    """Who applies: a school board (by code), an association local (by name), or both together."""

    board_code: str | None = None
    association_local: str | None = None

    def __post_init__(self) -> None:
        board_code = clean_text(self.board_code or "", "board_code", required=False) or None
        local = clean_text(self.association_local or "", "association_local", required=False) or None
        if board_code is None and local is None:
            raise InvalidField("organisation", "a board code or an association local name is required")
        object.__setattr__(self, "board_code", board_code)
        object.__setattr__(self, "association_local", local)

    @property
    def display_name(self) -> str:
        """``"EDSB / ATA Local 37"``, or whichever of the two is given."""
        return " / ".join(part for part in (self.board_code, self.association_local) if part)


@dataclass(frozen=True)
class Contact:
    """The person the association writes to about the application."""

    name: str
    email: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_text(self.name, "contact.name"))
        email = clean_text(self.email, "contact.email", limit=254)
        if not _EMAIL.fullmatch(email):
            raise InvalidField("contact.email", "not a valid email address")
        object.__setattr__(self, "email", email)


@dataclass(frozen=True)
class CommitteeMember:
    """A member of the mentorship steering committee and whom they represent."""

    name: str
    role: CommitteeRole

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_text(self.name, "name"))
        if self.role not in COMMITTEE_ROLES:
            raise InvalidField("role", f"must be one of {', '.join(COMMITTEE_ROLES)}")


@dataclass(frozen=True)
class FundedProgram:
    """The mentorship program the grant starts: its stream and how many people it expects.

    ``expected_mentees`` counts beginning teachers (beginning_teacher stream) or new school leaders
    (school_leadership stream).
    """

    stream: Stream
    expected_mentees: int
    expected_mentors: int

    def __post_init__(self) -> None:
        check_stream(self.stream, "program.stream")
        for name in ("expected_mentees", "expected_mentors"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidField(f"program.{name}", "must be a whole number")
            if not 0 <= value <= MAX_EXPECTED:
                raise InvalidField(f"program.{name}", f"must be between 0 and {MAX_EXPECTED}")


@dataclass(frozen=True)
class ExpenseLine:
    """One expense of the steering committee. ``amount`` is checked by :func:`parse_amount` (no zero)."""

    category: ExpenseCategory
    description: str
    amount: Decimal
    incurred_on: date

    def __post_init__(self) -> None:
        if self.category not in EXPENSE_CATEGORIES:
            raise InvalidField("category", f"must be one of {', '.join(EXPENSE_CATEGORIES)}")
        object.__setattr__(
            self, "description", clean_text(self.description, "description", limit=MAX_DESCRIPTION)
        )
        object.__setattr__(self, "amount", parse_amount(self.amount, "amount"))
        if isinstance(self.incurred_on, datetime) or not isinstance(self.incurred_on, date):
            raise InvalidField("incurred_on", "must be a date")
