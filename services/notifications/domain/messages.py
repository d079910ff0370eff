"""Every message notifications sends, built from plain values in the recipient's language.

One function per kind of message returns a :class:`Draft`: the template it renders, why the
recipient gets it (the footer) and the template's context, already worded and formatted (Babel) in
the recipient's language. The service layer gathers the values (names, dates, facts) and attaches
the calendar part; nothing here reads a database or a clock. To add a kind of message: add its
function and its entry in ``KINDS`` here, its subject in ``templates/subjects.toml`` and its four
template files (``en``/``fr``, ``.txt``/``.html``); ``tests/unit/test_messages.py`` renders it in
both languages and fails on a sentence left in the other language.

Nothing a participant reads comes from prose in an event: explanations are worded from matching's
facts (:mod:`explaining`), names of themes and boards are data, and no internal id is ever put in a
context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal

from services.notifications.domain.digest import DigestEntry
from services.notifications.domain.wording import (
    Language,
    format_amount,
    format_clock,
    format_date,
    format_when,
    language_of,
)

# Why the recipient gets the message (shown in every footer), by reason and language.
WHY: dict[str, dict[Language, str]] = {
    "registered": {
        "en": "you were registered in its mentorship program",
        "fr": "vous êtes inscrit à son programme de mentorat",
    },
    "hub": {
        "en": "you belong to one of its mentoring hubs",
        "fr": "vous faites partie d'un de ses carrefours de mentorat",
    },
    "hub_support": {
        "en": "you support one of its mentoring hubs as a board coach or consultant",
        "fr": "vous accompagnez un de ses carrefours de mentorat à titre de personne-ressource du conseil",
    },
    "pairing": {
        "en": "you take part in its mentorship program",
        "fr": "vous participez à son programme de mentorat",
    },
    "observation": {
        "en": "you take part in a classroom observation visit of its mentorship program",
        "fr": "vous participez à une visite d'observation en classe de son programme de mentorat",
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
    "survey": {
        "en": "you take part in its mentorship program, whose evaluation asks for your view",
        "fr": "vous participez à son programme de mentorat, dont l'évaluation sollicite votre avis",
    },
    "digest": {
        "en": "you chose a weekly summary of non-urgent messages",
        "fr": "vous avez choisi un résumé hebdomadaire des messages non urgents",
    },
}

# Every kind of message: its template and why its recipient gets it (a key of WHY).
KINDS: dict[str, str] = {
    "welcome": "registered",
    "hub_formed": "hub",
    "hub_changed": "hub",
    "hub_removed": "hub",
    "hub_support": "hub_support",
    "mentor_paired": "pairing",
    "mentor_unpaired": "pairing",
    "participant_unplaced": "coordinator",
    "hub_meeting": "hub",
    "observation": "observation",
    "session_update": "session",
    "enrolment_confirmed": "session",
    "enrolment_waitlisted": "session",
    "enrolment_cancelled": "session",
    "grant_update": "grant_applicant",  # reviewers: grant_reviewer (see grant_update)
    "reminder": "session",  # hub meetings: hub (see reminder)
    "reminder_grant_deadline": "coordinator",
    "survey_invitation": "survey",
    "survey_reminder": "survey",
    "harvest_published": "hub",
    "digest": "digest",
}


def why(reason: str, language: str) -> str:
    return WHY[reason][language_of(language)]


@dataclass(frozen=True)
class Draft:
    """One message before rendering: its template, the recipient's language, the footer's reason
    and the template's context."""

    template: str
    language: Language
    why: str
    context: dict[str, Any] = field(default_factory=dict)
    urgent: bool = True


def _draft(
    template: str, language: str, context: dict[str, Any], *, urgent: bool = True, reason: str = ""
) -> Draft:
    lang = language_of(language)
    return Draft(template, lang, why(reason or KINDS[template], lang), context, urgent)


@dataclass(frozen=True)
class Span:
    """When something takes place (timezone-aware), read in ``zone``."""

    starts_at: datetime
    ends_at: datetime
    zone: tzinfo

    def words(self, language: str) -> dict[str, str]:
        return {
            "when": format_when(self.starts_at, language, self.zone),
            "until": format_clock(self.ends_at, language, self.zone),
        }


# -- registration --------------------------------------------------------------------------------


def welcome(language: str, *, program_year: str, role: str) -> Draft:
    return _draft("welcome", language, {"program_year": program_year, "role": role})


# -- hubs ------------------------------------------------------------------------------------------


def _meeting_dates(dates: Sequence[datetime], language: str, zone: tzinfo) -> list[str]:
    return [format_when(d, language, zone) for d in dates]


def hub_formed(
    language: str,
    *,
    program_year: str,
    theme: str | None,
    is_leader: bool,
    members: Sequence[str],
    leaders: Sequence[str],
    unknown_count: int,
    meetings: Sequence[datetime],
    zone: tzinfo,
    explanations: Sequence[str],
) -> Draft:
    return _draft(
        "hub_formed",
        language,
        {
            "program_year": program_year,
            "theme": theme,
            "is_leader": is_leader,
            "members": list(members),
            "leaders": list(leaders),
            "unknown_count": unknown_count,
            "meetings": _meeting_dates(meetings, language, zone),
            "explanations": list(explanations),
        },
    )


