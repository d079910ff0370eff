"""Domain events: what happened to an application, returned by its transitions.

Plain dataclasses whose fields are named like the payload of the matching integration events in
``shared.events.grants`` (plus ``board`` and ``occurred_at`` of the envelope), so the service layer can
build one from ``dataclasses.asdict(event)``. Amounts are text with two decimals (``"1250.00"``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class GrantEvent:
    """Fields every grant event carries."""

    application_id: uuid.UUID
    board: str
    program_year: str
    stream: str
    applicant_organisation: str
    contact_name: str | None
    contact_email: str | None
    requested_total: str
    occurred_at: datetime


@dataclass(frozen=True)
class GrantSubmitted(GrantEvent):
    """A steering committee submitted its application."""


@dataclass(frozen=True)
class GrantApproved(GrantEvent):
    """A reviewer approved the application; ``awarded_amount`` may be below ``requested_total``."""

    awarded_amount: str


@dataclass(frozen=True)
class GrantDeclined(GrantEvent):
    """A reviewer declined the application for ``reason``."""

    reason: str


@dataclass(frozen=True)
class GrantPaid(GrantEvent):
    """Finance paid the award."""

    awarded_amount: str


@dataclass(frozen=True)
class GrantWithdrawn(GrantEvent):
    """The applicant withdrew the application (from draft or submitted)."""

    reason: str | None = None
