"""Calendar invitations (iCalendar, RFC 5545; iTIP methods, RFC 5546) as plain data.

An entry keeps one UID for its whole life (derived from the meeting, session or hub it stands for)
and a SEQUENCE that grows with every change, so a calendar updates or removes the entry it already
holds instead of adding a second one. ``adapters.calendar.to_ics`` turns an :class:`Invite` into text.

The meeting dates a hub is formed with carry no ids: :func:`hub_meeting_id` derives one per date
(hub and position), so its invitation, reminders and later reschedules name the same entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Method = Literal["REQUEST", "CANCEL"]
UID_DOMAIN = "mentorweb"
# Namespace of the meeting ids derived from a hub's formation.
_HUB_MEETINGS = uuid.UUID("6d1f4a52-2c57-4c8e-9a51-4b3f1f0c7e11")


@dataclass(frozen=True)
class CalendarEntry:
    """One VEVENT; ``starts_at``/``ends_at`` are timezone-aware."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    sequence: int = 0
    location: str | None = None
    description: str | None = None
    url: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Invite:
    """What one message's calendar part says: REQUEST (new or changed) or CANCEL, and when (DTSTAMP)."""

    method: Method
    entries: tuple[CalendarEntry, ...]
    stamp: datetime


def meeting_uid(meeting_id: uuid.UUID) -> str:
    """The UID of a hub meeting: the same for its invitation, every update and its cancellation."""
    return f"hub-meeting-{meeting_id}@{UID_DOMAIN}"


def session_uid(session_id: uuid.UUID) -> str:
    """The UID of a workshop or network session."""
    return f"session-{session_id}@{UID_DOMAIN}"


def observation_uid(observation_id: uuid.UUID) -> str:
    """The UID of a classroom observation visit (the visitor's and the host's entries alike)."""
    return f"observation-{observation_id}@{UID_DOMAIN}"


def hub_meeting_id(hub_id: uuid.UUID, index: int) -> uuid.UUID:
    """The id of the ``index``-th meeting date (in the event's order) a hub was formed with.

    Deterministic, so the HubFormed invitation, its reminders and a later HubMeetingScheduled /
    Rescheduled that uses the same derivation all name one calendar entry.
    """
    return uuid.uuid5(_HUB_MEETINGS, f"{hub_id}:{index}")


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def single_entry_invite(
    *,
    uid: str,
    sequence: int,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    stamp: datetime,
    location: str | None = None,
    description: str | None = None,
    url: str | None = None,
    cancelled: bool = False,
) -> Invite:
    """The invitation (or, when ``cancelled``, the cancellation) of one meeting or session."""
    entry = CalendarEntry(
        uid=uid,
        starts_at=_aware(starts_at, "starts_at"),
        ends_at=_aware(ends_at, "ends_at"),
        summary=summary,
        sequence=sequence,
        location=location,
        description=description,
        url=url,
        cancelled=cancelled,
    )
    return Invite(method="CANCEL" if cancelled else "REQUEST", entries=(entry,), stamp=stamp)


def hub_formation_invite(
    *,
    hub_id: uuid.UUID,
    meeting_dates: Sequence[datetime],
    duration: timedelta,
    summary: str,
    stamp: datetime,
    location: str | None = None,
    sequence: int = 0,
    cancel: bool = False,
) -> Invite | None:
    """One entry per meeting date a hub was formed with (None without dates); ``cancel`` withdraws
    them (a member removed from the hub), with a higher ``sequence`` than the invitation had."""
    entries = tuple(
        CalendarEntry(
            uid=meeting_uid(hub_meeting_id(hub_id, index)),
            starts_at=_aware(start, "meeting date"),
            ends_at=start + duration,
            summary=summary,
            sequence=sequence,
            location=location,
            cancelled=cancel,
        )
        for index, start in enumerate(meeting_dates)
    )
    if not entries:
        return None
    return Invite(method="CANCEL" if cancel else "REQUEST", entries=entries, stamp=stamp)
