"""Domain errors of the grants service.

Every error derives from :class:`GrantsError`. Errors about one input carry ``field`` (the name of the
field at fault) so the service layer can turn them into a problem+json response naming it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


class GrantsError(Exception):
    """Base of every grants domain error."""


class InvalidField(GrantsError, ValueError):
    """A value was refused; ``field`` names it and ``message`` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def prefixed(self, prefix: str) -> InvalidField:
        """The same error with its field placed under ``prefix`` (e.g. ``expense_lines[2].amount``)."""
        return type(self)(f"{prefix}.{self.field}", self.message)


class InvalidFields(GrantsError):
    """Several values of one request were refused together, so a form can show every one at once."""

    def __init__(self, refused: list[InvalidField]):
        super().__init__("; ".join(str(e) for e in refused))
        self.refused = refused


class InvalidAmount(InvalidField):
    """A money amount was refused (float, not finite, negative, zero, sub-cent or absurd)."""


class InvalidTransition(GrantsError):
    """The lifecycle does not allow moving from ``from_state`` to ``to_state``."""

    def __init__(self, from_state: str, to_state: str):
        super().__init__(f"an application cannot go from {from_state} to {to_state}")
        self.from_state = from_state
        self.to_state = to_state


class ApplicationNotEditable(GrantsError):
    """An application can only be edited while it is a draft."""

    def __init__(self, state: str):
        super().__init__(f"an application can only be edited as a draft; this one is {state}")
        self.state = state


class DeadlinePassed(GrantsError):
    """Submission refused: the program's deadline (and any extension) has passed."""

    def __init__(self, deadline: datetime, now: datetime, extension_until: datetime | None = None):
        closes = extension_until if extension_until and extension_until > deadline else deadline
        super().__init__(f"applications closed at {closes.isoformat()}; it is now {now.isoformat()}")
        self.deadline = deadline
        self.now = now
        self.extension_until = extension_until


class IncompleteApplication(GrantsError):
    """Submission refused: ``missing`` names the fields that still need a value."""

    def __init__(self, missing: tuple[str, ...]):
        super().__init__(f"the application is incomplete; still needed: {', '.join(missing)}")
        self.missing = missing


class ProgramMismatch(GrantsError):
    """The application belongs to another program year or stream than the program it was checked against."""

    def __init__(self, application: str, program: str):
        super().__init__(f"the application is for {application}, not {program}")
        self.application = application
        self.program = program


class AwardRefused(GrantsError):
    """Base of the refusals of an approval's awarded amount; ``field`` is always ``awarded_amount``."""

    field = "awarded_amount"


class AwardExceedsRequest(AwardRefused):
    """The award is more than the application requested."""

    def __init__(self, awarded: Decimal, requested: Decimal):
        super().__init__(f"awarded_amount {awarded} is more than the requested total {requested}")
        self.awarded = awarded
        self.requested = requested


class AwardExceedsMaximum(AwardRefused):
    """The award is more than the program's maximum award per applicant."""

    def __init__(self, awarded: Decimal, max_award: Decimal):
        super().__init__(f"awarded_amount {awarded} is more than the program's maximum award {max_award}")
        self.awarded = awarded
        self.max_award = max_award


class BudgetExceeded(AwardRefused):
    """The award would push the program's awarded total over its budget."""

    def __init__(self, budget: Decimal, awarded_total: Decimal, award: Decimal):
        remaining = budget - awarded_total
        super().__init__(
            f"awarding {award} would exceed the budget of {budget}: {awarded_total} is already "
            f"awarded, {remaining} remains"
        )
        self.budget = budget
        self.awarded_total = awarded_total
        self.award = award
        self.remaining = remaining
