"""Use cases of workshops and Beginning Teacher Network sessions: schedule, change, cancel, enrol
(with a waitlist), record attendance, and a new school leader's workshop progress.

Seats are counted under a row lock (``SELECT ... FOR UPDATE``) on the session, or on the cohort
group for cohort meetings, so concurrent enrolments never exceed capacity, and a cancellation
promotes the first on the waitlist in the same transaction. Events go through the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.registration.adapters.boards import DuplicateRow
from services.registration.adapters.repository import repositories
from services.registration.adapters.tables import (
    AttendanceRow,
    EnrolmentRow,
    NetworkCohortRow,
    Participant,
    SessionRow,
)
from services.registration.domain import enrolment as rules
from services.registration.domain.timeline import SCHOOL_LEADER_MIN_WORKSHOPS
from services.registration.service_layer import timeline_facts
from services.registration.service_layer.errors import Conflict, InvalidInput, NotFound
from shared.db import UnitOfWork
from shared.events.registration import (
    AttendanceRecorded,
    EnrolmentCancelled,
    EnrolmentConfirmed,
    EnrolmentWaitlisted,
    SessionCancelled,
    SessionChanged,
    SessionScheduled,
)

# Board code on the events of provincial sessions (organised by the Association for every board).
# Enrolment and attendance events carry the participant's own board.
PROVINCIAL = "province"
# What a calendar shows: a change to any of these is announced with SessionChanged.
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "location", "online_url")
_EDITABLE = {*_CALENDAR_FIELDS, "facilitator", "capacity"}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput([("timezone", "unknown time zone (use e.g. America/Toronto)")]) from exc


def session_event(
    row: SessionRow, cls: type[SessionScheduled] = SessionScheduled, **envelope: Any
) -> SessionScheduled:
    """The event of a session; times are local to the session (the date part is the local day)."""
    zone = _zone(row.timezone)
    return cls(
        board=row.board or PROVINCIAL,
        session_id=row.id,
        kind=row.kind,  # type: ignore[arg-type]  # a checked session kind stored as text
        title=row.title,
        starts_at=row.starts_at.astimezone(zone),
        ends_at=row.ends_at.astimezone(zone),
        location=row.location,
        online_url=row.online_url,
        sequence=row.sequence,
        **envelope,
    )


def _check(data: Mapping[str, Any]) -> None:
    """The session's rules and its dates inside its program year; every problem named at once."""
    problems: list[tuple[str, str]] = []
    if data.get("program_year"):
        problems += rules.dates_outside_program_year(
            data["program_year"], {"starts_at": data.get("starts_at"), "ends_at": data.get("ends_at")}
        )
    try:
        rules.check_session(
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data.get("location"),
            online_url=data.get("online_url"),
            capacity=data.get("capacity"),
            audience=data.get("audience") or [],
            cohort_id=data.get("cohort_id"),
        )
    except rules.SessionRuleError as exc:
        if exc.field not in {field for field, _ in problems}:
            problems.append((exc.field, exc.message))
    if problems:
        raise InvalidInput(problems)


async def _board_timezone(uow: UnitOfWork, board: str | None) -> str:
    if board is None:
        return "America/Toronto"
    found = await repositories(uow).boards.get(board)
    if found is None:
        raise InvalidInput([("board", "unknown board")])
    return found.timezone


# ---------------------------------------------------------------- sessions and cohort groups


async def create_cohort(uow: UnitOfWork, data: Mapping[str, Any]) -> NetworkCohortRow:
    await _board_timezone(uow, data.get("board"))
    cohort = NetworkCohortRow(id=uuid.uuid4(), **data)
    await repositories(uow).sessions.add(cohort)
    await uow.commit()
    return cohort


async def get_cohort(uow: UnitOfWork, cohort_id: uuid.UUID, *, lock: bool = False) -> NetworkCohortRow:
    cohort = await repositories(uow).sessions.cohort(cohort_id, lock=lock)
    if cohort is None:
        raise NotFound("cohort group")
    return cohort


