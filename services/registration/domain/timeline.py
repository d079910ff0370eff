"""The program year's timeline: its phases as data, and where a board stands on a given date.

The defaults follow the association's sample timeline for a formal mentorship program. A program
year ``2026-2027`` starts with the steering committee in April 2026 and ends with the start-up
grant application due on 30 June 2027. Pure: the caller passes the date ("today") in.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

PhaseKind = Literal["phase", "workshop", "activities", "deadline", "ongoing"]
Audience = Literal["all", "steering_committee", "beginning_teacher", "mentor", "school_leader"]

PROGRAM_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
PHASE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# New school leaders (with their mentors) attend at least this many workshops from the menu.
SCHOOL_LEADER_MIN_WORKSHOPS = 2


class TimelineError(ValueError):
    """A program year or phase that cannot be; ``field`` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class MonthDay:
    """A day relative to a program year: ``year`` 0 is its first calendar year, 1 the second.

    ``day`` 0 means the last day of the month (February has 28 or 29).
    """

    year: int
    month: int
    day: int = 1

    def on(self, first_year: int) -> date:
        year = first_year + self.year
        last = calendar.monthrange(year, self.month)[1]
        return date(year, self.month, last if self.day == 0 else min(self.day, last))


@dataclass(frozen=True)
class PhaseTemplate:
    key: str
    title: str
    starts: MonthDay
    ends: MonthDay
    kind: PhaseKind = "phase"
    audience: tuple[Audience, ...] = ("all",)
    # A milestone is something to get done (and mark done); past its end unmarked, it is overdue.
    milestone: bool = True
    min_workshops: int | None = None


@dataclass(frozen=True)
class Phase:
    """One phase of a board's (or the province's) program year, with real dates."""

    key: str
    title: str
    starts_on: date
    ends_on: date
    kind: PhaseKind = "phase"
    audience: tuple[str, ...] = ("all",)
    milestone: bool = True
    min_workshops: int | None = None
    completed_on: date | None = None
    position: int = 0
    # What closed it: None for a coordinator's hand (or still open), else the fact, e.g. "GrantSubmitted".
    completed_by: str | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


# The association's sample timeline (year 0 = spring/summer before the school year).
DEFAULT_TIMELINE: tuple[PhaseTemplate, ...] = (
    PhaseTemplate(
        "steering_committee",
        "Establish a mentorship steering committee (ATA local, school district, provincial Association)",
        MonthDay(0, 4, 1),
        MonthDay(0, 5, 0),
        audience=("steering_committee",),
    ),
    PhaseTemplate(
        "program_planning",
        "The steering committee plans the mentorship program",
        MonthDay(0, 5, 1),
        MonthDay(0, 6, 0),
        audience=("steering_committee",),
    ),
    PhaseTemplate(
        "identify_participants",
        "Identify beginning teachers or new school leaders, and mentors",
        MonthDay(0, 6, 1),
        MonthDay(0, 9, 0),
        audience=("steering_committee",),
    ),
    PhaseTemplate(
        "workshop_1",
        "Mentorship Workshop 1 (facilitated by an ATA staff officer)",
        MonthDay(0, 10, 1),
        MonthDay(0, 10, 0),
        kind="workshop",
        audience=("beginning_teacher", "mentor"),
    ),
    PhaseTemplate(
        "local_activities_autumn",
        "District and local mentorship activities",
        MonthDay(0, 11, 1),
        MonthDay(1, 1, 0),
        kind="activities",
        audience=("beginning_teacher", "mentor"),
        milestone=False,
    ),
    PhaseTemplate(
        "workshop_2",
        "Mentorship Workshop 2 (facilitated by an ATA staff officer)",
        MonthDay(1, 2, 1),
        MonthDay(1, 2, 0),
        kind="workshop",
        audience=("beginning_teacher", "mentor"),
    ),
    PhaseTemplate(
        "local_activities_spring",
        "District and local mentorship activities",
        MonthDay(1, 2, 1),
        MonthDay(1, 5, 0),
        kind="activities",
        audience=("beginning_teacher", "mentor"),
        milestone=False,
    ),
    PhaseTemplate(
        "school_leader_workshops",
        "New school leaders and their mentors attend at least two workshops from the Association menu",
        MonthDay(0, 10, 1),
        MonthDay(1, 5, 0),
        kind="workshop",
        audience=("school_leader", "mentor"),
        min_workshops=SCHOOL_LEADER_MIN_WORKSHOPS,
    ),
    PhaseTemplate(
        "evaluation_celebration",
        "Program evaluation, wrap-up and celebration",
        MonthDay(1, 5, 1),
        MonthDay(1, 5, 0),
    ),
    PhaseTemplate(
        "grant_application",
        "Apply for start-up grant funding to cover the steering committee's expenses (due June 30)",
        MonthDay(1, 5, 1),
        MonthDay(1, 6, 30),
        kind="deadline",
        audience=("steering_committee",),
    ),
    PhaseTemplate(
        "steering_committee_meetings",
        "The mentorship steering committee meets as needed",
        MonthDay(0, 4, 1),
        MonthDay(1, 6, 30),
        kind="ongoing",
        audience=("steering_committee",),
        milestone=False,
    ),
)


