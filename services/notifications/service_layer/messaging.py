"""Who hears about an event, and what: one message per target, in the target's language.

Each topic (``hubs``, ``pairings``, ``observations``, ``sessions``, ``grants``, ``evaluation``) is a
:class:`Topic`: for the events it covers it names the *targets* (``participant:<id>``,
``coordinators``, ``applicant``, ``reviewer:<email>``) and gathers the plain values each target's
message needs, asking ``domain.messages`` for the message itself. The :class:`Messenger` does the
rest: it looks recipients up, stores each message for delivery (rendered, in the delivery log) and,
when something a message needs is not known yet — the recipient's contact (the event overtook the
registration), the board's coordinators, the session — parks it in ``awaiting_messages`` under what
it waits for (``contact:<id>``, ``board:<code>``, ``session:<id>``, ``hub:<id>``) and composes it
again when that arrives: an event that comes early never loses anyone's message.

Parking and releasing take a transaction-level advisory lock on the awaited key, so a contact
committed while a message is being parked cannot slip between the check and the park.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from services.notifications.adapters.calendar import to_ics
from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import Contact
from services.notifications.config import Settings
from services.notifications.domain import explaining, messages, wording
from services.notifications.service_layer.delivery_log import Recipient, compose_notification
from shared.db import UnitOfWork
from shared.events import matching
from shared.events.catalog import decode
from shared.events.envelope import IntegrationEvent

log = logging.getLogger(__name__)

PARTICIPANT = "participant:"
EVERYONE = "*"  # the targets themselves are not known yet (a meeting of a hub not seen yet)


@dataclass(frozen=True)
class Outgoing:
    """A message for one recipient; its calendar part is the draft's."""

    recipient: Contact | Recipient
    draft: messages.Draft


@dataclass(frozen=True)
class Waiting:
    waiting_for: str


Composed = list[Outgoing] | Waiting
Targets = list[str] | Waiting


def contact_key(participant_id: object) -> str:
    return f"contact:{participant_id}"


def board_key(board: str) -> str:
    return f"board:{board}"


def session_key(session_id: object) -> str:
    return f"session:{session_id}"


def hub_key(hub_id: object) -> str:
    return f"hub:{hub_id}"


def participants(ids: Iterable[object]) -> list[str]:
    return [PARTICIPANT + str(p) for p in ids]


def full_name(contact: Contact) -> str:
    return f"{contact.given_name} {contact.family_name}".strip()


