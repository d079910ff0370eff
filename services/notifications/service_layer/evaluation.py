"""The program's evaluation: survey invitations and their reminder, and the year's harvest."""

from __future__ import annotations

from services.notifications.adapters.tables import Contact
from services.notifications.domain import messages
from services.notifications.service_layer.messaging import (
    Composed,
    Outgoing,
    Targets,
    Topic,
    participants,
    unique,
)
from shared.db import UnitOfWork
from shared.events import evaluation

Survey = evaluation.SurveyOpened | evaluation.SurveyReminderRequested


class Evaluation(Topic):
    events = (evaluation.SurveyOpened, evaluation.SurveyReminderRequested, evaluation.HarvestPublished)

    async def news(self, uow: UnitOfWork, event: Survey | evaluation.HarvestPublished) -> None:
        """Nothing to keep: the invitees' messages only."""
        await self.messenger.deliver(uow, event)

    async def targets(self, uow: UnitOfWork, event: object) -> Targets:
        match event:
            case (
                evaluation.SurveyOpened()
                | evaluation.SurveyReminderRequested()
                | evaluation.HarvestPublished()
            ):
                return participants(unique(event.invitees))
        return []

    async def for_participant(self, uow: UnitOfWork, event: object, contact: Contact) -> Composed:
        if isinstance(event, evaluation.SurveyOpened | evaluation.SurveyReminderRequested):
            draft = messages.survey(
                contact.language,
                reminder=isinstance(event, evaluation.SurveyReminderRequested),
                title_en=event.title_en,
                title_fr=event.title_fr,
                closes_at=event.closes_at,
                zone=self.messenger.zone(event.board),
                link=self.messenger.portal("surveys"),
            )
            return [Outgoing(contact, draft)]
        if isinstance(event, evaluation.HarvestPublished):
            draft = messages.harvest_published(
                contact.language,
                program_year=event.program_year,
                themes=len(event.themes),
                propositions=event.propositions,
                link=self.messenger.portal("harvest"),
            )
            return [Outgoing(contact, draft)]
        return []
