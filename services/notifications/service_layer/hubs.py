"""Mentoring hubs: formed, their members changed, their meetings booked, moved or cancelled, the
board coaches who support them, and the teachers no hub could take (their coordinators hear it).

Each reaction runs inside the consumer's unit of work (never commits); the inbox makes a redelivered
event a no-op, and the delivery log's uniqueness (event, recipient, template) is the second guard.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from services.notifications.adapters.repository import HubSnapshot, repositories
from services.notifications.adapters.tables import Contact, ScheduledItem
from services.notifications.domain import audience, messages
from services.notifications.domain.calendar import hub_meeting_id
from services.notifications.domain.timing import reminder_due_at
from services.notifications.service_layer import reminders
from services.notifications.service_layer.delivery_log import Recipient
from services.notifications.service_layer.messaging import (
    PARTICIPANT,
    Composed,
    Outgoing,
    Targets,
    Topic,
    Waiting,
    aware,
    board_key,
    contact_key,
    full_name,
    hub_key,
    participants,
    unique,
)
from shared.db import UnitOfWork
from shared.events import matching

INVITED = "invited:"  # invited:<id>: newly among a meeting's attendees (an invitation)
UNINVITED = "uninvited:"  # uninvited:<id>: no longer among them (a cancellation of their copy)

HubMeeting = matching.HubMeetingScheduled  # and its Rescheduled and Cancelled versions
CoachNews = matching.HubCoachAssigned | matching.HubCoachReleased


def booked(meetings: list[ScheduledItem]) -> list[messages.Booked]:
    return [
        messages.Booked(m.item_id, m.starts_at, m.ends_at, sequence=m.sequence, location=m.location)
        for m in meetings
    ]


class Hubs(Topic):
    events = (
        matching.HubFormed,
        matching.HubMembershipChanged,
        matching.HubMeetingScheduled,
        matching.HubMeetingRescheduled,
        matching.HubMeetingCancelled,
        matching.HubCoachAssigned,
        matching.HubCoachReleased,
        matching.ParticipantUnplaced,
    )

    @property
    def lead(self) -> timedelta:
        return timedelta(days=self.settings.reminder_lead_days)

    # -- reactions ---------------------------------------------------------------------------------

    async def formed(self, uow: UnitOfWork, event: matching.HubFormed) -> None:
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

    async def membership_changed(self, uow: UnitOfWork, event: matching.HubMembershipChanged) -> None:
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

    async def meeting(self, uow: UnitOfWork, event: HubMeeting) -> None:
        """A meeting booked, moved, cancelled, or its invitees changed. ``attendees`` is always the
        whole list: whoever left it gets a cancellation of their copy, whoever joined an invitation,
        and those who stay hear nothing when only the list changed (their reminder stays)."""
        zone = self.messenger.zone(event.board)
        cancelled = isinstance(event, matching.HubMeetingCancelled)
        starts, ends = aware(event.starts_at, zone), aware(event.ends_at, zone)
        schedule = repositories(uow).schedule
        known = await schedule.item(event.meeting_id)
        before = (
            None
            if known is None or known.cancelled
            else (
                [str(a) for a in known.attendees],
                known.starts_at == starts and known.ends_at == ends and known.location == event.location,
            )
        )
        applied = await schedule.remember_item(
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

    async def news(self, uow: UnitOfWork, event: CoachNews | matching.ParticipantUnplaced) -> None:
        """Nothing to keep: the coach's or the coordinators' message only."""
        await self.messenger.deliver(uow, event)

    # -- who hears -----------------------------------------------------------------------------------

    async def targets(self, uow: UnitOfWork, event: object) -> Targets:
        match event:
            case matching.HubFormed():
                return participants(unique([*event.members, *event.leaders]))
            case matching.HubMembershipChanged():
                return participants(
                    audience.hub_change(
                        added=event.added,
                        removed=event.removed,
                        members=event.members,
                        leaders=event.leaders,
                        change=event.change,
                    )
                )
            case matching.ParticipantUnplaced():
                return ["coordinators"]
            case matching.HubCoachAssigned() | matching.HubCoachReleased():
                if isinstance(event, matching.HubCoachReleased) and event.change == "withdrawal":
                    return []  # they left the program: nothing more to tell them
                return participants([event.coach_id])
            case matching.HubMeetingScheduled():
                attendees = list(event.attendees)
                if not attendees:
                    hub = await repositories(uow).schedule.hub(event.hub_id)
                    if hub is None:
                        return Waiting(hub_key(event.hub_id))
                    attendees = [uuid.UUID(str(p)) for p in [*hub.members, *hub.leaders]]
                return participants(unique(attendees))
        return []

    async def compose(self, uow: UnitOfWork, event: object, target: str) -> Composed:
        if target.startswith((INVITED, UNINVITED)) and isinstance(event, matching.HubMeetingScheduled):
            # The meeting's invitees changed: a newcomer is invited, a leaver's copy is cancelled.
            kind, who = target.split(":")
            contact = await self.messenger.participant(uow, who)
            if not isinstance(contact, Contact):
                return contact
            return await self._meeting(
                uow, event, contact, as_change="scheduled" if kind + ":" == INVITED else "cancelled"
            )
        if target == "coordinators" and isinstance(event, matching.ParticipantUnplaced):
            return await self._unplaced(uow, event)
        return await super().compose(uow, event, target)

    async def for_participant(self, uow: UnitOfWork, event: object, contact: Contact) -> Composed:
        match event:
            case matching.HubFormed():
                return await self._formed(uow, event, contact)
            case matching.HubMembershipChanged():
                return await self._changed(uow, event, contact)
            case matching.HubMeetingScheduled():
                return await self._meeting(uow, event, contact)
            case matching.HubCoachAssigned() | matching.HubCoachReleased():
                return await self._support(uow, event, contact)
        return []

    # -- what they hear --------------------------------------------------------------------------------

    async def _formed(self, uow: UnitOfWork, event: matching.HubFormed, contact: Contact) -> Composed:
        lang = contact.language
        me = contact.participant_id
        zone = self.messenger.zone(event.board)
        members, leaders, unknown = await self.messenger.people(uow, event.members, event.leaders, me)
        facts = [*event.reasons, *event.member_reasons.get(str(me), [])]
        draft = messages.hub_formed(
            lang,
            program_year=event.program_year,
            theme=await self.messenger.theme(uow, event.theme, lang),
            is_leader=me in event.leaders,
            members=members,
            leaders=leaders,
            unknown_count=unknown,
            meetings=[aware(d, zone) for d in event.meeting_dates],
            zone=zone,
            explanations=await self.messenger.explain(uow, facts, lang),
            hub_id=event.hub_id,
            meeting_length=timedelta(minutes=self.settings.hub_meeting_minutes),
            stamp=event.occurred_at,
        )
        return [Outgoing(contact, draft)]

    async def _changed(
        self, uow: UnitOfWork, event: matching.HubMembershipChanged, contact: Contact
    ) -> Composed:
        me = contact.participant_id
        lang = contact.language
        zone = self.messenger.zone(event.board)
        theme = await self.messenger.theme(uow, event.theme, lang)
        meetings = await repositories(uow).schedule.hub_meetings(event.hub_id, event.occurred_at)
        if me in event.removed and me not in event.members and me not in event.leaders:
            # The hub's own meeting dates leave their calendar here; a meeting matching booked with
            # its invitees is cancelled for them by that meeting's new version (HubMeetingRescheduled
            # without them, or HubMeetingCancelled), so each CANCEL is sent once.
            draft = messages.hub_removed(
                lang,
                theme=theme,
                dissolved=event.change == "dissolved" or not (event.members or event.leaders),
                # As matching says (its cancellations may not have arrived yet), or as known here.
                meetings_cancelled=event.meetings_cancelled > 0
                or (bool(meetings) and all(m.cancelled for m in meetings)),
                calendar=booked([m for m in meetings if not m.attendees]),
                stamp=event.occurred_at,
            )
            return [Outgoing(contact, draft)]
        if me not in event.members and me not in event.leaders:
            return []
        members, leaders, _ = await self.messenger.people(uow, event.members, event.leaders, me)
        names = await self.messenger.names(uow, unique([*event.added, *event.removed]), withdrawn=True)
        joined = me in event.added
        live = [m for m in meetings if not m.cancelled]
        draft = messages.hub_changed(
            lang,
            theme=theme,
            you_joined=joined,
            is_leader=me in event.leaders,
            added=[names[p] for p in event.added if p != me and p in names],
            removed=[names[p] for p in event.removed if p in names],
            new_leaders=event.change == "leader_change",
            members=members,
            leaders=leaders,
            meetings=[m.starts_at for m in live],
            zone=zone,
            explanations=await self.messenger.explain(uow, event.member_reasons.get(str(me), []), lang)
            if joined
            else [],
            calendar=booked([m for m in live if not m.attendees]),  # booked meetings invite them themselves
            stamp=event.occurred_at,
        )
        return [Outgoing(contact, draft)]

    async def _support(self, uow: UnitOfWork, event: CoachNews, contact: Contact) -> Composed:
        """A board coach or consultant hears that they support a hub, or no longer do; their meeting
        invitations (and cancellations) are each the meeting's own message."""
        lang = contact.language
        theme = await self.messenger.theme(uow, event.theme, lang)
        if isinstance(event, matching.HubCoachAssigned):
            names = await self.messenger.names(uow, event.leaders)
            draft = messages.hub_support(
                lang,
                assigned=True,
                theme=theme,
                program_year=event.program_year,
                leaders=[names[p] for p in event.leaders if p in names],
                member_count=len(event.members),
                meetings=event.meetings_invited,
            )
        else:
            draft = messages.hub_support(
                lang,
                assigned=False,
                theme=theme,
                program_year=event.program_year,
                meetings=event.meetings_cancelled,
                dissolved=event.change == "dissolved",
            )
        return [Outgoing(contact, draft)]

    async def _unplaced(self, uow: UnitOfWork, event: matching.ParticipantUnplaced) -> Composed:
        found = repositories(uow)
        participant = await found.contacts.get(event.participant_id, fresh=True)
        if participant is None:
            return Waiting(contact_key(event.participant_id))
        coordinators = await found.board_contacts.of_board(event.board, roles=("coordinator",))
        if not coordinators:
            return Waiting(board_key(event.board))
        outgoing = []
        for c in coordinators:
            draft = messages.participant_unplaced(
                c.language,
                participant_name=full_name(participant),
                program_year=event.program_year,
                reasons=await self.messenger.explain(uow, event.reasons, c.language, "coordinator"),
            )
            outgoing.append(Outgoing(Recipient(email=c.email, language=c.language, given_name=c.name), draft))
        return outgoing

    async def _meeting(
        self,
        uow: UnitOfWork,
        event: HubMeeting,
        contact: Contact,
        as_change: Literal["scheduled", "cancelled"] | None = None,
    ) -> Composed:
        """The meeting's news for one attendee; ``as_change`` when it is news for them alone (they
        were added to it, or dropped from it) rather than a change of the meeting itself."""
        schedule = repositories(uow).schedule
        item = await schedule.item(event.meeting_id)
        if item is not None and item.sequence > event.sequence:
            return []  # superseded while this message waited
        hub = await schedule.hub(event.hub_id)
        lang = contact.language
        zone = self.messenger.zone(event.board)
        change: Literal["scheduled", "rescheduled", "cancelled"] = as_change or (
            "cancelled"
            if isinstance(event, matching.HubMeetingCancelled)
            else "rescheduled"
            if isinstance(event, matching.HubMeetingRescheduled)
            else "scheduled"
        )
        draft = messages.hub_meeting(
            lang,
            change=change,
            theme=await self.messenger.theme(uow, hub.theme, lang) if hub else None,
            span=messages.Span(aware(event.starts_at, zone), aware(event.ends_at, zone), zone),
            location=event.location,
            release_time=event.release_time,
            meeting_id=event.meeting_id,
            sequence=event.sequence,
            stamp=event.occurred_at,
        )
        return [Outgoing(contact, draft)]
