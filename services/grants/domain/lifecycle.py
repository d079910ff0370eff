"""The application lifecycle: its states, the transitions allowed between them and their audit entries.

::

    draft -> submitted -> under_review -> approved -> paid
                                       \\-> declined
    draft | submitted -> withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.grants.domain.errors import InvalidTransition


class ApplicationState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    DECLINED = "declined"
    PAID = "paid"
    WITHDRAWN = "withdrawn"


TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.DRAFT: frozenset({ApplicationState.SUBMITTED, ApplicationState.WITHDRAWN}),
    ApplicationState.SUBMITTED: frozenset({ApplicationState.UNDER_REVIEW, ApplicationState.WITHDRAWN}),
    ApplicationState.UNDER_REVIEW: frozenset({ApplicationState.APPROVED, ApplicationState.DECLINED}),
    ApplicationState.APPROVED: frozenset({ApplicationState.PAID}),
    ApplicationState.DECLINED: frozenset(),
    ApplicationState.PAID: frozenset(),
    ApplicationState.WITHDRAWN: frozenset(),
}
"""Where each state may go next. Declined, paid and withdrawn are final."""

AWARDED_STATES = frozenset({ApplicationState.APPROVED, ApplicationState.PAID})
"""States whose awarded amount counts against the program budget."""

FINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)


def can_transition(from_state: ApplicationState, to_state: ApplicationState) -> bool:
    """Whether the lifecycle allows ``from_state`` -> ``to_state``."""
    return to_state in TRANSITIONS[from_state]


def check_transition(from_state: ApplicationState, to_state: ApplicationState) -> None:
    """Raise ``InvalidTransition`` unless the lifecycle allows ``from_state`` -> ``to_state``."""
    if not can_transition(from_state, to_state):
        raise InvalidTransition(from_state.value, to_state.value)


@dataclass(frozen=True)
class AuditEntry:
    """Who moved an application from one state to another, when, and why.

    ``from_state`` is None only for the entry recording the draft's creation.
    """

    actor: str
    at: datetime
    from_state: ApplicationState | None
    to_state: ApplicationState
    note: str | None = None
