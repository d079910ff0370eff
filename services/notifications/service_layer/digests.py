"""The weekly digest: one email per recipient per week combining their held, non-urgent messages."""

from __future__ import annotations

import logging
from datetime import datetime

from services.notifications.adapters.repository import SessionFactory, repositories
from services.notifications.config import Settings
from services.notifications.domain import messages
from services.notifications.domain.digest import HeldMessage, digest_entries, digest_event_id
from services.notifications.domain.timing import digest_cutoff
from services.notifications.service_layer.delivery_log import Recipient
from services.notifications.service_layer.messaging import Messenger, Outgoing
from shared.db import UnitOfWork

log = logging.getLogger(__name__)


async def send_digests(
    session_factory: SessionFactory, messenger: Messenger, settings: Settings, now: datetime
) -> int:
    """Queue the digest of every recipient whose held messages are older than this week's cutoff.

    Per recipient, one transaction locks their held messages (SKIP LOCKED: another replica composing
    the same digest gets none), queues the digest under an id derived from recipient and cutoff (a
    second digest for the same week collides instead of going out) and marks the messages digested.
    """
    async with UnitOfWork(session_factory, scope="system") as uow:
        recipients = await repositories(uow).mail.held_recipients()
    sent = 0
    for email, board in recipients:
        cutoff = digest_cutoff(
            now,
            messenger.zone(board),
            weekday=settings.digest_weekday,
            hour=settings.digest_hour,
        )
        async with UnitOfWork(session_factory, scope="system") as uow:
            found = repositories(uow)
            held = await found.mail.claim_held(email, cutoff)
            if not held:
                continue
            recipient_id = next((n.recipient_id for n in held if n.recipient_id), None)
            contact = await found.contacts.get(recipient_id) if recipient_id else None
            if contact is not None and contact.unsubscribed:
                for n in held:
                    n.state = "suppressed"
                await uow.commit()
                continue
            recipient = contact or Recipient(email=email, language=held[-1].language)
            lang = recipient.language
            zone = messenger.zone(board)
            entries = digest_entries(HeldMessage(n.subject, n.body_text, n.created_at) for n in held)
            event_id = digest_event_id(email, cutoff)
            outgoing = Outgoing(recipient, messages.digest(lang, entries=entries, week_of=cutoff, zone=zone))
            if not await messenger.queue(uow, event_id, board, outgoing):
                # This week's digest already went out (another replica): these wait for next week's.
                continue
            digest_id = await found.mail.id_of(event_id=event_id, email=email, template="digest")
            for n in held:
                n.state = "digested"
                n.digest_id = digest_id
            await uow.commit()
            sent += 1
    return sent
