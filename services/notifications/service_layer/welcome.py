"""Welcome messages for newly registered teachers, school leaders and mentors."""

from __future__ import annotations

from services.notifications.adapters.tables import Contact
from services.notifications.config import Settings
from services.notifications.service_layer.contacts import upsert_contact
from services.notifications.service_layer.messaging import Messenger, contact_key
from services.notifications.service_layer.outgoing import queue_notification
from shared.db import UnitOfWork
from shared.events.registration import MentorRegistered, TeacherRegistered


def welcome_handler(settings: Settings):  # type: ignore[no-untyped-def]
    messenger = Messenger(settings)

    async def welcome(uow: UnitOfWork, event: TeacherRegistered | MentorRegistered) -> None:
        profile = event.participant
        await upsert_contact(uow, event.board, profile)
        await uow.session.flush()
        recipient = await uow.session.get(Contact, profile.participant_id)
        assert recipient is not None
        await queue_notification(
            uow,
            event_id=event.event_id,
            board=event.board,
            recipient=recipient,
            template="welcome",
            why="you were registered in its mentorship program"
            if recipient.language == "en"
            else "vous avez été inscrit à son programme de mentorat",
            context={"program_year": profile.program_year, "role": profile.role},
            base_url=settings.public_base_url,
            secret=settings.jwt_secret,
        )
        # Messages that arrived before this contact (a hub formed first) can be written now.
        await messenger.release(uow, contact_key(profile.participant_id))

    return welcome