def first_year(program_year: str) -> int:
    """The first calendar year of ``2026-2027``; refuses anything else."""
    match = PROGRAM_YEAR.match(program_year)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise TimelineError("program_year", "must look like 2026-2027 (two consecutive years)")
    return int(match.group(1))


def default_phases(program_year: str, templates: Sequence[PhaseTemplate] = DEFAULT_TIMELINE) -> list[Phase]:
    """The default phases of ``program_year`` with real dates, in timeline order."""
    year = first_year(program_year)
    phases = [
        Phase(
            key=t.key,
            title=t.title,
            starts_on=t.starts.on(year),
            ends_on=t.ends.on(year),
            kind=t.kind,
            audience=tuple(t.audience),
            milestone=t.milestone,
            min_workshops=t.min_workshops,
        )
        for t in templates
    ]
    return order(phases)


def order(phases: Iterable[Phase]) -> list[Phase]:
    """Timeline order (start, then end, then key), with positions renumbered."""
    ranked = sorted(phases, key=lambda p: (p.starts_on, p.ends_on, p.key))
    return [replace(p, position=i) for i, p in enumerate(ranked)]


def validate(program_year: str, phases: Sequence[Phase]) -> None:
    """Refuse duplicate keys, phases ending before they start, and dates far from the program year.

    A phase may start up to a year before the program year's first September and end up to a
    year after its June (steering committees plan early; grants report late).
    """
    year = first_year(program_year)
    earliest, latest = date(year - 1, 1, 1), date(year + 2, 12, 31)
    seen: set[str] = set()
    for i, phase in enumerate(phases):
        where = f"phases.{i}"
        if not PHASE_KEY.match(phase.key):
            raise TimelineError(f"{where}.key", "lower-case letters, digits and _ (2 to 40)")
        if phase.key in seen:
            raise TimelineError(f"{where}.key", f"{phase.key!r} appears twice")
        seen.add(phase.key)
        if not phase.title.strip():
            raise TimelineError(f"{where}.title", "must not be empty")
        if phase.ends_on < phase.starts_on:
            raise TimelineError(f"{where}.ends_on", "is before starts_on")
        for name, day in (("starts_on", phase.starts_on), ("ends_on", phase.ends_on)):
            if not earliest <= day <= latest:
                raise TimelineError(f"{where}.{name}", f"must fall between {earliest} and {latest}")
        if phase.min_workshops is not None and not 1 <= phase.min_workshops <= 20:
            raise TimelineError(f"{where}.min_workshops", "must be between 1 and 20")


