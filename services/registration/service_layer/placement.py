"""Registration's view of placement, kept from matching's events."""

from __future__ import annotations

import sqlalchemy as sa

from services.registration.adapters.tables import Participant
from shared.db import UnitOfWork
from shared.events.matching import HubFormed, HubMembershipChanged


async def mark_hub_members_placed(uow: UnitOfWork, event: HubFormed | HubMembershipChanged) -> None:
    """Members and leaders of a hub are 'placed' (unless they withdrew in the meantime)."""
    people = [*event.members, *event.leaders]
    if not people:
        return
    await uow.session.execute(
        sa.update(Participant)
        .where(
            Participant.board == event.board,  # type: ignore[arg-type]
            Participant.id.in_(people),  # type: ignore[attr-defined]
            Participant.status == "registered",  # type: ignore[arg-type]
        )
        .values(status="placed", updated_at=sa.func.now())
    )
