"""Messages as the domain builds them (``domain.messages``), in one language, for every kind and
its variants: what the template tests render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from services.notifications.domain import explaining, messages
from services.notifications.domain.digest import DigestEntry

ZONE = ZoneInfo("America/Toronto")
START = datetime(2026, 10, 6, 20, 0, tzinfo=UTC)
SPAN = messages.Span(START, START + timedelta(hours=2), ZONE)
THEMES = {
    "assessment": ("Assessment", "Évaluation"),
    "classroom_management": ("Classroom management", "Gestion de classe"),
    "outdoor_education": ("Outdoor education", "Éducation en plein air"),
}
# Data a message carries as it is (names, addresses, titles): the same in both languages.
PEOPLE = ["Zoé Roy", "Noé Gagnon", "Léa Tremblay", "Amir Haddad", "Chloé Nguyen"]
DATA = [
    *PEOPLE,
    "Zoé",
    "zoe.roy@exemple.ca",
    "Atelier 1 — ELM",
    "Salle 204",
    "https://meet.exemple.ca/a1",
    "Comité directeur ELM",
    "2026-2027",
]

# One fact of every code matching may send, with its values.
REASONS: dict[str, dict[str, Any]] = {
    "hub_theme": {"theme": "assessment", "teachers": 5},
    "hub_band": {"band": "junior"},
    "hub_size": {"teachers": 7, "leaders": 1},
    "mixed_schools": {"schools": 4},
    "leaders_trained": {"leaders": 2},
    "leader_expertise": {"theme": "assessment"},
    "same_language": {"language": "fr"},
    "regional_hub": {"boards": 2},
    "first_theme": {"theme": "assessment"},
    "listed_theme": {"theme": "assessment", "rank": 2},
    "neighbour_theme": {"theme": "assessment", "asked": "classroom_management"},
    "same_band": {"band": "primary"},
    "neighbour_band": {"band": "junior", "asked": "intermediate"},
    "one_alike": {"assignment": "grade_5"},
    "late_joiner": {},
    "coordinator_decision": {},
    "mentor_same_school": {},
    "mentor_same_band": {"band": "senior"},
    "mentor_expertise": {"theme": "outdoor_education"},
    "mentor_school_leader": {},
    "too_few_for_hub": {"count": 2, "needed": 4},
    "no_hub_with_room": {"hubs": 3},
    "no_trained_leader": {},
    "no_mentor_capacity": {"mentors": 6},
    "no_language_match": {"language": "fr"},
    "missing_data": {"fields": ["grade_band", "themes"]},
}


def theme_name(language: str) -> Callable[[str], str | None]:
    return lambda code: THEMES[code][1 if language == "fr" else 0] if code in THEMES else None


HUB_CODES = ("hub_theme", "hub_band", "hub_size", "mixed_schools", "leaders_trained", "leader_expertise")
MEMBER_CODES = ("first_theme", "same_band", "one_alike", "late_joiner", "coordinator_decision")
PAIRING_CODES = ("mentor_same_school", "mentor_same_band", "mentor_expertise", "mentor_school_leader")
UNPLACED_CODES = (
    "too_few_for_hub",
    "no_hub_with_room",
    "no_trained_leader",
    "no_mentor_capacity",
    "missing_data",
)


def explained(language: str, audience: str = "member", codes: tuple[str, ...] | None = None) -> list[str]:
    facts = [(code, values) for code, values in REASONS.items() if codes is None or code in codes]
    return explaining.explain(facts, language, theme_name(language), audience)


def drafts(language: str) -> dict[str, messages.Draft]:
    """Every kind of message, each variant under its own name (``kind`` or ``kind:variant``)."""
    lang = language
    theme = theme_name(lang)("assessment")
    session = messages.Session(
        title="Atelier 1 — ELM",
        kind="workshop",
        span=SPAN,
        location="Salle 204",
        online_url="https://meet.exemple.ca/a1",
    )
    hub: dict[str, Any] = {
        "members": PEOPLE[:2],
        "leaders": PEOPLE[2:4],
        "meetings": [START, START + timedelta(days=28)],
        "zone": ZONE,
    }
    found: dict[str, messages.Draft] = {
        "welcome": messages.welcome(lang, program_year="2026-2027", role="beginning_teacher"),
        "welcome:mentor": messages.welcome(lang, program_year="2026-2027", role="mentor"),
        "hub_formed": messages.hub_formed(
            lang,
            program_year="2026-2027",
            theme=theme,
            is_leader=False,
            unknown_count=1,
            explanations=explained(lang, codes=HUB_CODES + MEMBER_CODES),
            **hub,
        ),
        "hub_formed:leader": messages.hub_formed(
            lang,
            program_year="2026-2027",
            theme=None,
            is_leader=True,
            unknown_count=0,
            explanations=[],
            **hub,
        ),
        "hub_changed:joined": messages.hub_changed(
            lang,
            theme=theme,
            you_joined=True,
            is_leader=False,
            added=[],
            removed=[],
            new_leaders=False,
            explanations=explained(lang, codes=MEMBER_CODES),
            **hub,
        ),
        "hub_changed:others": messages.hub_changed(
            lang,
            theme=theme,
            you_joined=False,
            is_leader=True,
            added=[PEOPLE[4]],
            removed=[PEOPLE[0]],
            new_leaders=False,
            explanations=[],
            **hub,
        ),
        "hub_changed:leaders": messages.hub_changed(
            lang,
            theme=None,
            you_joined=False,
            is_leader=False,
            added=[],
            removed=[],
            new_leaders=True,
            explanations=[],
            **hub,
        ),
        "hub_removed": messages.hub_removed(
            lang, theme=theme, dissolved=False, meetings_cancelled=False, calendar_cancelled=True
        ),
        "hub_removed:dissolved": messages.hub_removed(
            lang, theme=theme, dissolved=True, meetings_cancelled=True, calendar_cancelled=True
        ),
        "hub_removed:dissolved-meetings-stand": messages.hub_removed(
            lang, theme=None, dissolved=True, meetings_cancelled=False, calendar_cancelled=False
        ),
        "hub_support": messages.hub_support(
            lang,
            assigned=True,
            theme=theme,
            program_year="2026-2027",
            leaders=PEOPLE[1:3],
            member_count=7,
            meetings=3,
        ),
        "hub_support:one": messages.hub_support(
            lang, assigned=True, theme=None, program_year="2026-2027", member_count=1, meetings=1
        ),
        "hub_support:unscheduled": messages.hub_support(
            lang, assigned=True, theme=theme, program_year="2026-2027", leaders=PEOPLE[:1], member_count=6
        ),
        "hub_support:released": messages.hub_support(
            lang, assigned=False, theme=theme, program_year="2026-2027", meetings=2
        ),
        "hub_support:dissolved": messages.hub_support(
            lang, assigned=False, theme=None, program_year="2026-2027", dissolved=True, meetings=1
        ),
        "mentor_paired": messages.mentor_paired(
            lang,
            is_mentor=False,
            partner_name=PEOPLE[2],
            partner_email="zoe.roy@exemple.ca",
            program_year="2026-2027",
            explanations=explained(lang, "teacher", PAIRING_CODES),
            previous_mentor=PEOPLE[3],
        ),
        "mentor_paired:mentor": messages.mentor_paired(
            lang,
            is_mentor=True,
            partner_name=PEOPLE[0],
            partner_email="zoe.roy@exemple.ca",
            program_year="2026-2027",
            explanations=explained(lang, "mentor", PAIRING_CODES),
        ),
        "mentor_unpaired": messages.mentor_unpaired(
            lang, is_mentor=False, partner_name=PEOPLE[2], program_year="2026-2027"
        ),
        "mentor_unpaired:mentor": messages.mentor_unpaired(
            lang, is_mentor=True, partner_name=PEOPLE[0], program_year="2026-2027"
        ),
        "participant_unplaced": messages.participant_unplaced(
            lang,
            participant_name=PEOPLE[0],
            program_year="2026-2027",
            reasons=explained(lang, "coordinator", UNPLACED_CODES),
        ),
        "grant_update:reviewer": messages.grant_update(
            lang,
            change="submitted",
            audience="reviewer",
            organisation="Comité directeur ELM",
            stream="beginning_teacher",
            program_year="2026-2027",
            requested_total="4000.00",
            awarded_amount=None,
            decline_reason=None,
            contact_name=PEOPLE[0],
        ),
        "reminder:session": messages.reminder(
            lang,
            what="session",
            title="Atelier 1 — ELM",
            starts_at=START,
            zone=ZONE,
            days=3,
            location="Salle 204",
            online_url=None,
        ),
        "reminder": messages.reminder(
            lang,
            what="meeting",
            title=theme,
            starts_at=START,
            zone=ZONE,
            days=1,
            location=None,
            online_url=None,
        ),
        "reminder_grant_deadline": messages.reminder_grant_deadline(
            lang, program_year="2026-2027", deadline=START, zone=ZONE, days_left=14
        ),
        "session_update": messages.session_update(lang, session=session, change="changed", confirmed=True),
        "session_update:cancelled": messages.session_update(
            lang, session=session, change="cancelled", confirmed=False
        ),
        "enrolment_confirmed": messages.enrolment_confirmed(lang, session=session, promoted=True),
        "enrolment_waitlisted": messages.enrolment_waitlisted(lang, session=session, position=3),
        "enrolment_cancelled": messages.enrolment_cancelled(lang, session=session, was_confirmed=True),
        "enrolment_cancelled:waitlist": messages.enrolment_cancelled(
            lang, session=session, was_confirmed=False
        ),
    }
    changes: tuple[Literal["scheduled", "rescheduled", "cancelled"], ...] = (
        "scheduled",
        "rescheduled",
        "cancelled",
    )
    for change in changes:
        found[f"hub_meeting:{change}"] = messages.hub_meeting(
            lang,
            change=change,
            theme=theme,
            span=SPAN,
            location="Salle 204",
            release_time=True,
        )
        for visitor in (True, False):
            found[f"observation:{change}:{'visitor' if visitor else 'host'}"] = messages.observation(
                lang,
                change=change,
                is_visitor=visitor,
                partner_name=PEOPLE[1],
                span=SPAN,
            )
    grant_changes: tuple[messages.GrantChange, ...] = (
        "submitted",
        "approved",
        "declined",
        "paid",
        "withdrawn",
    )
    for grant_change in grant_changes:
        found[f"grant_update:{grant_change}"] = messages.grant_update(
            lang,
            change=grant_change,
            audience="applicant",
            organisation="Comité directeur ELM",
            stream="school_leadership",
            program_year="2026-2027",
            requested_total="4000.00",
            awarded_amount="3500.00" if grant_change in ("approved", "paid") else None,
            decline_reason=None,
            contact_name=PEOPLE[0],
        )
    found["digest"] = messages.digest(
        lang,
        entries=[DigestEntry(subject=PEOPLE[0], text=PEOPLE[1], created_at=START)],
        week_of=START,
        zone=ZONE,
    )
    for variant, reminder in (("survey_invitation", False), ("survey_reminder", True)):
        found[variant] = messages.survey(
            lang,
            reminder=reminder,
            title_en="Mid-year survey",
            title_fr="Sondage de mi-année",
            closes_at=START,
            zone=ZONE,
            link="https://mentorweb.exemple.ca/portal/surveys",
        )
    found["harvest_published"] = messages.harvest_published(
        lang,
        program_year="2026-2027",
        themes=4,
        propositions=3,
        link="https://mentorweb.exemple.ca/portal/harvest",
    )
    return found
