"""Every message notifications sends, built from plain values in the recipient's language.

One function per kind of message returns a :class:`Draft`: the template it renders, why the
recipient gets it (the footer), the template's context, already worded and formatted (Babel) in
the recipient's language, and its calendar part (an :class:`Invite`) when it carries one. The
service layer only gathers the values (names, dates, facts) and stores the draft for delivery;
nothing here reads a database or a clock.

To add a kind of message: its entry in ``KINDS`` (what triggers it, who receives it, why, its
calendar part) and its function, here; its wording is its subject in ``templates/subjects.toml``
and its templates ``templates/{en,fr}/<kind>.{txt,html}``. The service layer's topic module of the
triggering event (``service_layer/hubs.py``, ``sessions.py``…) gathers its values.
``tests/unit/test_messages.py`` renders every kind in both languages and fails on a kind without a
sample or a sentence left in the other language.

Nothing a participant reads comes from prose in an event: explanations are worded from matching's
facts (:mod:`explaining`), names of themes and boards are data, and no internal id is ever put in a
context.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal

from services.notifications.domain.calendar import (
    CalendarEntry,
    Invite,
    hub_formation_invite,
    meeting_uid,
    observation_uid,
    session_uid,
    single_entry_invite,
)
from services.notifications.domain.digest import DigestEntry
from services.notifications.domain.wording import (
    Language,
    format_amount,
    format_clock,
    format_date,
    format_when,
    hub_summary,
    language_of,
    observation_summary,
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


@dataclass(frozen=True)
class Kind:
    """One kind of message: the events that trigger it, who receives it, why (a key of ``WHY``, the
    footer), and the calendar part it carries, if any. Its name is its template's."""

    triggers: tuple[str, ...]
    recipients: str
    reason: str
    calendar: str | None = None


# Every kind of message notifications sends, in one place.
KINDS: dict[str, Kind] = {
    "welcome": Kind(("TeacherRegistered", "MentorRegistered"), "the participant registered", "registered"),
    "hub_formed": Kind(
        ("HubFormed",),
        "every member and hub leader",
        "hub",
        calendar="REQUEST: the hub's meeting dates",
    ),
    "hub_changed": Kind(
        ("HubMembershipChanged",),
        "who joined; the other members and leaders when someone came or went or leaders changed",
        "hub",
        calendar="REQUEST to who joined: the hub's own coming meetings",
    ),
    "hub_removed": Kind(
        ("HubMembershipChanged",),
        "who left, or everyone of a dissolved hub",
        "hub",
        calendar="CANCEL: the hub's own coming meetings",
    ),
    "hub_support": Kind(
        ("HubCoachAssigned", "HubCoachReleased"), "the board coach or consultant", "hub_support"
    ),
    "mentor_paired": Kind(
        ("MentorPaired",),
        "the teacher and the mentor (re-paired: the teacher, the new and the former mentor)",
        "pairing",
    ),
    "mentor_unpaired": Kind(
        ("MentorUnpaired", "MentorPaired"), "the teacher and the mentor whose pairing ended", "pairing"
    ),
    "participant_unplaced": Kind(("ParticipantUnplaced",), "the board's coordinators", "coordinator"),
    "hub_meeting": Kind(
        ("HubMeetingScheduled", "HubMeetingRescheduled", "HubMeetingCancelled"),
        "the meeting's invitees (else the hub's people); who joined or left its list",
        "hub",
        calendar="REQUEST or CANCEL: the meeting",
    ),
    "observation": Kind(
        ("ObservationScheduled", "ObservationRescheduled", "ObservationCancelled"),
        "the visitor and the host",
        "observation",
        calendar="REQUEST or CANCEL: the visit",
    ),
    "session_update": Kind(
        ("SessionChanged", "SessionCancelled"),
        "those enrolled (cancelled: the waiting list too)",
        "session",
        calendar="REQUEST or CANCEL to the confirmed: the session",
    ),
    "enrolment_confirmed": Kind(
        ("EnrolmentConfirmed",), "the participant", "session", calendar="REQUEST: the session"
    ),
    "enrolment_waitlisted": Kind(("EnrolmentWaitlisted",), "the participant", "session"),
    "enrolment_cancelled": Kind(
        ("EnrolmentCancelled",),
        "the participant",
        "session",
        calendar="CANCEL to one who was confirmed: the session",
    ),
    "grant_update": Kind(
        ("GrantSubmitted", "GrantApproved", "GrantDeclined", "GrantPaid", "GrantWithdrawn"),
        "the applicant's contact; the grant reviewers (not of a payment)",
        "grant_applicant",  # reviewers: grant_reviewer (see grant_update)
    ),
    "reminder": Kind(
        ("a meeting or session a few days ahead (scheduler)",),
        "the meeting's people, or those confirmed in the session",
        "session",  # hub meetings: hub (see reminder)
    ),
    "reminder_grant_deadline": Kind(
        ("the start-up grant deadline ahead, no application yet (scheduler)",),
        "the board's contacts",
        "coordinator",
    ),
    "survey_invitation": Kind(("SurveyOpened",), "the survey's invitees", "survey"),
    "survey_reminder": Kind(("SurveyReminderRequested",), "the survey's invitees", "survey"),
    "harvest_published": Kind(("HarvestPublished",), "the harvest's invitees", "hub"),
    "digest": Kind(
        ("the week's end, for held messages (scheduler)",), "who chose the weekly digest", "digest"
    ),
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
    invite: Invite | None = None  # the calendar part


def _draft(
    template: str,
    language: str,
    context: dict[str, Any],
    *,
    urgent: bool = True,
    reason: str = "",
    invite: Invite | None = None,
) -> Draft:
    lang = language_of(language)
    return Draft(template, lang, why(reason or KINDS[template].reason, lang), context, urgent, invite)


@dataclass(frozen=True)
class Booked:
    """A hub meeting as it stands in calendars: its id, time, place and latest sequence."""

    meeting_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    sequence: int = 0
    location: str | None = None

    def entry(self, summary: str, *, cancel: bool = False) -> CalendarEntry:
        # A cancellation goes one sequence past the entry the calendar holds.
        return CalendarEntry(
            uid=meeting_uid(self.meeting_id),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            summary=summary,
            sequence=self.sequence + 1 if cancel else self.sequence,
            location=self.location,
            cancelled=cancel,
        )


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
    hub_id: uuid.UUID | None = None,
    meeting_length: timedelta | None = None,
    stamp: datetime | None = None,
) -> Draft:
    """To every member and hub leader; with ``hub_id``, ``meeting_length`` and ``stamp``, the
    invitation to the hub's meeting dates."""
    invite = (
        hub_formation_invite(
            hub_id=hub_id,
            meeting_dates=meetings,
            duration=meeting_length,
            summary=hub_summary(theme, language),
            location=None,
            stamp=stamp,
        )
        if hub_id is not None and meeting_length is not None and stamp is not None
        else None
    )
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
        invite=invite,
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
    calendar: Sequence[Booked] = (),
    stamp: datetime | None = None,
) -> Draft:
    """To someone who joined a hub (``you_joined``; urgent, with the invitation to ``calendar``,
    the hub's own coming meetings), or to a member told who joined or left, or of new hub leaders
    (not urgent: it can wait for a digest)."""
    invite = (
        Invite(
            method="REQUEST",
            entries=tuple(m.entry(hub_summary(theme, language)) for m in calendar),
            stamp=stamp,
        )
        if you_joined and calendar and stamp is not None
        else None
    )
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
        invite=invite,
    )


def hub_removed(
    language: str,
    *,
    theme: str | None,
    dissolved: bool,
    meetings_cancelled: bool,
    calendar_cancelled: bool | None = None,
    calendar: Sequence[Booked] = (),
    stamp: datetime | None = None,
) -> Draft:
    """To someone who left a hub, or whose hub was dissolved. "Its meetings are cancelled" only when
    they are; "removed from your calendar" only when the message carries their cancellation (of
    ``calendar``, the hub's own coming meetings, when ``stamp`` is given)."""
    invite = (
        Invite(
            method="CANCEL",
            entries=tuple(m.entry(hub_summary(theme, language), cancel=True) for m in calendar),
            stamp=stamp,
        )
        if calendar and stamp is not None
        else None
    )
    return _draft(
        "hub_removed",
        language,
        {
            "theme": theme,
            "dissolved": dissolved,
            "meetings_cancelled": meetings_cancelled,
            "calendar_cancelled": invite is not None if calendar_cancelled is None else calendar_cancelled,
        },
        invite=invite,
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
    meeting_id: uuid.UUID | None = None,
    sequence: int = 0,
    stamp: datetime | None = None,
) -> Draft:
    """A meeting booked, moved or cancelled; with ``meeting_id`` and ``stamp``, its calendar entry
    (or the entry's cancellation)."""
    invite = (
        single_entry_invite(
            uid=meeting_uid(meeting_id),
            sequence=sequence,
            starts_at=span.starts_at,
            ends_at=span.ends_at,
            summary=hub_summary(theme, language),
            location=location,
            stamp=stamp,
            cancelled=change == "cancelled",
        )
        if meeting_id is not None and stamp is not None
        else None
    )
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
        invite=invite,
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
    observation_id: uuid.UUID | None = None,
    sequence: int = 0,
    stamp: datetime | None = None,
) -> Draft:
    """To the visitor (who observes) and to the host (whose class is observed); with
    ``observation_id`` and ``stamp``, the visit's calendar entry (or its cancellation)."""
    invite = (
        single_entry_invite(
            uid=observation_uid(observation_id),
            sequence=sequence,
            starts_at=span.starts_at,
            ends_at=span.ends_at,
            summary=observation_summary(language),
            stamp=stamp,
            cancelled=change == "cancelled",
        )
        if observation_id is not None and stamp is not None
        else None
    )
    return _draft(
        "observation",
        language,
        {"change": change, "is_visitor": is_visitor, "partner_name": partner_name, **span.words(language)},
        invite=invite,
    )


# -- sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A workshop or network session; ``session_id`` and ``sequence`` name its calendar entry."""

    title: str | None
    kind: str
    span: Span
    location: str | None = None
    online_url: str | None = None
    session_id: uuid.UUID | None = None
    sequence: int = 0

    def invite(
        self, stamp: datetime | None, *, cancelled: bool, sequence: int | None = None
    ) -> Invite | None:
        """Its calendar entry (or the entry's cancellation); None without an id or a stamp."""
        if self.session_id is None or stamp is None:
            return None
        return single_entry_invite(
            uid=session_uid(self.session_id),
            sequence=self.sequence if sequence is None else sequence,
            starts_at=self.span.starts_at,
            ends_at=self.span.ends_at,
            summary=self.title or "Mentorweb",
            location=self.location,
            url=self.online_url,
            stamp=stamp,
            cancelled=cancelled,
        )

    def words(self, language: str) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "location": self.location,
            "online_url": self.online_url,
            **self.span.words(language),
        }


def session_update(
    language: str,
    *,
    session: Session,
    change: Literal["changed", "cancelled"],
    confirmed: bool,
    stamp: datetime | None = None,
) -> Draft:
    """A session changed or cancelled. Only the confirmed have it in their calendar (its update or
    cancellation is attached); the waitlisted just hear the news."""
    return _draft(
        "session_update",
        language,
        {**session.words(language), "change": change, "confirmed": confirmed},
        invite=session.invite(stamp, cancelled=change == "cancelled") if confirmed else None,
    )


def enrolment_confirmed(
    language: str, *, session: Session, promoted: bool, link: str | None = None, stamp: datetime | None = None
) -> Draft:
    """``link``: the participant's sessions in the portal (a URL without any id in it); the
    session's calendar entry attached."""
    return _draft(
        "enrolment_confirmed",
        language,
        {**session.words(language), "promoted": promoted, "link": link},
        invite=session.invite(stamp, cancelled=False),
    )


def enrolment_waitlisted(language: str, *, session: Session, position: int, link: str | None = None) -> Draft:
    return _draft(
        "enrolment_waitlisted",
        language,
        {**session.words(language), "position": position, "link": link},
        urgent=False,
    )


def enrolment_cancelled(
    language: str,
    *,
    session: Session,
    was_confirmed: bool,
    link: str | None = None,
    stamp: datetime | None = None,
) -> Draft:
    """Withdrawn from a session (by themself or a coordinator); the session goes on without them.
    One who was confirmed loses the calendar entry (a CANCEL one sequence past the invitation)."""
    return _draft(
        "enrolment_cancelled",
        language,
        {**session.words(language), "was_confirmed": was_confirmed, "link": link},
        invite=session.invite(stamp, cancelled=True, sequence=session.sequence + 1)
        if was_confirmed
        else None,
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
