"""The people and the hubs of matching's domain: pure values, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

HUB_NAMESPACE = uuid.UUID("6f1c2a3e-5b7d-4e0a-9c1b-2d3e4f5a6b7c")


@dataclass(frozen=True)
class Teacher:
    """A beginning teacher or new school leader to be placed in a hub."""

    participant_id: str
    board: str
    hr_id: str
    role: str = "beginning_teacher"  # or new_school_leader
    school: str | None = None
    grade_band: str | None = None
    subjects: tuple[str, ...] = ()
    language: str = "en"
    themes: tuple[str, ...] = ()
    region: str | None = None

    @property
    def primary_theme(self) -> str:
        if self.role == "new_school_leader":
            return "school_leadership"
        return self.themes[0] if self.themes else "classroom_management"

    @property
    def track(self) -> str:
        """New school leaders form their own hubs, led by experienced school leaders."""
        return "school_leaders" if self.role == "new_school_leader" else "teachers"


@dataclass(frozen=True)
class Mentor:
    """An experienced teacher (or school leader) who can lead hubs and mentor one to one."""

    participant_id: str
    board: str
    hr_id: str
    school: str | None = None
    grade_band: str | None = None
    subjects: tuple[str, ...] = ()
    language: str = "en"
    expertise_themes: tuple[str, ...] = ()
    trained: bool = False
    hub_capacity: int = 1
    one_to_one_capacity: int = 0
    evaluates_hr_ids: frozenset[str] = frozenset()
    leads_school_leaders: bool = False
    region: str | None = None

    @property
    def track(self) -> str:
        return "school_leaders" if self.leads_school_leaders else "teachers"

    def evaluates(self, teacher: Teacher) -> bool:
        """Mentorship is non-evaluative: a mentor never leads or mentors someone they evaluate."""
        return teacher.hr_id in self.evaluates_hr_ids and teacher.board == self.board


Value = str | int | tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    """One fact of an explanation: a code (``shared.events.matching.ReasonCode``) and its values
    (theme codes, grade bands, counts; never names, ids or a coordinator's note)."""

    code: str
    values: tuple[tuple[str, Value], ...] = ()

    def get(self, name: str) -> Value | None:
        return dict(self.values).get(name)

    def as_dict(self) -> dict[str, str | int | list[str]]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.values}


def fact(code: str, **values: Value) -> Fact:
    return Fact(code, tuple(sorted(values.items())))


@dataclass(frozen=True)
class Hub:
    hub_key: str
    board: str
    theme: str
    grade_band: str | None
    language: str
    track: str
    members: tuple[str, ...]
    leaders: tuple[str, ...]
    explanation: str = ""
    flags: tuple[str, ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class Unplaced:
    participant_id: str
    reason: str
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Pairing:
    teacher_id: str
    mentor_id: str
    explanation: str
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class MatchingPolicy:
    """Per-board rules; the objective's weights live in :mod:`objective`."""

    min_hub_size: int = 6
    max_hub_size: int = 8
    leaders_per_hub: int = 2
    share_across_boards_in_region: bool = False
    pair_one_to_one: bool = True

    def __post_init__(self) -> None:
        if not 2 <= self.min_hub_size <= self.max_hub_size:
            raise ValueError("hub size bounds must satisfy 2 <= min <= max")


@dataclass(frozen=True)
class MatchingResult:
    hubs: tuple[Hub, ...]
    unplaced: tuple[Unplaced, ...]
    pairings: tuple[Pairing, ...] = ()
    objective: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)


def hub_key(board: str, theme: str, grade_band: str | None, members: tuple[str, ...]) -> str:
    """A stable id: the same hub (board, theme, band, members) always gets the same key."""
    return str(uuid.uuid5(HUB_NAMESPACE, "|".join([board, theme, grade_band or "-", *sorted(members)])))