def hub_changed(
    language: str,
    *,
    theme: str | None,
    you_joined: bool,
    is_leader: bool,
    added: Sequence[str],
    removed: Sequence[str],
    new_leaders: bool,
    members: Sequence[str],
    leaders: Sequence[str],
    meetings: Sequence[datetime],
    zone: tzinfo,
    explanations: Sequence[str],
) -> Draft:
    """To someone who joined a hub (``you_joined``; urgent, with the hub's invitation), or to a
    member told who joined or left, or of new hub leaders (not urgent: it can wait for a digest)."""
    return _draft(
        "hub_changed",
        language,
        {
            "theme": theme,
            "you_joined": you_joined,
            "is_leader": is_leader,
            "added": list(added),
            "removed": list(removed),
            "new_leaders": new_leaders,
            "members": list(members),
            "leaders": list(leaders),
            "meetings": _meeting_dates(meetings, language, zone),
            "explanations": list(explanations),
        },
        urgent=you_joined,
    )


def hub_removed(
    language: str, *, theme: str | None, dissolved: bool, meetings_cancelled: bool, calendar_cancelled: bool
) -> Draft:
    """To someone who left a hub, or whose hub was dissolved. "Its meetings are cancelled" only when
    they are; "removed from your calendar" only when the message carries their cancellation."""
    return _draft(
        "hub_removed",
        language,
        {
            "theme": theme,
            "dissolved": dissolved,
            "meetings_cancelled": meetings_cancelled,
            "calendar_cancelled": calendar_cancelled,
        },
    )


def hub_support(
    language: str,
    *,
    assigned: bool,
    theme: str | None,
    program_year: str,
    leaders: Sequence[str] = (),
    member_count: int = 0,
    meetings: int = 0,
    dissolved: bool = False,
) -> Draft:
    """To a board coach or consultant: assigned to support a hub (who leads it, how many members,
    how many of its meetings they are invited to: each invitation is its own message), or no longer
    supporting it (released, or the hub dissolved; ``meetings``: their copies cancelled)."""
    return _draft(
        "hub_support",
        language,
        {
            "assigned": assigned,
            "theme": theme,
            "program_year": program_year,
            "leaders": list(leaders),
            "member_count": member_count,
            "meetings": meetings,
            "dissolved": dissolved,
        },
    )


def hub_meeting(
    language: str,
    *,
    change: Literal["scheduled", "rescheduled", "cancelled"],
    theme: str | None,
    span: Span,
    location: str | None,
    release_time: bool,
) -> Draft:
    return _draft(
        "hub_meeting",
        language,
        {
            "change": change,
            "theme": theme,
            "location": location,
            "release_time": release_time,
            **span.words(language),
        },
    )


# -- one-to-one pairing ----------------------------------------------------------------------------


def mentor_paired(
    language: str,
    *,
    is_mentor: bool,
    partner_name: str,
    partner_email: str,
    program_year: str,
    explanations: Sequence[str],
    previous_mentor: str | None = None,
) -> Draft:
    """The introduction of a teacher and their mentor; a teacher re-paired hears whom the new
    mentor replaces."""
    return _draft(
        "mentor_paired",
        language,
        {
            "is_mentor": is_mentor,
            "partner_name": partner_name,
            "partner_email": partner_email,
            "program_year": program_year,
            "explanations": list(explanations),
            "previous_mentor": previous_mentor,
        },
    )


def mentor_unpaired(language: str, *, is_mentor: bool, partner_name: str, program_year: str) -> Draft:
    """A pairing ended: to the mentor (their mentee has another mentor or none), or to a teacher left
    without a mentor."""
    return _draft(
        "mentor_unpaired",
        language,
        {"is_mentor": is_mentor, "partner_name": partner_name, "program_year": program_year},
    )


def participant_unplaced(
    language: str, *, participant_name: str, program_year: str, reasons: Sequence[str]
) -> Draft:
    return _draft(
        "participant_unplaced",
        language,
        {"participant_name": participant_name, "program_year": program_year, "reasons": list(reasons)},
    )


# -- observation visits ----------------------------------------------------------------------------


def observation(
    language: str,
    *,
    change: Literal["scheduled", "rescheduled", "cancelled"],
    is_visitor: bool,
    partner_name: str | None,
    span: Span,
) -> Draft:
    """To the visitor (who observes) and to the host (whose class is observed)."""
    return _draft(
        "observation",
        language,
        {"change": change, "is_visitor": is_visitor, "partner_name": partner_name, **span.words(language)},
    )


# -- sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    title: str | None
    kind: str
    span: Span
    location: str | None = None
    online_url: str | None = None

    def words(self, language: str) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "location": self.location,
            "online_url": self.online_url,
            **self.span.words(language),
        }


