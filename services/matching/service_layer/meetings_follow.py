"""Meetings follow their hub: when a hub dissolves its future meetings are cancelled
(HubMeetingCancelled to every invitee, the occasional teachers are given back); when people leave
or join a hub, each of its future meetings is re-announced once as HubMeetingRescheduled with the
same times, ``sequence`` + 1 and its full current attendee list, so a reader can tell who was
dropped (their copy is cancelled), who was added (invited) and who stays (nothing to say). Past
meetings are history and stay as they were."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from services.matching.adapters.meeting_tables import HubMeetingRow
from services.matching.adapters.meetings import CapacityTaken
from services.matching.adapters.unit_of_work import repositories
from shared.db import UnitOfWork
from shared.events.matching import HubMeetingCancelled, HubMeetingRescheduled, HubMeetingScheduled


@dataclass
class FollowOutcome:
    cancelled: int = 0  # meetings cancelled with their hub
    places_returned: int = 0  # occasional teachers given back
    uninvited: int = 0  # people told a meeting of a hub they left is off for them
    invited: int = 0  # people invited to a meeting of a hub they joined
    uncovered: int = 0  # joiners for whom no occasional teacher was left on the day
    cancelled_by_hub: dict[uuid.UUID, int] = field(default_factory=dict)  # dissolved hub -> meetings


def _event(
    row: HubMeetingRow, cls: type[HubMeetingScheduled], attendees: Collection[uuid.UUID]
) -> HubMeetingScheduled:
    return cls(
        board=row.board,
        meeting_id=row.id,
        hub_id=row.hub_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        location=row.location,
        release_time=row.release_time,
        sequence=row.sequence,
        attendees=sorted(attendees),
    )


async def follow_hubs(
    uow: UnitOfWork,
    *,
    board: str,
    today: date,
    dissolved: Collection[uuid.UUID] = (),
    left: Mapping[uuid.UUID, Collection[str]] | None = None,
    joined: Mapping[uuid.UUID, Collection[str]] | None = None,
    without_class: Collection[str] = (),
) -> FollowOutcome:
    """Carry hub changes over to the hubs' meetings from ``today`` on (the caller holds the board).
    People in ``without_class`` (a board coach or consultant) have no class to cover: they neither
    book nor give back an occasional teacher."""
    out = FollowOutcome()
    left = left or {}
    joined = joined or {}
    free = {uuid.UUID(p) for p in without_class}
    for row in await repositories(uow).meetings.future_meetings(board, list(dissolved), today):
        await repositories(uow).meetings.release(board, row.day, row.releases)
        out.places_returned += row.releases
        row.status = "cancelled"
        row.releases = 0
        row.sequence += 1
        row.updated_at = datetime.now(UTC)
        out.cancelled += 1
        out.cancelled_by_hub[row.hub_id] = out.cancelled_by_hub.get(row.hub_id, 0) + 1
        uow.publish(_event(row, HubMeetingCancelled, row.attendees))
    changed = sorted(set(left) | set(joined))
    for row in await repositories(uow).meetings.future_meetings(board, changed, today):
        going = {uuid.UUID(p) for p in left.get(row.hub_id, ())} & set(row.attendees)
        coming = {uuid.UUID(p) for p in joined.get(row.hub_id, ())} - set(row.attendees)
        if going:
            # Each leaver with a class frees their occasional teacher (never below zero).
            teaching = len(going - free)
            back = min(teaching, row.releases) if row.release_time else 0
            await repositories(uow).meetings.release(board, row.day, back)
            out.places_returned += back
            row.releases -= back
            row.with_class = max(row.with_class - teaching, 0)
            row.attendees = [a for a in row.attendees if a not in going]
            out.uninvited += len(going)
        if coming:
            teaching = len(coming - free)
            if row.release_time and teaching:
                try:
                    await repositories(uow).meetings.book(board, {row.day: teaching})
                    row.releases += teaching
                except CapacityTaken:
                    out.uncovered += teaching
            row.with_class += teaching
            row.attendees = sorted({*row.attendees, *coming})
            out.invited += len(coming)
        if going or coming:
            # One new version of the meeting, with everyone now invited (never only the change).
            row.sequence += 1
            row.updated_at = datetime.now(UTC)
            uow.publish(_event(row, HubMeetingRescheduled, row.attendees))
    await repositories(uow).flush()
    return out
