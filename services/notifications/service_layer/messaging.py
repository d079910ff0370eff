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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.notifications.adapters.calendar import to_ics
from services.notifications.adapters.tables import (
    AwaitingMessage,
    BoardContact,
    Contact,
    Enrolment,
    Hub,
    ScheduledItem,
)
from services.notifications.config import Settings
from services.notifications.domain import wording
from services.notifications.domain.calendar import (
    Invite,
    hub_formation_invite,
    meeting_uid,
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
REVIEWER = "reviewer:"
EVERYONE = "*"  # the targets themselves are not known yet (a meeting of a hub not seen yet)


@dataclass(frozen=True)
class Outgoing:
    recipient: Contact | Recipient
    template: str
    reason: str  # a key of wording.WHY
    context: dict[str, Any] = field(default_factory=dict)
    invite: Invite | None = None
    urgent: bool = True


@dataclass(frozen=True)
class Waiting:
    waiting_for: str


Composed = list[Outgoing] | Waiting


def contact_key(participant_id: object) -> str:
    return f"contact:{participant_id}"


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


def parse_when(value: str, zone: Any) -> datetime:
    try:
        return aware(datetime.fromisoformat(value), zone)
    except ValueError as exc:
        raise ValueError("session time is not an ISO 8601 date-time") from exc


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
        table = AwaitingMessage.__table__  # type: ignore[attr-defined]
        statement = insert(table).values(
            id=uuid.uuid4(),
            event_id=event.event_id,
            event_type=event.type,
            board=event.board,
            target=target,
            waiting_for=waiting.waiting_for,
            body=event.model_dump(mode="json"),
        )
        await uow.session.execute(
            statement.on_conflict_do_update(
                constraint="uq_awaiting_once", set_={"waiting_for": statement.excluded.waiting_for}
            )
        )
        log.info("%s message parked until %s arrives", event.type, waiting.waiting_for.split(":")[0])

    async def release(self, uow: UnitOfWork, waiting_for: str) -> int:
        """Compose the messages that waited for ``waiting_for`` (call after it is written)."""
        return await self.release_all(uow, [waiting_for])

    async def release_all(self, uow: UnitOfWork, keys: Sequence[str]) -> int:
        """:meth:`release` for several keys: one lock statement, one delete, whatever their number."""
        await uow.session.flush()
        await lock_all(uow, keys)
        table = AwaitingMessage.__table__  # type: ignore[attr-defined]
        rows = (
            await uow.session.execute(
                sa.delete(table)
                .where(table.c.waiting_for.in_(sorted(set(keys))))
                .returning(table.c.target, table.c.body, table.c.created_at)
            )
        ).all()
        queued = 0
        for row in sorted(rows, key=lambda r: r.created_at):
            event = decode(json.dumps(row.body).encode())
            queued += await self.deliver(uow, event, None if row.target == EVERYONE else [row.target])
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
            recipient=recipient,
            template=out.template,
            why=wording.why(out.reason, recipient.language),
            context=out.context,
            calendar=calendar,
            urgent=out.urgent,
            base_url=self.settings.public_base_url,
            secret=self.settings.jwt_secret,
        )
        return int(inserted)

    # -- who ----------------------------------------------------------------------------------------

    async def targets(self, uow: UnitOfWork, event: IntegrationEvent) -> list[str] | Waiting:
        match event:
            case matching.HubFormed():
                return [PARTICIPANT + str(p) for p in unique([*event.members, *event.leaders])]
            case matching.HubMembershipChanged():
                people = unique([*event.members, *event.leaders, *event.removed])
                return [PARTICIPANT + str(p) for p in people]
            case matching.MentorPaired():
                return [PARTICIPANT + str(event.teacher_id), PARTICIPANT + str(event.mentor_id)]
            case matching.ParticipantUnplaced():
                return ["coordinators"]
            case matching.HubMeetingScheduled():
                attendees = list(event.attendees)
                if not attendees:
                    hub = await uow.session.get(Hub, event.hub_id)
                    if hub is None:
                        return Waiting(f"hub:{event.hub_id}")
                    attendees = [uuid.UUID(str(p)) for p in [*hub.members, *hub.leaders]]
                return [PARTICIPANT + str(p) for p in unique(attendees)]
            case registration.SessionCancelled():
                return await self._enrolled(uow, event.session_id, ("confirmed", "waitlisted"))
            case registration.SessionChanged():
                return await self._enrolled(uow, event.session_id, ("confirmed",))
            case registration.EnrolmentConfirmed() | registration.EnrolmentWaitlisted():
                return [PARTICIPANT + str(event.participant_id)]
            case evaluation.SurveyOpened() | evaluation.SurveyReminderRequested():
                return [PARTICIPANT + str(p) for p in unique(event.invitees)]
            case grants.GrantSubmitted() | grants.GrantApproved() | grants.GrantDeclined():
                found = ["applicant"] if event.contact_email else []
                return found + [REVIEWER + r for r in self.settings.grant_reviewer_emails]
        return []

    async def _enrolled(self, uow: UnitOfWork, session_id: uuid.UUID, statuses: Sequence[str]) -> list[str]:
        rows = await uow.session.execute(
            sa.select(Enrolment.participant_id).where(  # type: ignore[call-overload]
                Enrolment.session_id == session_id,
                Enrolment.status.in_(statuses),  # type: ignore[attr-defined]
            )
        )
        return [PARTICIPANT + str(p) for p in rows.scalars()]

    # -- what ---------------------------------------------------------------------------------------

    async def compose(self, uow: UnitOfWork, event: IntegrationEvent, target: str) -> Composed:
        if target.startswith(PARTICIPANT):
            participant_id = uuid.UUID(target.removeprefix(PARTICIPANT))
            contact = await uow.session.get(Contact, participant_id, populate_existing=True)
            if contact is None:
                return Waiting(contact_key(participant_id))
            if contact.status == "withdrawn":
                return []
            return await self._for_participant(uow, event, contact)
        if target == "coordinators" and isinstance(event, matching.ParticipantUnplaced):
            return await self._unplaced(uow, event)
        if isinstance(event, grants.GrantSubmitted | grants.GrantApproved | grants.GrantDeclined):
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
            case matching.HubMeetingScheduled():
                return await self._meeting(uow, event, contact)
            case registration.SessionScheduled():
                return await self._session(uow, event, contact)
            case registration.EnrolmentConfirmed() | registration.EnrolmentWaitlisted():
                return await self._enrolment(uow, event, contact)
            case evaluation.SurveyOpened() | evaluation.SurveyReminderRequested():
                return self._survey(event, contact)
        return []

    async def _names(self, uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = await uow.session.execute(
            sa.select(Contact).where(Contact.participant_id.in_(list(ids)))  # type: ignore[attr-defined]
        )
        return {c.participant_id: full_name(c) for c in rows.scalars()}

    async def _hub_context(
        self,
        uow: UnitOfWork,
        *,
        board: str,
        theme: str,
        members: Sequence[uuid.UUID],
        leaders: Sequence[uuid.UUID],
        meeting_dates: Sequence[datetime],
        contact: Contact,
    ) -> dict[str, Any]:
        lang = contact.language
        zone = self.zone(board)
        names = await self._names(uow, unique([*members, *leaders]))
        me = contact.participant_id
        return {
            "theme": wording.theme_label(theme, lang),
            "is_leader": me in leaders,
            "members": [names[m] for m in members if m != me and m in names],
            "leaders": [names[m] for m in leaders if m != me and m in names],
            "unknown_count": sum(1 for m in unique([*members, *leaders]) if m != me and m not in names),
            "meetings": [wording.format_when(aware(d, zone), lang, zone) for d in meeting_dates],
        }

    def _hub_invite(
        self, board: str, hub_id: uuid.UUID, theme: str, dates: Sequence[datetime], lang: str, stamp: datetime
    ) -> Invite | None:
        zone = self.zone(board)
        return hub_formation_invite(
            hub_id=hub_id,
            meeting_dates=[aware(d, zone) for d in dates],
            duration=timedelta(minutes=self.settings.hub_meeting_minutes),
            summary=wording.hub_summary(theme, lang),
            location=None,
            stamp=stamp,
        )

    async def _hub_formed(self, uow: UnitOfWork, event: matching.HubFormed, contact: Contact) -> Composed:
        context = await self._hub_context(
            uow,
            board=event.board,
            theme=event.theme,
            members=event.members,
            leaders=event.leaders,
            meeting_dates=event.meeting_dates,
            contact=contact,
        )
        context |= {"program_year": event.program_year, "explanation": event.explanation}
        invite = self._hub_invite(
            event.board, event.hub_id, event.theme, event.meeting_dates, contact.language, event.occurred_at
        )
        return [Outgoing(contact, "hub_formed", "hub", context, invite)]

    async def _hub_changed(
        self, uow: UnitOfWork, event: matching.HubMembershipChanged, contact: Contact
    ) -> Composed:
        hub = await uow.session.get(Hub, event.hub_id)
        dates = [datetime.fromisoformat(d) for d in hub.meeting_dates] if hub else []
        me = contact.participant_id
        lang = contact.language
        if me in event.removed and me not in event.members and me not in event.leaders:
            invite = None
            if dates:
                zone = self.zone(event.board)
                invite = hub_formation_invite(
                    hub_id=event.hub_id,
                    meeting_dates=[aware(d, zone) for d in dates],
                    duration=timedelta(minutes=self.settings.hub_meeting_minutes),
                    summary=wording.hub_summary(event.theme, lang),
                    location=None,
                    stamp=event.occurred_at,
                    sequence=1,
                    cancel=True,
                )
            context: dict[str, Any] = {
                "theme": wording.theme_label(event.theme, lang),
                "reason": event.reason,
            }
            return [Outgoing(contact, "hub_removed", "hub", context, invite)]
        context = await self._hub_context(
            uow,
            board=event.board,
            theme=event.theme,
            members=event.members,
            leaders=event.leaders,
            meeting_dates=dates,
            contact=contact,
        )
        names = await self._names(uow, unique([*event.added, *event.removed]))
        joined = me in event.added
        context |= {
            "you_joined": joined,
            "added": [names[p] for p in event.added if p != me and p in names],
            "removed": [names[p] for p in event.removed if p in names],
            "reason": event.reason,
        }
        if joined:
            invite = self._hub_invite(event.board, event.hub_id, event.theme, dates, lang, event.occurred_at)
            return [Outgoing(contact, "hub_changed", "hub", context, invite)]
        # Someone else joined or left: worth knowing, not urgent (it can wait for a weekly digest).
        return [Outgoing(contact, "hub_changed", "hub", context, None, urgent=False)]

    async def _paired(self, uow: UnitOfWork, event: matching.MentorPaired, contact: Contact) -> Composed:
        is_mentor = contact.participant_id == event.mentor_id
        partner_id = event.teacher_id if is_mentor else event.mentor_id
        partner = await uow.session.get(Contact, partner_id, populate_existing=True)
        if partner is None:
            return Waiting(contact_key(partner_id))  # the introduction is nothing without the partner
        context = {
            "is_mentor": is_mentor,
            "partner_name": full_name(partner),
            "partner_email": partner.email,
            "program_year": event.program_year,
            "explanation": event.explanation,
        }
        return [Outgoing(contact, "mentor_paired", "pairing", context)]

    def _survey(
        self, event: evaluation.SurveyOpened | evaluation.SurveyReminderRequested, contact: Contact
    ) -> Composed:
        """The invitation to a survey (or its reminder): its title and closing date in the contact's
        language, and a link to the portal's list of their surveys (no id in it)."""
        lang = contact.language
        context = {
            "title": event.title_fr if lang == "fr" else event.title_en,
            "closes": wording.format_when(event.closes_at, lang, self.zone(event.board)),
            "link": f"{self.settings.portal_base_url.rstrip('/')}/portal/surveys",
        }
        template = (
            "survey_reminder"
            if isinstance(event, evaluation.SurveyReminderRequested)
            else "survey_invitation"
        )
        return [Outgoing(contact, template, "pairing", context)]

    async def _unplaced(self, uow: UnitOfWork, event: matching.ParticipantUnplaced) -> Composed:
        participant = await uow.session.get(Contact, event.participant_id, populate_existing=True)
        if participant is None:
            return Waiting(contact_key(event.participant_id))
        coordinators = await board_contacts(uow, event.board, roles=("coordinator",))
        if not coordinators:
            return Waiting(f"board:{event.board}")
        return [
            Outgoing(
                Recipient(email=c.email, language=c.language, given_name=c.name),
                "participant_unplaced",
                "coordinator",
                {
                    "participant_name": full_name(participant),
                    "participant_role": participant.role,
                    "reason": event.reason,
                    "program_year": event.program_year,
                },
            )
            for c in coordinators
        ]

    async def _meeting(
        self, uow: UnitOfWork, event: matching.HubMeetingScheduled, contact: Contact
    ) -> Composed:
        item = await uow.session.get(ScheduledItem, event.meeting_id, populate_existing=True)
        if item is not None and item.sequence > event.sequence:
            return []  # superseded while this message waited
        hub = await uow.session.get(Hub, event.hub_id)
        lang = contact.language
        zone = self.zone(event.board)
        cancelled = isinstance(event, matching.HubMeetingCancelled)
        change = (
            "cancelled"
            if cancelled
            else "rescheduled"
            if isinstance(event, matching.HubMeetingRescheduled)
            else "scheduled"
        )
        starts, ends = aware(event.starts_at, zone), aware(event.ends_at, zone)
        summary = wording.hub_summary(hub.theme if hub else "", lang)
        invite = single_entry_invite(
            uid=meeting_uid(event.meeting_id),
            sequence=event.sequence,
            starts_at=starts,
            ends_at=ends,
            summary=summary,
            location=event.location,
            stamp=event.occurred_at,
            cancelled=cancelled,
        )
        context = {
            "change": change,
            "theme": wording.theme_label(hub.theme, lang) if hub else None,
            "when": wording.format_when(starts, lang, zone),
            "until": wording.format_when(ends, lang, zone).rsplit(", ", 1)[-1],
            "location": event.location,
            "release_time": event.release_time,
        }
        return [Outgoing(contact, "hub_meeting", "hub", context, invite)]

    def _session_invite(self, item: ScheduledItem, stamp: datetime, cancelled: bool) -> Invite:
        return single_entry_invite(
            uid=session_uid(item.item_id),
            sequence=item.sequence,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            summary=item.title or "Mentorweb",
            location=item.location,
            url=item.online_url,
            stamp=stamp,
            cancelled=cancelled,
        )

    def _session_context(self, item: ScheduledItem, board: str, lang: str) -> dict[str, Any]:
        zone = self.zone(board)
        return {
            "title": item.title,
            "kind": item.kind,
            "when": wording.format_when(item.starts_at, lang, zone),
            "until": wording.format_when(item.ends_at, lang, zone).rsplit(", ", 1)[-1],
            "location": item.location,
            "online_url": item.online_url,
        }

    async def _session(
        self, uow: UnitOfWork, event: registration.SessionScheduled, contact: Contact
    ) -> Composed:
        item = await uow.session.get(ScheduledItem, event.session_id, populate_existing=True)
        if item is None or item.sequence > event.sequence:
            return []
        enrolment = await uow.session.get(Enrolment, (event.session_id, contact.participant_id))
        confirmed = enrolment is not None and enrolment.status == "confirmed"
        cancelled = isinstance(event, registration.SessionCancelled)
        context = self._session_context(item, event.board, contact.language)
        context |= {"change": "cancelled" if cancelled else "changed", "confirmed": confirmed}
        # Only confirmed participants have it in their calendar; the waitlisted just hear the news.
        invite = self._session_invite(item, event.occurred_at, cancelled) if confirmed else None
        return [Outgoing(contact, "session_update", "session", context, invite)]

    async def _enrolment(
        self,
        uow: UnitOfWork,
        event: registration.EnrolmentConfirmed | registration.EnrolmentWaitlisted,
        contact: Contact,
    ) -> Composed:
        item = await uow.session.get(ScheduledItem, event.session_id, populate_existing=True)
        if item is None:
            return Waiting(f"session:{event.session_id}")
        if item.cancelled:
            return []
        enrolment = await uow.session.get(Enrolment, (event.session_id, event.participant_id))
        confirmed = isinstance(event, registration.EnrolmentConfirmed)
        if enrolment is not None and enrolment.status != ("confirmed" if confirmed else "waitlisted"):
            return []  # overtaken by a later change of this enrolment
        context = self._session_context(item, event.board, contact.language)
        if confirmed:
            context["promoted"] = event.promoted_from_waitlist  # type: ignore[union-attr]
            invite = self._session_invite(item, event.occurred_at, cancelled=False)
            return [Outgoing(contact, "enrolment_confirmed", "session", context, invite)]
        context["position"] = event.position  # type: ignore[union-attr]
        return [Outgoing(contact, "enrolment_waitlisted", "session", context, None, urgent=False)]

    async def _grant(
        self,
        uow: UnitOfWork,
        event: grants.GrantSubmitted | grants.GrantApproved | grants.GrantDeclined,
        target: str,
    ) -> Composed:
        change = {
            grants.GrantSubmitted: "submitted",
            grants.GrantApproved: "approved",
            grants.GrantDeclined: "declined",
        }[type(event)]
        if target == "applicant" and event.contact_email:
            email, name, reason, audience = (
                event.contact_email,
                event.contact_name or "",
                "grant_applicant",
                "applicant",
            )
        elif target.startswith(REVIEWER):
            email, name, reason, audience = target.removeprefix(REVIEWER), "", "grant_reviewer", "reviewer"
        else:
            return []
        language = await language_for_email(uow, event.board, email)
        context = {
            "change": change,
            "audience": audience,
            "organisation": event.applicant_organisation,
            "stream": event.stream,
            "program_year": event.program_year,
            "requested_total": event.requested_total,
            "awarded_amount": getattr(event, "awarded_amount", None),
            "decline_reason": getattr(event, "reason", None),
            "contact_name": event.contact_name,
        }
        recipient = Recipient(email=email, language=language, given_name=name)
        return [Outgoing(recipient, "grant_update", reason, context)]


async def lock(uow: UnitOfWork, key: str) -> None:
    await lock_all(uow, [key])


_LOCK_ALL = sa.text(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM "
    "(SELECT k FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, n) ORDER BY n OFFSET 0) AS ordered"
)


async def lock_all(uow: UnitOfWork, keys: Sequence[str]) -> None:
    """Transaction-scoped advisory locks on ``keys``, taken in sorted order (two transactions
    locking overlapping sets cannot deadlock), in one round trip."""
    await uow.session.execute(_LOCK_ALL, {"keys": sorted(set(keys))})


async def board_contacts(
    uow: UnitOfWork, board: str, roles: Sequence[str] = ("coordinator", "steering_committee")
) -> list[BoardContact]:
    rows = await uow.session.execute(
        sa.select(BoardContact)
        .where(BoardContact.board == board, BoardContact.role.in_(roles))  # type: ignore[arg-type,attr-defined]
        .order_by(BoardContact.created_at)  # type: ignore[arg-type]
    )
    return list(rows.scalars())


async def language_for_email(uow: UnitOfWork, board: str, email: str) -> str:
    """The language of someone known only by address: as a board contact, else as a participant."""
    lowered = email.lower()
    found = (
        await uow.session.execute(
            sa.select(BoardContact.language)  # type: ignore[call-overload]
            .where(BoardContact.board == board, sa.func.lower(BoardContact.email) == lowered)
            .limit(1)
        )
    ).scalar_one_or_none()
    if found is None:
        found = (
            await uow.session.execute(
                sa.select(Contact.language).where(sa.func.lower(Contact.email) == lowered).limit(1)  # type: ignore[call-overload]
            )
        ).scalar_one_or_none()
    return wording.language_of(found)