def session_update(
    language: str, *, session: Session, change: Literal["changed", "cancelled"], confirmed: bool
) -> Draft:
    return _draft(
        "session_update", language, {**session.words(language), "change": change, "confirmed": confirmed}
    )


def enrolment_confirmed(language: str, *, session: Session, promoted: bool, link: str | None = None) -> Draft:
    """``link``: the participant's sessions in the portal (a URL without any id in it)."""
    return _draft(
        "enrolment_confirmed", language, {**session.words(language), "promoted": promoted, "link": link}
    )


def enrolment_waitlisted(language: str, *, session: Session, position: int, link: str | None = None) -> Draft:
    return _draft(
        "enrolment_waitlisted",
        language,
        {**session.words(language), "position": position, "link": link},
        urgent=False,
    )


def enrolment_cancelled(
    language: str, *, session: Session, was_confirmed: bool, link: str | None = None
) -> Draft:
    """Withdrawn from a session (by themself or a coordinator); the session goes on without them."""
    return _draft(
        "enrolment_cancelled",
        language,
        {**session.words(language), "was_confirmed": was_confirmed, "link": link},
    )


# -- start-up grants -------------------------------------------------------------------------------

GrantChange = Literal["submitted", "approved", "declined", "paid", "withdrawn"]


def grant_update(
    language: str,
    *,
    change: GrantChange,
    audience: Literal["applicant", "reviewer"],
    organisation: str,
    stream: str,
    program_year: str,
    requested_total: str | None,
    awarded_amount: str | None,
    decline_reason: str | None,
    contact_name: str | None,
) -> Draft:
    return _draft(
        "grant_update",
        language,
        {
            "change": change,
            "audience": audience,
            "organisation": organisation,
            "stream": stream,
            "program_year": program_year,
            "requested_total": format_amount(requested_total, language),
            "awarded_amount": format_amount(awarded_amount, language),
            "decline_reason": decline_reason,
            "contact_name": contact_name,
        },
        reason="grant_reviewer" if audience == "reviewer" else "grant_applicant",
    )


# -- reminders and digests -------------------------------------------------------------------------


def reminder(
    language: str,
    *,
    what: Literal["meeting", "session"],
    title: str | None,
    starts_at: datetime,
    zone: tzinfo,
    days: int,
    location: str | None,
    online_url: str | None,
) -> Draft:
    return _draft(
        "reminder",
        language,
        {
            "what": what,
            "title": title,
            "when": format_when(starts_at, language, zone),
            "location": location,
            "online_url": online_url,
            "days": days,
        },
        reason="hub" if what == "meeting" else "session",
    )


def reminder_grant_deadline(
    language: str, *, program_year: str, deadline: datetime, zone: tzinfo, days_left: int
) -> Draft:
    return _draft(
        "reminder_grant_deadline",
        language,
        {
            "program_year": program_year,
            "deadline": format_date(deadline, language, zone),
            "days_left": days_left,
        },
    )


def digest(language: str, *, entries: Sequence[DigestEntry], week_of: datetime, zone: tzinfo) -> Draft:
    return _draft(
        "digest",
        language,
        {
            "entries": [
                {"subject": e.subject, "text": e.text, "date": format_date(e.created_at, language, zone)}
                for e in entries
            ],
            "count": len(entries),
            "week_of": format_date(week_of, language, zone),
        },
    )


# -- program evaluation ------------------------------------------------------------------------------


def survey(
    language: str,
    *,
    reminder: bool,
    title_en: str,
    title_fr: str,
    closes_at: datetime,
    zone: tzinfo,
    link: str,
) -> Draft:
    """An invitation to answer a survey of the program's evaluation (or its one reminder): its title
    in the recipient's language, when it closes, and a link to the portal's list of surveys (no id)."""
    lang = language_of(language)
    return _draft(
        "survey_reminder" if reminder else "survey_invitation",
        lang,
        {
            "title": title_fr if lang == "fr" else title_en,
            "closes": format_date(closes_at, lang, zone),
            "link": link,
        },
    )


def harvest_published(
    language: str, *, program_year: str, themes: int, propositions: int, link: str
) -> Draft:
    """The board's appreciative-inquiry harvest of the year is out: how many themes and propositions
    (counted and worded here; the themes' own words are on the portal), with a link to it (no id)."""
    lang = language_of(language)
    if lang == "fr":
        themes_text = f"{themes} thème" + ("s" if themes > 1 else "")
        props_text = f"{propositions} proposition" + ("s" if propositions > 1 else "") + " pour l'an prochain"
    else:
        themes_text = f"{themes} theme" + ("s" if themes != 1 else "")
        props_text = f"{propositions} proposition" + ("s" if propositions != 1 else "") + " for next year"
    return _draft(
        "harvest_published",
        lang,
        {
            "program_year": program_year,
            "themes": themes_text,
            "propositions": props_text if propositions else "",
            "link": link,
        },
    )
