"""Engagement from what happened: meetings held against planned, attendance, observation visits,
sessions, time since last contact, and the "needs check-in" flags.

Pure: the caller passes the facts (as the bus reported them) and the instant to judge at, so a flag
appears and clears from events and the clock alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from services.evaluation.domain.errors import Conflict, InvalidFields

QUIET_HUB = timedelta(weeks=8)
MISSED_IN_A_ROW = 2


@dataclass(frozen=True)
class Hub:
    id: uuid.UUID
    board: str
    program_year: str
    formed_at: datetime
    members: tuple[uuid.UUID, ...]
    leaders: tuple[uuid.UUID, ...]

    @property
    def people(self) -> frozenset[uuid.UUID]:
        return frozenset(self.members) | frozenset(self.leaders)


@dataclass(frozen=True)
class Meeting:
    id: uuid.UUID
    hub_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str  # scheduled | cancelled | held
    present: frozenset[uuid.UUID] = frozenset()
    absent: frozenset[uuid.UUID] = frozenset()

    @property
    def held(self) -> bool:
        return self.status == "held"


@dataclass(frozen=True)
class Pairing:
    teacher_id: uuid.UUID
    mentor_id: uuid.UUID
    program_year: str


@dataclass(frozen=True)
class Observation:
    id: uuid.UUID
    visitor_id: uuid.UUID
    host_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime

    def involves(self, *people: uuid.UUID) -> bool:
        return set(people) <= {self.visitor_id, self.host_id}


@dataclass(frozen=True)
class Flag:
    """One "needs check-in" item: a code and what it is about (ids only; the console adds names)."""

    code: str  # quiet_hub | missed_meetings | no_observation
    hub_id: uuid.UUID | None = None
    participant_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class HubEngagement:
    hub_id: uuid.UUID
    planned: int
    held: int
    cancelled: int
    present: int
    absent: int
    last_contact: datetime | None
    days_since_contact: int | None
    flags: tuple[Flag, ...]

    @property
    def attendance_rate(self) -> float | None:
        recorded = self.present + self.absent
        return self.present / recorded if recorded else None


@dataclass(frozen=True)
class PairingEngagement:
    teacher_id: uuid.UUID
    mentor_id: uuid.UUID
    visits: int
    last_contact: datetime | None
    days_since_contact: int | None
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class BoardEngagement:
    board: str
    hubs: tuple[HubEngagement, ...]
    pairings: tuple[PairingEngagement, ...]
    sessions_attended: int
    enrolments: int
    as_of: datetime
    flags: tuple[Flag, ...] = field(default=())

    @property
    def planned(self) -> int:
        return sum(h.planned for h in self.hubs)

    @property
    def held(self) -> int:
        return sum(h.held for h in self.hubs)

    @property
    def present(self) -> int:
        return sum(h.present for h in self.hubs)

    @property
    def absent(self) -> int:
        return sum(h.absent for h in self.hubs)

    @property
    def attendance_rate(self) -> float | None:
        recorded = self.present + self.absent
        return self.present / recorded if recorded else None

    @property
    def observation_visits(self) -> int:
        return sum(p.visits for p in self.pairings)


def observation_deadline(program_year: str) -> datetime:
    """February 1 of the program year's second calendar year: a pairing should have had a visit."""
    end_year = int(program_year.split("-")[1])
    return datetime(end_year, 2, 1, tzinfo=UTC)


def _days(since: datetime | None, as_of: datetime) -> int | None:
    return None if since is None else max(0, (as_of - since).days)


def missed_in_a_row(person: uuid.UUID, meetings: Sequence[Meeting]) -> bool:
    """True when the person's last ``MISSED_IN_A_ROW`` recorded meetings (held, in order) were missed."""
    recorded = [m for m in sorted(meetings, key=lambda m: m.starts_at) if m.held]
    recorded = [m for m in recorded if person in m.present or person in m.absent]
    last = recorded[-MISSED_IN_A_ROW:]
    return len(last) == MISSED_IN_A_ROW and all(person in m.absent for m in last)


