"""Reminders: rows in ``reminders`` (due_at, kind, unique key) that survive restarts.

Events schedule, move and cancel them by key (``meeting:<id>``, ``session:<id>``,
``grant_deadline:<board>:<program year>``). The scheduler claims due rows with
``FOR UPDATE SKIP LOCKED`` and queues their messages in the same transaction, so two replicas
never send one reminder twice; the messages' event id is derived from the key and due time, so
even a replayed claim collides on the delivery log's uniqueness.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications.adapters.names import theme_namer
from services.notifications.adapters.tables import (
    BoardContact,
    Contact,
    Enrolment,
    GrantSubmission,
    Hub,
    Reminder,
    ScheduledItem,
)
from services.notifications.config import Settings
from services.notifications.domain import messages
from services.notifications.domain.digest import reminder_event_id
from services.notifications.domain.timing import (
    grant_deadline,
    grant_reminder_due_at,
    still_worth_reminding,
    upcoming_grant_program_year,
)
from services.notifications.service_layer.messaging import Messenger, Outgoing, board_contacts
from services.notifications.service_layer.outgoing import Recipient
from shared.db import UnitOfWork

log = logging.getLogger(__name__)


def item_key(kind: str, item_id: uuid.UUID) -> str:
    return f"{'meeting' if kind == 'meeting' else 'session'}:{item_id}"


def grant_key(board: str, program_year: str) -> str:
    return f"grant_deadline:{board}:{program_year}"


async def schedule(
    uow: UnitOfWork, *, key: str, kind: str, board: str, due_at: datetime | None, payload: dict[str, Any]
) -> None:
    """Create or move the reminder ``key``; with no due time (too close to remind), drop a pending one.

    A reminder already sent is sent again only if its due time moves (the meeting moved).
    """
    if due_at is None:
        await cancel(uow, key, note="too close to remind")
        return
    table = Reminder.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(
        id=uuid.uuid4(), key=key, kind=kind, board=board, due_at=due_at, state="pending", payload=payload
    )
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "due_at": statement.excluded.due_at,
                "payload": statement.excluded.payload,
                "state": "pending",
                "sent_at": None,
                "note": None,
            },
            where=sa.or_(
                table.c.due_at != statement.excluded.due_at,
                table.c.state.in_(("cancelled", "skipped")),
            ),
        )
    )


async def cancel(uow: UnitOfWork, key: str, *, note: str = "cancelled") -> None:
    await uow.session.execute(
        sa.update(Reminder)
        .where(Reminder.key == key, Reminder.state == "pending")  # type: ignore[arg-type]
        .values(state="cancelled", note=note)
    )


async def plan_grant_deadlines(
    uow: UnitOfWork, settings: Settings, now: datetime, board: str | None = None
) -> int:
    """Make sure every board with contacts has its next start-up grant deadline reminder, unless it
    already submitted for that program year. Idempotent (ON CONFLICT DO NOTHING on the key)."""
    query = sa.select(BoardContact.board).distinct()  # type: ignore[call-overload]
    if board is not None:
        query = query.where(BoardContact.board == board)
    boards = list((await uow.session.execute(query)).scalars())
    lead = timedelta(days=settings.grant_reminder_lead_days)
    created = 0
    table = Reminder.__table__  # type: ignore[attr-defined]
    for code in boards:
        zone = Messenger(settings).zone(code)
        program_year = upcoming_grant_program_year(now, zone)
        if await uow.session.get(GrantSubmission, (code, program_year)) is not None:
            continue
        statement = (
            insert(table)
            .values(
                id=uuid.uuid4(),
                key=grant_key(code, program_year),
                kind="grant_deadline",
                board=code,
                due_at=grant_reminder_due_at(program_year, zone, lead),
                state="pending",
                payload={"program_year": program_year},
            )
            # A board that had no contacts when its reminder fell due gets it once it has some.
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"state": "pending", "note": None},
                where=sa.and_(table.c.state == "skipped", table.c.note == "no board contacts"),
            )
            .returning(table.c.id)
        )
        created += len((await uow.session.execute(statement)).all())
    return created


async def send_due(
    session_factory: async_sessionmaker[AsyncSession], messenger: Messenger, now: datetime, batch: int = 100
) -> int:
    """Claim due reminders (SKIP LOCKED), queue their messages, mark them; returns how many were handled."""
    handled = 0
    while True:
        async with UnitOfWork(session_factory, scope="system") as uow:
            rows = list(
                (
                    await uow.session.execute(
                        sa.select(Reminder)
                        .where(Reminder.state == "pending", Reminder.due_at <= now)  # type: ignore[arg-type,operator]
                        .order_by(Reminder.due_at)  # type: ignore[arg-type]
                        .limit(batch)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not rows:
                return handled
            for reminder in rows:
                await _send(uow, messenger, reminder, now)
            await uow.commit()
        handled += len(rows)
        if len(rows) < batch:
            return handled


async def _send(uow: UnitOfWork, messenger: Messenger, reminder: Reminder, now: datetime) -> None:
    if reminder.kind == "grant_deadline":
        outgoing, note = await _grant_deadline(uow, messenger, reminder, now)
    else:
        outgoing, note = await _scheduled(uow, messenger, reminder, now)
    event_id = reminder_event_id(reminder.key, reminder.due_at)
    for out in outgoing:
        await messenger.queue(uow, event_id, reminder.board, out)
    reminder.state = "sent" if outgoing else "skipped"
    reminder.note = note
    reminder.sent_at = now if outgoing else None


async def _scheduled(
    uow: UnitOfWork, messenger: Messenger, reminder: Reminder, now: datetime
) -> tuple[list[Outgoing], str | None]:
    item = await uow.session.get(ScheduledItem, uuid.UUID(reminder.payload["item_id"]))
    if item is None or item.cancelled:
        return [], "cancelled"
    if not still_worth_reminding(item.starts_at, now):
        return [], "already started"
    hub = await uow.session.get(Hub, item.hub_id) if item.hub_id else None
    if item.kind == "meeting":
        people = list(item.attendees) or ([*hub.members, *hub.leaders] if hub else [])
    else:
        people = list(
            (
                await uow.session.execute(
                    sa.select(Enrolment.participant_id).where(  # type: ignore[call-overload]
                        Enrolment.session_id == item.item_id, Enrolment.status == "confirmed"
                    )
                )
            ).scalars()
        )
    ids = list(dict.fromkeys(uuid.UUID(str(p)) for p in people))
    contacts = (
        await uow.session.execute(sa.select(Contact).where(Contact.participant_id.in_(ids)))  # type: ignore[attr-defined]
    ).scalars()
    zone = messenger.zone(item.board)
    days = max(1, round((item.starts_at - now).total_seconds() / 86400))
    outgoing = []
    for contact in contacts:
        if contact.status == "withdrawn":
            continue
        lang = contact.language
        if item.kind == "meeting":
            title = (await theme_namer(uow, lang))(hub.theme) if hub else None
        else:
            title = item.title
        draft = messages.reminder(
            lang,
            what="meeting" if item.kind == "meeting" else "session",
            title=title,
            starts_at=item.starts_at,
            zone=zone,
            days=days,
            location=item.location,
            online_url=item.online_url,
        )
        outgoing.append(Outgoing(contact, draft))
    return outgoing, None if outgoing else "no recipients"


async def _grant_deadline(
    uow: UnitOfWork, messenger: Messenger, reminder: Reminder, now: datetime
) -> tuple[list[Outgoing], str | None]:
    program_year = reminder.payload["program_year"]
    if await uow.session.get(GrantSubmission, (reminder.board, program_year)) is not None:
        return [], "submitted"
    zone = messenger.zone(reminder.board)
    deadline = grant_deadline(program_year, zone)
    if now > deadline:
        return [], "deadline passed"
    days_left = max(0, math.ceil((deadline - now).total_seconds() / 86400))
    outgoing = [
        Outgoing(
            Recipient(email=c.email, language=c.language, given_name=c.name),
            messages.reminder_grant_deadline(
                c.language, program_year=program_year, deadline=deadline, zone=zone, days_left=days_left
            ),
        )
        for c in await board_contacts(uow, reminder.board)
    ]
    return outgoing, None if outgoing else "no board contacts"
