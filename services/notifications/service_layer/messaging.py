"""Who hears about an event, and what: one message per target, in the target's language.

Each event type has *targets* (``participant:<id>``, ``coordinators``, ``applicant``,
``reviewer:<email>``) and a way to *compose* the message of one target. When something a message
needs is not known yet — the recipient's contact (the event overtook the registration), the
board's coordinators, the session — the message is parked in ``awaiting_messages`` under what it
waits for (``contact:<id>``, ``board:<code>``, ``session:<id>``, ``hub:<id>``) and composed again
when that arrives: an event that comes early never loses anyone's message.

Parking and releasing take a transaction-level advisory lock on the awaited key, so a contact
committed while a message is being parked cannot slip between the check and the park.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from services.notifications.adapters.calendar import to_ics
from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import BoardContact, Contact, ScheduledItem
from services.notifications.config import Settings
from services.notifications.domain import audience, explaining, messages, wording
from services.notifications.domain.calendar import (
    CalendarEntry,
    Invite,
    hub_formation_invite,
    meeting_uid,
    observation_uid,
    session_uid,
    single_entry_invite,
)
from services.notifications.domain.timing import board_zone
from services.notifications.service_layer.outgoing import Recipient, queue_notification
from shared.db import UnitOfWork
from shared.events import evaluation, grants, matching, registration
from shared.events.catalog import decode
from shared.events.envelope import IntegrationEvent

log = logging.getLogger(__name__)

PARTICIPANT = "participant:"
REPAIRED = "repaired:"  # repaired:<teacher>:<former mentor>
FORMER = "former:"  # former:<former mentor>:<teacher>
INVITED = "invited:"  # invited:<id>: newly among a meeting's attendees (an invitation)
UNINVITED = "uninvited:"  # uninvited:<id>: no longer among them (a cancellation of their copy)
REVIEWER = "reviewer:"
EVERYONE = "*"  # the targets themselves are not known yet (a meeting of a hub not seen yet)


@dataclass(frozen=True)
class Outgoing:
    recipient: Contact | Recipient
    draft: messages.Draft
    invite: Invite | None = None


@dataclass(frozen=True)
class Waiting:
    waiting_for: str


Composed = list[Outgoing] | Waiting


def contact_key(participant_id: object) -> str:
    return f"contact:{participant_id}"


def board_key(board: str) -> str:
    return f"board:{board}"


def session_key(session_id: object) -> str:
    return f"session:{session_id}"


def hub_key(hub_id: object) -> str:
    return f"hub:{hub_id}"


def full_name(contact: Contact) -> str:
    return f"{contact.given_name} {contact.family_name}".strip()


def unique(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    seen: dict[uuid.UUID, None] = {}
    for i in ids:
        seen.setdefault(i, None)
    return list(seen)


def aware(moment: datetime, zone: Any) -> datetime:
    """Producers send aware times; a naive one is read in the board's zone rather than refused."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