async def create_session(uow: UnitOfWork, data: Mapping[str, Any]) -> SessionRow:
    """Schedule a workshop, a cohort group's meeting or an open network session (SessionScheduled).

    A cohort meeting is on release time and its seats are the cohort group's: its confirmed
    members are enrolled at once (EnrolmentConfirmed each)."""
    values = dict(data)
    _check(values)
    board_timezone = await _board_timezone(uow, values.get("board"))
    timezone = values.pop("timezone", None) or board_timezone
    _zone(timezone)
    values["audience"] = list(rules.audience_of(values["kind"], values.get("audience") or []))
    cohort: NetworkCohortRow | None = None
    if values["kind"] == "network_cohort":
        cohort = await get_cohort(uow, values["cohort_id"], lock=True)
        if cohort.board != values.get("board"):
            raise InvalidInput([("cohort_id", "the cohort group belongs to another board")])
        meetings = await _cohort_meetings(uow, cohort.id)
        if len(meetings) >= cohort.meetings_planned:
            raise Conflict(
                "Cohort group complete",
                f"cohort_id: the group already has its {cohort.meetings_planned} meetings",
                [("cohort_id", "all meetings scheduled")],
            )
        values["capacity"] = None
        values["release_time"] = True
    elif values["kind"] == "network_open":
        values["release_time"] = False  # open sessions are after school
    row = SessionRow(id=uuid.uuid4(), timezone=timezone, **values)
    await repositories(uow).sessions.add(row)
    uow.publish(session_event(row))
    if cohort is not None:
        for member in await _live(uow, cohort_id=cohort.id, status="confirmed"):
            uow.publish(
                EnrolmentConfirmed(
                    board=member.board, session_id=row.id, participant_id=member.participant_id
                )
            )
    await uow.commit()
    return row


async def get_session(uow: UnitOfWork, session_id: uuid.UUID, *, lock: bool = False) -> SessionRow:
    row = await repositories(uow).sessions.get(session_id, lock=lock)
    if row is None:
        raise NotFound("session")
    return row


async def list_sessions(
    uow: UnitOfWork,
    *,
    boards: list[str] | None,
    board: str | None = None,
    kind: str | None = None,
    program_year: str | None = None,
) -> list[SessionRow]:
    """Sessions the caller may see: their board's and the provincial ones (``boards`` None: all)."""
    return await repositories(uow).sessions.find(
        boards=boards, board=board, kind=kind, program_year=program_year
    )


async def change_session(uow: UnitOfWork, session_id: uuid.UUID, changes: Mapping[str, Any]) -> SessionRow:
    """Move or edit a session: SessionChanged with ``sequence`` + 1 when its calendar entry changed;
    a larger capacity promotes from the waitlist."""
    row = await get_session(uow, session_id, lock=True)
    if row.status == "cancelled":
        raise Conflict("Cancelled", "status: the session was cancelled")
    unknown = sorted(set(changes) - _EDITABLE)
    if unknown:
        raise InvalidInput([(unknown[0], "cannot be changed")])
    proposed = {
        "program_year": row.program_year,
        "kind": row.kind,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "location": row.location,
        "online_url": row.online_url,
        "capacity": row.capacity,
        "audience": row.audience,
        "cohort_id": row.cohort_id,
        **changes,
    }
    _check(proposed)
    if "capacity" in changes and row.kind == "network_cohort":
        raise InvalidInput([("capacity", "a cohort meeting's seats are its cohort group's")])
    changed = [f for f in changes if getattr(row, f) != changes[f]]
    if not changed:
        await uow.commit()
        return row
    if "capacity" in changed:
        confirmed = await _count(uow, session_id=row.id, status="confirmed")
        if changes["capacity"] < confirmed:
            message = f"{confirmed} participants are confirmed; cancel enrolments first"
            raise Conflict("Invalid input", f"capacity: {message}", [("capacity", message)])
    for name in changed:
        setattr(row, name, changes[name])
    if any(f in _CALENDAR_FIELDS for f in changed):
        row.sequence += 1
        uow.publish(session_event(row, SessionChanged))
    row.updated_at = datetime.now(UTC)
    if "capacity" in changed:
        await _promote(uow, _Target.of_session(row))
    await repositories(uow).sessions.flush()
    await uow.commit()
    return row


