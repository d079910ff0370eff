"""The provincial theme taxonomy and the closed vocabularies of an assignment.

Themes are data (a province admin can add more through the API); these are the defaults
every new province starts with.
"""

from __future__ import annotations

GRADE_BANDS: tuple[str, ...] = ("kindergarten", "primary", "junior", "intermediate", "senior")
ROLES: tuple[str, ...] = ("beginning_teacher", "new_school_leader", "mentor")
LANGUAGES: tuple[str, ...] = ("en", "fr")

DEFAULT_THEMES: dict[str, tuple[str, str]] = {
    "early_years_literacy": ("Early-years literacy", "Littératie des premières années"),
    "arts_based_learning": ("Arts-based learning", "Apprentissage par les arts"),
    "intermediate_mathematics": ("Intermediate mathematics", "Mathématiques au cycle intermédiaire"),
    "classroom_management": ("Classroom management", "Gestion de classe"),
    "assessment": ("Assessment", "Évaluation"),
    "inclusive_education": (
        "Inclusive and special education",
        "Éducation inclusive et enfance en difficulté",
    ),
    "french_second_language": ("French as a second language", "Français langue seconde"),
    "indigenous_education": ("Indigenous education", "Éducation autochtone"),
    "mental_health_wellbeing": ("Mental health and well-being", "Santé mentale et bien-être"),
    "technology_in_learning": ("Technology in learning", "Technologie en apprentissage"),
    "school_leadership": ("School leadership", "Leadership scolaire"),
}
