"""SMTP trouble: mail waits while the server is away and goes out when it returns; a permanent
refusal (550) is recorded as failed with the server's reason and never retried."""

from __future__ import annotations

import uuid

import pytest

from services.notifications.tests.integration.helpers import Notifications, person, registered, text_of
from shared.events.matching import MentorPaired
from shared.testing.helpers import unique_board
from shared.testing.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_mail_waits_while_smtp_is_down_and_goes_out_when_it_returns(notif: Notifications):
    board = unique_board()
    teacher, mentor = person(board), person(board, role="mentor", language="fr")
    await notif.register(board, teacher, mentor)
    paired = MentorPaired(
        board=board,
        program_year="2026-2027",
        teacher_id=teacher.participant_id,
        mentor_id=mentor.participant_id,
    )
    notif.smtp.stop()
    try:
        await notif.publish(paired)
        waited = await wait_until(
            lambda: notif.scalar(
                "SELECT count(*) = 2 FROM notifications WHERE event_id = :e AND state = 'pending' "
                "AND attempts >= 2 AND last_error IS NOT NULL",
                e=paired.event_id,
            ),
            timeout=10,
        )
        assert waited, "messages should be pending with their error while SMTP is down"
        assert notif.mails(str(teacher.email), "mentor_paired") == []
    finally:
        notif.smtp.start_again()
    got = await notif.mails_to(str(teacher.email), str(mentor.email), template="mentor_paired", timeout=15)
    assert str(mentor.email) in text_of(
        got[str(teacher.email)][0]
    )  # the teacher learns how to reach the mentor
    assert str(got[str(mentor.email)][0]["Subject"]).startswith("Vous êtes maintenant mentor")
    # Recorded as sent (the row is committed just after the server accepted the message).
    assert await wait_until(
        lambda: notif.scalar(
            "SELECT count(*) = 2 FROM notifications WHERE event_id = :e AND state = 'sent' AND last_error IS NULL",
            e=paired.event_id,
        )
    )


async def test_a_550_refusal_is_failed_with_the_reason_and_not_retried(notif: Notifications):
    board = unique_board()
    tag = f"bad-{uuid.uuid4().hex[:6]}"
    bad, good = person(board, tag=tag), person(board)
    notif.smtp.sink.reject[f"{tag}"] = "550 5.1.1 no such user"
    try:
        await notif.handle(registered(board, bad), registered(board, good))
        await notif.mails_to(str(good.email), template="welcome")
        row = await wait_until(
            lambda: notif.rows(
                "SELECT state, attempts, last_error FROM notifications WHERE recipient_email = :a AND state = 'failed'",
                a=str(bad.email),
            ),
            timeout=10,
        )
        assert row, "the refused message should be marked failed"
        state, attempts, error = row[0]
        assert attempts == 1
        assert "550" in error and "no such user" in error
        assert str(bad.email) not in error
    finally:
        notif.smtp.sink.reject.pop(tag, None)
    # The delivery log shows it to the board's coordinator, with the reason.
    coordinator = notif.token("board_coordinator", board=board)
    page = (await notif.call("GET", "/v1/notifications?state=failed", coordinator)).json()
    assert page["total"] == 1 and "550" in page["items"][0]["last_error"]
