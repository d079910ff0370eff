"""Hub meetings: the same calendar entry updated (same UID, growing SEQUENCE), cancelled with
METHOD:CANCEL; reminders three days ahead, sent once even with two schedulers claiming them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.calendar import meeting_uid
from services.notifications.tests.integration.helpers import (
    Notifications,
    calendar_of,
    events_of,
    in_days,
    person,
    text_of,
)
from shared.events.matching import (
    HubMeetingCancelled,
    HubMeetingRescheduled,
    HubMeetingScheduled,
)
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_rescheduled_meeting_updates_the_same_entry_and_cancel_removes_it(notif: Notifications):
    board = unique_board()
    teacher, mentor = person(board, language="fr"), person(board, role="mentor")
    await notif.register(board, teacher, mentor)
    meeting_id = uuid.uuid4()
    meeting = dict(
        board=board,
        meeting_id=meeting_id,
        hub_id=uuid.uuid4(),
        location="Board office, room 4",
        attendees=[teacher.participant_id, mentor.participant_id],
    )
    first, moved = in_days(12), in_days(14, hour=18)
    await notif.handle(
        HubMeetingScheduled(**meeting, starts_at=first, ends_at=first + timedelta(hours=2), sequence=0)
    )
    await notif.mails_to(str(teacher.email), str(mentor.email), template="hub_meeting")
    await notif.handle(
        HubMeetingRescheduled(**meeting, starts_at=moved, ends_at=moved + timedelta(hours=2), sequence=1)
    )
    await notif.mails_to(str(teacher.email), str(mentor.email), template="hub_meeting", each=2)
    await notif.handle(
        HubMeetingCancelled(**meeting, starts_at=moved, ends_at=moved + timedelta(hours=2), sequence=2)
    )
    got = await notif.mails_to(str(teacher.email), str(mentor.email), template="hub_meeting", each=3)

    for mails in got.values():
        found = [calendar_of(m) for m in mails]
        assert all(c is not None for c in found)
        calendars = [c for c in found if c is not None]
        entries = [events_of(c)[0] for c in calendars]
        assert {str(e["UID"]) for e in entries} == {meeting_uid(meeting_id)}
        assert [int(e["SEQUENCE"]) for e in entries] == [0, 1, 2]
        assert [str(c["METHOD"]) for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
        assert entries[0].decoded("DTSTART") == first and entries[1].decoded("DTSTART") == moved
        assert str(entries[2]["STATUS"]) == "CANCELLED"
        parts = [p for p in mails[2].walk() if p.get_content_type() == "text/calendar"]
        assert [p.get_param("method") for p in parts] == ["CANCEL"]  # the MIME part says it too
    assert str(got[str(teacher.email)][1]["Subject"]).startswith("Déplacée")
    assert "Board office, room 4" in text_of(got[str(mentor.email)][0])

    # A stale copy of the reschedule arriving after the cancellation changes nothing and sends nothing.
    await notif.handle(
        HubMeetingRescheduled(**meeting, starts_at=first, ends_at=first + timedelta(hours=1), sequence=1)
    )
    await notif.settle()
    assert len(notif.mails(str(teacher.email), "hub_meeting")) == 3
    state = await notif.scalar(
        "SELECT state FROM reminders WHERE key = :k", k=f"meeting:{meeting['meeting_id']}"
    )
    assert state == "cancelled"


async def test_meeting_reminder_three_days_ahead_sent_once_by_two_claiming_schedulers(notif: Notifications):
    board = unique_board()
    teacher, mentor = person(board), person(board, role="mentor", language="fr")
    await notif.register(board, teacher, mentor)
    meeting_id = uuid.uuid4()
    starts = in_days(10)
    common = dict(
        board=board,
        meeting_id=meeting_id,
        hub_id=uuid.uuid4(),
        attendees=[teacher.participant_id, mentor.participant_id],
    )
    await notif.handle(HubMeetingScheduled(**common, starts_at=starts, ends_at=starts + timedelta(hours=2)))
    due = await notif.scalar("SELECT due_at FROM reminders WHERE key = :k", k=f"meeting:{meeting_id}")
    assert due == starts - timedelta(days=3)

    scheduler = notif.scheduler
    assert await scheduler.send_reminders(due - timedelta(minutes=1)) == 0
    # Two replicas wake at the same moment: SKIP LOCKED gives the reminder to one of them.
    handled = await asyncio.gather(*(scheduler.send_reminders(due + timedelta(minutes=5)) for _ in range(2)))
    assert sum(handled) == 1
    got = await notif.mails_to(str(teacher.email), str(mentor.email), template="reminder")
    assert str(got[str(mentor.email)][0]["Subject"]).startswith("Rappel")
    assert "in 3 days" in text_of(got[str(teacher.email)][0])

    # Moved later: reminded again for the new date, once.
    later = in_days(20)
    await notif.handle(
        HubMeetingRescheduled(**common, starts_at=later, ends_at=later + timedelta(hours=2), sequence=1)
    )
    assert await scheduler.send_reminders(later - timedelta(days=3, minutes=1)) == 0
    assert await scheduler.send_reminders(later - timedelta(days=2)) == 1
    assert await scheduler.send_reminders(later - timedelta(days=1)) == 0
    await notif.mails_to(str(teacher.email), template="reminder", each=2)
    await notif.settle()
    assert len(notif.mails(str(teacher.email), "reminder")) == 2


async def test_reminders_survive_a_restart_of_the_scheduler(notif: Notifications):
    """The reminder is a row: a scheduler created afresh (a restarted process) finds and sends it."""
    from services.notifications.service_layer.scheduler import Scheduler

    board = unique_board()
    teacher = person(board)
    await notif.register(board, teacher)
    starts = in_days(8)
    await notif.handle(
        HubMeetingScheduled(
            board=board,
            meeting_id=uuid.uuid4(),
            hub_id=uuid.uuid4(),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            attendees=[teacher.participant_id],
        )
    )
    fresh = Scheduler(notif.settings, notif.runtime.session_factory, clock=lambda: starts - timedelta(days=2))
    result = await fresh.run_once()
    assert result["reminders"] >= 1
    await notif.mails_to(str(teacher.email), template="reminder")
    assert datetime.now(UTC) < starts


async def test_a_meetings_invitees_changing_cancels_the_leavers_copy_invites_the_newcomer_and_tells_no_one_else(
    notif: Notifications,
):
    board = unique_board()
    leaver, stayer, newcomer = person(board, language="fr"), person(board), person(board, language="fr")
    leader = person(board, role="mentor")
    await notif.register(board, leaver, stayer, newcomer, leader)
    meeting_id = uuid.uuid4()
    meeting = dict(board=board, meeting_id=meeting_id, hub_id=uuid.uuid4(), location="Room 4")
    starts = in_days(20)
    ends = starts + timedelta(hours=2)
    booked = HubMeetingScheduled(
        **meeting,
        starts_at=starts,
        ends_at=ends,
        attendees=[leaver.participant_id, stayer.participant_id, leader.participant_id],
    )
    await notif.handle(booked)
    await notif.mails_to(str(leaver.email), str(stayer.email), str(leader.email), template="hub_meeting")

    # The leaver moved to another hub and the newcomer joined: same times, the new full list.
    members = [stayer.participant_id, leader.participant_id, newcomer.participant_id]
    changed = HubMeetingRescheduled(**meeting, starts_at=starts, ends_at=ends, sequence=1, attendees=members)
    await notif.handle(changed)
    got = await notif.mails_to(str(leaver.email), str(newcomer.email), template="hub_meeting", each=1)
    gone = [m for m in notif.mails(str(leaver.email), "hub_meeting") if "METHOD:CANCEL" in m.as_string()]
    assert len(gone) == 1 and str(gone[0]["Subject"]).startswith("Annulée")
    cancel = calendar_of(gone[0])
    assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
    entry = events_of(cancel)[0]
    assert str(entry["UID"]) == meeting_uid(meeting_id) and int(entry["SEQUENCE"]) == 1
    invite = calendar_of(got[str(newcomer.email)][0])
    assert invite is not None and str(invite["METHOD"]) == "REQUEST"
    assert str(got[str(newcomer.email)][0]["Subject"]).startswith("Rencontre du carrefour")
    assert int(events_of(invite)[0]["SEQUENCE"]) == 1
    # Only those two heard of it; the meeting goes on for the others, their reminder with it.
    assert (
        await notif.scalar("SELECT count(*) FROM notifications WHERE event_id = :e", e=changed.event_id) == 2
    )
    for who in (stayer, leader):
        assert len(notif.mails(str(who.email), "hub_meeting")) == 1
    item = (
        await notif.rows(
            "SELECT cancelled, attendees FROM scheduled_items WHERE item_id = :i", i=meeting["meeting_id"]
        )
    )[0]
    assert item.cancelled is False and sorted(item.attendees) == sorted(str(p) for p in members)
    state = await notif.scalar(
        "SELECT state FROM reminders WHERE key = :k", k=f"meeting:{meeting['meeting_id']}"
    )
    assert state == "pending"  # still due, to those still invited

    # A real move afterwards reaches everyone still invited, and not the one who left.
    later = in_days(22)
    moved = HubMeetingRescheduled(
        **meeting, starts_at=later, ends_at=later + timedelta(hours=2), sequence=2, attendees=members
    )
    await notif.handle(moved)
    await notif.mails_to(str(stayer.email), str(leader.email), template="hub_meeting", each=2)
    await notif.mails_to(str(newcomer.email), template="hub_meeting", each=2)
    assert await notif.scalar("SELECT count(*) FROM notifications WHERE event_id = :e", e=moved.event_id) == 3
    assert len(notif.mails(str(leaver.email), "hub_meeting")) == 2  # the booking and its CANCEL only