def unique(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    seen: dict[uuid.UUID, None] = {}
    for i in ids:
        seen.setdefault(i, None)
    return list(seen)


def aware(moment: datetime, zone: tzinfo) -> datetime:
    """Producers send aware times; a naive one is read in the board's zone rather than refused."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


class Topic:
    """The messages of a few related events: whom they go to and the values each one needs.

    ``targets`` names who hears of an event; ``compose`` writes one target's messages (a participant
    target is looked up and handed to ``for_participant``). Either may answer :class:`Waiting`.
    """

    events: ClassVar[tuple[type[IntegrationEvent], ...]] = ()

    def __init__(self, messenger: Messenger):
        self.messenger = messenger

    @property
    def settings(self) -> Settings:
        return self.messenger.settings

    async def targets(self, uow: UnitOfWork, event: Any) -> Targets:
        return []

    async def compose(self, uow: UnitOfWork, event: Any, target: str) -> Composed:
        if target.startswith(PARTICIPANT):
            contact = await self.messenger.participant(uow, target.removeprefix(PARTICIPANT))
            if not isinstance(contact, Contact):
                return contact
            return await self.for_participant(uow, event, contact)
        return []

    async def for_participant(self, uow: UnitOfWork, event: Any, contact: Contact) -> Composed:
        return []


class Messenger:
    """Stores the messages events call for: topics say who and what, the domain words them."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.topics: dict[type[IntegrationEvent], Topic] = {}

    def cover(self, *topics: Topic) -> None:
        """Let ``topics`` say who hears of their events and what (see :class:`Topic`)."""
        for topic in topics:
            for event_type in topic.events:
                self.topics[event_type] = topic

    def zone(self, board: str) -> tzinfo:
        return self.settings.zone_of(board)

    # -- storing messages for delivery --------------------------------------------------------------

    async def deliver(
        self, uow: UnitOfWork, event: IntegrationEvent, targets: Sequence[str] | None = None
    ) -> int:
        """Queue ``event``'s messages (for ``targets``, or all of them); returns how many were queued."""
        topic = self.topics.get(type(event))
        if topic is None:
            return 0
        if targets is None:
            planned = await topic.targets(uow, event)
            if isinstance(planned, Waiting):
                await self._park(uow, event, EVERYONE, planned)
                return 0
            targets = planned
        queued = 0
        for target in targets:
            if target == EVERYONE:
                queued += await self.deliver(uow, event)
                continue
            for outgoing in await self._compose_or_park(uow, topic, event, target):
                queued += await self.queue(uow, event.event_id, event.board, outgoing)
        return queued

    async def _compose_or_park(
        self, uow: UnitOfWork, topic: Topic, event: IntegrationEvent, target: str
    ) -> list[Outgoing]:
        composed = await topic.compose(uow, event, target)
        locked: set[str] = set()
        while isinstance(composed, Waiting) and composed.waiting_for not in locked:
            # Lock what we wait for, then look again: whoever provides it either committed before
            # (we now see it) or releases after our commit (it will see the parked row).
            await repositories(uow).awaiting.lock([composed.waiting_for])
            locked.add(composed.waiting_for)
            composed = await topic.compose(uow, event, target)
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

    async def _row(self, uow: UnitOfWork, event_id: uuid.UUID, board: str, out: Outgoing) -> dict[str, Any]:
        recipient = out.recipient
        name = full_name(recipient) if isinstance(recipient, Contact) else recipient.given_name
        invite = out.draft.invite
        calendar = (
            to_ics(
                invite, organizer=self.settings.smtp_from, attendee_email=recipient.email, attendee_name=name
            )
            if invite is not None
            else None
        )
        return compose_notification(
            event_id=event_id,
            board=board,
            board_name=await repositories(uow).names.board_name(board),
            recipient=recipient,
            draft=out.draft,
            calendar=calendar,
            base_url=self.settings.public_base_url,
            secret=self.settings.link_signing_key,
        )

    async def queue(self, uow: UnitOfWork, event_id: uuid.UUID, board: str, out: Outgoing) -> int:
        """Render and store one message; 0 when it is already stored (a redelivered event)."""
        return await repositories(uow).mail.store([await self._row(uow, event_id, board, out)])

    async def queue_all(self, uow: UnitOfWork, messages: Sequence[tuple[uuid.UUID, str, Outgoing]]) -> None:
        """Render and store (event id, board, message) triples in one round trip; one already
        stored is left as it is."""
        await repositories(uow).mail.store(
            [await self._row(uow, e, board, out) for e, board, out in messages]
        )

    # -- looking people and names up ---------------------------------------------------------------

    async def participant(
        self, uow: UnitOfWork, participant_id: object
    ) -> Contact | Waiting | list[Outgoing]:
        """The participant's contact as stored now; Waiting while it is unknown; no one (an empty
        list of messages) once they withdrew."""
        contact = await repositories(uow).contacts.get(uuid.UUID(str(participant_id)), fresh=True)
        if contact is None:
            return Waiting(contact_key(participant_id))
        if contact.status == "withdrawn":
            return []
        return contact

    async def names(
        self, uow: UnitOfWork, ids: Sequence[uuid.UUID], *, withdrawn: bool = False
    ) -> dict[uuid.UUID, str]:
        """Names of ``ids`` known here; someone who withdrew only with ``withdrawn`` (who left, or
        whose pairing ended), never as a current member."""
        if not ids:
            return {}
        found = await repositories(uow).contacts.many(ids)
        return {p: full_name(c) for p, c in found.items() if withdrawn or c.status != "withdrawn"}

    async def theme(self, uow: UnitOfWork, code: str, language: str) -> str | None:
        return (await repositories(uow).names.theme_namer(language))(code) if code else None

    async def explain(
        self,
        uow: UnitOfWork,
        reasons: Sequence[matching.Reason],
        language: str,
        audience: explaining.Audience = "member",
    ) -> list[str]:
        namer = await repositories(uow).names.theme_namer(language)
        return explaining.explain([(r.code, r.values) for r in reasons], language, namer, audience)

    async def people(
        self, uow: UnitOfWork, members: Sequence[uuid.UUID], leaders: Sequence[uuid.UUID], me: uuid.UUID
    ) -> tuple[list[str], list[str], int]:
        """The names of a hub's other members and of its leaders, and how many are not known yet."""
        names = await self.names(uow, unique([*members, *leaders]))
        others = [m for m in unique([*members, *leaders]) if m != me]
        return (
            [names[m] for m in members if m != me and m in names and m not in leaders],
            [names[m] for m in leaders if m != me and m in names],
            sum(1 for m in others if m not in names),
        )

    async def language_for_email(self, uow: UnitOfWork, board: str, email: str) -> str:
        """The language of someone known only by address: as a board contact, else as a participant."""
        found = await repositories(uow).board_contacts.language_of_address(board, email)
        if found is None:
            found = await repositories(uow).contacts.language_of_address(email)
        return wording.language_of(found)

    def portal(self, page: str) -> str:
        """A page of the portal (``sessions``, ``surveys``, ``harvest``); no id in it: sign-in tells who."""
        return f"{self.settings.portal_base_url.rstrip('/')}/portal/{page}"
