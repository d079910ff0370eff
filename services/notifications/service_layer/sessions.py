"""Sessions (workshops, network sessions) and enrolments in them: what those enrolled hear when a
session changes or is cancelled, and when their place is confirmed, waitlisted or withdrawn."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import Contact, ScheduledItem
from services.notifications.domain import messages
from services.notifications.domain.timing import reminder_due_at
from services.notifications.service_layer import reminders
from services.notifications.service_layer.messaging import (
    Composed,
    Outgoing,
    Targets,
    Topic,
    Waiting,
    aware,
    participants,
    session_key,
)
from shared.db import UnitOfWork
from shared.events import registration

Enrolled = registration.EnrolmentConfirmed | registration.EnrolmentWaitlisted


class Sessions(Topic):
    events = (
        registration.SessionScheduled,
        registration.SessionChanged,
        registration.SessionCancelled,
        registration.EnrolmentConfirmed,
        registration.EnrolmentWaitlisted,
        registration.EnrolmentCancelled,
    )

    # -- reactions ---------------------------------------------------------------------------------

    async def session(self, uow: UnitOfWork, event: registration.SessionScheduled) -> None:
        zone = self.messenger.zone(event.board)
        cancelled = isinstance(event, registration.SessionCancelled)
        starts = aware(event.starts_at, zone)
        ends = aware(event.ends_at, zone)
        applied = await repositories(uow).schedule.remember_item(
            item_id=event.session_id,
            values={
                "kind": event.kind,
                "board": event.board,
                "title": event.title,
                "starts_at": starts,
                "ends_at": ends if ends > starts else starts + timedelta(hours=1),
                "location": event.location,
                "online_url": event.online_url,
                "attendees": [],
            },
            sequence=event.sequence,
            cancelled=cancelled,
        )
        if not applied:
            return
        key = reminders.item_key("session", event.session_id)
        if cancelled:
            await reminders.cancel(uow, key)
        else:
            await reminders.schedule(
                uow,
                key=key,
                kind="session",
                board=event.board,
                due_at=reminder_due_at(
                    starts, timedelta(days=self.settings.reminder_lead_days), event.occurred_at
                ),
                payload={"item_id": str(event.session_id)},
            )
        # A new session has no one to tell yet (enrolments follow); changes go to those enrolled.
        await self.messenger.deliver(uow, event)
        await self.messenger.release(uow, session_key(event.session_id))

    async def enrolment(self, uow: UnitOfWork, event: Enrolled) -> None:
        confirmed = isinstance(event, registration.EnrolmentConfirmed)
        applied = await repositories(uow).schedule.set_enrolment(
            session_id=event.session_id,
            participant_id=event.participant_id,
            board=event.board,
            status="confirmed" if confirmed else "waitlisted",
            position=None if isinstance(event, registration.EnrolmentConfirmed) else event.position,
            updated_at=event.occurred_at,
        )
        if applied:
            await self.messenger.deliver(uow, event)

    async def enrolment_cancelled(self, uow: UnitOfWork, event: registration.EnrolmentCancelled) -> None:
        """Withdrawn from a session: they hear it once, with a cancellation of their calendar entry."""
        applied = await repositories(uow).schedule.set_enrolment(
            session_id=event.session_id,
            participant_id=event.participant_id,
            board=event.board,
            status="cancelled",
            position=None,
            updated_at=event.occurred_at,
        )
        if applied:
            await self.messenger.deliver(uow, event)

    # -- who hears -----------------------------------------------------------------------------------

    async def targets(self, uow: UnitOfWork, event: object) -> Targets:
        match event:
            case registration.SessionCancelled():
                return await self._enrolled(uow, event.session_id, ("confirmed", "waitlisted"))
            case registration.SessionChanged():
                return await self._enrolled(uow, event.session_id, ("confirmed",))
            case (
                registration.EnrolmentConfirmed()
                | registration.EnrolmentWaitlisted()
                | registration.EnrolmentCancelled()
            ):
                return participants([event.participant_id])
        return []

    async def _enrolled(self, uow: UnitOfWork, session_id: uuid.UUID, statuses: tuple[str, ...]) -> list[str]:
        return participants(await repositories(uow).schedule.enrolled(session_id, statuses))

    async def for_participant(self, uow: UnitOfWork, event: object, contact: Contact) -> Composed:
        match event:
            case registration.SessionScheduled():
                return await self._changed(uow, event, contact)
            case registration.EnrolmentConfirmed() | registration.EnrolmentWaitlisted():
                return await self._enrolment(uow, event, contact)
            case registration.EnrolmentCancelled():
                return await self._enrolment_cancelled(uow, event, contact)
        return []

    # -- what they hear --------------------------------------------------------------------------------

    def _session(self, item: ScheduledItem, board: str) -> messages.Session:
        return messages.Session(
            title=item.title,
            kind=item.kind,
            span=messages.Span(item.starts_at, item.ends_at, self.messenger.zone(board)),
            location=item.location,
            online_url=item.online_url,
            session_id=item.item_id,
            sequence=item.sequence,
        )

    async def _changed(
        self, uow: UnitOfWork, event: registration.SessionScheduled, contact: Contact
    ) -> Composed:
        schedule = repositories(uow).schedule
        item = await schedule.item(event.session_id)
        if item is None or item.sequence > event.sequence:
            return []
        enrolment = await schedule.enrolment(event.session_id, contact.participant_id)
        draft = messages.session_update(
            contact.language,
            session=self._session(item, event.board),
            change="cancelled" if isinstance(event, registration.SessionCancelled) else "changed",
            confirmed=enrolment is not None and enrolment.status == "confirmed",
            stamp=event.occurred_at,
        )
        return [Outgoing(contact, draft)]

    async def _enrolment(self, uow: UnitOfWork, event: Enrolled, contact: Contact) -> Composed:
        schedule = repositories(uow).schedule
        item = await schedule.item(event.session_id)
        if item is None:
            return Waiting(session_key(event.session_id))
        if item.cancelled:
            return []
        enrolment = await schedule.enrolment(event.session_id, event.participant_id)
        confirmed = isinstance(event, registration.EnrolmentConfirmed)
        if enrolment is not None and enrolment.status != ("confirmed" if confirmed else "waitlisted"):
            return []  # overtaken by a later change of this enrolment
        session = self._session(item, event.board)
        if isinstance(event, registration.EnrolmentConfirmed):
            draft = messages.enrolment_confirmed(
                contact.language,
                session=session,
                promoted=event.promoted_from_waitlist,
                link=self.messenger.portal("sessions"),
                stamp=event.occurred_at,
            )
        else:
            draft = messages.enrolment_waitlisted(
                contact.language,
                session=session,
                position=event.position,
                link=self.messenger.portal("sessions"),
            )
        return [Outgoing(contact, draft)]

    async def _enrolment_cancelled(
        self, uow: UnitOfWork, event: registration.EnrolmentCancelled, contact: Contact
    ) -> Composed:
        schedule = repositories(uow).schedule
        item = await schedule.item(event.session_id)
        if item is None:
            return Waiting(session_key(event.session_id))
        enrolment = await schedule.enrolment(event.session_id, event.participant_id)
        if item.cancelled or (enrolment is not None and enrolment.status != "cancelled"):
            return []  # the session is cancelled (they heard), or they enrolled again since
        draft = messages.enrolment_cancelled(
            contact.language,
            session=self._session(item, event.board),
            was_confirmed=event.was_confirmed,
            link=self.messenger.portal("sessions"),
            stamp=event.occurred_at,
        )
        return [Outgoing(contact, draft)]