class Messenger:
    def __init__(self, settings: Settings):
        self.settings = settings

    # -- plumbing --------------------------------------------------------------------------------

    def zone(self, board: str) -> Any:
        return board_zone(self.settings.timezone_of(board), self.settings.board_timezone)

    async def deliver(
        self, uow: UnitOfWork, event: IntegrationEvent, targets: Sequence[str] | None = None
    ) -> int:
        """Queue ``event``'s messages (for ``targets``, or all of them); returns how many were queued."""
        if targets is None:
            planned = await self.targets(uow, event)
            if isinstance(planned, Waiting):
                await self._park(uow, event, EVERYONE, planned)
                return 0
            targets = planned
        queued = 0
        for target in targets:
            if target == EVERYONE:
                queued += await self.deliver(uow, event)
                continue
            composed = await self._compose_or_park(uow, event, target)
            for outgoing in composed:
                queued += await self.queue(uow, event.event_id, event.board, outgoing)
        return queued

    async def _compose_or_park(self, uow: UnitOfWork, event: IntegrationEvent, target: str) -> list[Outgoing]:
        composed = await self.compose(uow, event, target)
        locked: set[str] = set()
        while isinstance(composed, Waiting) and composed.waiting_for not in locked:
            # Lock what we wait for, then look again: whoever provides it either committed before
            # (we now see it) or releases after our commit (it will see the parked row).
            await lock(uow, composed.waiting_for)
            locked.add(composed.waiting_for)
            composed = await self.compose(uow, event, target)
        if isinstance(composed, Waiting):
            await self._park(uow, event, target, composed)
            return []
        return composed

    async def _park(self, uow: UnitOfWork, event: IntegrationEvent, target: str, waiting: Waiting) -> None:
        await repositories(uow).awaiting.park(
            event_id=event.event_id,
            event_type=event.type,
            board=event.board,
            target=target,
            waiting_for=waiting.waiting_for,
            body=event.model_dump(mode="json"),
        )
        log.info("%s message parked until %s arrives", event.type, waiting.waiting_for.split(":")[0])

    async def release(self, uow: UnitOfWork, waiting_for: str) -> int:
        """Compose the messages that waited for ``waiting_for`` (call after it is written)."""
        return await self.release_all(uow, [waiting_for])

    async def release_all(self, uow: UnitOfWork, keys: Sequence[str]) -> int:
        """:meth:`release` for several keys: one lock statement, one delete, whatever their number."""
        queued = 0
        for parked in await repositories(uow).awaiting.take(keys):
            event = decode(json.dumps(parked.body).encode())
            queued += await self.deliver(uow, event, None if parked.target == EVERYONE else [parked.target])
        return queued

    async def queue(self, uow: UnitOfWork, event_id: uuid.UUID, board: str, out: Outgoing) -> int:
        recipient = out.recipient
        name = full_name(recipient) if isinstance(recipient, Contact) else recipient.given_name
        calendar = (
            to_ics(
                out.invite,
                organizer=self.settings.smtp_from,
                attendee_email=recipient.email,
                attendee_name=name,
            )
            if out.invite is not None
            else None
        )
        inserted = await queue_notification(
            uow,
            event_id=event_id,
            board=board,
            board_name=await repositories(uow).names.board_name(board),
            recipient=recipient,
            draft=out.draft,
            calendar=calendar,
            base_url=self.settings.public_base_url,
            secret=self.settings.link_signing_key,
        )
        return int(inserted)

    # -- who ----------------------------------------------------------------------------------------

    async def targets(self, uow: UnitOfWork, event: IntegrationEvent) -> list[str] | Waiting:
        match event:
            case matching.HubFormed():
                return [PARTICIPANT + str(p) for p in unique([*event.members, *event.leaders])]
            case matching.HubMembershipChanged():
                who = audience.hub_change(
                    added=event.added,
                    removed=event.removed,
                    members=event.members,
                    leaders=event.leaders,
                    change=event.change,
                )
                return [PARTICIPANT + str(p) for p in who]
            case matching.MentorPaired():
                return [PARTICIPANT + str(event.teacher_id), PARTICIPANT + str(event.mentor_id)]
            case matching.MentorUnpaired():
                if event.change == "repaired":
                    return []  # the new MentorPaired tells both the teacher and this mentor
                return [PARTICIPANT + str(event.teacher_id), PARTICIPANT + str(event.mentor_id)]
            case matching.ParticipantUnplaced():
                return ["coordinators"]
            case matching.HubCoachAssigned() | matching.HubCoachReleased():
                if isinstance(event, matching.HubCoachReleased) and event.change == "withdrawal":
                    return []  # they left the program: nothing more to tell them
                return [PARTICIPANT + str(event.coach_id)]
            case matching.HubMeetingScheduled():
                attendees = list(event.attendees)
                if not attendees:
                    hub = await repositories(uow).schedule.hub(event.hub_id)
                    if hub is None:
                        return Waiting(hub_key(event.hub_id))
                    attendees = [uuid.UUID(str(p)) for p in [*hub.members, *hub.leaders]]
                return [PARTICIPANT + str(p) for p in unique(attendees)]
            case matching.ObservationScheduled():
                return [PARTICIPANT + str(p) for p in unique([event.visitor_id, event.host_id])]
            case registration.SessionCancelled():
                return await self._enrolled(uow, event.session_id, ("confirmed", "waitlisted"))
            case registration.SessionChanged():
                return await self._enrolled(uow, event.session_id, ("confirmed",))
            case (
                registration.EnrolmentConfirmed()
                | registration.EnrolmentWaitlisted()
                | registration.EnrolmentCancelled()
            ):
                return [PARTICIPANT + str(event.participant_id)]
            case (
                evaluation.SurveyOpened()
                | evaluation.SurveyReminderRequested()
                | evaluation.HarvestPublished()
            ):
                return [PARTICIPANT + str(p) for p in unique(event.invitees)]
            case (
                grants.GrantSubmitted()
                | grants.GrantApproved()
                | grants.GrantDeclined()
                | grants.GrantWithdrawn()
            ):
                found = ["applicant"] if event.contact_email else []
                return found + [REVIEWER + r for r in self.settings.grant_reviewer_emails]
            case grants.GrantPaid():
                return ["applicant"] if event.contact_email else []  # the payment is the applicant's news
        return []

    async def _enrolled(self, uow: UnitOfWork, session_id: uuid.UUID, statuses: Sequence[str]) -> list[str]:
        return [PARTICIPANT + str(p) for p in await repositories(uow).schedule.enrolled(session_id, statuses)]

    # -- what ---------------------------------------------------------------------------------------

    async def compose(self, uow: UnitOfWork, event: IntegrationEvent, target: str) -> Composed:
        if target.startswith((REPAIRED, FORMER)) and isinstance(event, matching.MentorPaired):
            # A re-pairing: the teacher hears whom the new mentor replaces; the former mentor that
            # the pairing ended. (Targets carry the former mentor: it is known only when it happens.)
            kind, who, other = target.split(":")
            contact = await repositories(uow).contacts.get(uuid.UUID(who), fresh=True)
            if contact is None:
                return Waiting(contact_key(who))
            if contact.status == "withdrawn":
                return []
            if kind + ":" == REPAIRED:
                return await self._paired(uow, event, contact, previous_id=uuid.UUID(other))
            return await self._unpaired(uow, event, contact, partner_id=uuid.UUID(other))
        if target.startswith((INVITED, UNINVITED)) and isinstance(event, matching.HubMeetingScheduled):
            # The meeting's invitees changed: a newcomer is invited, a leaver's copy is cancelled.
            kind, who = target.split(":")
            contact = await repositories(uow).contacts.get(uuid.UUID(who), fresh=True)
            if contact is None:
                return Waiting(contact_key(who))
            if contact.status == "withdrawn":
                return []
            return await self._meeting(
                uow, event, contact, as_change="scheduled" if kind + ":" == INVITED else "cancelled"
            )
        if target.startswith(PARTICIPANT):
            participant_id = uuid.UUID(target.removeprefix(PARTICIPANT))
            contact = await repositories(uow).contacts.get(participant_id, fresh=True)
            if contact is None:
                return Waiting(contact_key(participant_id))
            if contact.status == "withdrawn":
                return []
            return await self._for_participant(uow, event, contact)
        if target == "coordinators" and isinstance(event, matching.ParticipantUnplaced):
            return await self._unplaced(uow, event)
        if isinstance(event, GRANT_EVENTS):
            return await self._grant(uow, event, target)
        return []

    async def _for_participant(self, uow: UnitOfWork, event: IntegrationEvent, contact: Contact) -> Composed:
        match event:
            case matching.HubFormed():
                return await self._hub_formed(uow, event, contact)
            case matching.HubMembershipChanged():
                return await self._hub_changed(uow, event, contact)
            case matching.MentorPaired():
                return await self._paired(uow, event, contact)
            case matching.MentorUnpaired():
                return await self._unpaired(uow, event, contact)
            case matching.HubMeetingScheduled():
                return await self._meeting(uow, event, contact)
            case matching.HubCoachAssigned() | matching.HubCoachReleased():
                return await self._hub_support(uow, event, contact)
            case matching.ObservationScheduled():
                return await self._observation(uow, event, contact)
            case registration.SessionScheduled():
                return await self._session(uow, event, contact)
            case registration.EnrolmentConfirmed() | registration.EnrolmentWaitlisted():
                return await self._enrolment(uow, event, contact)
            case registration.EnrolmentCancelled():
                return await self._enrolment_cancelled(uow, event, contact)
            case evaluation.SurveyOpened() | evaluation.SurveyReminderRequested():
                return self._survey(event, contact)
            case evaluation.HarvestPublished():
                draft = messages.harvest_published(
                    contact.language,
                    program_year=event.program_year,
                    themes=len(event.themes),
                    propositions=event.propositions,
                    link=f"{self.settings.portal_base_url.rstrip('/')}/portal/harvest",
                )
                return [Outgoing(contact, draft)]
        return []

    async def _names(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID], *, withdrawn: bool = False
    ) -> dict[uuid.UUID, str]:
        """Names of ``ids`` known here; someone who withdrew only with ``withdrawn`` (who left, or
        whose pairing ended), never as a current member."""
        if not ids:
            return {}
        found = await repositories(uow).contacts.many(ids)
        return {p: full_name(c) for p, c in found.items() if withdrawn or c.status != "withdrawn"}

    async def _theme(self, uow: UnitOfWork, code: str, language: str) -> str | None:
        return (await repositories(uow).names.theme_namer(language))(code) if code else None

    async def _explain(
        self,
        uow: UnitOfWork,
        reasons: Sequence[matching.Reason],
        language: str,
        audience: explaining.Audience = "member",
    ) -> list[str]:
        namer = await repositories(uow).names.theme_namer(language)
        return explaining.explain([(r.code, r.values) for r in reasons], language, namer, audience)

    async def _people(
        self, uow: UnitOfWork, members: Sequence[uuid.UUID], leaders: Sequence[uuid.UUID], me: uuid.UUID
    ) -> tuple[list[str], list[str], int]:
        names = await self._names(uow, unique([*members, *leaders]))
        others = [m for m in unique([*members, *leaders]) if m != me]
        return (
            [names[m] for m in members if m != me and m in names and m not in leaders],
            [names[m] for m in leaders if m != me and m in names],
            sum(1 for m in others if m not in names),
        )

    def _hub_invite(
        self, board: str, hub_id: uuid.UUID, summary: str, dates: Sequence[datetime], stamp: datetime
    ) -> Invite | None:
        zone = self.zone(board)
        return hub_formation_invite(
            hub_id=hub_id,
            meeting_dates=[aware(d, zone) for d in dates],
            duration=timedelta(minutes=self.settings.hub_meeting_minutes),
            summary=summary,
            location=None,
            stamp=stamp,
        )

    async def _hub_formed(self, uow: UnitOfWork, event: matching.HubFormed, contact: Contact) -> Composed:
        lang = contact.language
        me = contact.participant_id
        zone = self.zone(event.board)
        members, leaders, unknown = await self._people(uow, event.members, event.leaders, me)
        theme = await self._theme(uow, event.theme, lang)
        facts = [*event.reasons, *event.member_reasons.get(str(me), [])]
        draft = messages.hub_formed(
            lang,
            program_year=event.program_year,
            theme=theme,
            is_leader=me in event.leaders,
            members=members,
            leaders=leaders,
            unknown_count=unknown,
            meetings=[aware(d, zone) for d in event.meeting_dates],
            zone=zone,
            explanations=await self._explain(uow, facts, lang),
        )
        invite = self._hub_invite(
            event.board,
            event.hub_id,
            wording.hub_summary(theme, lang),
            event.meeting_dates,
            event.occurred_at,
        )
        return [Outgoing(contact, draft, invite)]

    async def _hub_meetings(self, uow: UnitOfWork, hub_id: uuid.UUID, after: datetime) -> list[ScheduledItem]:
        return await repositories(uow).schedule.hub_meetings(hub_id, after)

    async def _hub_changed(
        self, uow: UnitOfWork, event: matching.HubMembershipChanged, contact: Contact
    ) -> Composed:
        me = contact.participant_id
        lang = contact.language
        zone = self.zone(event.board)
        theme = await self._theme(uow, event.theme, lang)
        meetings = await self._hub_meetings(uow, event.hub_id, event.occurred_at)
        if me in event.removed and me not in event.members and me not in event.leaders:
            # The hub's own meeting dates leave their calendar here; a meeting matching booked with
            # its invitees is cancelled for them by that meeting's new version (HubMeetingRescheduled
            # without them, or HubMeetingCancelled), so each CANCEL is sent once.
            mine = [m for m in meetings if not m.attendees]
            invite = (
                Invite(
                    method="CANCEL",
                    entries=tuple(
                        CalendarEntry(
                            uid=meeting_uid(m.item_id),
                            starts_at=m.starts_at,
                            ends_at=m.ends_at,
                            summary=wording.hub_summary(theme, lang),
                            sequence=m.sequence + 1,
                            location=m.location,
                            cancelled=True,
                        )
                        for m in mine
                    ),
                    stamp=event.occurred_at,
                )
                if mine
                else None
            )
            dissolved = event.change == "dissolved" or not (event.members or event.leaders)
            draft = messages.hub_removed(
                lang,
                theme=theme,
                dissolved=dissolved,
                # As matching says (its cancellations may not have arrived yet), or as known here.
                meetings_cancelled=event.meetings_cancelled > 0
                or (bool(meetings) and all(m.cancelled for m in meetings)),
                calendar_cancelled=invite is not None,
            )
            return [Outgoing(contact, draft, invite)]
        if me not in event.members and me not in event.leaders:
            return []
        members, leaders, _ = await self._people(uow, event.members, event.leaders, me)
        names = await self._names(uow, unique([*event.added, *event.removed]), withdrawn=True)
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
            explanations=await self._explain(uow, event.member_reasons.get(str(me), []), lang)
            if joined
            else [],
        )
        implied = [m for m in live if not m.attendees]  # booked meetings invite them themselves
        if joined and implied:
            invite = Invite(
                method="REQUEST",
                entries=tuple(
                    CalendarEntry(
                        uid=meeting_uid(m.item_id),
                        starts_at=m.starts_at,
                        ends_at=m.ends_at,
                        summary=wording.hub_summary(theme, lang),
                        sequence=m.sequence,
                        location=m.location,
                    )
                    for m in implied
                ),
                stamp=event.occurred_at,
            )
            return [Outgoing(contact, draft, invite)]
        return [Outgoing(contact, draft, None)]

    async def _hub_support(
        self, uow: UnitOfWork, event: matching.HubCoachAssigned | matching.HubCoachReleased, contact: Contact
    ) -> Composed:
        """A board coach or consultant hears that they support a hub, or no longer do; their meeting
        invitations (and cancellations) are each the meeting's own message."""
        lang = contact.language
        theme = await self._theme(uow, event.theme, lang)
        if isinstance(event, matching.HubCoachAssigned):
            names = await self._names(uow, event.leaders)
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
            (await self._names(uow, [previous_id], withdrawn=True)).get(previous_id) if previous_id else None
        )
        draft = messages.mentor_paired(
            contact.language,
            is_mentor=is_mentor,
            partner_name=full_name(partner),
            partner_email=partner.email,
            program_year=event.program_year,
            explanations=await self._explain(
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
        partner = (await self._names(uow, [partner_id], withdrawn=True)).get(partner_id)
        if partner is None:
            return Waiting(contact_key(partner_id))
        draft = messages.mentor_unpaired(
            contact.language, is_mentor=is_mentor, partner_name=partner, program_year=event.program_year
        )
        return [Outgoing(contact, draft)]

    @property
    def _portal_sessions(self) -> str:
        """The portal's page of the participant's sessions; no id in it (sign-in tells who)."""
        return f"{self.settings.portal_base_url.rstrip('/')}/portal/sessions"

    def _survey(
        self, event: evaluation.SurveyOpened | evaluation.SurveyReminderRequested, contact: Contact
    ) -> Composed:
        draft = messages.survey(
            contact.language,
            reminder=isinstance(event, evaluation.SurveyReminderRequested),
            title_en=event.title_en,
            title_fr=event.title_fr,
            closes_at=event.closes_at,
            zone=self.zone(event.board),
            link=f"{self.settings.portal_base_url.rstrip('/')}/portal/surveys",
        )
        return [Outgoing(contact, draft)]

    async def _unplaced(self, uow: UnitOfWork, event: matching.ParticipantUnplaced) -> Composed:
        participant = await repositories(uow).contacts.get(event.participant_id, fresh=True)
        if participant is None:
            return Waiting(contact_key(event.participant_id))
        coordinators = await repositories(uow).board_contacts.of_board(event.board, roles=("coordinator",))
        if not coordinators:
            return Waiting(board_key(event.board))
        outgoing = []
        for c in coordinators:
            draft = messages.participant_unplaced(
                c.language,
                participant_name=full_name(participant),
                program_year=event.program_year,
                reasons=await self._explain(uow, event.reasons, c.language, "coordinator"),
            )
            outgoing.append(Outgoing(Recipient(email=c.email, language=c.language, given_name=c.name), draft))
        return outgoing

    async def _meeting(
        self,
        uow: UnitOfWork,
        event: matching.HubMeetingScheduled,
        contact: Contact,
        as_change: Literal["scheduled", "cancelled"] | None = None,
    ) -> Composed:
        """The meeting's news for one attendee; ``as_change`` when it is news for them alone (they
        were added to it, or dropped from it) rather than a change of the meeting itself."""
        item = await repositories(uow).schedule.item(event.meeting_id)
        if item is not None and item.sequence > event.sequence:
            return []  # superseded while this message waited
        hub = await repositories(uow).schedule.hub(event.hub_id)
        lang = contact.language
        zone = self.zone(event.board)
        change: Literal["scheduled", "rescheduled", "cancelled"] = as_change or (
            "cancelled"
            if isinstance(event, matching.HubMeetingCancelled)
            else "rescheduled"
            if isinstance(event, matching.HubMeetingRescheduled)
            else "scheduled"
        )
        cancelled = change == "cancelled"
        starts, ends = aware(event.starts_at, zone), aware(event.ends_at, zone)
        theme = await self._theme(uow, hub.theme, lang) if hub else None
        invite = single_entry_invite(
            uid=meeting_uid(event.meeting_id),
            sequence=event.sequence,
            starts_at=starts,
            ends_at=ends,
            summary=wording.hub_summary(theme, lang),
            location=event.location,
            stamp=event.occurred_at,
            cancelled=cancelled,
        )
        draft = messages.hub_meeting(
            lang,
            change=change,
            theme=theme,
            span=messages.Span(starts, ends, zone),
            location=event.location,
            release_time=event.release_time,
        )
        return [Outgoing(contact, draft, invite)]

    async def _observation(
        self, uow: UnitOfWork, event: matching.ObservationScheduled, contact: Contact
    ) -> Composed:
        sequence = getattr(event, "sequence", 0)
        item = await repositories(uow).schedule.item(event.observation_id)
        if item is not None and item.sequence > sequence:
            return []
        lang = contact.language
        zone = self.zone(event.board)
        is_visitor = contact.participant_id == event.visitor_id
        partner_id = event.host_id if is_visitor else event.visitor_id
        cancelled = isinstance(event, matching.ObservationCancelled)
        change: Literal["scheduled", "rescheduled", "cancelled"] = (
            "cancelled"
            if cancelled
            else "rescheduled"
            if isinstance(event, matching.ObservationRescheduled)
            else "scheduled"
        )
        starts, ends = aware(event.starts_at, zone), aware(event.ends_at, zone)
        invite = single_entry_invite(
            uid=observation_uid(event.observation_id),
            sequence=sequence,
            starts_at=starts,
            ends_at=ends,
            summary=wording.observation_summary(lang),
            stamp=event.occurred_at,
            cancelled=cancelled,
        )
        draft = messages.observation(
            lang,
            change=change,
            is_visitor=is_visitor,
            partner_name=(await self._names(uow, [partner_id])).get(partner_id),
            span=messages.Span(starts, ends, zone),
        )
        return [Outgoing(contact, draft, invite)]

    def _session_invite(
        self, item: ScheduledItem, stamp: datetime, cancelled: bool, sequence: int | None = None
    ) -> Invite:
        return single_entry_invite(
            uid=session_uid(item.item_id),
            sequence=item.sequence if sequence is None else sequence,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            summary=item.title or "Mentorweb",
            location=item.location,
            url=item.online_url,
            stamp=stamp,
            cancelled=cancelled,
        )

    def _session_values(self, item: ScheduledItem, board: str) -> messages.Session:
        return messages.Session(
            title=item.title,
            kind=item.kind,
            span=messages.Span(item.starts_at, item.ends_at, self.zone(board)),
            location=item.location,
            online_url=item.online_url,
        )

    async def _session(
        self, uow: UnitOfWork, event: registration.SessionScheduled, contact: Contact
    ) -> Composed:
        item = await repositories(uow).schedule.item(event.session_id)
        if item is None or item.sequence > event.sequence:
            return []
        enrolment = await repositories(uow).schedule.enrolment(event.session_id, contact.participant_id)
        confirmed = enrolment is not None and enrolment.status == "confirmed"
        cancelled = isinstance(event, registration.SessionCancelled)
        draft = messages.session_update(
            contact.language,
            session=self._session_values(item, event.board),
            change="cancelled" if cancelled else "changed",
            confirmed=confirmed,
        )
        # Only confirmed participants have it in their calendar; the waitlisted just hear the news.
        invite = self._session_invite(item, event.occurred_at, cancelled) if confirmed else None
        return [Outgoing(contact, draft, invite)]

    async def _enrolment(
        self,
        uow: UnitOfWork,
        event: registration.EnrolmentConfirmed | registration.EnrolmentWaitlisted,
        contact: Contact,
    ) -> Composed:
        item = await repositories(uow).schedule.item(event.session_id)
        if item is None:
            return Waiting(session_key(event.session_id))
        if item.cancelled:
            return []
        enrolment = await repositories(uow).schedule.enrolment(event.session_id, event.participant_id)
        confirmed = isinstance(event, registration.EnrolmentConfirmed)
        if enrolment is not None and enrolment.status != ("confirmed" if confirmed else "waitlisted"):
            return []  # overtaken by a later change of this enrolment
        session = self._session_values(item, event.board)
        if isinstance(event, registration.EnrolmentConfirmed):
            invite = self._session_invite(item, event.occurred_at, cancelled=False)
            draft = messages.enrolment_confirmed(
                contact.language,
                session=session,
                promoted=event.promoted_from_waitlist,
                link=self._portal_sessions,
            )
            return [Outgoing(contact, draft, invite)]
        return [
            Outgoing(
                contact,
                messages.enrolment_waitlisted(
                    contact.language, session=session, position=event.position, link=self._portal_sessions
                ),
            )
        ]

    async def _enrolment_cancelled(
        self, uow: UnitOfWork, event: registration.EnrolmentCancelled, contact: Contact
    ) -> Composed:
        item = await repositories(uow).schedule.item(event.session_id)
        if item is None:
            return Waiting(session_key(event.session_id))
        enrolment = await repositories(uow).schedule.enrolment(event.session_id, event.participant_id)
        if item.cancelled or (enrolment is not None and enrolment.status != "cancelled"):
            return []  # the session is cancelled (they heard), or they enrolled again since
        draft = messages.enrolment_cancelled(
            contact.language,
            session=self._session_values(item, event.board),
            was_confirmed=event.was_confirmed,
            link=self._portal_sessions,
        )
        # Their calendar entry goes (a CANCEL for this attendee, one sequence past the invitation).
        invite = (
            self._session_invite(item, event.occurred_at, cancelled=True, sequence=item.sequence + 1)
            if event.was_confirmed
            else None
        )
        return [Outgoing(contact, draft, invite)]

    async def _grant(self, uow: UnitOfWork, event: GrantEvent, target: str) -> Composed:
        change: messages.GrantChange = GRANT_CHANGES[type(event)]
        if target == "applicant" and event.contact_email:
            email, name, audience = event.contact_email, event.contact_name or "", "applicant"
        elif target.startswith(REVIEWER):
            email, name, audience = target.removeprefix(REVIEWER), "", "reviewer"
        else:
            return []
        language = await language_for_email(uow, event.board, email)
        draft = messages.grant_update(
            language,
            change=change,
            audience=audience,  # type: ignore[arg-type]
            organisation=event.applicant_organisation,
            stream=event.stream,
            program_year=event.program_year,
            requested_total=event.requested_total,
            awarded_amount=getattr(event, "awarded_amount", None),
            decline_reason=event.reason if isinstance(event, grants.GrantDeclined) else None,
            contact_name=event.contact_name,
        )
        return [Outgoing(Recipient(email=email, language=language, given_name=name), draft)]


GrantEvent = (
    grants.GrantSubmitted
    | grants.GrantApproved
    | grants.GrantDeclined
    | grants.GrantPaid
    | grants.GrantWithdrawn
)
GRANT_EVENTS = (
    grants.GrantSubmitted,
    grants.GrantApproved,
    grants.GrantDeclined,
    grants.GrantPaid,
    grants.GrantWithdrawn,
)
GRANT_CHANGES: dict[type[IntegrationEvent], messages.GrantChange] = {
    grants.GrantSubmitted: "submitted",
    grants.GrantApproved: "approved",
    grants.GrantDeclined: "declined",
    grants.GrantPaid: "paid",
    grants.GrantWithdrawn: "withdrawn",
}


async def lock(uow: UnitOfWork, key: str) -> None:
    """A transaction-scoped lock on what a message waits for (see the module's docstring)."""
    await repositories(uow).awaiting.lock([key])


async def board_contacts(
    uow: UnitOfWork, board: str, roles: Sequence[str] = ("coordinator", "steering_committee")
) -> list[BoardContact]:
    return await repositories(uow).board_contacts.of_board(board, roles)


async def language_for_email(uow: UnitOfWork, board: str, email: str) -> str:
    """The language of someone known only by address: as a board contact, else as a participant."""
    found = await repositories(uow).board_contacts.language_of_address(board, email)
    if found is None:
        found = await repositories(uow).contacts.language_of_address(email)
    return wording.language_of(found)