@dataclass(frozen=True)
class Standing:
    """Where a program year stands on ``on``."""

    on: date
    state: Literal["not_started", "in_progress", "finished"]
    current: tuple[Phase, ...] = ()
    overdue: tuple[Phase, ...] = ()
    next: tuple[Phase, ...] = ()
    upcoming: tuple[Phase, ...] = ()
    completed: tuple[Phase, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def days_until(self, phase: Phase) -> int:
        return (phase.starts_on - self.on).days


def span(phases: Sequence[Phase]) -> tuple[date, date] | None:
    """First start and last end of the phases, or None for an empty timeline."""
    if not phases:
        return None
    return min(p.starts_on for p in phases), max(p.ends_on for p in phases)


def standing(phases: Sequence[Phase], on: date) -> Standing:
    """Current phases (covering ``on``), overdue milestones (ended, not marked done), the next
    phase(s) to start (all starting on the earliest upcoming date) and every upcoming one."""
    ordered = order(phases)
    bounds = span(ordered)
    if bounds is None:
        return Standing(on=on, state="not_started", notes=("this program year has no phases",))
    state: Literal["not_started", "in_progress", "finished"] = (
        "not_started" if on < bounds[0] else "finished" if on > bounds[1] else "in_progress"
    )
    current = tuple(p for p in ordered if p.covers(on))
    overdue = tuple(p for p in ordered if p.milestone and p.completed_on is None and p.ends_on < on)
    upcoming = tuple(p for p in ordered if p.starts_on > on)
    following = tuple(p for p in upcoming if p.starts_on == upcoming[0].starts_on) if upcoming else ()
    completed = tuple(p for p in ordered if p.completed_on is not None)
    notes: list[str] = []
    for phase in current:
        if phase.kind == "deadline" and phase.completed_on is None:
            notes.append(f"{phase.key} is due on {phase.ends_on.isoformat()}")
        if phase.min_workshops:
            notes.append(f"{phase.key}: at least {phase.min_workshops} workshops per new school leader")
    return Standing(
        on=on,
        state=state,
        current=current,
        overdue=overdue,
        next=following,
        upcoming=upcoming,
        completed=completed,
        notes=tuple(notes),
    )


def covering(spans: Sequence[tuple[date, date]], on: date) -> list[int]:
    """Indexes of the program years whose span contains ``on``; when none does, the nearest one
    (the next to start, else the last to finish) so the answer is never empty for a non-empty list."""
    hits = [i for i, (start, end) in enumerate(spans) if start <= on <= end]
    if hits or not spans:
        return hits
    later = [i for i, (start, _) in enumerate(spans) if start > on]
    if later:
        return [min(later, key=lambda i: spans[i][0])]
    return [max(range(len(spans)), key=lambda i: spans[i][1])]


# Facts that fulfil a phase, and which phases each fulfils.
GRANT_PHASE_KEY = "grant_application"
WORKSHOP_AUDIENCES = {"beginning_teacher": "beginning_teacher", "mentor": "mentor"}


def workshop_phases_held(phases: Sequence[Phase], held_on: date, audience: Iterable[str]) -> list[str]:
    """Keys of the workshop phases a workshop held on ``held_on`` for ``audience`` fulfils: a
    workshop phase whose window covers the day and whose audience shares someone with the
    workshop's (an empty audience is everyone). Per-person minimums (the new school leaders'
    menu) are counted per person, never closed by one workshop."""
    wanted = set(audience)
    return [
        p.key
        for p in phases
        if p.kind == "workshop"
        and p.min_workshops is None
        and p.covers(held_on)
        and (not wanted or "all" in p.audience or wanted & set(p.audience))
    ]


def grant_phases(phases: Sequence[Phase]) -> list[str]:
    """Keys of the phases a grant application submitted (or paid) fulfils."""
    return [p.key for p in phases if p.key == GRANT_PHASE_KEY]


def close_by_fact(phases: Sequence[Phase], keys: Iterable[str], on: date, fact: str) -> list[Phase]:
    """The phases with ``keys`` closed on ``on`` by ``fact``; a phase already closed (by hand or by an
    earlier fact) keeps its date. A coordinator's reopening is undone only by a new fact."""
    chosen = set(keys)
    return [
        replace(p, completed_on=on, completed_by=fact) if p.key in chosen and p.completed_on is None else p
        for p in phases
    ]


def reopen_by_fact(phases: Sequence[Phase], keys: Iterable[str], closed_by: Iterable[str]) -> list[Phase]:
    """The phases with ``keys`` open again when one of the facts ``closed_by`` closed them (a grant
    application withdrawn undoes its submission); a coordinator's closure or another fact's stays."""
    chosen, facts = set(keys), set(closed_by)
    return [
        replace(p, completed_on=None, completed_by=None) if p.key in chosen and p.completed_by in facts else p
        for p in phases
    ]
