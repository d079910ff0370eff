"""Start-up grant applications: the applicant's contact and the grant reviewers hear of each step;
a submitted application stops its board's deadline reminder."""

from __future__ import annotations

from typing import Literal

from services.notifications.adapters.repository import repositories
from services.notifications.domain import messages
from services.notifications.service_layer import reminders
from services.notifications.service_layer.delivery_log import Recipient
from services.notifications.service_layer.messaging import Composed, Outgoing, Targets, Topic
from shared.db import UnitOfWork
from shared.events import grants

REVIEWER = "reviewer:"

CHANGES: dict[type[grants.GrantEvent], messages.GrantChange] = {
    grants.GrantSubmitted: "submitted",
    grants.GrantApproved: "approved",
    grants.GrantDeclined: "declined",
    grants.GrantPaid: "paid",
    grants.GrantWithdrawn: "withdrawn",
}


class Grants(Topic):
    events = tuple(CHANGES)

    async def step(self, uow: UnitOfWork, event: grants.GrantEvent) -> None:
        if isinstance(event, grants.GrantSubmitted):
            await repositories(uow).schedule.grant_submitted(
                board=event.board, program_year=event.program_year, application_id=event.application_id
            )
            await reminders.cancel(
                uow, reminders.grant_key(event.board, event.program_year), note="submitted"
            )
        await self.messenger.deliver(uow, event)

    async def targets(self, uow: UnitOfWork, event: object) -> Targets:
        if not isinstance(event, grants.GrantEvent):
            return []
        applicant = ["applicant"] if event.contact_email else []
        if isinstance(event, grants.GrantPaid):
            return applicant  # the payment is the applicant's news
        return applicant + [REVIEWER + r for r in self.settings.grant_reviewer_emails]

    async def compose(self, uow: UnitOfWork, event: object, target: str) -> Composed:
        if not isinstance(event, grants.GrantEvent):
            return []
        audience: Literal["applicant", "reviewer"]
        if target == "applicant" and event.contact_email:
            email, name, audience = event.contact_email, event.contact_name or "", "applicant"
        elif target.startswith(REVIEWER):
            email, name, audience = target.removeprefix(REVIEWER), "", "reviewer"
        else:
            return []
        language = await self.messenger.language_for_email(uow, event.board, email)
        draft = messages.grant_update(
            language,
            change=CHANGES[type(event)],
            audience=audience,
            organisation=event.applicant_organisation,
            stream=event.stream,
            program_year=event.program_year,
            requested_total=event.requested_total,
            awarded_amount=getattr(event, "awarded_amount", None),
            decline_reason=event.reason if isinstance(event, grants.GrantDeclined) else None,
            contact_name=event.contact_name,
        )
        return [Outgoing(Recipient(email=email, language=language, given_name=name), draft)]
