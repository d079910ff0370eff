"""Events published by the grants service."""

from __future__ import annotations

import uuid
from typing import Literal

from shared.events.envelope import IntegrationEvent

Stream = Literal["beginning_teacher", "school_leadership"]


class GrantEvent(IntegrationEvent):
    FAMILY = True
    PRODUCER = "grants"
    application_id: uuid.UUID
    program_year: str
    stream: Stream
    applicant_organisation: str
    contact_name: str | None = None
    contact_email: str | None = None
    requested_total: str | None = None


class GrantSubmitted(GrantEvent):
    """A steering committee submitted its start-up grant application."""


class GrantApproved(GrantEvent):
    """A reviewer approved an application; ``awarded_amount`` may be below the request."""

    awarded_amount: str


class GrantDeclined(GrantEvent):
    reason: str


class GrantPaid(GrantEvent):
    awarded_amount: str


class GrantWithdrawn(GrantEvent):
    reason: str | None = None
