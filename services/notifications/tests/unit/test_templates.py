"""Every template renders in both languages with the context its composer gives it (StrictUndefined)."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from services.notifications.adapters.rendering import TEMPLATES, render

pytestmark = pytest.mark.unit

BASE: dict[str, Any] = {
    "board": "ELM",
    "why": "because",
    "given_name": "Zoé",
    "preferences_url": "http://x/unsubscribe?t=1",
}
SESSION: dict[str, Any] = {
    "title": "Workshop 1",
    "kind": "workshop",
    "when": "Tuesday, October 6, 2026, 4:00 p.m.",
    "until": "6:00 p.m.",
    "location": "Board office",
    "online_url": None,
}
HUB: dict[str, Any] = {
    "theme": "Assessment",
    "is_leader": False,
    "members": ["Ana Roy", "Ben Tremblay"],
    "leaders": ["Chloé Gagnon", "Dev Singh"],
    "unknown_count": 1,
    "meetings": ["Tuesday, October 6, 2026, 4:00 p.m."],
}
CONTEXTS: dict[str, dict[str, Any]] = {
    "welcome": {"program_year": "2026-2027", "role": "beginning_teacher"},
    "hub_formed": {**HUB, "program_year": "2026-2027", "explanation": "Shared goals in assessment."},
    "hub_changed": {**HUB, "you_joined": False, "added": ["Eve Roy"], "removed": [], "reason": "late joiner"},
    "hub_removed": {"theme": "Assessment", "reason": ""},
    "mentor_paired": {
        "is_mentor": True,
        "partner_name": "Ana Roy",
        "partner_email": "ana@example.org",
        "program_year": "2026-2027",
        "explanation": "",
    },
    "participant_unplaced": {
        "participant_name": "Ana Roy",
        "participant_role": "beginning_teacher",
        "reason": "no hub for senior arts",
        "program_year": "2026-2027",
    },
    "hub_meeting": {
        "change": "rescheduled",
        "theme": "Assessment",
        "when": "x",
        "until": "y",
        "location": "Room 4",
        "release_time": True,
    },
    "session_update": {**SESSION, "change": "changed", "confirmed": True},
    "enrolment_confirmed": {**SESSION, "promoted": True},
    "enrolment_waitlisted": {**SESSION, "position": 3},
    "grant_update": {
        "change": "approved",
        "audience": "applicant",
        "organisation": "ELM steering committee",
        "stream": "beginning_teacher",
        "program_year": "2026-2027",
        "requested_total": "4000.00",
        "awarded_amount": "3500.00",
        "decline_reason": None,
        "contact_name": "Ana Roy",
    },
    "reminder": {**SESSION, "what": "session", "days": 3},
    "reminder_grant_deadline": {"program_year": "2026-2027", "deadline": "June 30, 2027", "days_left": 14},
    "digest": {
        "entries": [{"subject": "A", "text": "first", "date": "May 1, 2027"}],
        "count": 1,
        "week_of": "May 3, 2027",
    },
    "survey_invitation": {
        "title": "Mid-year survey",
        "closes": "March 15, 2027",
        "link": "http://x/portal/surveys",
    },
    "survey_reminder": {
        "title": "Mid-year survey",
        "closes": "March 15, 2027",
        "link": "http://x/portal/surveys",
    },
}


def test_every_subject_has_a_context_and_both_languages() -> None:
    subjects = tomllib.loads((TEMPLATES / "subjects.toml").read_text(encoding="utf-8"))
    assert set(subjects["en"]) == set(subjects["fr"]) == set(CONTEXTS)


@pytest.mark.parametrize("template", sorted(CONTEXTS))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_renders(template: str, language: str) -> None:
    message = render(template, language, {**BASE, **CONTEXTS[template]})
    assert message.subject and "\n" not in message.subject
    assert "Zoé" in message.text and "Zoé" in message.html
    assert message.text.count("\n\n--\n") == 1  # the digest strips the footer at this separator
    assert "unsubscribe" in message.text


def test_non_participants_get_no_unsubscribe_link() -> None:
    message = render("grant_update", "fr", {**BASE, **CONTEXTS["grant_update"], "preferences_url": None})
    assert "désabonner" not in message.text and "désabonner" not in message.html


def test_html_escapes_names() -> None:
    context = {**BASE, **CONTEXTS["hub_formed"], "members": ["<script>x</script>"]}
    assert "<script>" not in render("hub_formed", "en", context).html
