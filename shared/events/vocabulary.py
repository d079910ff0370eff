"""The closed vocabularies every service shares: roles, grade bands, languages and the province's
default learning-goal themes. They have this one home, beside the contracts that carry them."""

from __future__ import annotations

from typing import Literal, get_args

ParticipantRole = Literal["beginning_teacher", "new_school_leader", "mentor"]
GradeBand = Literal["kindergarten", "primary", "junior", "intermediate", "senior"]
Language = Literal["en", "fr"]

ROLES: tuple[str, ...] = get_args(ParticipantRole)
# In school order: the distance between two bands is how far apart their classrooms are.
GRADE_BANDS: tuple[str, ...] = get_args(GradeBand)
LANGUAGES: tuple[str, ...] = get_args(Language)

# Theme code → (English name, French name). Themes are data (a province admin adds more through
# registration's API); these are the defaults every new province starts with.
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