async def cancel_session(uow: UnitOfWork, session_id: uuid.UUID) -> SessionRow:
    """Cancel a session (SessionCancelled, ``sequence`` + 1); cancelling twice changes nothing."""
    row = await get_session(uow, session_id, lock=True)
    if row.status == "cancelled":
        await uow.commit()
        return row
    row.status = "cancelled"
    row.sequence += 1
    row.updated_at = datetime.now(UTC)
    await repositories(uow).sessions.flush()
    uow.publish(session_event(row, SessionCancelled))
    await uow.commit()
    return row


# ---------------------------------------------------------------- enrolment


@dataclass
class _Target:
    """What holds the seats: a session, or a cohort group (whose meetings all get the events)."""

    kind: Literal["session", "cohort"]
    id: uuid.UUID
    board: str | None
    capacity: int
    audience: tuple[str, ...]
    sessions: list[SessionRow] = field(default_factory=list)

    @classmethod
    def of_session(cls, row: SessionRow) -> _Target:
        return cls("session", row.id, row.board, row.capacity or 0, tuple(row.audience), [row])


async def _cohort_meetings(uow: UnitOfWork, cohort_id: uuid.UUID) -> list[SessionRow]:
    return await repositories(uow).sessions.cohort_meetings(cohort_id)


async def _lock_target(
    uow: UnitOfWork, *, session_id: uuid.UUID | None = None, cohort_id: uuid.UUID | None = None
) -> _Target:
    if session_id is not None:
        row = await get_session(uow, session_id, lock=True)
        if row.kind == "network_cohort":
            raise Conflict(
                "Enrol in the cohort group",
                f"session_id: cohort meetings are joined through cohort group {row.cohort_id}",
                [("session_id", "enrol in the cohort group")],
            )
        if row.status == "cancelled":
            raise Conflict("Cancelled", "session_id: the session was cancelled")
        return _Target.of_session(row)
    assert cohort_id is not None
    cohort = await get_cohort(uow, cohort_id, lock=True)
    return _Target(
        "cohort",
        cohort.id,
        cohort.board,
        cohort.capacity,
        ("beginning_teacher",),
        await _cohort_meetings(uow, cohort.id),
    )


async def _count(uow: UnitOfWork, *, session_id: uuid.UUID, status: str) -> int:
    return await repositories(uow).enrolments.count(session_id=session_id, status=status)


async def _live(
    uow: UnitOfWork,
    *,
    session_id: uuid.UUID | None = None,
    cohort_id: uuid.UUID | None = None,
    status: str | None = None,
) -> list[EnrolmentRow]:
    return await repositories(uow).enrolments.live(session_id=session_id, cohort_id=cohort_id, status=status)


class _TargetIds(TypedDict, total=False):
    session_id: uuid.UUID
    cohort_id: uuid.UUID


def _target_ids(target: _Target) -> _TargetIds:
    return {"session_id": target.id} if target.kind == "session" else {"cohort_id": target.id}


@dataclass(frozen=True)
class EnrolmentOutcome:
    enrolment: EnrolmentRow
    position: int | None
    created: bool


async def enrol(
    uow: UnitOfWork,
    participant: Participant,
    *,
    session_id: uuid.UUID | None = None,
    cohort_id: uuid.UUID | None = None,
) -> EnrolmentOutcome:
    """Take a seat, or a place on the waitlist when the session is full. Enrolling again returns
    the live enrolment unchanged."""
    target = await _lock_target(uow, session_id=session_id, cohort_id=cohort_id)
    reason = rules.ineligibility(
        role=participant.role,
        participant_board=participant.board,
        participant_status=participant.status,
        session_board=target.board,
        audience=target.audience,
    )
    if reason is not None:
        raise InvalidInput([reason])
    live = await _live(uow, **_target_ids(target))
    mine = next((e for e in live if e.participant_id == participant.id), None)
    waitlist = [e for e in live if e.status == "waitlisted"]
    if mine is not None:
        position = waitlist.index(mine) + 1 if mine.status == "waitlisted" else None
        await uow.commit()
        return EnrolmentOutcome(mine, position, created=False)
    seat = rules.seat_for_newcomer(target.capacity, len(live) - len(waitlist), len(waitlist))
    now = datetime.now(UTC)
    row = EnrolmentRow(
        id=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        board=participant.board,
        participant_id=participant.id,
        status=seat.status,
        **_target_ids(target),
    )
    try:
        await repositories(uow).enrolments.add(row)
    except DuplicateRow as exc:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict("Already enrolled", "participant_id: already enrolled") from exc
    for session in target.sessions:
        if seat.status == "confirmed":
            uow.publish(
                EnrolmentConfirmed(
                    board=participant.board, session_id=session.id, participant_id=participant.id
                )
            )
        else:
            uow.publish(
                EnrolmentWaitlisted(
                    board=participant.board,
                    session_id=session.id,
                    participant_id=participant.id,
                    position=seat.position or 0,
                )
            )
    await uow.commit()
    return EnrolmentOutcome(row, seat.position, created=True)


