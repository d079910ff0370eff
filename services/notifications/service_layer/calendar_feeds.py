"""A participant's calendar: the hub meetings, observation visits and sessions they are in (from the
scheduled items and enrolments notifications already keeps), one entry as iCalendar, and their
secret, revocable feed URL (only the token's hash is stored)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from services.notifications.adapters.calendar import to_feed_ics
from services.notifications.adapters.tables import CalendarFeed, Contact, Enrolment, ScheduledItem
from services.notifications.domain.calendar import CalendarEntry, meeting_uid, observation_uid, session_uid
from services.notifications.domain.feeds import feed_name, summary, token_hash
from shared.db import UnitOfWork

PAST = timedelta(days=31)  # the feed keeps last month's entries too (a calendar does not lose them at once)


def uid_of(item: ScheduledItem) -> str:
    if item.kind == "meeting":
        return meeting_uid(item.item_id)
    if item.kind == "observation":
        return observation_uid(item.item_id)
    return session_uid(item.item_id)


async def items_of(uow: UnitOfWork, participant_id: uuid.UUID, now: datetime) -> list[ScheduledItem]:
    """What the participant is in, not cancelled, from a month ago on: meetings and visits that list
    them among the attendees, sessions they hold a confirmed place in."""
    enrolled = sa.select(Enrolment.session_id).where(
        Enrolment.participant_id == participant_id,  # type: ignore[arg-type]
        Enrolment.status == "confirmed",  # type: ignore[arg-type]
    )
    attendees = ScheduledItem.__table__.c.attendees  # type: ignore[attr-defined]
    rows = await uow.session.execute(
        sa.select(ScheduledItem)
        .where(
            ScheduledItem.cancelled.is_(False),  # type: ignore[attr-defined]
            ScheduledItem.ends_at >= now - PAST,  # type: ignore[arg-type]
            sa.or_(
                attendees.contains([str(participant_id)]),
                ScheduledItem.item_id.in_(enrolled),  # type: ignore[attr-defined]
            ),
        )
        .order_by(ScheduledItem.starts_at, ScheduledItem.item_id)  # type: ignore[arg-type]
    )
    return list(rows.scalars())


def entries(found: Sequence[ScheduledItem], language: str) -> list[CalendarEntry]:
    return [
        CalendarEntry(
            uid=uid_of(i),
            starts_at=i.starts_at,
            ends_at=i.ends_at,
            summary=summary(i.kind, i.title, language),
            sequence=i.sequence,
            location=i.location,
            url=i.online_url,
        )
        for i in found
    ]


def as_ics(found: Sequence[ScheduledItem], language: str, now: datetime) -> str:
    return to_feed_ics(entries(found, language), name=feed_name(language), stamp=now)


async def contact(uow: UnitOfWork, participant_id: uuid.UUID) -> Contact | None:
    return await uow.session.get(Contact, participant_id)


async def create_feed(uow: UnitOfWork, who: Contact, now: datetime) -> str:
    """A new secret token for the participant's feed (any earlier URL stops working); returned once."""
    token = secrets.token_urlsafe(32)
    row = await uow.session.get(CalendarFeed, who.participant_id, with_for_update=True)
    if row is None:
        uow.session.add(
            CalendarFeed(
                participant_id=who.participant_id,
                board=who.board,
                token_hash=token_hash(token),
                created_at=now,
            )
        )
    else:
        row.token_hash, row.created_at = token_hash(token), now
    return token


async def feed_of(uow: UnitOfWork, participant_id: uuid.UUID) -> CalendarFeed | None:
    return await uow.session.get(CalendarFeed, participant_id)


async def revoke_feed(uow: UnitOfWork, participant_id: uuid.UUID) -> bool:
    deleted = await uow.session.execute(
        sa.delete(CalendarFeed).where(CalendarFeed.participant_id == participant_id)  # type: ignore[arg-type]
    )
    return bool(deleted.rowcount)  # type: ignore[attr-defined]


async def owner_of_token(uow: UnitOfWork, token: str) -> Contact | None:
    """The participant whose feed this token opens, or None (unknown or revoked)."""
    row = (
        await uow.session.execute(
            sa.select(CalendarFeed.participant_id).where(CalendarFeed.token_hash == token_hash(token))  # type: ignore[arg-type]
        )
    ).scalar_one_or_none()
    return None if row is None else await uow.session.get(Contact, row)
