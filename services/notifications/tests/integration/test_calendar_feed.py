"""A participant's calendar and personal feed: the meetings and sessions they are in, one entry as an
.ics file, a secret feed URL parsed by the `icalendar` library, revocation (the old URL answers 404);
only the token's hash is stored, and another participant's id answers 404."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from icalendar import Calendar

from services.notifications.domain.calendar import meeting_uid, session_uid
from services.notifications.tests.integration.helpers import Notifications, in_days, person
from shared.events.matching import HubMeetingScheduled
from shared.events.registration import EnrolmentConfirmed, EnrolmentWaitlisted, SessionScheduled
from shared.testing.helpers import unique_board

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_my_calendar_its_feed_and_revoking_it(notif: Notifications):
    board = unique_board()
    teacher, other = person(board, language="fr"), person(board)
    await notif.register(board, teacher, other)
    meeting_id, session_id, waiting_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = in_days(10)
    await notif.handle(
        HubMeetingScheduled(
            board=board,
            meeting_id=meeting_id,
            hub_id=uuid.uuid4(),
            location="Board office",
            attendees=[teacher.participant_id, other.participant_id],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            sequence=0,
        )
    )
    for sid, title in ((session_id, "Classroom routines"), (waiting_id, "Assessment")):
        await notif.handle(
            SessionScheduled(
                board=board,
                session_id=sid,
                kind="workshop",
                title=title,
                location="Board office",
                starts_at=(start + timedelta(days=3)).isoformat(),
                ends_at=(start + timedelta(days=3, hours=3)).isoformat(),
                sequence=0,
            )
        )
    await notif.handle(
        EnrolmentConfirmed(board=board, session_id=session_id, participant_id=teacher.participant_id)
    )
    await notif.handle(
        EnrolmentWaitlisted(
            board=board, session_id=waiting_id, participant_id=teacher.participant_id, position=1
        )
    )
    mine = notif.token("participant", board=board, participant_id=teacher.participant_id)
    base = f"/v1/participants/{teacher.participant_id}"

    listed = await notif.call("GET", f"{base}/calendar", mine)
    assert listed.status_code == 200, listed.text
    # The meeting and the confirmed session; not the session she only waits for. Worded in French.
    assert [(i["item_id"], i["title"]) for i in listed.json()] == [
        (str(meeting_id), "Rencontre du carrefour"),
        (str(session_id), "Atelier : Classroom routines"),
    ]
    one = await notif.call("GET", f"{base}/calendar/{session_id}.ics", mine)
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(one.text).walk("VEVENT")
    assert str(event["UID"]) == session_uid(session_id)
    assert (await notif.call("GET", f"{base}/calendar/{waiting_id}.ics", mine)).status_code == 404

    # The feed: a secret URL, shown once; the database keeps only its hash.
    assert (await notif.call("GET", f"{base}/calendar-feed", mine)).json()["active"] is False
    created = await notif.call("POST", f"{base}/calendar-feed", mine)
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert str(teacher.participant_id) not in url and len(token) >= 40
    stored = await notif.rows(
        "SELECT token_hash FROM calendar_feeds WHERE participant_id = :p", p=teacher.participant_id
    )
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token not in str(await notif.rows("SELECT * FROM calendar_feeds"))

    path = url.removeprefix("http://notifications.test")
    subscribed = await notif.call("GET", path)  # a calendar application: no login
    assert subscribed.status_code == 200
    feed = Calendar.from_ical(subscribed.text)
    assert sorted(str(e["UID"]) for e in feed.walk("VEVENT")) == sorted(
        [meeting_uid(meeting_id), session_uid(session_id)]
    )
    assert "ATTENDEE" not in subscribed.text and other.email not in subscribed.text

    # A new URL replaces the old one; revoking ends the new one: both answer 404.
    again = (await notif.call("POST", f"{base}/calendar-feed", mine)).json()["url"]
    assert (await notif.call("GET", path)).status_code == 404
    newer = again.removeprefix("http://notifications.test")
    assert (await notif.call("GET", newer)).status_code == 200
    assert (await notif.call("DELETE", f"{base}/calendar-feed", mine)).status_code == 204
    assert (await notif.call("GET", newer)).status_code == 404
    assert (await notif.call("GET", f"{base}/calendar-feed", mine)).json()["active"] is False

    # Another participant's id: 404 everywhere; a coordinator is no participant: 403.
    theirs = f"/v1/participants/{other.participant_id}"
    for method, path_ in (("GET", "/calendar"), ("GET", "/calendar-feed"), ("POST", "/calendar-feed")):
        assert (await notif.call(method, theirs + path_, mine)).status_code == 404, path_
    assert (
        await notif.call("GET", f"{base}/calendar", notif.token("board_coordinator", board=board))
    ).status_code == 403
