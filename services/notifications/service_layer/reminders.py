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

from services.notifications.adapters.repository import SessionFactory, repositories
from services.notifications.adapters.tables import Reminder
from services.notifications.config import Settings
from services.notifications.domain import messages
from services.notifications.domain.digest import reminder_event_id
from services.notifications.domain.timing import (
    grant_deadline,
    grant_reminder_due_at,
    still_worth_reminding,
    upcoming_grant_program_year,
)
from services.notifications.service_layer.delivery_log import Recipient
from services.notifications.service_layer.messaging import Messenger, Outgoing
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
    await repositories(uow).reminders.schedule(
        key=key, kind=kind, board=board, due_at=due_at, payload=payload
    )


async def cancel(uow: UnitOfWork, key: str, *, note: str = "cancelled") -> None:
    await repositories(uow).reminders.cancel(key, note=note)


async def plan_grant_deadlines(
    uow: UnitOfWork, settings: Settings, now: datetime, board: str | None = None
) -> int:
    """Make sure every board with contacts has its next start-up grant deadline reminder, unless it
    already submitted for that program year. Idempotent (ON CONFLICT DO NOTHING on the key)."""
    found = repositories(uow)
    lead = timedelta(days=settings.grant_reminder_lead_days)
    created = 0
    for code in await found.board_contacts.boards(board):
        zone = settings.zone_of(code)
        program_year = upcoming_grant_program_year(now, zone)
        if await found.schedule.has_submitted(code, program_year):
            continue
        # A board that had no contacts when its reminder fell due gets it once it has some.
        created += await found.reminders.plan(
            key=grant_key(code, program_year),
            kind="grant_deadline",
            board=code,
            due_at=grant_reminder_due_at(program_year, zone, lead),
            payload={"program_year": program_year},
        )
    return created


async def send_due(
    session_factory: SessionFactory, messenger: Messenger, now: datetime, batch: int = 100
) -> int:
    """Claim due reminders (SKIP LOCKED), queue their messages, mark them; returns how many were handled."""
    handled = 0
    while True:
        async with UnitOfWork(session_factory, scope="system") as uow:
            rows = await repositories(uow).reminders.claim_due(now, batch)
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
    found = repositories(uow)
    item = await found.schedule.item(uuid.UUID(reminder.payload["item_id"]), fresh=False)
    if item is None or item.cancelled:
        return [], "cancelled"
    if not still_worth_reminding(item.starts_at, now):
        return [], "already started"
    hub = await found.schedule.hub(item.hub_id)
    people: list[object]
    if item.kind == "meeting":
        people = list(item.attendees) or ([*hub.members, *hub.leaders] if hub else [])
    else:
        people = list(await found.schedule.enrolled(item.item_id, ("confirmed",)))
    ids = list(dict.fromkeys(uuid.UUID(str(p)) for p in people))
    contacts = (await found.contacts.many(ids)).values()
    zone = messenger.zone(item.board)
    days = max(1, round((item.starts_at - now).total_seconds() / 86400))
    outgoing = []
    for contact in contacts:
        if contact.status == "withdrawn":
            continue
        lang = contact.language
        if item.kind == "meeting":
            title = (await found.names.theme_namer(lang))(hub.theme) if hub else None
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
    if await repositories(uow).schedule.has_submitted(reminder.board, program_year):
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
        for c in await repositories(uow).board_contacts.of_board(reminder.board)
    ]
    return outgoing, None if outgoing else "no board contacts"
