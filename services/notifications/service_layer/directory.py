"""The directory notifications keeps from registration's events: participants (their contact and
status; a newly registered one is welcomed), boards' names and the theme taxonomy's names."""

from __future__ import annotations

from services.notifications.adapters.repository import repositories
from services.notifications.domain import messages
from services.notifications.service_layer.contacts import contacts, upsert_contact, upsert_contacts
from services.notifications.service_layer.messaging import Outgoing, Topic, contact_key
from shared.bus.group_commit import Batchable
from shared.db import UnitOfWork
from shared.events import registration

Registered = registration.TeacherRegistered | registration.MentorRegistered
Changed = registration.ParticipantUpdated | registration.ParticipantWithdrawn
Named = registration.BoardRegistered | registration.BoardRenamed


class Directory(Topic):
    """Its one message, the welcome, goes to whoever registered: no targets to plan or park."""

    async def registered(self, uow: UnitOfWork, events: list[Registered]) -> None:
        """A run of registrations (a bulk import's wave) in a few statements for all of them:
        contacts upserted together, welcomes stored together, waiting messages released together."""
        await upsert_contacts(uow, [(event.board, event.participant) for event in events])
        recipients = await contacts(uow, [event.participant.participant_id for event in events])
        welcomes = []
        for event in events:
            recipient = recipients[event.participant.participant_id]
            draft = messages.welcome(
                recipient.language, program_year=event.participant.program_year, role=event.participant.role
            )
            welcomes.append((event.event_id, event.board, Outgoing(recipient, draft)))
        await self.messenger.queue_all(uow, welcomes)
        # Messages that arrived before these contacts (a hub formed first) can be written now.
        await self.messenger.release_all(
            uow, [contact_key(event.participant.participant_id) for event in events]
        )

    def welcome(self) -> Batchable:
        """The registration handler, batched (see :meth:`registered`)."""
        return Batchable(self.registered)

    async def participant_changed(self, uow: UnitOfWork, event: Changed) -> None:
        """Keep the contact current (no email); messages that waited for this contact go out now."""
        status = "withdrawn" if isinstance(event, registration.ParticipantWithdrawn) else None
        await upsert_contact(uow, event.board, event.participant, status=status)
        await self.messenger.release(uow, contact_key(event.participant.participant_id))

    async def board_named(self, uow: UnitOfWork, event: Named) -> None:
        await repositories(uow).names.remember_board(
            code=event.code,
            name=event.name,
            language=event.language if isinstance(event, registration.BoardRegistered) else None,
            updated_at=event.occurred_at,
        )

    async def theme_defined(self, uow: UnitOfWork, event: registration.ThemeDefined) -> None:
        await repositories(uow).names.remember_theme(
            code=event.code, name_en=event.name_en, name_fr=event.name_fr, updated_at=event.occurred_at
        )
