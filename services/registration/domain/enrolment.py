"""Workshops and Beginning Teacher Network sessions: who may enrol, seats, the waitlist, progress.

Pure rules; the service layer holds the session row lock while it asks them, so the counts it
passes in are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from services.registration.domain.timeline import SCHOOL_LEADER_MIN_WORKSHOPS

SessionKind = Literal["workshop", "network_cohort", "network_open"]
WorkshopAudience = Literal["beginning_teacher", "mentor", "school_leader", "leader_menu"]
SESSION_KINDS: tuple[str, ...] = ("workshop", "network_cohort", "network_open")
AUDIENCES: tuple[str, ...] = ("beginning_teacher", "mentor", "school_leader", "leader_menu")

# Which participant roles each workshop audience admits. The leader menu is for new school
# leaders and the mentors who accompany them.
_ADMITS: dict[str, frozenset[str]] = {
    "beginning_teacher": frozenset({"beginning_teacher"}),
    "mentor": frozenset({"mentor"}),
    "school_leader": frozenset({"new_school_leader"}),
    "leader_menu": frozenset({"new_school_leader", "mentor"}),
}


class SessionRuleError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_session(
    *,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str | None,
    online_url: str | None,
    capacity: int | None,
    audience: Sequence[str],
    cohort_id: object | None,
) -> None:
    """The shape of a session: a time span, somewhere to be, an audience that fits its kind."""
    if kind not in SESSION_KINDS:
        raise SessionRuleError("kind", f"one of {', '.join(SESSION_KINDS)}")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise SessionRuleError("starts_at", "give a time zone offset (e.g. 2026-10-16T09:00:00-04:00)")
    if ends_at <= starts_at:
        raise SessionRuleError("ends_at", "must be after starts_at")
    if (ends_at - starts_at).total_seconds() > 12 * 3600:
        raise SessionRuleError("ends_at", "a session lasts at most 12 hours")
    if not (location or online_url):
        raise SessionRuleError("location", "give a place or an online link")
    if online_url is not None and not online_url.startswith(("https://", "http://")):
        raise SessionRuleError("online_url", "must be an http(s) link")
    unknown = [a for a in audience if a not in AUDIENCES]
    if unknown:
        raise SessionRuleError("audience", f"unknown audience {unknown[0]!r}")
    if kind == "workshop":
        if not audience:
            raise SessionRuleError("audience", "name who the workshop is for")
        if capacity is None:
            raise SessionRuleError("capacity", "required")
    else:
        # The Beginning Teacher Network is for beginning teachers only.
        if any(a != "beginning_teacher" for a in audience):
            raise SessionRuleError("audience", "network sessions are for beginning teachers")
    if kind == "network_cohort":
        if cohort_id is None:
            raise SessionRuleError("cohort_id", "a cohort meeting belongs to a cohort group")
    elif cohort_id is not None:
        raise SessionRuleError("cohort_id", "only cohort meetings belong to a cohort group")
    if kind == "network_open" and capacity is None:
        raise SessionRuleError("capacity", "required")


def audience_of(kind: str, audience: Sequence[str]) -> tuple[str, ...]:
    return tuple(audience) if kind == "workshop" else ("beginning_teacher",)


def ineligibility(
    *,
    role: str,
    participant_board: str,
    participant_status: str,
    session_board: str | None,
    audience: Sequence[str],
) -> tuple[str, str] | None:
    """Why this participant may not enrol, as (field, message), or None when they may."""
    if participant_status == "withdrawn":
        return ("participant_id", "the participant has withdrawn from the program")
    if session_board is not None and session_board != participant_board:
        return ("participant_id", "this session is for another board's participants")
    admitted = frozenset().union(*(_ADMITS[a] for a in audience)) if audience else frozenset()
    if role not in admitted:
        return ("participant_id", f"this session is for {', '.join(audience)}; the participant is a {role}")
    return None


@dataclass(frozen=True)
class Seat:
    status: Literal["confirmed", "waitlisted"]
    position: int | None = None  # 1-based place on the waitlist


def seat_for_newcomer(capacity: int, confirmed: int, waitlisted: int) -> Seat:
    """A free seat is taken at once; otherwise the newcomer joins the end of the waitlist."""
    if confirmed < capacity:
        return Seat("confirmed")
    return Seat("waitlisted", waitlisted + 1)


def promotions(capacity: int, confirmed: int, waitlist: Sequence[str]) -> list[str]:
    """Who moves up (first come, first served) to fill the seats now free."""
    free = max(capacity - confirmed, 0)
    return list(waitlist[:free])


@dataclass(frozen=True)
class WorkshopRecord:
    session_id: str
    title: str
    starts_at: datetime
    leader_menu: bool
    enrolment: Literal["confirmed", "waitlisted"]
    attended: bool | None  # None: not recorded yet
    cancelled: bool = False


@dataclass(frozen=True)
class WorkshopProgress:
    required: int
    attended: int
    planned: int
    met: bool
    remaining: int
    workshops: tuple[WorkshopRecord, ...]


def school_leader_progress(
    records: Iterable[WorkshopRecord], required: int = SCHOOL_LEADER_MIN_WORKSHOPS
) -> WorkshopProgress:
    """A new school leader's progress towards ``required`` menu workshops: attended ones count;
    confirmed ones without attendance yet are 'planned'."""
    ordered = tuple(sorted(records, key=lambda r: (r.starts_at, r.session_id)))
    menu = [r for r in ordered if r.leader_menu and not r.cancelled]
    attended = sum(1 for r in menu if r.attended)
    planned = sum(1 for r in menu if r.enrolment == "confirmed" and r.attended is None)
    return WorkshopProgress(
        required=required,
        attended=attended,
        planned=planned,
        met=attended >= required,
        remaining=max(required - attended, 0),
        workshops=ordered,
    )


def program_year_window(program_year: str) -> tuple[date, date]:
    """The days a program year's sessions may fall on: 1 July of its first year to 30 June of its
    second (the same turn of the year as a participant's default program year)."""
    first = int(program_year[:4])
    return date(first, 7, 1), date(first + 1, 6, 30)


def dates_outside_program_year(
    program_year: str, when: Mapping[str, datetime | None]
) -> list[tuple[str, str]]:
    """Each of ``when``'s (field, moment) that falls outside ``program_year``: (field, message), all
    at once. The day is the moment's own (local) date."""
    start, end = program_year_window(program_year)
    return [
        (name, f"must fall within program year {program_year} ({start.isoformat()} to {end.isoformat()})")
        for name, moment in when.items()
        if moment is not None and not start <= moment.date() <= end
    ]
