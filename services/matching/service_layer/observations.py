"""Classroom observation visits and their debriefs.

A beginning teacher visits a hub leader's or a peer's classroom (or is visited): the visitor is
released for one day, booked against the board's occasional teachers exactly as hub meetings are
(ObservationScheduled). The debrief is the participant's own: only they and the one mentor they
name may read it. Coordinators and anyone who evaluates the participant never can: mentorship is
non-evaluative.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.matching.adapters.meeting_tables import DebriefRow, ObservationRow
from services.matching.adapters.tables import ParticipantView
from services.matching.adapters.unit_of_work import repositories
from services.matching.domain import release_days as scheduler
from services.matching.domain.errors import DayNotAvailable, Invalid, NoReleaseDay
from services.matching.service_layer import release_days as ledger
from services.matching.service_layer.errors import NotFound
from shared.db import UnitOfWork
from shared.events.matching import ObservationCancelled, ObservationScheduled

DEBRIEF_MAX_CHARS = 4000


async def participant(uow: UnitOfWork, participant_id: uuid.UUID, field: str) -> ParticipantView:
    found = await repositories(uow).people.participant(participant_id)
    if found is None or found.withdrawn:
        raise Invalid(field, "matching does not know this participant (or they withdrew)")
    return found


@dataclass(frozen=True)
class ObservationRequest:
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    program_year: str
    not_before: date
    not_after: date | None = None
    day: date | None = None
    visitor_has_class: bool = True
    requested_by: str | None = None


async def request_observation(uow: UnitOfWork, board: str, request: ObservationRequest) -> ObservationRow:
    """Book the earliest school day (or the chosen ``day``) on which visitor and host are free and an
    occasional teacher is left to cover the visitor's class."""
    if request.visitor_id == request.host_id:
        raise Invalid("host_id", "the host is another teacher than the visitor")
    calendar_row = await ledger.get_calendar(uow, board, request.program_year)
    calendar = ledger.calendar_of(calendar_row)
    start = request.day or max(request.not_before, calendar.first_day)
    end = request.day or min(request.not_after or calendar.last_day, calendar.last_day)
    if end < start:
        raise Invalid("not_after", "the window is outside the school year")
    releases = 1 if request.visitor_has_class else 0
    store = repositories(uow).meetings
    capacity, booked = await store.lock_ledger(board, start, end)
    people = [str(request.visitor_id), str(request.host_id)]
    busy = await store.busy_days(board, people, start, end)
    if request.day is not None:
        problem = scheduler.day_problem(
            request.day,
            calendar=calendar,
            attendees=people,
            busy=busy,
            releases=releases,
            left=capacity.get(request.day, 0) - booked.get(request.day, 0),
        )
        if problem is not None:
            raise DayNotAvailable("day", problem[1])
        day = request.day
    else:
        picked = scheduler.pick_observation_day(
            calendar,
            capacity=capacity,
            booked=booked,
            busy=busy[people[0]] | busy[people[1]],
            start=start,
            end=end,
            releases=releases,
        )
        if isinstance(picked, scheduler.UnscheduledHub):
            raise NoReleaseDay("not_after", picked.reason)
        day = picked
    await store.book(board, {day: releases})
    starts_at, ends_at = ledger.meeting_times(calendar_row, day, release_time=True)
    row = ObservationRow(
        id=uuid.uuid4(),
        board=board,
        program_year=request.program_year,
        visitor_id=request.visitor_id,
        host_id=request.host_id,
        requested_by=request.requested_by,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        releases=releases,
        created_at=datetime.now(UTC),
    )
    await store.add_observation(row)
    uow.publish(
        ObservationScheduled(
            board=board,
            observation_id=row.id,
            visitor_id=row.visitor_id,
            host_id=row.host_id,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    )
    await uow.commit()
    return row


async def get_observation(
    uow: UnitOfWork, observation_id: uuid.UUID, *, lock: bool = False
) -> ObservationRow:
    row = await repositories(uow).meetings.observation(observation_id, lock=lock)
    if row is None:
        raise NotFound("No such observation visit.")
    return row


async def cancel_observation(uow: UnitOfWork, observation_id: uuid.UUID) -> ObservationRow:
    """Cancel a visit and give its occasional teacher back."""
    row = await get_observation(uow, observation_id, lock=True)
    if row.status == "scheduled":
        await repositories(uow).meetings.release(row.board, row.day, row.releases)
        row.status = "cancelled"
        await repositories(uow).flush()
        uow.publish(
            ObservationCancelled(
                board=row.board,
                observation_id=row.id,
                visitor_id=row.visitor_id,
                host_id=row.host_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
            )
        )
        await uow.commit()
    return row


# ---------------------------------------------------------------- debriefs


def evaluates(mentor: ParticipantView, author: ParticipantView) -> bool:
    """A mentor who supervises or evaluates the author is never their mentor for a debrief."""
    return author.hr_id in (mentor.evaluates_hr_ids or []) and mentor.board == author.board


async def write_debrief(
    uow: UnitOfWork, observation: ObservationRow, author_id: uuid.UUID, body: str, mentor_id: uuid.UUID | None
) -> DebriefRow:
    """The participant's own debrief (create or replace), shared with at most one mentor."""
    if author_id not in (observation.visitor_id, observation.host_id):
        raise NotFound("No such observation visit.")
    if len(body) > DEBRIEF_MAX_CHARS:
        raise Invalid("body", f"at most {DEBRIEF_MAX_CHARS} characters: a short debrief")
    if mentor_id is not None:
        author = await participant(uow, author_id, "author")
        mentor = await participant(uow, mentor_id, "mentor_id")
        if mentor.role != "mentor" or mentor.board != observation.board:
            raise Invalid("mentor_id", "not a mentor of this board")
        if evaluates(mentor, author):
            raise Invalid("mentor_id", "this person evaluates you; mentorship is non-evaluative")
    debrief = await repositories(uow).meetings.put_debrief(observation, author_id, body, mentor_id)
    await uow.commit()
    return debrief


async def readable_debriefs(
    uow: UnitOfWork, observation_id: uuid.UUID, reader_id: uuid.UUID
) -> list[DebriefRow]:
    """Debriefs of the visit that ``reader_id`` wrote, or that name them as the mentor (unless
    they have since come to evaluate the author)."""
    store = repositories(uow)
    rows = await store.meetings.debriefs_for(observation_id, reader_id)
    readable: list[DebriefRow] = []
    for row in rows:
        if row.author_id == reader_id:
            readable.append(row)
            continue
        mentor = await store.people.participant(reader_id)
        author = await store.people.participant(row.author_id)
        if mentor is not None and author is not None and not evaluates(mentor, author):
            readable.append(row)
    return readable
