"""The board's steering committee, kept from registration's SteeringCommitteeChanged so its
expenses appear on the board's start-up grant application (the grant covers them)."""

from __future__ import annotations

from decimal import Decimal

from services.grants.adapters.repository import GrantsRepository
from shared.db import UnitOfWork
from shared.events.registration import SteeringCommitteeChanged


async def steering_committee_changed(uow: UnitOfWork, event: SteeringCommitteeChanged) -> None:
    """Keep the newest committee of the board and program year (an older one arriving late is ignored)."""
    await GrantsRepository(uow.session).put_steering_committee(
        {
            "board": event.board,
            "program_year": event.program_year,
            "sequence": event.sequence,
            "members": [m.model_dump(mode="json") for m in event.members],
            "meetings": [m.model_dump(mode="json") for m in event.meetings],
            "expenses_total": Decimal(event.expenses_total),
            "updated_at": event.occurred_at,
        }
    )
