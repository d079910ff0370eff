"""The evaluation screens' pure parts: check-ins worded with names, hubs on track or not, survey rounds
whose response rate is shown only when evaluation shows the group, and the pages rendered in both
languages with suppression stated rather than a number."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from services.console.adapters.rendering import Renderer
from services.console.domain import evaluation as views

pytestmark = pytest.mark.unit
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def survey(kind: str, invited: int, *, closes: str = "2027-03-15T18:00:00+00:00") -> dict:  # type: ignore[type-arg]
    return {
        "kind": kind,
        "invited": invited,
        "opens_at": "2027-02-01T12:00:00+00:00",
        "closes_at": closes,
        "questions": [
            {"key": "confidence", "text": {"en": "I feel confident", "fr": "Je me sens en confiance"}}
        ],
    }


def test_round_rows_show_a_rate_only_for_a_group_evaluation_shows():
    surveys = [
        survey("pulse", 6, closes="2027-01-10T00:00:00+00:00"),
        survey("pulse", 6, closes="2027-01-20T00:00:00+00:00"),
        survey("baseline", 20, closes="2026-11-01T00:00:00+00:00"),
        survey("mid_year", 20),
    ]
    results = {
        "pulse": {"suppressed": True, "reason": "small_group", "respondents": None},
        "baseline": {"suppressed": False, "reason": None, "respondents": 15},
        "mid_year": None,  # evaluation refused to say: treated as suppressed, never as zero
    }
    rows = {r.kind: r for r in views.round_rows(surveys, results, NOW)}
    assert list(rows) == ["pulse", "baseline", "mid_year"]
    assert (rows["pulse"].surveys, rows["pulse"].invited, rows["pulse"].open) == (2, 12, 0)
    assert rows["pulse"].suppressed and rows["pulse"].rate is None and rows["pulse"].respondents is None
    assert rows["baseline"].rate == 0.75 and rows["baseline"].open == 0
    assert rows["mid_year"].suppressed and rows["mid_year"].open == 1
    assert views.can_open("end_of_year", surveys) and not views.can_open("mid_year", surveys)
    assert not views.can_open("pulse", [])  # pulses follow meetings held; nobody opens one by hand


def test_check_ins_and_hub_health_name_who_and_why():
    engagement = {
        "hubs": [
            {"hub_id": "h1", "meetings_planned": 4, "meetings_held": 0, "attendance_rate": None},
            {"hub_id": "h2", "meetings_planned": 4, "meetings_held": 3, "attendance_rate": 0.9},
        ],
        "needs_check_in": [
            {"code": "quiet_hub", "hub_id": "h1", "participant_id": None, "mentor_id": None, "since": None},
            {
                "code": "no_observation",
                "hub_id": None,
                "participant_id": "t1",
                "mentor_id": "m1",
                "since": None,
            },
        ],
    }
    hubs = {"h1": "Early literacy", "h2": "Mathematics"}
    rows = views.hub_health(engagement, hubs)
    assert [(r.name, r.on_track) for r in rows] == [("Early literacy", False), ("Mathematics", True)]
    found = views.check_ins(engagement["needs_check_in"], hubs, {"t1": "Ada Teacher", "m1": "Grace Mentor"})
    assert (
        found[0].hub == "Early literacy"
        and found[1].person == "Ada Teacher"
        and found[1].mentor == "Grace Mentor"
    )


def page(language: str, template: str, context: dict) -> str:  # type: ignore[type-arg]
    return Renderer().render(
        language,
        template,
        {
            "user": None,
            "csrf_token": "t",
            "path": "/",
            "quoted_path": "%2F",
            "other_lang": "fr" if language == "en" else "en",
            "request_path": "/",
            "board": {"code": "ELM", "name": "Elmwood"},
            "year": "2026-2027",
            "section": "evaluation",
            **context,
        },
    )


@pytest.mark.parametrize(
    ("language", "hidden", "rate"),
    [
        ("en", "Not shown: fewer than 5 respondents", "75%"),
        ("fr", "Non montré : moins de 5 répondants", "75"),
    ],
)
def test_the_surveys_page_says_a_group_is_too_small_instead_of_showing_it(language, hidden, rate):
    surveys = [survey("pulse", 6), survey("baseline", 20, closes="2026-11-01T00:00:00+00:00")]
    results = {
        "pulse": {"suppressed": True, "reason": "small_group", "respondents": None, "questions": []},
        "baseline": {
            "suppressed": False,
            "reason": None,
            "respondents": 15,
            "min_group": 5,
            "questions": [
                {
                    "key": "confidence",
                    "kind": "scale",
                    "respondents": 15,
                    "mean": 3.4,
                    "nps": None,
                    "suppressed": False,
                }
            ],
        },
    }
    html = page(
        language,
        "evaluation/surveys.html",
        {
            "rounds": views.round_rows(surveys, results, NOW),
            "results": results,
            "min_group": 5,
            "questions": {"confidence": {"en": "I feel confident", "fr": "Je me sens en confiance"}},
            "openable": ["mid_year", "end_of_year"],
            "tab": "surveys",
        },
    )
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert hidden in text
    assert rate in text
    pulse_row = re.search(
        r"<tr>\s*<th scope=\"row\">[^<]*(?:Pulse|Sondage éclair)[^<]*</th>(.*?)</tr>", html, re.S
    )
    assert pulse_row is not None
    # The suppressed row shows the invitations sent, and no count of respondents or rate.
    cells = re.findall(r"<td[^>]*>(.*?)</td>", pulse_row.group(1), re.S)
    assert len(cells) == 4 and hidden in cells[-1]
    assert ("Je me sens en confiance" if language == "fr" else "I feel confident") in text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_health_and_harvest_pages_render(language):
    check_ins = views.check_ins(
        [
            {
                "code": "missed_meetings",
                "hub_id": "h1",
                "participant_id": "p1",
                "mentor_id": None,
                "since": None,
            }
        ],
        {"h1": "Early literacy"},
        {"p1": "Ada Teacher"},
    )
    html = page(
        language,
        "evaluation/health.html",
        {
            "engagement": {
                "meetings_held": 3,
                "meetings_planned": 8,
                "attendance_rate": 0.8,
                "observation_visits": 1,
                "sessions_attended": 2,
            },
            "hubs": [],
            "check_ins": check_ins,
            "tab": "health",
        },
    )
    assert "Ada Teacher" in html
    assert (
        "a manqué les deux dernières rencontres" if language == "fr" else "missed the last two meetings"
    ) in html
    html = page(
        language,
        "evaluation/harvest.html",
        {
            "harvest": {"stories": [], "wishes": [], "themes": [], "propositions": []},
            "published_at": None,
            "hub_names": {},
            "tab": "harvest",
        },
    )
    assert ("Publier la récolte" if language == "fr" else "Publish the harvest") in html


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("en", "Learning goal attained: Early literacy", "Learning goal attained: Mathematics"),
        (
            "fr",
            "Objectif d'apprentissage atteint : Littératie précoce",
            "Objectif d'apprentissage atteint : Mathématiques",
        ),
    ],
)
def test_the_year_end_report_shows_goal_attainment_per_theme_when_the_report_carries_it(
    language, shown, hidden
):
    def fig(value: float | None) -> dict:  # type: ignore[type-arg]
        return {"value": value, "respondents": None if value is None else 7, "suppressed": value is None}

    report = {
        "min_group": 5,
        "engagement": {
            "hubs": 1,
            "meetings_held": 0,
            "meetings_planned": 0,
            "attendance_rate": None,
            "observation_visits": 0,
        },
        "goals": [],
        "goal_attainment": fig(4.0),
        "recommend": fig(9.0),
        "nps": fig(100.0),
        "themes": [],
        "goal_attainment_by_theme": [
            {
                "theme": "early_literacy",
                "name": {"en": "Early literacy", "fr": "Littératie précoce"},
                **fig(3.86),
            },
            {"theme": "math", "name": {"en": "Mathematics", "fr": "Mathématiques"}, **fig(None)},
        ],
    }
    html = page(language, "evaluation/report.html", {"report": report, "tab": "report"})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")
    assert f"{shown} {'3,86' if language == 'fr' else '3.86'}" in text, text
    suppressed = (
        "Non montré : moins de 5 répondants" if language == "fr" else "Not shown: fewer than 5 respondents"
    )
    assert f"{hidden} {suppressed}" in text
    # A report without per-theme figures (an older evaluation) renders as before.
    del report["goal_attainment_by_theme"]
    older = page(language, "evaluation/report.html", {"report": report, "tab": "report"})
    assert shown not in older.replace("&#39;", "'")
