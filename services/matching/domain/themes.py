"""How close two themes, and two grade bands, are — data a province can tune.

Used to merge a theme with too few teachers into its closest neighbour rather than leave anyone out.
"""

from __future__ import annotations

from shared.events.vocabulary import GRADE_BANDS

# Pairs of related themes and their distance (1 = close, 2 = related). Anything else is 3.
THEME_NEIGHBOURS: dict[frozenset[str], int] = {
    frozenset({"early_years_literacy", "french_second_language"}): 1,
    frozenset({"early_years_literacy", "arts_based_learning"}): 2,
    frozenset({"early_years_literacy", "assessment"}): 2,
    frozenset({"intermediate_mathematics", "assessment"}): 1,
    frozenset({"intermediate_mathematics", "technology_in_learning"}): 1,
    frozenset({"arts_based_learning", "indigenous_education"}): 2,
    frozenset({"arts_based_learning", "mental_health_wellbeing"}): 2,
    frozenset({"classroom_management", "mental_health_wellbeing"}): 1,
    frozenset({"classroom_management", "inclusive_education"}): 1,
    frozenset({"inclusive_education", "mental_health_wellbeing"}): 1,
    frozenset({"inclusive_education", "assessment"}): 2,
    frozenset({"indigenous_education", "mental_health_wellbeing"}): 2,
    frozenset({"technology_in_learning", "assessment"}): 2,
    frozenset({"french_second_language", "assessment"}): 2,
}
FAR = 3


def theme_distance(a: str, b: str) -> int:
    """0 for the same theme, 1 close, 2 related, 3 unrelated."""
    if a == b:
        return 0
    return THEME_NEIGHBOURS.get(frozenset({a, b}), FAR)


def band_distance(a: str | None, b: str | None) -> int:
    """Steps between grade bands (adjacent bands are compatible); unknown bands count as 1."""
    if a is None or b is None:
        return 0 if a == b else 1
    if a not in GRADE_BANDS or b not in GRADE_BANDS:
        return 0 if a == b else 2
    return abs(GRADE_BANDS.index(a) - GRADE_BANDS.index(b))