def hub_engagement(hub: Hub, meetings: Iterable[Meeting], as_of: datetime) -> HubEngagement:
    """A hub's meetings as of ``as_of``: a meeting counts as held once recorded so and started by then.

    Flags: ``quiet_hub`` when no meeting was held in the last 8 weeks (counted from the hub's forming
    when none was ever held); ``missed_meetings`` for each member absent from their last two
    recorded meetings.
    """
    own = [m for m in meetings if m.hub_id == hub.id]
    held = [m for m in own if m.held and m.starts_at <= as_of]
    cancelled = [m for m in own if m.status == "cancelled"]
    last = max((m.starts_at for m in held), default=None)
    flags: list[Flag] = []
    quiet_since = last or hub.formed_at
    if as_of - quiet_since >= QUIET_HUB:
        flags.append(Flag("quiet_hub", hub_id=hub.id, since=quiet_since))
    for person in sorted(hub.members):
        if missed_in_a_row(person, held):
            flags.append(Flag("missed_meetings", hub_id=hub.id, participant_id=person))
    return HubEngagement(
        hub_id=hub.id,
        planned=len(own) - len(cancelled),
        held=len(held),
        cancelled=len(cancelled),
        present=sum(len(m.present) for m in held),
        absent=sum(len(m.absent) for m in held),
        last_contact=last,
        days_since_contact=_days(last, as_of),
        flags=tuple(flags),
    )


def pairing_engagement(
    pairing: Pairing, observations: Iterable[Observation], as_of: datetime
) -> PairingEngagement:
    """Observation visits between the teacher and their mentor that took place by ``as_of``;
    ``no_observation`` once February 1 has come without one."""
    visits = [
        o for o in observations if o.involves(pairing.teacher_id, pairing.mentor_id) and o.ends_at <= as_of
    ]
    last = max((o.ends_at for o in visits), default=None)
    flags: tuple[Flag, ...] = ()
    if not visits and as_of >= observation_deadline(pairing.program_year):
        flags = (Flag("no_observation", participant_id=pairing.teacher_id, mentor_id=pairing.mentor_id),)
    return PairingEngagement(
        teacher_id=pairing.teacher_id,
        mentor_id=pairing.mentor_id,
        visits=len(visits),
        last_contact=last,
        days_since_contact=_days(last, as_of),
        flags=flags,
    )


def board_engagement(
    board: str,
    hubs: Iterable[Hub],
    meetings: Sequence[Meeting],
    pairings: Iterable[Pairing],
    observations: Sequence[Observation],
    *,
    sessions_attended: int,
    enrolments: int,
    as_of: datetime,
) -> BoardEngagement:
    """Every hub and pairing of a board, their totals and all their flags."""
    hub_rows = tuple(hub_engagement(h, meetings, as_of) for h in sorted(hubs, key=lambda h: str(h.id)))
    pairing_rows = tuple(
        pairing_engagement(p, observations, as_of) for p in sorted(pairings, key=lambda p: str(p.teacher_id))
    )
    flags = tuple(f for h in hub_rows for f in h.flags) + tuple(f for p in pairing_rows for f in p.flags)
    return BoardEngagement(board, hub_rows, pairing_rows, sessions_attended, enrolments, as_of, flags)


def record_meeting(
    hub: Hub,
    meeting: Meeting,
    *,
    present: Sequence[uuid.UUID],
    absent: Sequence[uuid.UUID],
    now: datetime,
) -> tuple[frozenset[uuid.UUID], frozenset[uuid.UUID]]:
    """Check a record of a meeting held: not cancelled, already started, only the hub's people, no
    one both present and absent. Returns the two sets."""
    if meeting.status == "cancelled":
        raise Conflict("a cancelled meeting cannot be recorded as held", field="meeting_id")
    if meeting.starts_at > now:
        raise Conflict("the meeting has not started yet", field="meeting_id")
    problems: dict[str, str] = {}
    people = hub.people
    for name, ids in (("present", present), ("absent", absent)):
        strangers = [i for i, p in enumerate(ids) if p not in people]
        if strangers:
            problems[name] = f"entries {strangers} are not members or leaders of this hub"
        if len(set(ids)) != len(ids):
            problems.setdefault(name, "lists someone twice")
    both = set(present) & set(absent)
    if both:
        problems["absent"] = f"{len(both)} people are also listed as present"
    if not present:
        problems["present"] = "a meeting held has at least one person present"
    if problems:
        raise InvalidFields(problems)
    return frozenset(present), frozenset(absent)
