"""Internationalised addresses: delivered through a server that offers SMTPUTF8, refused at intake
(422) or failed with the reason where it does not; a message the server keeps refusing ends failed
after bounded attempts, visible in the delivery log, never pending for ever."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from services.notifications.tests.integration.helpers import (
    FakeClock,
    Notifications,
    person,
    registered,
    start_notifications,
    text_of,
)
from shared.events.registration import ParticipantProfile
from shared.migrations import drop_database, upgrade
from shared.testing.helpers import unique_board
from shared.testing.infrastructure import Infrastructure
from shared.testing.processes import delete_bus_objects, wait_until
from shared.testing.smtp_sink import SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def utf8_notif(infra: Infrastructure, run_prefix: str) -> AsyncIterator[Notifications]:
    """Notifications in front of an SMTP server that offers SMTPUTF8, giving up after 3 attempts."""
    prefix = f"{run_prefix}u{uuid.uuid4().hex[:6]}"
    url = infra.database_url(f"{prefix}_notifications")
    await upgrade("notifications", url)
    server = SmtpServer(smtputf8=True).start()
    try:
        async with start_notifications(
            infra, url, prefix, server, FakeClock(), mail_max_attempts=3
        ) as harness:
            yield harness
    finally:
        server.stop()
        if os.environ.get("MENTORWEB_KEEP_TEST_STATE") != "1":
            with contextlib.suppress(Exception):
                await drop_database(url)
            await delete_bus_objects(infra.rabbitmq_url, prefix)


def idn(profile: ParticipantProfile, email: str) -> ParticipantProfile:
    return profile.model_copy(update={"email": email})


async def test_an_internationalised_address_is_delivered_by_a_server_offering_smtputf8(
    utf8_notif: Notifications,
):
    board = unique_board()
    tag = uuid.uuid4().hex[:6]
    gaelle = idn(person(board, language="fr"), f"gaëlle.{tag}@exemple.ca")
    await utf8_notif.handle(registered(board, gaelle))
    mail = (await utf8_notif.mails_to(f"gaëlle.{tag}@exemple.ca", template="welcome"))[
        f"gaëlle.{tag}@exemple.ca"
    ][0]
    assert "Bienvenue" in text_of(mail)
    assert str(mail["To"]) == f"gaëlle.{tag}@exemple.ca"
    coordinator = utf8_notif.token("board_coordinator", board=board)
    created = await utf8_notif.call(
        "POST",
        f"/v1/boards/{board}/contacts",
        coordinator,
        json={"email": f"élodie.{tag}@exemple.ca", "name": "Élodie", "language": "fr", "role": "coordinator"},
    )
    assert created.status_code == 201, created.text


async def test_without_smtputf8_it_is_refused_at_intake_or_failed_with_the_reason(notif: Notifications):
    board = unique_board()
    tag = uuid.uuid4().hex[:6]
    coordinator = notif.token("board_coordinator", board=board)
    refused = await notif.call(
        "POST",
        f"/v1/boards/{board}/contacts",
        coordinator,
        json={"email": f"élodie.{tag}@exemple.ca", "name": "Élodie", "language": "fr", "role": "coordinator"},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["email"]
    assert "SMTPUTF8" in refused.json()["detail"]

    # A participant's address comes from registration: the message fails at once, with the reason.
    gaelle = idn(person(board, language="fr"), f"gaëlle.{tag}@exemple.ca")
    # An internationalised domain alone needs no SMTPUTF8: it travels as its ASCII form.
    amy = idn(person(board), f"amy.{tag}@exémple.ca")
    await notif.handle(registered(board, gaelle), registered(board, amy))
    await notif.mails_to(f"amy.{tag}@xn--exmple-cva.ca", template="welcome")

    async def failed() -> bool:
        state = await notif.scalar(
            "SELECT state FROM notifications WHERE recipient_id = :r", r=gaelle.participant_id
        )
        return state == "failed"

    await wait_until(failed, timeout=10)
    row = (
        await notif.rows(
            "SELECT attempts, last_error FROM notifications WHERE recipient_id = :r", r=gaelle.participant_id
        )
    )[0]
    assert row.attempts == 1 and "SMTPUTF8" in row.last_error
    log = (
        await notif.call(
            "GET", f"/v1/notifications?state=failed&recipient_id={gaelle.participant_id}", coordinator
        )
    ).json()
    assert log["total"] == 1 and "SMTPUTF8" in log["items"][0]["last_error"]


async def test_a_message_the_server_keeps_deferring_ends_failed_after_bounded_attempts(
    utf8_notif: Notifications,
):
    board = unique_board()
    teacher = person(board, tag="deferred")
    utf8_notif.smtp.sink.reject[str(teacher.email)] = "451 4.3.0 mailbox busy, try later"
    await utf8_notif.handle(registered(board, teacher))

    async def failed() -> bool:
        state = await utf8_notif.scalar(
            "SELECT state FROM notifications WHERE recipient_id = :r", r=teacher.participant_id
        )
        return state == "failed"

    await wait_until(failed, timeout=20)
    row = (
        await utf8_notif.rows(
            "SELECT attempts, last_error FROM notifications WHERE recipient_id = :r", r=teacher.participant_id
        )
    )[0]
    assert row.attempts == 3
    assert "451" in row.last_error and str(teacher.email) not in row.last_error
