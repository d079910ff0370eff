"""Every portal page renders in English and French from the shapes the services answer with (a
template error shows here, not first in a browser), and words every fact matching explains with."""

from __future__ import annotations

from typing import Any

import pytest

from services.console.adapters.rendering import Renderer

pytestmark = pytest.mark.unit
ME = "11111111-1111-1111-1111-111111111111"
THEMES = {
    "french_second_language": {
        "code": "french_second_language",
        "name_en": "French as a second language",
        "name_fr": "Français langue seconde",
    },
    "assessment": {"code": "assessment", "name_en": "Assessment", "name_fr": "Évaluation"},
}
PERSON = {"participant_id": ME, "display_name": "Léa Tremblay", "school": "Elmwood Collegiate", "is_me": True}
HUB = {
    "id": "22222222-2222-2222-2222-222222222222",
    "theme": "french_second_language",
    "grade_band": "primary",
    "language": "fr",
    "track": "beginning_teachers",
    "members": [PERSON],
    "leaders": [{**PERSON, "is_me": False, "display_name": "Daniel Taylor"}],
    "reasons": [],
}
FACTS = [
    {"code": "first_theme", "values": {"theme": "french_second_language"}},
    {"code": "listed_theme", "values": {"theme": "assessment", "rank": 2}},
    {"code": "neighbour_theme", "values": {"theme": "assessment", "asked": "french_second_language"}},
    {"code": "same_band", "values": {"band": "primary"}},
    {"code": "neighbour_band", "values": {"band": "junior", "asked": "primary"}},
    {"code": "one_alike", "values": {"assignment": ["Core French"]}},
    {"code": "late_joiner", "values": {}},
    {"code": "coordinator_decision", "values": {}},
]
MENTOR_FACTS = [
    {"code": "mentor_same_school", "values": {}},
    {"code": "mentor_same_band", "values": {"band": "primary"}},
    {"code": "mentor_expertise", "values": {"theme": "assessment"}},
    {"code": "mentor_school_leader", "values": {}},
]
WHEN = "2027-02-12T14:00:00+00:00"
PAGES: dict[str, dict[str, Any]] = {
    "web.html": {
        "web": {
            "program_year": "2026-2027",
            "role": "beginning_teacher",
            "hub": HUB,
            "unplaced": False,
            "my_reasons": FACTS,
            "one_to_one_mentor": {**PERSON, "is_me": False, "reasons": MENTOR_FACTS},
            "led_hubs": [HUB],
            "mentees": [PERSON],
            "meetings": [
                {
                    "id": "3",
                    "hub_id": HUB["id"],
                    "starts_at": WHEN,
                    "location": "Room 4",
                    "release_time": True,
                    "i_lead": True,
                }
            ],
        },
        "themes": THEMES,
        "board": {"timezone": "America/Toronto"},
        "hubs_by_id": {HUB["id"]: HUB},
        "to_record": [
            {"id": "6", "hub_id": HUB["id"], "starts_at": WHEN, "recorded": False},
            {"id": "7", "hub_id": HUB["id"], "starts_at": WHEN, "recorded": True},
        ],
        "recorded": "6",
    },
    "attendance.html": {
        "meeting": {"id": "6", "hub_id": HUB["id"], "starts_at": WHEN, "recorded": True},
        "hub": HUB,
        "people": [{**PERSON, "leader": True}, {**PERSON, "leader": False}],
        "themes": THEMES,
        "board": {"timezone": "America/Toronto"},
        "errors": {"present": "required"},
        "checked": [ME],
    },
    "goals.html": {
        "record": {"learning_goals": "Routines", "themes": ["assessment"]},
        "themes": THEMES,
        "slots": range(3),
        "saved": True,
        "errors": {"theme_1": "duplicate"},
    },
    "sessions.html": {
        "sessions": [
            {
                "id": "4",
                "title": "Routines",
                "kind": "workshop",
                "starts_at": WHEN,
                "timezone": "America/Toronto",
                "location": "Office",
                "facilitator": "Staff",
                "capacity": 1,
                "confirmed": 1,
                "waitlisted": 1,
                "status": "scheduled",
                "mine": {"status": "waitlisted", "position": 1},
            }
        ],
        "done": "waitlisted",
    },
    "calendar.html": {
        "items": [
            {"item_id": "5", "kind": "observation", "title": "Visit", "starts_at": WHEN, "location": None}
        ],
        "feed": {"active": True, "created_at": WHEN},
        "board": {"timezone": None},
        "new_url": "http://example.test/feed.ics",
        "done": "revoked",
    },
    "observation.html": {
        "visit": {"starts_at": WHEN},
        "mine": {"body": "Notes", "mentor_id": ME},
        "shared": [{"body": "Shared"}],
        "mentor": {"participant_id": ME, "display_name": "Daniel Taylor"},
        "board": {"timezone": None},
        "obs_id": "5",
        "saved": True,
    },
    "preferences.html": {
        "record": {"language": "fr"},
        "prefs": {"delivery_preference": "weekly_digest", "unsubscribed": True},
        "saved": True,
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_portal_page_renders(template: str, language: str) -> None:
    html = Renderer().render(
        language,
        f"portal/{template}",
        {
            **PAGES[template],
            "me": ME,
            "portal_section": "web",
            "csrf_token": "t",
            "quoted_path": "%2F",
            "other_lang": "en",
        },
    )
    assert f'<html lang="{language}">' in html and "<h1>" in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_fact_is_worded(language: str) -> None:
    html = Renderer().render(
        language,
        "portal/web.html",
        {**PAGES["web.html"], "me": ME, "portal_section": "web", "csrf_token": "t"},
    )
    assert html.count('<ul class="mw-why-list">') == 2
    worded = html.split('<ul class="mw-why-list">')[1].split("</ul>")[0]
    assert worded.count("<li>") == len(FACTS)
    mentor = html.split('<ul class="mw-why-list">')[2].split("</ul>")[0]
    assert mentor.count("<li>") == len(MENTOR_FACTS)
    if language == "fr":
        assert "Français langue seconde" in worded and "Primary" not in worded


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_leader_sees_which_meetings_to_record_and_why(language: str) -> None:
    """Each started meeting of a hub I lead: a link to record it (or change it once recorded), and the
    words that the record only counts engagement. The form lists names, never ids."""
    context = {**PAGES["web.html"], "me": ME, "portal_section": "web", "csrf_token": "t", "recorded": None}
    html = Renderer().render(language, "portal/web.html", context)
    assert "/meetings/6/attendance" in html and "/meetings/7/attendance" in html
    assert ("jamais une évaluation" if language == "fr" else "never an evaluation of anyone") in html
    assert 'role="status"' not in html
    form = Renderer().render(
        language, "portal/attendance.html", {**PAGES["attendance.html"], "me": ME, "csrf_token": "t"}
    )
    labels = [part.split("</label>")[0] for part in form.split("<label")[1:]]
    assert labels and all(ME not in label for label in labels)
    assert form.count('type="checkbox"') == 2 and form.count(" checked") == 2
