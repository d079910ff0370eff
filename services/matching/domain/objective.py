"""The one documented place where a hub's quality is defined, with its weights as data.

score(hub) = w_theme   × share of members whose own themes include the hub theme (1) or a close one (½)
           + w_band    × share of members in the hub's grade band (adjacent band: ½)
           + w_schools × distinct schools / members (connection beyond one's school)
           + w_one_alike × share of one-alike teachers (the only one of their assignment in their
                           school) who are in a hub with someone of the same assignment
           + w_leaders × mean leader fit (expertise in the theme 1, close theme ½; trained +¼)
           − w_size    × |size − preferred size| / preferred size
A solution's objective is the sum over its hubs; unplaced teachers cost w_unplaced each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.matching.domain.placement_model import Hub, Mentor, Teacher
from services.matching.domain.themes import band_distance, theme_distance


@dataclass(frozen=True)
class Weights:
    theme: float = 4.0
    band: float = 2.0
    schools: float = 2.0
    one_alike: float = 1.0
    leaders: float = 2.0
    size: float = 1.0
    unplaced: float = 10.0
    preferred_size: int = 7


DEFAULT_WEIGHTS = Weights()


def theme_fit(teacher: Teacher, theme: str) -> float:
    if teacher.primary_theme == theme or theme in teacher.themes:
        return 1.0
    best = min((theme_distance(t, theme) for t in (teacher.primary_theme, *teacher.themes)), default=3)
    return 0.5 if best == 1 else 0.0


def band_fit(teacher: Teacher, band: str | None) -> float:
    distance = band_distance(teacher.grade_band, band)
    return 1.0 if distance == 0 else 0.5 if distance == 1 else 0.0


def leader_fit(mentor: Mentor, theme: str) -> float:
    expertise = (
        1.0
        if theme in mentor.expertise_themes
        else 0.5
        if any(theme_distance(t, theme) == 1 for t in mentor.expertise_themes)
        else 0.0
    )
    return expertise + (0.25 if mentor.trained else 0.0)


def assignment(teacher: Teacher) -> tuple[str | None, tuple[str, ...]]:
    return teacher.grade_band, tuple(sorted(teacher.subjects))


def one_alike_ids(teachers: Iterable[Teacher]) -> set[str]:
    """Teachers who are the only one of their assignment (band + subjects) in their school."""
    teachers = list(teachers)
    counts = Counter((t.board, t.school, assignment(t)) for t in teachers)
    return {
        t.participant_id for t in teachers if t.school and counts[(t.board, t.school, assignment(t))] == 1
    }


def score_hub(
    hub: Hub,
    teachers: Mapping[str, Teacher],
    mentors: Mapping[str, Mentor],
    one_alike: set[str] | frozenset[str] = frozenset(),
    weights: Weights = DEFAULT_WEIGHTS,
) -> float:
    """The quality of one hub (see the module docstring)."""
    members = [teachers[m] for m in hub.members if m in teachers]
    if not members:
        return 0.0
    n = len(members)
    theme = sum(theme_fit(t, hub.theme) for t in members) / n
    band = sum(band_fit(t, hub.grade_band) for t in members) / n
    schools = len({t.school for t in members}) / n
    alikes = [t for t in members if t.participant_id in one_alike]
    peers = Counter(assignment(t) for t in members)
    one_alike_score = (sum(1 for t in alikes if peers[assignment(t)] > 1) / len(alikes)) if alikes else 1.0
    leaders = [mentors[m] for m in hub.leaders if m in mentors]
    lead = sum(leader_fit(m, hub.theme) for m in leaders) / max(len(leaders), 1)
    size = abs(n - weights.preferred_size) / weights.preferred_size
    return (
        weights.theme * theme
        + weights.band * band
        + weights.schools * schools
        + weights.one_alike * one_alike_score
        + weights.leaders * lead
        - weights.size * size
    )


def score_solution(
    hubs: Iterable[Hub],
    unplaced_count: int,
    teachers: Mapping[str, Teacher],
    mentors: Mapping[str, Mentor],
    weights: Weights = DEFAULT_WEIGHTS,
) -> float:
    """Sum of hub scores minus the cost of every teacher left unplaced."""
    one_alike = one_alike_ids(teachers.values())
    return (
        sum(score_hub(h, teachers, mentors, one_alike, weights) for h in hubs)
        - weights.unplaced * unplaced_count
    )
