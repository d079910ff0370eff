"""Events published by the grants service."""

from __future__ import annotations

import uuid
from typing import Literal

from shared.events.envelope import IntegrationEvent

Stream = Literal["beginning_teacher", "school_leadership"]


class _GrantEvent(IntegrationEvent):
    PRODUCER = "grants"
    application_id: uuid.UUID
    program_year: str
    stream: Stream
    applicant_organisation: str
    contact_name: str | None = None
    contact_email: str | None = None
    requested_total: str | None = None


class GrantSubmitted(_GrantEvent):
    """A steering committee submitted its start-up grant application."""


class GrantApproved(_GrantEvent):
    """A reviewer approved an application; ``awarded_amount`` may be below the request."""

    awarded_amount: str


class GrantDeclined(_GrantEvent):
    reason: str


class GrantPaid(_GrantEvent):
    awarded_amount: str


class GrantWithdrawn(_GrantEvent):
    reason: str | None = None
