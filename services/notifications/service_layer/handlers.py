"""Event handlers: keep what notifications needs to know (contacts, hubs, meetings, sessions,
enrolments, grant submissions, reminders) and queue the messages each event calls for.

Each runs inside the consumer's unit of work (never commits); the inbox makes a redelivered event
a no-op, and the delivery log's uniqueness (event, recipient, template) is the second guard.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from services.notifications.adapters.repository import HubSnapshot, repositories
from services.notifications.config import Settings
from services.notifications.domain.calendar import hub_meeting_id
from services.notifications.domain.timing import reminder_due_at
from services.notifications.service_layer import reminders
from services.notifications.service_layer.contacts import upsert_contact
from services.notifications.service_layer.messaging import (
    FORMER,
    INVITED,
    PARTICIPANT,
    REPAIRED,
    UNINVITED,
    GrantEvent,
    Messenger,
    aware,
    contact_key,
    hub_key,
    session_key,
)
from shared.db import UnitOfWork
from shared.events import grants, matching, registration
from shared.events.envelope import IntegrationEvent


class NotificationHandlers:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.messenger = Messenger(settings)

    @property
    def lead(self) -> timedelta:
        return timedelta(days=self.settings.reminder_lead_days)

    # -- contacts ---------------------------------------------------------------------------------

    async def participant_changed(
        self, uow: UnitOfWork, event: registration.ParticipantUpdated | registration.ParticipantWithdrawn
    ) -> None:
        """Keep the contact current (no email); messages that waited for this contact go out now."""
        status = "withdrawn" if isinstance(event, registration.ParticipantWithdrawn) else None
        await upsert_contact(uow, event.board, event.participant, status=status)
        await self.messenger.release(uow, contact_key(event.participant.participant_id))

    # -- hubs -------------------------------------------------------------------------------------

    async def hub_formed(self, uow: UnitOfWork, event: matching.HubFormed) -> None:
        zone = self.messenger.zone(event.board)
        dates = [aware(d, zone) for d in event.meeting_dates]
        schedule = repositories(uow).schedule
        known = await schedule.hub(event.hub_id, fresh=True)
        # The same hub announced again, unchanged (a rerun that changed nothing): nobody hears of it.
        unchanged = (
            known is not None
            and known.updated_at < event.occurred_at
            and known.theme == event.theme
            and sorted(map(str, known.members)) == sorted(map(str, event.members))
            and sorted(map(str, known.leaders)) == sorted(map(str, event.leaders))
            and [datetime.fromisoformat(d) for d in known.meeting_dates] == dates
        )
        await schedule.hub_formed(
            HubSnapshot(
                hub_id=event.hub_id,
                board=event.board,
                theme=event.theme,
                language=event.language,
                members=event.members,
                leaders=event.leaders,
                meeting_dates=dates,
                updated_at=event.occurred_at,
            )
        )
        # Each announced date is a meeting of the hub: remembered (for reminders and later
        # reschedules under the same id) unless matching already scheduled it explicitly.
        duration = timedelta(minutes=self.settings.hub_meeting_minutes)
        for index, start in enumerate(dates):
            meeting_id = hub_meeting_id(event.hub_id, index)
            await schedule.add_hub_meeting(
                meeting_id=meeting_id,
                board=event.board,
                hub_id=event.hub_id,
                starts_at=start,
                ends_at=start + duration,
            )
            await reminders.schedule(
                uow,
                key=reminders.item_key("meeting", meeting_id),
                kind="meeting",
                board=event.board,
                due_at=reminder_due_at(start, self.lead, event.occurred_at),
                payload={"item_id": str(meeting_id)},
            )
        if not unchanged:
            await self.messenger.deliver(uow, event)
        await self.messenger.release(uow, hub_key(event.hub_id))

    async def hub_membership_changed(self, uow: UnitOfWork, event: matching.HubMembershipChanged) -> None:
        await repositories(uow).schedule.hub_members_changed(
            HubSnapshot(
                hub_id=event.hub_id,
                board=event.board,
                theme=event.theme,
                members=event.members,
                leaders=event.leaders,
                updated_at=event.occurred_at,
            )
        )
        await self.messenger.deliver(uow, event)
        await self.messenger.release(uow, hub_key(event.hub_id))

    async def deliver_only(self, uow: UnitOfWork, event: IntegrationEvent) -> None:
        await self.messenger.deliver(uow, event)

    # -- one-to-one pairings ------------------------------------------------------------------------

    async def mentor_paired(self, uow: UnitOfWork, event: matching.MentorPaired) -> None:
        """Introduce a teacher and their mentor; a pairing they already have says nothing again; a
        re-pairing tells the teacher whom the new mentor replaces and the former mentor that it ended."""
        former = await repositories(uow).names.current_mentor(event.teacher_id)
        if former == event.mentor_id:
            return
        await repositories(uow).names.set_mentor(
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

    async def mentor_unpaired(self, uow: UnitOfWork, event: matching.MentorUnpaired) -> None:
        """A pairing ended by a coordinator or a withdrawal: the teacher and the mentor hear it. One
        ended by a re-pairing says nothing and changes nothing here, whichever arrives first: the new
        MentorPaired tells the teacher and the former mentor (it must still see the former one)."""
        if event.change == "repaired":
            return
        current = await repositories(uow).names.current_mentor(event.teacher_id)
        if current != event.mentor_id:
            return  # already replaced (its MentorPaired told everyone) or never known as paired
        await repositories(uow).names.set_mentor(
            board=event.board, teacher_id=event.teacher_id, mentor_id=None, updated_at=event.occurred_at
        )
        await self.messenger.deliver(uow, event)

    # -- names people read --------------------------------------------------------------------------

    async def board_named(
        self, uow: UnitOfWork, event: registration.BoardRegistered | registration.BoardRenamed
    ) -> None:
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

    # -- observation visits -------------------------------------------------------------------------

    async def observation(self, uow: UnitOfWork, event: matching.ObservationScheduled) -> None:
        """An observation visit planned, moved or cancelled: the visitor and the host each hear it,
        with the calendar entry they keep for it."""
        zone = self.messenger.zone(event.board)
        applied = await self._remember_item(
            uow,
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

    # -- meetings and sessions ----------------------------------------------------------------------

    async def _remember_item(
        self,
        uow: UnitOfWork,
        *,
        item_id: uuid.UUID,
        values: dict[str, object],
        sequence: int,
        cancelled: bool,
    ) -> bool:
        """Store the latest version of a meeting or session; False for a stale (lower sequence) copy."""
        return await repositories(uow).schedule.remember_item(
            item_id=item_id, values=values, sequence=sequence, cancelled=cancelled
        )

    async def hub_meeting(self, uow: UnitOfWork, event: matching.HubMeetingScheduled) -> None:
        """A meeting booked, moved, cancelled, or its invitees changed. ``attendees`` is always the
        whole list: whoever left it gets a cancellation of their copy, whoever joined an invitation,
        and those who stay hear nothing when only the list changed (their reminder stays)."""
        zone = self.messenger.zone(event.board)
        cancelled = isinstance(event, matching.HubMeetingCancelled)
        starts, ends = aware(event.starts_at, zone), aware(event.ends_at, zone)
        known = await repositories(uow).schedule.item(event.meeting_id)
        before = (
            None
            if known is None or known.cancelled
            else (
                [str(a) for a in known.attendees],
                known.starts_at == starts and known.ends_at == ends and known.location == event.location,
            )
        )
        applied = await self._remember_item(
            uow,
            item_id=event.meeting_id,
            values={
                "kind": "meeting",
                "board": event.board,
                "hub_id": event.hub_id,
                "starts_at": starts,
                "ends_at": ends,
                "location": event.location,
                "attendees": [str(a) for a in event.attendees],
            },
            sequence=event.sequence,
            cancelled=cancelled,
        )
        if not applied:
            return  # an older version arriving late: calendars already have a newer one
        key = reminders.item_key("meeting", event.meeting_id)
        if cancelled:
            await reminders.cancel(uow, key)
        else:
            await reminders.schedule(
                uow,
                key=key,
                kind="meeting",
                board=event.board,
                due_at=reminder_due_at(starts, self.lead, event.occurred_at),
                payload={"item_id": str(event.meeting_id)},
            )
        if cancelled or before is None or not before[0] or not event.attendees:
            await self.messenger.deliver(uow, event)  # everyone it names (or the hub's people)
            return
        previous, same_time = before
        now = [str(a) for a in event.attendees]
        targets = [UNINVITED + p for p in previous if p not in now]
        targets += [INVITED + p for p in now if p not in previous]
        if not same_time:  # it moved: those who stay get the update of their entry
            targets += [PARTICIPANT + p for p in now if p in previous]
        await self.messenger.deliver(uow, event, targets)

    async def session(self, uow: UnitOfWork, event: registration.SessionScheduled) -> None:
        zone = self.messenger.zone(event.board)
        cancelled = isinstance(event, registration.SessionCancelled)
        starts = aware(event.starts_at, zone)
        ends = aware(event.ends_at, zone)
        applied = await self._remember_item(
            uow,
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
                due_at=reminder_due_at(starts, self.lead, event.occurred_at),
                payload={"item_id": str(event.session_id)},
            )
        # A new session has no one to tell yet (enrolments follow); changes go to those enrolled.
        await self.messenger.deliver(uow, event)
        await self.messenger.release(uow, session_key(event.session_id))

    async def enrolment(
        self, uow: UnitOfWork, event: registration.EnrolmentConfirmed | registration.EnrolmentWaitlisted
    ) -> None:
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

    # -- grants -----------------------------------------------------------------------------------

    async def grant(self, uow: UnitOfWork, event: GrantEvent) -> None:
        if isinstance(event, grants.GrantSubmitted):
            await repositories(uow).schedule.grant_submitted(
                board=event.board, program_year=event.program_year, application_id=event.application_id
            )
            await reminders.cancel(
                uow, reminders.grant_key(event.board, event.program_year), note="submitted"
            )
        await self.messenger.deliver(uow, event)