@dataclass(frozen=True)
class CancellationOutcome:
    cancelled: EnrolmentRow
    promoted: list[EnrolmentRow]


async def cancel_enrolment(
    uow: UnitOfWork,
    participant_id: uuid.UUID,
    *,
    session_id: uuid.UUID | None = None,
    cohort_id: uuid.UUID | None = None,
) -> CancellationOutcome:
    """Give up a seat (or a waitlist place); a freed seat goes to the first on the waitlist
    (EnrolmentConfirmed with ``promoted_from_waitlist``), in the same transaction."""
    target = await _lock_target(uow, session_id=session_id, cohort_id=cohort_id)
    live = await _live(uow, **_target_ids(target))
    mine = next((e for e in live if e.participant_id == participant_id), None)
    if mine is None:
        raise NotFound("enrolment", "This participant is not enrolled.")
    was_confirmed = mine.status == "confirmed"
    mine.status = "cancelled"
    mine.updated_at = datetime.now(UTC)
    await repositories(uow).enrolments.flush()
    for session in target.sessions:
        uow.publish(
            EnrolmentCancelled(
                board=mine.board,
                session_id=session.id,
                participant_id=participant_id,
                was_confirmed=was_confirmed,
            )
        )
    promoted = await _promote(uow, target)
    await uow.commit()
    return CancellationOutcome(mine, promoted)


async def _promote(uow: UnitOfWork, target: _Target) -> list[EnrolmentRow]:
    live = await _live(uow, **_target_ids(target))
    waitlist = [e for e in live if e.status == "waitlisted"]
    confirmed = len(live) - len(waitlist)
    chosen = set(rules.promotions(target.capacity, confirmed, [str(e.id) for e in waitlist]))
    promoted = [e for e in waitlist if str(e.id) in chosen]
    now = datetime.now(UTC)
    for row in promoted:
        row.status = "confirmed"
        row.promoted_from_waitlist = True
        row.updated_at = now
        for session in target.sessions:
            uow.publish(
                EnrolmentConfirmed(
                    board=row.board,
                    session_id=session.id,
                    participant_id=row.participant_id,
                    promoted_from_waitlist=True,
                )
            )
    await repositories(uow).enrolments.flush()
    return promoted


async def enrolments_of(
    uow: UnitOfWork, *, session_id: uuid.UUID | None = None, cohort_id: uuid.UUID | None = None
) -> list[tuple[EnrolmentRow, int | None]]:
    """Live enrolments in seat order, each with its waitlist position (None when confirmed)."""
    live = await _live(uow, session_id=session_id, cohort_id=cohort_id)
    result: list[tuple[EnrolmentRow, int | None]] = []
    position = 0
    for row in live:
        if row.status == "waitlisted":
            position += 1
            result.append((row, position))
        else:
            result.append((row, None))
    return result


# ---------------------------------------------------------------- attendance and progress


