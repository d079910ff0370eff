"""Classroom observation visits: planned, moved or cancelled; the visitor and the host each hear it,
with the calendar entry they keep for it."""

from __future__ import annotations

from typing import Literal

from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import Contact
from services.notifications.domain import messages
from services.notifications.service_layer.messaging import (
    Composed,
    Outgoing,
    Targets,
    Topic,
    aware,
    participants,
    unique,
)
from shared.db import UnitOfWork
from shared.events import matching

Visit = matching.ObservationScheduled  # and its Rescheduled and Cancelled versions


class Observations(Topic):
    events = (matching.ObservationScheduled, matching.ObservationRescheduled, matching.ObservationCancelled)

    async def visit(self, uow: UnitOfWork, event: Visit) -> None:
        zone = self.messenger.zone(event.board)
        applied = await repositories(uow).schedule.remember_item(
            item_id=event.observation_id,
            values={
                "kind": "observation",
                "board": event.board,
                "starts_at": aware(event.starts_at, zone),
                "ends_at": aware(event.ends_at, zone),
                "attendees": [str(event.visitor_id), str(event.host_id)],
            },
            sequence=getattr(event, "sequence", 0),
            cancelled=isinstance(event, matching.ObservationCancelled),
        )
        if applied:
            await self.messenger.deliver(uow, event)

    async def targets(self, uow: UnitOfWork, event: object) -> Targets:
        if isinstance(event, matching.ObservationScheduled):
            return participants(unique([event.visitor_id, event.host_id]))
        return []

    async def for_participant(self, uow: UnitOfWork, event: object, contact: Contact) -> Composed:
        if not isinstance(event, matching.ObservationScheduled):
            return []
        sequence = getattr(event, "sequence", 0)
        item = await repositories(uow).schedule.item(event.observation_id)
        if item is not None and item.sequence > sequence:
            return []
        zone = self.messenger.zone(event.board)
        is_visitor = contact.participant_id == event.visitor_id
        partner_id = event.host_id if is_visitor else event.visitor_id
        change: Literal["scheduled", "rescheduled", "cancelled"] = (
            "cancelled"
            if isinstance(event, matching.ObservationCancelled)
            else "rescheduled"
            if isinstance(event, matching.ObservationRescheduled)
            else "scheduled"
        )
        draft = messages.observation(
            contact.language,
            change=change,
            is_visitor=is_visitor,
            partner_name=(await self.messenger.names(uow, [partner_id])).get(partner_id),
            span=messages.Span(aware(event.starts_at, zone), aware(event.ends_at, zone), zone),
            observation_id=event.observation_id,
            sequence=sequence,
            stamp=event.occurred_at,
        )
        return [Outgoing(contact, draft)]
