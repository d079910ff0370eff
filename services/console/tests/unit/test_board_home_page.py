"""The board home's "needs attention" list, rendered: a board with 63 people registered and nobody placed
never reads "Nothing needs your attention", in English or in French."""

from __future__ import annotations

import re

import pytest

from services.console.adapters.rendering import Renderer
from services.console.domain import summaries

pytestmark = pytest.mark.unit

EXPECTED = {
    "en": [
        "Matching has not caught up with registration yet",
        "A matching run's draft is waiting for your review",
        "63 registered people are in no hub or pairing yet",
        "2 hubs or pairings need a check-in",
        "1 meeting releases teachers on a day without occasional teachers to cover them",
        "This program year has no calendar of phases yet",
    ],
    "fr": [
        "Le jumelage n'a pas encore rattrapé l'inscription",
        "L'ébauche d'un jumelage attend votre examen",
        "63 personnes inscrites ne sont encore dans aucun carrefour ni jumelage",
        "2 carrefours ou jumelages demandent un suivi",
        "1 rencontre libère des enseignants un jour sans suppléants pour les remplacer",
        "Cette année de programme n'a pas encore de calendrier des étapes",
    ],
}
CALM = {"en": "Nothing needs your attention", "fr": "Rien n’est à traiter"}


def render(language: str, home: summaries.BoardHome) -> str:
    html = Renderer().render(
        language,
        "board_home.html",
        {
            "home": home,
            "board": home.board,
            "year": "2026-2027",
            "section": "home",
            "ready": home.readiness,
            "user": None,
            "csrf_token": "",
            "path": "/",
            "quoted_path": "%2F",
            "other_lang": "fr" if language == "en" else "en",
            "request_path": "/",
        },
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_fact_needing_attention_is_worded(language):
    home = summaries.board_home(
        board={"code": "ELM", "name": "Elmwood"},
        program_year="2026-2027",
        timeline={"standings": []},
        registered=63,
        placed=0,
        withdrawn=0,
        hubs=[],
        hub_total=0,
        unplaced=[],
        meetings=[{"status": "scheduled", "day": "2026-10-06", "release_time": True, "releases": 4}],
        failed_messages=0,
        runs=[{"id": "r1", "status": "draft", "started_at": "2026-09-01T10:00:00+00:00"}],
        readiness={"up_to_date": False, "behind": {"participants": 3, "revisions": 4}},
        capacity=[],
        check_ins=2,
    )
    text = render(language, home)
    for sentence in EXPECTED[language]:
        assert sentence in text
    assert CALM[language] not in text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_calm_board_says_so(language):
    home = summaries.board_home(
        board={"code": "ELM", "name": "Elmwood"},
        program_year="2026-2027",
        timeline=None,
        registered=8,
        placed=8,
        withdrawn=0,
        hubs=[{"id": "h1", "leaders": [1, 2], "member_count": 6, "program_year": "2026-2027"}],
        hub_total=1,
        unplaced=[],
        meetings=[],
        failed_messages=0,
    )
    assert CALM[language] in render(language, home)
