"""Workshops and network sessions (enrolments, changes, cancellations with calendar updates), and the
delivery log: board-scoped for coordinators, own messages for participants, paginated and filtered."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.notifications.domain.calendar import session_uid
from services.notifications.tests.integration.helpers import (
    Notifications,
    calendar_of,
    events_of,
    in_days,
    person,
    text_of,
)
from shared.events.registration import (
    EnrolmentConfirmed,
    EnrolmentWaitlisted,
    SessionCancelled,
    SessionChanged,
    SessionScheduled,
)
from shared.testing.helpers import unique_board
from shared.testing.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_enrolment_before_its_session_then_change_and_cancellation(notif: Notifications):
    board = unique_board()
    enrolled, waiting = person(board, language="fr"), person(board)
    await notif.register(board, enrolled, waiting)
    session_id = uuid.uuid4()
    starts = in_days(21, hour=14)
    fields = dict(
        board=board,
        session_id=session_id,
        kind="workshop",
        title="Mentorship Workshop 1",
        location="Board office",
    )
    # The confirmation overtakes the session itself: it waits, then goes out with the invitation.
    await notif.handle(
        EnrolmentConfirmed(board=board, session_id=session_id, participant_id=enrolled.participant_id)
    )
    assert (
        await notif.scalar(
            "SELECT waiting_for FROM awaiting_messages WHERE target = :t",
            t=f"participant:{enrolled.participant_id}",
        )
        == f"session:{session_id}"
    )
    await notif.handle(
        SessionScheduled(
            **fields,
            starts_at=starts.isoformat(),
            ends_at=(starts + timedelta(hours=3)).isoformat(),
            sequence=0,
        )
    )
    confirmation = (await notif.mails_to(str(enrolled.email), template="enrolment_confirmed"))[
        str(enrolled.email)
    ][0]
    assert str(confirmation["Subject"]) == "Inscription confirmée : Mentorship Workshop 1"
    first = events_of(calendar_of(confirmation))[0]
    assert str(first["UID"]) == session_uid(session_id) and int(first["SEQUENCE"]) == 0
    await notif.handle(
        EnrolmentWaitlisted(
            board=board, session_id=session_id, participant_id=waiting.participant_id, position=1
        )
    )
    await notif.mails_to(str(waiting.email), template="enrolment_waitlisted")

    moved = starts + timedelta(days=2)
    await notif.handle(
        SessionChanged(
            **fields,
            starts_at=moved.isoformat(),
            ends_at=(moved + timedelta(hours=3)).isoformat(),
            sequence=1,
        )
    )
    update = (await notif.mails_to(str(enrolled.email), template="session_update"))[str(enrolled.email)][0]
    entry = events_of(calendar_of(update))[0]
    assert (str(entry["UID"]), int(entry["SEQUENCE"])) == (session_uid(session_id), 1)
    assert entry.decoded("DTSTART") == moved
    assert (
        notif.mails(str(waiting.email), "session_update") == []
    )  # not in their calendar, not their news yet

    await notif.handle(
        SessionCancelled(
            **fields,
            starts_at=moved.isoformat(),
            ends_at=(moved + timedelta(hours=3)).isoformat(),
            sequence=2,
        )
    )
    got = await notif.mails_to(str(enrolled.email), template="session_update", each=2)
    cancel = calendar_of(got[str(enrolled.email)][1])
    assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
    assert str(events_of(cancel)[0]["STATUS"]) == "CANCELLED" and int(events_of(cancel)[0]["SEQUENCE"]) == 2
    told = (await notif.mails_to(str(waiting.email), template="session_update"))[str(waiting.email)][0]
    assert calendar_of(told) is None and "cancelled" in text_of(told)
    assert (
        await notif.scalar("SELECT state FROM reminders WHERE key = :k", k=f"session:{session_id}")
        == "cancelled"
    )


async def test_delivery_log_is_board_scoped_own_for_participants_paginated_and_filtered(notif: Notifications):
    board, other = unique_board(), unique_board()
    people = [person(board) for _ in range(3)]
    stranger = person(other)
    await notif.register(board, *people)
    await notif.register(other, stranger)
    coordinator = notif.token("board_coordinator", board=board)

    page = (await notif.call("GET", "/v1/notifications?limit=2", coordinator)).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["limit"] == 2
    rest = (await notif.call("GET", "/v1/notifications?limit=2&offset=2", coordinator)).json()
    assert len(rest["items"]) == 1
    ids = {i["id"] for i in page["items"]} | {i["id"] for i in rest["items"]}
    assert len(ids) == 3
    assert all(i["board"] == board for i in page["items"] + rest["items"])
    assert "recipient_email" not in page["items"][0] and "body_text" not in page["items"][0]

    async def all_welcomes_sent() -> bool:
        response = await notif.call("GET", "/v1/notifications?template=welcome&state=sent", coordinator)
        return bool(response.json()["total"] == 3)

    assert await wait_until(all_welcomes_sent, timeout=5)
    assert (await notif.call("GET", "/v1/notifications?template=hub_formed", coordinator)).json()[
        "total"
    ] == 0
    assert (await notif.call("GET", f"/v1/notifications?board={other}", coordinator)).status_code == 404
    assert (await notif.call("GET", "/v1/notifications?state=lost", coordinator)).status_code == 422
    since = (
        await notif.call("GET", "/v1/notifications", coordinator, params={"since": "2999-01-01T00:00:00Z"})
    ).json()
    assert since["total"] == 0

    mine = (
        await notif.call(
            "GET", "/v1/notifications", notif.token("participant", participant_id=people[0].participant_id)
        )
    ).json()
    assert mine["total"] == 1 and mine["items"][0]["recipient_id"] == str(people[0].participant_id)
    # A participant cannot widen the view with filters.
    sneaky = await notif.call(
        "GET",
        f"/v1/notifications?recipient_id={stranger.participant_id}",
        notif.token("participant", participant_id=people[0].participant_id),
    )
    assert sneaky.json()["total"] == 0
    assert (
        await notif.call("GET", "/v1/notifications", notif.token("hr_integration", board=board))
    ).status_code == 403
    assert (await notif.call("GET", "/v1/notifications")).status_code == 401
    everything = (
        await notif.call("GET", f"/v1/notifications?board={other}", notif.token("province_admin"))
    ).json()
    assert everything["total"] == 1
