"""Welcome messages for newly registered teachers, school leaders and mentors."""

from __future__ import annotations

from services.notifications.adapters.repository import repositories
from services.notifications.config import Settings
from services.notifications.domain import messages
from services.notifications.service_layer.contacts import contacts, upsert_contacts
from services.notifications.service_layer.messaging import Messenger, contact_key
from services.notifications.service_layer.outgoing import compose_notification, queue_notifications
from shared.bus.group_commit import Batchable
from shared.db import UnitOfWork
from shared.events.registration import MentorRegistered, TeacherRegistered

Registered = TeacherRegistered | MentorRegistered


def welcome_handler(settings: Settings) -> Batchable:
    """Handles a run of registrations (a bulk import's wave) with a few statements for all of
    them: contacts upserted together, welcomes stored together, waiting messages released together."""
    messenger = Messenger(settings)

    async def welcome(uow: UnitOfWork, events: list[Registered]) -> None:
        await upsert_contacts(uow, [(event.board, event.participant) for event in events])
        recipients = await contacts(uow, [event.participant.participant_id for event in events])
        rows = []
        for event in events:
            recipient = recipients[event.participant.participant_id]
            draft = messages.welcome(
                recipient.language, program_year=event.participant.program_year, role=event.participant.role
            )
            rows.append(
                compose_notification(
                    event_id=event.event_id,
                    board=event.board,
                    board_name=await repositories(uow).names.board_name(event.board),
                    recipient=recipient,
                    draft=draft,
                    base_url=settings.public_base_url,
                    secret=settings.link_signing_key,
                )
            )
        await queue_notifications(uow, rows)
        # Messages that arrived before these contacts (a hub formed first) can be written now.
        await messenger.release_all(uow, [contact_key(event.participant.participant_id) for event in events])

    return Batchable(welcome)
