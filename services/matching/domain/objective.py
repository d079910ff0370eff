"""The one documented place where a hub's quality is defined, with its weights as data.

A teacher's first-listed learning goal is what they asked to work on this year, so it weighs clearly
more than anything else; the grade band comes next; cross-school mix, one-alike connection, leaders'
expertise and size are tie-breakers. Each person counts for themselves (a sum over members, not a
share), so no hub's mix can outweigh one person's goal::

    score(hub) = Σ members [ w_theme × theme_fit + w_band × band_fit + w_one_alike × connected ]
               + w_schools × distinct schools / members
               + w_leaders × mean leader fit (expertise in the theme 1, in a neighbouring theme ½;
                                               trained +¼)
               − w_size × |members − preferred size| / preferred size

    theme_fit: the teacher's 1st-listed theme 1, 2nd 0.6, 3rd or later 0.4, a theme that neighbours
               (distance 1 in themes.THEME_NEIGHBOURS) one of their listed themes 0.25, else 0
    band_fit:  the teacher's own grade band 1, the next band 0.5, else 0 (unknown bands 0)
    connected: 1 for a one-alike teacher (the only one of their assignment in their school) who
               shares the hub with someone of the same assignment, else 0

A solution's objective is the sum over its hubs minus ``w_unplaced`` per teacher left unplaced.

Why these numbers (docs/matching.md has worked examples):
- Leaving one's first theme for the second costs w_theme × (1 − 0.6) = 4. The tie-breakers a single
  move or exchange of two teachers can change are worth at most 1/6 + 1/6 (schools of two hubs),
  6 × 0.25 (the one-alike connections of the two people and of their sole assignment peers) and
  2 × 0.5 / 7 (sizes): under 2. So no move or exchange trades someone's first goal for mix.
- A first theme in a far band (10) still beats a second theme in one's own band (6 + 3 = 9): the
  theme someone asked for comes before the band.
- Placing anyone anywhere beats leaving them out (w_unplaced = 20).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from services.matching.domain.placement_model import Hub, Mentor, Teacher
from services.matching.domain.themes import band_distance, theme_distance

NEIGHBOURING = 1  # themes.theme_distance of neighbouring themes (the only ones that earn credit)


@dataclass(frozen=True)
class Weights:
    """The objective's weights and fits; a board may override any of them (by name)."""

    theme: float = 10.0  # the learning goal dominates: see the module docstring
    band: float = 3.0  # next: a first theme in a far band still beats a second theme in one's band
    schools: float = 1.0  # tie-breaker: meeting colleagues from other schools
    one_alike: float = 0.25  # tie-breaker: a one-alike teacher meets someone of their assignment
    leaders: float = 1.0  # leaders who know the theme (does not move teachers between hubs)
    size: float = 0.5  # tie-breaker: hubs near the preferred size
    unplaced: float = 20.0  # anyone placed anywhere beats anyone left out
    preferred_size: int = 7
    first_theme: float = 1.0  # theme_fit of the teacher's first-listed theme
    second_theme: float = 0.6  # ... of their second
    later_theme: float = 0.4  # ... of their third or later
    neighbour_theme: float = 0.25  # ... of a theme neighbouring one they listed
    neighbour_band: float = 0.5  # band_fit of the band next to the teacher's


DEFAULT_WEIGHTS = Weights()


def listed_themes(teacher: Teacher) -> tuple[str, ...]:
    """The themes the person asked for, in their order (new school leaders: school leadership)."""
    if teacher.role == "new_school_leader":
        return ("school_leadership",)
    return teacher.themes


def theme_rank(teacher: Teacher, theme: str) -> int | None:
    """1 for the teacher's first-listed theme, 2 for the second, ...; None if they did not list it."""
    themes = listed_themes(teacher)
    return themes.index(theme) + 1 if theme in themes else None


def neighbour_of(teacher: Teacher, theme: str) -> str | None:
    """The first of the teacher's listed themes that neighbours ``theme``, if any."""
    return next((t for t in listed_themes(teacher) if theme_distance(t, theme) == NEIGHBOURING), None)


def theme_fit(teacher: Teacher, theme: str, weights: Weights = DEFAULT_WEIGHTS) -> float:
    return _theme_fit(listed_themes(teacher), teacher.primary_theme, theme, weights)


@lru_cache(maxsize=1 << 16)  # pure; the search asks the same few questions millions of times
def _theme_fit(listed: tuple[str, ...], primary: str, theme: str, weights: Weights) -> float:
    rank = listed.index(theme) + 1 if theme in listed else None
    if rank is None and not listed and theme == primary:
        rank = 1  # nothing listed: the default theme counts as theirs (reported as missing data)
    if rank == 1:
        return weights.first_theme
    if rank == 2:
        return weights.second_theme
    if rank is not None:
        return weights.later_theme
    neighbour = any(theme_distance(t, theme) == NEIGHBOURING for t in listed)
    return weights.neighbour_theme if neighbour else 0.0


def band_fit(teacher: Teacher, band: str | None, weights: Weights = DEFAULT_WEIGHTS) -> float:
    if teacher.grade_band is None or band is None:
        return 0.0
    distance = band_distance(teacher.grade_band, band)
    return 1.0 if distance == 0 else weights.neighbour_band if distance == 1 else 0.0


def leader_fit(mentor: Mentor, theme: str) -> float:
    expertise = (
        1.0
        if theme in mentor.expertise_themes
        else 0.5
        if any(theme_distance(t, theme) == NEIGHBOURING for t in mentor.expertise_themes)
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
    theme = sum(theme_fit(t, hub.theme, weights) for t in members)
    band = sum(band_fit(t, hub.grade_band, weights) for t in members)
    schools = len({t.school for t in members}) / n
    peers = Counter(assignment(t) for t in members)
    connected = sum(1 for t in members if t.participant_id in one_alike and peers[assignment(t)] > 1)
    leaders = [mentors[m] for m in hub.leaders if m in mentors]
    lead = sum(leader_fit(m, hub.theme) for m in leaders) / max(len(leaders), 1)
    size = abs(n - weights.preferred_size) / weights.preferred_size
    return (
        weights.theme * theme
        + weights.band * band
        + weights.one_alike * connected
        + weights.schools * schools
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


def first_theme_share(hubs: Iterable[Hub], teachers: Mapping[str, Teacher]) -> tuple[int, int]:
    """(beginning teachers in a hub of their first-listed theme, beginning teachers placed)."""
    hit = total = 0
    for hub in hubs:
        for m in hub.members:
            t = teachers.get(m)
            if t is None or t.role != "beginning_teacher" or not t.themes:
                continue
            total += 1
            hit += t.themes[0] == hub.theme
    return hit, total
