"""Why someone was placed, paired or left unplaced, worded from matching's facts (``Reason``: a code
and its values) in the reader's language. Only facts are worded, never prose from an event: a
coordinator's note never travels this way. A code this catalogue does not know, or a fact missing a
value it needs, is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.notifications.domain.wording import Language, join_names, language_of, quoted
from shared.events.vocabulary import GRADE_BANDS  # in order: a neighbour is the next or previous one

BAND_NAMES: dict[str, dict[Language, str]] = {
    "kindergarten": {"en": "kindergarten", "fr": "maternelle et jardin d'enfants"},
    "primary": {"en": "primary", "fr": "cycle primaire"},
    "junior": {"en": "junior", "fr": "cycle moyen"},
    "intermediate": {"en": "intermediate", "fr": "cycle intermédiaire"},
    "senior": {"en": "senior", "fr": "cycle supérieur"},
}
LANGUAGE_NAMES: dict[str, dict[Language, str]] = {
    "en": {"en": "English", "fr": "anglais"},
    "fr": {"en": "French", "fr": "français"},
}
FIELD_NAMES: dict[str, dict[Language, str]] = {
    "grade_band": {"en": "grade band", "fr": "cycle"},
    "themes": {"en": "themes", "fr": "thèmes"},
    "school": {"en": "school", "fr": "école"},
    "language": {"en": "language", "fr": "langue"},
    "email": {"en": "email address", "fr": "adresse courriel"},
}
ORDINALS: dict[int, dict[Language, str]] = {
    2: {"en": "second", "fr": "deuxième"},
    3: {"en": "third", "fr": "troisième"},
    4: {"en": "fourth", "fr": "quatrième"},
    5: {"en": "fifth", "fr": "cinquième"},
}

ThemeNamer = Callable[[str], str | None]  # a theme code -> its name in the reader's language

# Who reads a pairing's reasons: the teacher or the mentor (the same fact, seen from each side).
Audience = str  # "teacher" | "mentor" | "member" | "coordinator"


class _Missing(Exception):
    """A value the sentence needs is absent or unknown: the fact is left out."""


class _Words:
    def __init__(self, values: Mapping[str, Any], lang: Language, theme_name: ThemeNamer):
        self.values = values
        self.lang = lang
        self.theme_name = theme_name

    def raw(self, key: str) -> Any:
        if key not in self.values:
            raise _Missing(key)
        return self.values[key]

    def count(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, list):
            return len(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Missing(key)
        return value

    def theme(self, key: str = "theme") -> str:
        name = self.theme_name(str(self.raw(key)))
        if not name:
            raise _Missing(key)
        return quoted(name, self.lang)

    def band(self, key: str = "band") -> str:
        names = BAND_NAMES.get(str(self.raw(key)))
        if names is None:
            raise _Missing(key)
        return names[self.lang]

    def bands(self, key: str = "bands") -> list[str]:
        value = self.raw(key)
        codes = value if isinstance(value, list) else [value]
        known = [c for c in GRADE_BANDS if c in codes]  # in their order, never an unknown code
        if len(known) < 2:
            raise _Missing(key)
        return [BAND_NAMES[c][self.lang] for c in known]

    def language(self, key: str = "language") -> str:
        names = LANGUAGE_NAMES.get(str(self.raw(key)))
        if names is None:
            raise _Missing(key)
        return names[self.lang]


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _hub_theme(w: _Words, audience: Audience) -> str:
    theme, n = w.theme(), w.count("teachers")
    if n < 1:
        raise _Missing("teachers")
    if w.lang == "fr":
        return f"{theme} est le premier choix " + _plural(
            n, "d'un membre du carrefour.", f"de {n} membres du carrefour."
        )
    return f"{theme} is the first choice of " + _plural(
        n, "one member of the hub.", f"{n} members of the hub."
    )


def _hub_band(w: _Words, audience: Audience) -> str:
    if "band" in w.values and w.values["band"]:
        band = w.band()
        if w.lang == "fr":
            return f"Tous les membres du carrefour enseignent dans le même cycle : {band}."
        return f"Everyone in the hub teaches in the same grade band: {band}."
    bands = join_names(w.bands(), w.lang)
    if w.lang == "fr":
        return f"Le carrefour réunit plusieurs cycles : {bands}."
    return f"The hub brings together several grade bands: {bands}."


def _hub_size(w: _Words, audience: Audience) -> str:
    teachers = w.count("teachers") if "teachers" in w.values else 0
    leaders = w.count("leaders") if "leaders" in w.values else 0
    parts: list[str] = []
    if w.lang == "fr":
        if teachers:
            parts.append(
                _plural(teachers, "un membre", f"{teachers} membres") + " du nouveau personnel enseignant"
            )
        if leaders:
            parts.append(
                _plural(leaders, "une nouvelle direction", f"{leaders} nouvelles directions") + " d'école"
            )
        if not parts:
            raise _Missing("teachers")
        return f"Le carrefour compte {join_names(parts, 'fr')}."
    if teachers:
        parts.append(_plural(teachers, "one beginning teacher", f"{teachers} beginning teachers"))
    if leaders:
        parts.append(_plural(leaders, "one new school leader", f"{leaders} new school leaders"))
    if not parts:
        raise _Missing("teachers")
    return f"The hub has {join_names(parts, 'en')}."


def _mixed_schools(w: _Words, audience: Audience) -> str:
    n = w.count("schools")
    if n < 2:
        raise _Missing("schools")
    if w.lang == "fr":
        return f"Ses membres viennent de {n} écoles différentes."
    return f"Its members come from {n} different schools."


def _leaders_trained(w: _Words, audience: Audience) -> str:
    n = w.count("leaders")
    if n < 1:
        raise _Missing("leaders")  # said only when true of someone
    if w.lang == "fr":
        return _plural(
            n,
            "Un des animateurs du carrefour a suivi la formation des animateurs.",
            "Les animateurs du carrefour ont suivi la formation des animateurs.",
        )
    return _plural(
        n,
        "One of the hub leaders completed the hub leader training.",
        "The hub leaders completed the hub leader training.",
    )


def _leader_expertise(w: _Words, audience: Audience) -> str:
    theme = w.theme()
    if w.lang == "fr":
        return f"Les animateurs du carrefour ont une expertise en {theme}."
    return f"The hub leaders bring expertise in {theme}."


def _same_language(w: _Words, audience: Audience) -> str:
    language = w.language()
    if w.lang == "fr":
        return f"Le carrefour se réunit en {language}."
    return f"The hub meets in {language}."


def _regional_hub(w: _Words, audience: Audience) -> str:
    if w.lang == "fr":
        return "Le carrefour réunit de nouvelles directions d'école de conseils scolaires voisins."
    return "The hub brings together new school leaders from neighbouring boards."


def _first_theme(w: _Words, audience: Audience) -> str:
    theme = w.theme()
    if w.lang == "fr":
        return f"Vous avez choisi {theme} comme premier thème."
    return f"You listed {theme} as your first theme."


def _listed_theme(w: _Words, audience: Audience) -> str:
    theme = w.theme()
    rank = w.count("rank") if "rank" in w.values else 0
    ordinal = ORDINALS.get(rank)
    if w.lang == "fr":
        if ordinal:
            return f"{theme} est votre {ordinal['fr']} choix de thème."
        return f"{theme} fait partie des thèmes que vous avez choisis."
    if ordinal:
        return f"{theme} is your {ordinal['en']} choice of theme."
    return f"{theme} is one of the themes you listed."


def _neighbour_theme(w: _Words, audience: Audience) -> str:
    theme, asked = w.theme(), w.theme("asked")
    if w.lang == "fr":
        return f"{theme} est proche de {asked}, votre premier thème."
    return f"{theme} is close to {asked}, your first theme."


def _same_band(w: _Words, audience: Audience) -> str:
    band = w.band()
    if w.lang == "fr":
        return f"Vous enseignez dans le cycle du carrefour : {band}."
    return f"You teach in the hub's grade band: {band}."


def _neighbour_band(w: _Words, audience: Audience) -> str:
    band, asked = w.band(), w.band("asked")
    # Said as it is: "next to" only for bands that are next to each other.
    adjacent = abs(GRADE_BANDS.index(str(w.raw("band"))) - GRADE_BANDS.index(str(w.raw("asked")))) == 1
    if w.lang == "fr":
        if adjacent:
            return f"Le cycle du carrefour ({band}) est voisin du vôtre ({asked})."
        return f"Le cycle du carrefour ({band}) n'est pas le vôtre ({asked})."
    if adjacent:
        return f"The hub's grade band ({band}) is next to yours ({asked})."
    return f"The hub's grade band ({band}) is not yours ({asked})."


def _mentor_same_band(w: _Words, audience: Audience) -> str:
    band = w.band()
    if w.lang == "fr":
        return f"Vous enseignez dans le même cycle : {band}."
    return f"You teach in the same grade band: {band}."


def _mentor_expertise(w: _Words, audience: Audience) -> str:
    theme = w.theme()
    if audience == "mentor":
        if w.lang == "fr":
            return f"Votre expertise comprend {theme}, un thème choisi par la personne que vous accompagnez."
        return f"Your expertise includes {theme}, a theme your mentee chose."
    if w.lang == "fr":
        return f"Votre mentor a une expertise en {theme}, un thème que vous avez choisi."
    return f"Your mentor has expertise in {theme}, a theme you chose."


def _mentor_school_leader(w: _Words, audience: Audience) -> str:
    if audience == "mentor":
        if w.lang == "fr":
            return "Direction d'école d'expérience, vous accompagnez une nouvelle direction d'école."
        return "As an experienced school leader, you mentor a new school leader."
    if w.lang == "fr":
        return "Votre mentor est une direction d'école d'expérience."
    return "Your mentor is an experienced school leader."


def _too_few_for_hub(w: _Words, audience: Audience) -> str:
    count, needed = w.count("count"), w.count("needed")
    if w.lang == "fr":
        return f"Trop peu de personnes de ce profil pour former un carrefour : {count} sur les {needed} nécessaires."
    return f"Too few people of this kind to form a hub: {count} of the {needed} needed."


def _no_hub_with_room(w: _Words, audience: Audience) -> str:
    n = w.count("hubs") if "hubs" in w.values else 0
    suffix = f" ({n})" if n else ""
    if w.lang == "fr":
        return f"Tous les carrefours compatibles sont complets{suffix}."
    return f"Every compatible hub is full{suffix}."


def _no_language_match(w: _Words, audience: Audience) -> str:
    language = w.language()
    if w.lang == "fr":
        return f"Aucun carrefour ni mentor ne fonctionne en {language}."
    return f"No hub or mentor works in {language}."


def _missing_data(w: _Words, audience: Audience) -> str:
    value = w.raw("fields")
    fields = value if isinstance(value, list) else [value]
    names = [FIELD_NAMES[f][w.lang] for f in fields if f in FIELD_NAMES]
    if not names:
        raise _Missing("fields")
    if w.lang == "fr":
        return f"Il manque au dossier : {join_names(names, 'fr')}."
    return f"The record is missing: {join_names(names, 'en')}."


# Facts said the same way whatever their values and whoever reads them.
FIXED: dict[str, dict[Language, str]] = {
    "one_alike": {
        "en": "Another member of the hub has the same assignment as you.",
        "fr": "Un autre membre du carrefour a la même affectation que vous.",
    },
    "late_joiner": {
        "en": "You registered after the hubs were formed, so you join a hub that already exists.",
        "fr": "Votre inscription est arrivée après la formation des carrefours : vous rejoignez un carrefour existant.",
    },
    "coordinator_decision": {
        "en": "Your program coordinator chose this hub for you.",
        "fr": "La coordination du programme a choisi ce carrefour pour vous.",
    },
    "no_trained_leader": {
        "en": "No trained hub leader is free for a hub of this kind.",
        "fr": "Aucun animateur formé n'est disponible pour un carrefour de ce type.",
    },
    "no_mentor_capacity": {
        "en": "No mentor has room, the same language and no conflict of interest.",
        "fr": "Aucun mentor n'a de place, la même langue et aucun conflit d'intérêts.",
    },
    "mentor_same_school": {
        "en": "You work in the same school.",
        "fr": "Vous travaillez dans la même école.",
    },
}


def _fixed(code: str) -> Callable[[_Words, Audience], str]:
    return lambda w, audience: FIXED[code][w.lang]


CATALOGUE: dict[str, Callable[[_Words, Audience], str]] = {
    "hub_theme": _hub_theme,
    "hub_band": _hub_band,
    "hub_size": _hub_size,
    "mixed_schools": _mixed_schools,
    "leaders_trained": _leaders_trained,
    "leader_expertise": _leader_expertise,
    "same_language": _same_language,
    "regional_hub": _regional_hub,
    "first_theme": _first_theme,
    "listed_theme": _listed_theme,
    "neighbour_theme": _neighbour_theme,
    "same_band": _same_band,
    "neighbour_band": _neighbour_band,
    "one_alike": _fixed("one_alike"),
    "late_joiner": _fixed("late_joiner"),
    "coordinator_decision": _fixed("coordinator_decision"),
    "mentor_same_school": _fixed("mentor_same_school"),
    "mentor_same_band": _mentor_same_band,
    "mentor_expertise": _mentor_expertise,
    "mentor_school_leader": _mentor_school_leader,
    "too_few_for_hub": _too_few_for_hub,
    "no_hub_with_room": _no_hub_with_room,
    "no_trained_leader": _fixed("no_trained_leader"),
    "no_mentor_capacity": _fixed("no_mentor_capacity"),
    "no_language_match": _no_language_match,
    "missing_data": _missing_data,
}


def explain(
    reasons: Sequence[tuple[str, Mapping[str, Any]]],
    language: str,
    theme_name: ThemeNamer,
    audience: Audience = "member",
) -> list[str]:
    """One sentence per fact in ``language``, in the facts' order; unknown codes and facts missing a
    value are left out, and a sentence said twice is said once."""
    lang = language_of(language)
    sentences: list[str] = []
    for code, values in reasons:
        word = CATALOGUE.get(code)
        if word is None:
            continue
        try:
            sentence = word(_Words(values, lang, theme_name), audience)
        except (_Missing, ValueError):
            continue
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences
