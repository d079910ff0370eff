"""iCalendar text (RFC 5545, iTIP methods of RFC 5546) for an :class:`Invite`, with the icalendar package."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress, vText

from services.notifications.domain.calendar import CalendarEntry, Invite

PRODID = "-//Mentorweb//Notifications//EN"


def to_ics(invite: Invite, *, organizer: str, attendee_email: str, attendee_name: str = "") -> str:
    """The invitation as one recipient receives it (only that recipient listed as ATTENDEE:
    co-members' addresses are not shared through the calendar)."""
    organizer_name, organizer_email = parseaddr(organizer)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invite.method)
    for entry in invite.entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("sequence", entry.sequence)
        event.add("dtstamp", invite.stamp.astimezone(UTC))
        event.add("dtstart", entry.starts_at.astimezone(UTC))
        event.add("dtend", entry.ends_at.astimezone(UTC))
        event.add("summary", entry.summary)
        if entry.location:
            event.add("location", entry.location)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        org = vCalAddress(f"mailto:{organizer_email or 'no-reply@mentorweb.local'}")
        if organizer_name:
            org.params["cn"] = vText(organizer_name)
        event.add("organizer", org)
        attendee = vCalAddress(f"mailto:{attendee_email}")
        if attendee_name:
            attendee.params["cn"] = vText(attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
        calendar.add_component(event)
    return calendar.to_ical().decode()


def calendar_method(ics: str) -> str:
    """The iTIP method of an iCalendar text (for the MIME part's ``method`` parameter)."""
    for line in ics.splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
    return "REQUEST"


def to_feed_ics(entries: Sequence[CalendarEntry], *, name: str, stamp: datetime) -> str:
    """A subscribable calendar (RFC 5545 with METHOD:PUBLISH, RFC 7986 NAME): the entries only,
    with no attendee nor organizer address in it."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("sequence", entry.sequence)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", entry.starts_at.astimezone(UTC))
        event.add("dtend", entry.ends_at.astimezone(UTC))
        event.add("summary", entry.summary)
        if entry.location:
            event.add("location", entry.location)
        if entry.url:
            event.add("url", entry.url)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical().decode()
