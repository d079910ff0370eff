"""Every text a person reads in a report, in English and French (a unit test fails on a gap),
and the figures formatted for the reader's language by Babel."""

from __future__ import annotations

import re
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALES = {"en": "en_CA", "fr": "fr_CA"}

LABELS: dict[str, dict[str, str]] = {
    "report_board": {
        "en": "Mentorship program evaluation: {board}",
        "fr": "Évaluation du programme de mentorat : {board}",
    },
    "report_province": {
        "en": "Mentorship program evaluation: the province",
        "fr": "Évaluation du programme de mentorat : la province",
    },
    "program_year": {"en": "Program year", "fr": "Année du programme"},
    "generated": {"en": "Prepared on", "fr": "Préparé le"},
    "engagement": {"en": "Engagement", "fr": "Participation"},
    "hubs": {"en": "Mentoring hubs", "fr": "Carrefours de mentorat"},
    "meetings_planned": {"en": "Hub meetings planned", "fr": "Rencontres de carrefour prévues"},
    "meetings_held": {"en": "Hub meetings held", "fr": "Rencontres de carrefour tenues"},
    "attendance": {"en": "Attendance at meetings held", "fr": "Présence aux rencontres tenues"},
    "observation_visits": {"en": "Observation visits held", "fr": "Visites d'observation tenues"},
    "sessions_attended": {"en": "Sessions attended", "fr": "Séances suivies"},
    "meetings_useful": {
        "en": "Hub meetings were useful (pulse surveys, 1 to 5)",
        "fr": "Les rencontres du carrefour ont été utiles (sondages éclair, 1 à 5)",
    },
    "by_board": {"en": "By board", "fr": "Par conseil scolaire"},
    "board_line": {
        "en": "{hubs} hubs, {held} of {planned} meetings held, attendance {attendance}",
        "fr": "{hubs} carrefours, {held} rencontres tenues sur {planned}, présence {attendance}",
    },
    "needs_check_in": {"en": "Needs check-in", "fr": "Suivi requis"},
    "goals": {
        "en": "Core goals: first survey to last",
        "fr": "Objectifs principaux : du premier au dernier sondage",
    },
    "first": {"en": "First", "fr": "Premier"},
    "last": {"en": "Last", "fr": "Dernier"},
    "change": {"en": "Change", "fr": "Variation"},
    "respondents": {"en": "Respondents", "fr": "Répondant·e·s"},
    "confidence": {"en": "Confidence", "fr": "Confiance"},
    "efficacy": {"en": "Efficacy", "fr": "Efficacité"},
    "instructional_practice": {"en": "Instructional practice", "fr": "Pratique pédagogique"},
    "continuous_learning": {
        "en": "Commitment to continuous learning",
        "fr": "Engagement envers l'apprentissage continu",
    },
    "goal_attainment": {"en": "Goal attainment (1 to 5)", "fr": "Atteinte des objectifs (1 à 5)"},
    "goal_attainment_theme": {
        "en": "Learning goal attained: {theme} (1 to 5)",
        "fr": "Objectif d'apprentissage atteint : {theme} (1 à 5)",
    },
    "recommend": {"en": "Would recommend (0 to 10)", "fr": "Recommanderait (0 à 10)"},
    "nps": {"en": "Net promoter score", "fr": "Indice de recommandation net"},
    "suppressed": {
        "en": "fewer than {n} respondents: not shown",
        "fr": "moins de {n} répondant·e·s : non affiché",
    },
    "harvest": {"en": "Appreciative-inquiry harvest", "fr": "Récolte de l'enquête appréciative"},
    "themes": {"en": "Themes (votes)", "fr": "Thèmes (votes)"},
    "propositions": {"en": "Propositions", "fr": "Propositions"},
    "owner": {"en": "owner", "fr": "responsable"},
    "due": {"en": "by", "fr": "d'ici le"},
    "chart_legend": {
        "en": "Pale bar: first survey; dark bar: last survey (scale of 1 to 5).",
        "fr": "Barre pâle : premier sondage; barre foncée : dernier sondage (échelle de 1 à 5).",
    },
    "none": {"en": "none yet", "fr": "aucun pour l'instant"},
    "min_group": {
        "en": "Groups of fewer than {n} respondents are never shown.",
        "fr": "Les groupes de moins de {n} répondant·e·s ne sont jamais affichés.",
    },
}


def pair(measure: str, value: str, lang: str) -> str:
    """ "Measure: value" with the language's punctuation (French puts a space before the colon)."""
    return f"{measure}\u00a0: {value}" if lang == "fr" else f"{measure}: {value}"


def label(key: str, lang: str, **values: object) -> str:
    return LABELS[key][lang].format(**values)


def number(value: float, lang: str, digits: int = 2) -> str:
    return format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}", locale=LOCALES[lang])


def signed(value: float, lang: str) -> str:
    text = number(abs(value), lang)
    return ("+" if value >= 0 else "−") + text


def percent(value: float, lang: str) -> str:
    """One decimal, in the locale's own pattern ("88.5%" / "88,5 %")."""
    pattern = re.sub(r"0(\s*%)", r"0.0\1", Locale.parse(LOCALES[lang]).percent_formats[None].pattern)
    return format_percent(value, format=pattern, locale=LOCALES[lang])


def day(value: date | datetime, lang: str) -> str:
    return format_date(value, format="long", locale=LOCALES[lang])
