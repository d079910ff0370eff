"""Bilingual wording decisions (English, Canadian French) that templates cannot make alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Literal

Language = Literal["en", "fr"]

# The province's default theme taxonomy (registration owns it; notifications only needs the labels).
THEMES: dict[str, tuple[str, str]] = {
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

# Why the recipient gets the message (shown in every footer), by reason and language.
WHY: dict[str, dict[str, str]] = {
    "registered": {
        "en": "you were registered in its mentorship program",
        "fr": "vous avez été inscrit à son programme de mentorat",
    },
    "hub": {
        "en": "you belong to one of its mentoring hubs",
        "fr": "vous faites partie d'un de ses carrefours",
    },
    "pairing": {
        "en": "you take part in its mentorship program",
        "fr": "vous participez à son programme de mentorat",
    },
    "coordinator": {
        "en": "you are a contact of its mentorship program",
        "fr": "vous êtes une personne-ressource de son programme de mentorat",
    },
    "session": {
        "en": "you enrolled in one of its sessions",
        "fr": "vous êtes inscrit à une de ses séances",
    },
    "grant_applicant": {
        "en": "you are the contact of a start-up grant application",
        "fr": "vous êtes la personne-ressource d'une demande de subvention de démarrage",
    },
    "grant_reviewer": {
        "en": "you review start-up grant applications",
        "fr": "vous évaluez les demandes de subvention de démarrage",
    },
    "digest": {
        "en": "you chose a weekly summary of non-urgent messages",
        "fr": "vous avez choisi un résumé hebdomadaire des messages non urgents",
    },
}

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip


def language_of(value: str | None) -> Language:
    return "fr" if value == "fr" else "en"


def why(reason: str, language: str) -> str:
    return WHY[reason][language_of(language)]


def theme_label(theme: str, language: str) -> str:
    """The theme's label in ``language``; an unknown code becomes readable words."""
    labels = THEMES.get(theme)
    if labels:
        return labels[1] if language_of(language) == "fr" else labels[0]
    return theme.replace("_", " ").strip().capitalize() or theme


def format_when(moment: datetime, language: str, zone: tzinfo) -> str:
    """A date and time as people of the board read it: "Tuesday, October 6, 2026, 4:00 p.m." /
    "mardi 6 octobre 2026, 16 h 00" (Canadian French uses the 24-hour clock)."""
    local = moment.astimezone(zone)
    lang = language_of(language)
    day = _DAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    if lang == "fr":
        return f"{day} {local.day} {month} {local.year}, {local.hour} h {local.minute:02d}"
    hour = local.hour % 12 or 12
    suffix = "a.m." if local.hour < 12 else "p.m."
    return f"{day}, {month} {local.day}, {local.year}, {hour}:{local.minute:02d} {suffix}"


def format_date(moment: datetime, language: str, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    lang = language_of(language)
    month = _MONTHS[lang][local.month - 1]
    if lang == "fr":
        return f"{local.day} {month} {local.year}"
    return f"{month} {local.day}, {local.year}"


def join_names(names: Sequence[str], language: str) -> str:
    """ "Ana, Ben and Chloé" / "Ana, Ben et Chloé"."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return names[0] if names else ""
    conjunction = " et " if language_of(language) == "fr" else " and "
    return ", ".join(names[:-1]) + conjunction + names[-1]


def hub_summary(theme: str, language: str) -> str:
    """The calendar title of a hub meeting ("Mentoring hub: Assessment"; without a theme, just the hub)."""
    french = language_of(language) == "fr"
    base = "Carrefour de mentorat" if french else "Mentoring hub"
    if not theme:
        return base
    return f"{base} : {theme_label(theme, language)}" if french else f"{base}: {theme_label(theme, language)}"
