"""One-to-one pairings of a teacher and a mentor: introduced, re-paired, ended."""

from __future__ import annotations

import uuid

from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import Contact
from services.notifications.domain import messages
from services.notifications.service_layer.messaging import (
    PARTICIPANT,
    Composed,
    Outgoing,
    Targets,
    Topic,
    Waiting,
    contact_key,
    full_name,
    participants,
)
from shared.db import UnitOfWork
from shared.events import matching

REPAIRED = "repaired:"  # repaired:<teacher>:<former mentor>
FORMER = "former:"  # former:<former mentor>:<teacher>


class Pairings(Topic):
    events = (matching.MentorPaired, matching.MentorUnpaired)

    # -- reactions ---------------------------------------------------------------------------------

    async def paired(self, uow: UnitOfWork, event: matching.MentorPaired) -> None:
        """Introduce a teacher and their mentor; a pairing they already have says nothing again; a
        re-pairing tells the teacher whom the new mentor replaces and the former mentor that it ended."""
        names = repositories(uow).names
        former = await names.current_mentor(event.teacher_id)
        if former == event.mentor_id:
            return
        await names.set_mentor(
            board=event.board,
            teacher_id=event.teacher_id,
            mentor_id=event.mentor_id,
            updated_at=event.occurred_at,
        )
        if former is None:
            await self.messenger.deliver(uow, event)
            return
        await self.messenger.deliver(
            uow,
            event,
            [
                f"{REPAIRED}{event.teacher_id}:{former}",
                PARTICIPANT + str(event.mentor_id),
                f"{FORMER}{former}:{event.teacher_id}",
            ],
        )

    async def unpaired(self, uow: UnitOfWork, event: matching.MentorUnpaired) -> None:
        """A pairing ended by a coordinator or a withdrawal: the teacher and the mentor hear it. One
        ended by a re-pairing says nothing and changes nothing here, whichever arrives first: the new
        MentorPaired tells the teacher and the former mentor (it must still see the former one)."""
        if event.change == "repaired":
            return
        names = repositories(uow).names
        if await names.current_mentor(event.teacher_id) != event.mentor_id:
            return  # already replaced (its MentorPaired told everyone) or never known as paired
        await names.set_mentor(
            board=event.board, teacher_id=event.teacher_id, mentor_id=None, updated_at=event.occurred_at
        )
        await self.messenger.deliver(uow, event)

    # -- who hears -----------------------------------------------------------------------------------

    async def targets(self, uow: UnitOfWork, event: object) -> Targets:
        match event:
            case matching.MentorPaired():
                return participants([event.teacher_id, event.mentor_id])
            case matching.MentorUnpaired():
                if event.change == "repaired":
                    return []  # the new MentorPaired tells both the teacher and this mentor
                return participants([event.teacher_id, event.mentor_id])
        return []

    async def compose(self, uow: UnitOfWork, event: object, target: str) -> Composed:
        if target.startswith((REPAIRED, FORMER)) and isinstance(event, matching.MentorPaired):
            # A re-pairing: the teacher hears whom the new mentor replaces; the former mentor that
            # the pairing ended. (Targets carry the former mentor: it is known only when it happens.)
            kind, who, other = target.split(":")
            contact = await self.messenger.participant(uow, who)
            if not isinstance(contact, Contact):
                return contact
            if kind + ":" == REPAIRED:
                return await self._paired(uow, event, contact, previous_id=uuid.UUID(other))
            return await self._unpaired(uow, event, contact, partner_id=uuid.UUID(other))
        return await super().compose(uow, event, target)

    async def for_participant(self, uow: UnitOfWork, event: object, contact: Contact) -> Composed:
        match event:
            case matching.MentorPaired():
                return await self._paired(uow, event, contact)
            case matching.MentorUnpaired():
                return await self._unpaired(uow, event, contact)
        return []

    # -- what they hear --------------------------------------------------------------------------------

    async def _paired(
        self,
        uow: UnitOfWork,
        event: matching.MentorPaired,
        contact: Contact,
        previous_id: uuid.UUID | None = None,
    ) -> Composed:
        is_mentor = contact.participant_id == event.mentor_id
        partner_id = event.teacher_id if is_mentor else event.mentor_id
        partner = await repositories(uow).contacts.get(partner_id, fresh=True)
        if partner is None:
            return Waiting(contact_key(partner_id))  # the introduction is nothing without the partner
        previous = (
            (await self.messenger.names(uow, [previous_id], withdrawn=True)).get(previous_id)
            if previous_id
            else None
        )
        draft = messages.mentor_paired(
            contact.language,
            is_mentor=is_mentor,
            partner_name=full_name(partner),
            partner_email=partner.email,
            program_year=event.program_year,
            explanations=await self.messenger.explain(
                uow, event.reasons, contact.language, "mentor" if is_mentor else "teacher"
            ),
            previous_mentor=previous,
        )
        return [Outgoing(contact, draft)]

    async def _unpaired(
        self,
        uow: UnitOfWork,
        event: matching.MentorUnpaired | matching.MentorPaired,
        contact: Contact,
        partner_id: uuid.UUID | None = None,
    ) -> Composed:
        is_mentor = contact.participant_id != event.teacher_id
        partner_id = partner_id or (event.teacher_id if is_mentor else event.mentor_id)
        partner = (await self.messenger.names(uow, [partner_id], withdrawn=True)).get(partner_id)
        if partner is None:
            return Waiting(contact_key(partner_id))
        draft = messages.mentor_unpaired(
            contact.language, is_mentor=is_mentor, partner_name=partner, program_year=event.program_year
        )
        return [Outgoing(contact, draft)]