async def record_attendance(
    uow: UnitOfWork, session_id: uuid.UUID, records: Sequence[tuple[uuid.UUID, bool]], recorded_by: str
) -> int:
    """Record who attended; AttendanceRecorded for each new or changed record. Only confirmed
    participants (of the session, or of the cohort group for a cohort meeting) have attendance."""
    row = await get_session(uow, session_id, lock=True)
    if row.status == "cancelled":
        raise Conflict("Cancelled", "session_id: the session was cancelled")
    confirmed = await _live(
        uow,
        session_id=None if row.cohort_id else row.id,
        cohort_id=row.cohort_id,
        status="confirmed",
    )
    boards = {e.participant_id: e.board for e in confirmed}
    for i, (participant_id, _) in enumerate(records):
        if participant_id not in boards:
            raise InvalidInput(
                [(f"records.{i}.participant_id", "not a confirmed participant of this session")]
            )
    existing = {a.participant_id: a for a in await repositories(uow).sessions.attendance(row.id)}
    changed = 0
    for participant_id, attended in records:
        current = existing.get(participant_id)
        if current is not None and current.attended == attended:
            continue
        if current is None:
            current = AttendanceRow(
                session_id=row.id,
                recorded_at=datetime.now(UTC),
                participant_id=participant_id,
                board=boards[participant_id],
                attended=attended,
                recorded_by=recorded_by,
            )
            await repositories(uow).sessions.stage(current)
            existing[participant_id] = current
        else:
            current.attended = attended
            current.recorded_by = recorded_by
            current.recorded_at = datetime.now(UTC)
        changed += 1
        uow.publish(
            AttendanceRecorded(
                board=boards[participant_id],
                session_id=row.id,
                participant_id=participant_id,
                attended=attended,
            )
        )
    await repositories(uow).sessions.flush()
    present = {boards[participant_id] for participant_id, attended in records if attended}
    if row.kind == "workshop" and present:
        # Held with attendance: the workshop phase it fulfils is done for the boards present.
        held_on = row.starts_at.astimezone(_zone(row.timezone)).date()
        await timeline_facts.workshop_held(
            uow, boards=present, program_year=row.program_year, held_on=held_on, audience=row.audience
        )
    await uow.commit()
    return changed


async def required_workshops(uow: UnitOfWork, participant: Participant) -> int:
    """The board's (else the province's) timeline says how many menu workshops a new school
    leader attends; the association's minimum otherwise."""
    found = await repositories(uow).program_years.min_workshops(
        program_year=participant.program_year, board=participant.board
    )
    return found if found is not None else SCHOOL_LEADER_MIN_WORKSHOPS


async def workshop_progress(uow: UnitOfWork, participant: Participant) -> rules.WorkshopProgress:
    rows = await repositories(uow).sessions.workshops_of(participant.id)
    records = [
        rules.WorkshopRecord(
            session_id=str(session.id),
            title=session.title,
            starts_at=session.starts_at,
            leader_menu="leader_menu" in session.audience,
            enrolment=status,
            attended=attended,
            cancelled=session.status == "cancelled",
        )
        for session, status, attended in rows
    ]
    return rules.school_leader_progress(records, await required_workshops(uow, participant))


async def attendance_of(uow: UnitOfWork, session_id: uuid.UUID) -> list[AttendanceRow]:
    """The attendance recorded for a session (one row per participant recorded, present or not)."""
    return await repositories(uow).sessions.attendance(session_id)


# ---------------------------------------------------------------- seats taken


@dataclass(frozen=True)
class Seats:
    confirmed: int = 0
    waitlisted: int = 0


async def seats_of_sessions(uow: UnitOfWork, rows: Sequence[SessionRow]) -> dict[uuid.UUID, Seats]:
    """Seats taken in each session; a cohort meeting's are its cohort group's."""
    enrolments = repositories(uow).enrolments
    counts = await enrolments.counts("session", [r.id for r in rows if r.cohort_id is None])
    cohorts = await enrolments.counts("cohort", [r.cohort_id for r in rows if r.cohort_id])
    seats = {}
    for row in rows:
        source, key = (cohorts, row.cohort_id) if row.cohort_id else (counts, row.id)
        assert key is not None
        seats[row.id] = Seats(source.get((key, "confirmed"), 0), source.get((key, "waitlisted"), 0))
    return seats


async def seats_of_cohort(uow: UnitOfWork, cohort_id: uuid.UUID) -> Seats:
    counts = await repositories(uow).enrolments.counts("cohort", [cohort_id])
    return Seats(counts.get((cohort_id, "confirmed"), 0), counts.get((cohort_id, "waitlisted"), 0))


async def cohort_meetings(uow: UnitOfWork, cohort_id: uuid.UUID) -> list[SessionRow]:
    """The cohort group's scheduled meetings, in date order."""
    return await _cohort_meetings(uow, cohort_id)
