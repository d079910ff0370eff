"""A participant's calendar: the hub meetings, observation visits and sessions they are in (from the
scheduled items and enrolments notifications already keeps), one entry as iCalendar, and their
secret, revocable feed URL (only the token's hash is stored)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifications.adapters.calendar import to_feed_ics
from services.notifications.adapters.repository import repositories
from services.notifications.adapters.tables import CalendarFeed, Contact, ScheduledItem
from services.notifications.domain.calendar import CalendarEntry, meeting_uid, observation_uid, session_uid
from services.notifications.domain.feeds import feed_name, summary, token_hash
from services.notifications.service_layer.errors import NotFound
from shared.db import UnitOfWork

PAST = timedelta(days=31)  # the feed keeps last month's entries too (a calendar does not lose them at once)


def uid_of(item: ScheduledItem) -> str:
    if item.kind == "meeting":
        return meeting_uid(item.item_id)
    if item.kind == "observation":
        return observation_uid(item.item_id)
    return session_uid(item.item_id)


@dataclass(frozen=True)
class Calendar:
    """What a participant's calendar lists, and the language its titles are in."""

    language: str
    items: list[ScheduledItem]

    def title(self, item: ScheduledItem) -> str:
        return summary(item.kind, item.title, self.language)


async def items_of(uow: UnitOfWork, participant_id: uuid.UUID, now: datetime) -> list[ScheduledItem]:
    """What the participant is in, not cancelled, from a month ago on: meetings and visits that list
    them among the attendees, sessions they hold a confirmed place in."""
    return await repositories(uow).calendars.items_of(participant_id, now - PAST)


async def calendar_of(uow: UnitOfWork, participant_id: uuid.UUID, now: datetime) -> Calendar:
    who = await repositories(uow).contacts.get(participant_id)
    return Calendar(who.language if who else "en", await items_of(uow, participant_id, now))


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


async def one_entry(uow: UnitOfWork, participant_id: uuid.UUID, item_id: uuid.UUID, now: datetime) -> str:
    """One entry of the participant's calendar as an .ics file; NotFound when it is not in it."""
    calendar = await calendar_of(uow, participant_id, now)
    found = [i for i in calendar.items if i.item_id == item_id]
    if not found:
        raise NotFound("entry", "No such entry in your calendar.")
    return as_ics(found, calendar.language, now)


async def create_feed(uow: UnitOfWork, participant_id: uuid.UUID, now: datetime) -> str:
    """A new secret token for the participant's feed (any earlier URL stops working), committed;
    returned once."""
    who = await repositories(uow).contacts.get(participant_id)
    if who is None:
        raise NotFound("participant", "No contact is known for you yet.")
    calendars = repositories(uow).calendars
    token = secrets.token_urlsafe(32)
    row = await calendars.feed(who.participant_id, lock=True)
    if row is None:
        calendars.add_feed(
            CalendarFeed(
                participant_id=who.participant_id,
                board=who.board,
                token_hash=token_hash(token),
                created_at=now,
            )
        )
    else:
        row.token_hash, row.created_at = token_hash(token), now
    await uow.commit()
    return token


async def feed_of(uow: UnitOfWork, participant_id: uuid.UUID) -> CalendarFeed | None:
    return await repositories(uow).calendars.feed(participant_id)


async def revoke_feed(uow: UnitOfWork, participant_id: uuid.UUID) -> bool:
    """Revoke (and commit): the feed's URL answers 404 from now on."""
    revoked = await repositories(uow).calendars.revoke(participant_id)
    await uow.commit()
    return revoked


async def owner_of_token(uow: UnitOfWork, token: str) -> Contact | None:
    """The participant whose feed this token opens, or None (unknown or revoked)."""
    participant_id = await repositories(uow).calendars.owner_of(token_hash(token))
    return None if participant_id is None else await repositories(uow).contacts.get(participant_id)


async def feed(uow: UnitOfWork, token: str, now: datetime) -> str:
    """The feed this token opens, as iCalendar; NotFound when the token is unknown or revoked."""
    who = await owner_of_token(uow, token)
    if who is None:
        raise NotFound("calendar feed", "No such calendar feed.")
    return as_ics(await items_of(uow, who.participant_id, now), who.language, now)
