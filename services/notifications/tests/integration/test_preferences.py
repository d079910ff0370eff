"""Delivery preferences: the weekly digest (one email for a week of non-urgent messages), the
login-free unsubscribe link, and who may change a participant's preferences."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import jwt
import pytest

from services.notifications.service_layer.preferences import key_id, unsubscribe_token
from services.notifications.tests.integration.helpers import (
    LINK_KEYS,
    Notifications,
    calendar_of,
    in_days,
    person,
    text_of,
    unsubscribe_link,
)
from shared.events.registration import EnrolmentConfirmed, EnrolmentWaitlisted, SessionScheduled
from shared.settings import DEV_JWT_SECRET, DEV_LINK_SIGNING_KEY
from shared.testing.helpers import unique_board
from shared.testing.processes import TEST_JWT_SECRET

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def session(board: str, title: str, days: float = 30) -> SessionScheduled:
    starts = in_days(days)
    return SessionScheduled(
        board=board,
        session_id=uuid.uuid4(),
        kind="workshop",
        title=title,
        starts_at=starts.isoformat(),
        ends_at=(starts + timedelta(hours=2)).isoformat(),
        location="Board office",
    )


async def test_three_non_urgent_messages_in_a_week_become_one_digest(notif: Notifications):
    board = unique_board()
    teacher = person(board)
    await notif.register(board, teacher)
    me = notif.token("participant", participant_id=teacher.participant_id)
    response = await notif.call(
        "PUT", "/v1/preferences/me", me, json={"delivery_preference": "weekly_digest"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["delivery_preference"] == "weekly_digest"

    sessions = [session(board, f"Workshop {n} on assessment") for n in (1, 2, 3)]
    await notif.handle(*sessions)
    for position, s in enumerate(sessions, start=2):
        await notif.handle(
            EnrolmentWaitlisted(
                board=board, session_id=s.session_id, participant_id=teacher.participant_id, position=position
            )
        )
    held = await notif.rows(
        "SELECT template FROM notifications WHERE recipient_id = :p AND state = 'held'",
        p=teacher.participant_id,
    )
    assert [t for (t,) in held] == ["enrolment_waitlisted"] * 3
    # Urgent messages still go at once: a confirmed place carries its calendar invitation.
    await notif.handle(
        EnrolmentConfirmed(
            board=board, session_id=sessions[0].session_id, participant_id=teacher.participant_id
        )
    )
    confirmed = await notif.mails_to(str(teacher.email), template="enrolment_confirmed")
    assert calendar_of(confirmed[str(teacher.email)][0]) is not None
    await notif.settle()
    assert notif.mails(str(teacher.email), "enrolment_waitlisted") == []

    # Not due during the week; next week two replicas compose it at once: one digest.
    assert await notif.scheduler.send_digests(notif.clock() - timedelta(days=7)) == 0
    next_week = notif.clock() + timedelta(days=7)
    assert sum(await asyncio.gather(*(notif.scheduler.send_digests(next_week) for _ in range(2)))) >= 1
    digest = (await notif.mails_to(str(teacher.email), template="digest"))[str(teacher.email)]
    await notif.settle()
    assert len(notif.mails(str(teacher.email), "digest")) == 1
    assert notif.mails(str(teacher.email), "enrolment_waitlisted") == []
    text = text_of(digest[0])
    assert "3 messages" in str(digest[0]["Subject"])
    for n in (1, 2, 3):
        assert f"Workshop {n} on assessment" in text
    assert text.count("Change how you hear from us") == 1  # one footer, not four
    states = await notif.rows(
        "SELECT state, digest_id IS NOT NULL FROM notifications WHERE recipient_id = :p AND template = 'enrolment_waitlisted'",
        p=teacher.participant_id,
    )
    assert states == [("digested", True)] * 3
    # Nothing held is left: the week after brings no second digest.
    assert await notif.scheduler.send_digests(next_week + timedelta(days=7)) == 0

    # Back to immediate: non-urgent messages go out at once again.
    response = await notif.call("PUT", "/v1/preferences/me", me, json={"delivery_preference": "immediate"})
    assert response.status_code == 200
    await notif.handle(
        EnrolmentWaitlisted(
            board=board, session_id=sessions[1].session_id, participant_id=teacher.participant_id, position=1
        )
    )
    await notif.mails_to(str(teacher.email), template="enrolment_waitlisted")


async def test_unsubscribe_link_works_without_login_and_a_tampered_one_is_refused(notif: Notifications):
    board = unique_board()
    teacher = person(board, language="fr")
    await notif.register(board, teacher)
    welcome = notif.mails(str(teacher.email), "welcome")[0]
    link = unsubscribe_link(welcome)
    # RFC 2369 + RFC 8058: the mail client's unsubscribe button POSTs to the same signed link.
    assert welcome["List-Unsubscribe"] == f"<{link}>"
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = urlsplit(link)
    token = url.query.removeprefix("token=")
    assert jwt.get_unverified_header(token)["kid"] == key_id(LINK_KEYS[0])

    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = await notif.call("GET", f"{url.path}?token={tampered}")
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "token"
    forged_subject = await notif.call("GET", f"{url.path}?token=not-a-jwt")
    assert forged_subject.status_code == 400
    in_a_browser = await notif.call("GET", f"{url.path}?token={tampered}", headers={"Accept": "text/html"})
    assert in_a_browser.status_code == 400 and "Ce lien est invalide" in in_a_browser.text

    # Links signed with the public development key or with the JWT secret are forgeries here.
    for forger in (DEV_LINK_SIGNING_KEY, DEV_JWT_SECRET, TEST_JWT_SECRET):
        forged = unsubscribe_token(forger, teacher.participant_id)
        for method in ("GET", "POST"):
            answer = await notif.call(method, f"{url.path}?token={forged}")
            assert answer.status_code == 400, (forger, method)

    # Following the link (or a mail scanner prefetching it) shows the bilingual page and changes nothing.
    page = await notif.call("GET", f"{url.path}?{url.query}")  # no Authorization header
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Unsubscribe from Mentorweb news" in page.text and "Me désabonner" in page.text
    assert f'action="{url.path}?{url.query}"' in page.text and 'method="post"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert (
        await notif.scalar(
            "SELECT unsubscribed FROM contacts WHERE participant_id = :p", p=teacher.participant_id
        )
        is False
    )

    # A link signed with the previous key (rotation's grace period) is still honoured.
    old = unsubscribe_token(LINK_KEYS[1], teacher.participant_id)
    assert (await notif.call("GET", f"{url.path}?token={old}")).status_code == 200

    # One click: the POST of RFC 8058, without login.
    response = await notif.call(
        "POST",
        f"{url.path}?{url.query}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and "Votre désabonnement est confirmé" in response.text
    assert await notif.scalar(
        "SELECT unsubscribed FROM contacts WHERE participant_id = :p", p=teacher.participant_id
    )

    # Non-urgent news is no longer sent; what matters (an invitation) still is.
    s = session(board, "Atelier 2")
    await notif.handle(s)
    await notif.handle(
        EnrolmentWaitlisted(
            board=board, session_id=s.session_id, participant_id=teacher.participant_id, position=4
        )
    )
    state = await notif.scalar(
        "SELECT state FROM notifications WHERE recipient_id = :p AND template = 'enrolment_waitlisted'",
        p=teacher.participant_id,
    )
    assert state == "suppressed"
    await notif.handle(
        EnrolmentConfirmed(board=board, session_id=s.session_id, participant_id=teacher.participant_id)
    )
    await notif.mails_to(str(teacher.email), template="enrolment_confirmed")


async def test_who_may_read_and_change_preferences(notif: Notifications):
    board, other = unique_board(), unique_board()
    teacher = person(board)
    await notif.register(board, teacher)
    path = f"/v1/preferences/{teacher.participant_id}"
    body = {"delivery_preference": "weekly_digest"}

    assert (await notif.call("PUT", path, json=body)).status_code == 401
    outsider = await notif.call("PUT", path, notif.token("board_coordinator", board=other), json=body)
    assert outsider.status_code == 404  # another board's participant is not even confirmed to exist
    participant = await notif.call(
        "PUT", path, notif.token("participant", participant_id=teacher.participant_id), json=body
    )
    assert participant.status_code == 403
    coordinator = notif.token("board_coordinator", board=board)
    changed = await notif.call("PUT", path, coordinator, json=body)
    assert changed.status_code == 200 and changed.json()["delivery_preference"] == "weekly_digest"
    assert (await notif.call("GET", path, coordinator)).json()["delivery_preference"] == "weekly_digest"

    invalid = await notif.call("PUT", path, coordinator, json={"delivery_preference": "hourly"})
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("application/problem+json")
    assert invalid.json()["errors"][0]["field"] == "delivery_preference"
    unknown = await notif.call("PUT", f"/v1/preferences/{uuid.uuid4()}", coordinator, json=body)
    assert unknown.status_code == 404
    assert (await notif.call("GET", "/v1/preferences/me", coordinator)).status_code == 403
    mine = await notif.call(
        "GET", "/v1/preferences/me", notif.token("participant", participant_id=teacher.participant_id)
    )
    assert mine.status_code == 200 and mine.json()["participant_id"] == str(teacher.participant_id)
