"""The platform's promise: one teacher registered over HTTP flows through the bus to matching and
notifications, exactly once, in one trace, on real RabbitMQ, PostgreSQL and SMTP."""

from __future__ import annotations

import json
import uuid

import aio_pika
import asyncpg
import httpx
import pytest

from shared.events.catalog import encode
from shared.events.registration import ParticipantProfile, TeacherRegistered
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until
from shared.testing.smtp_sink import SmtpServer
from shared.wakeup import asyncpg_dsn
from tests.e2e.helpers import create_board, teacher

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def matching_status(system: System, token: str, participant_id: str) -> str | None:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{system.url('matching')}/v1/participants/{participant_id}/placement", headers=auth(token)
        )
    return response.json()["placement_status"] if response.status_code == 200 else None


async def test_teacher_flows_to_matching_and_welcome_email_in_one_trace(
    system, smtp: SmtpServer, otlp, token
):
    board = unique_board()
    admin = token("province_admin")
    with httpx.Client(timeout=10) as client:
        create_board(client, system.url("registration"), admin, board)
        body = teacher(board, language="fr", given_name="Zoé")
        response = client.post(
            f"{system.url('registration')}/v1/participants", json=body, headers=auth(admin)
        )
    assert response.status_code == 201, response.text
    participant_id = response.json()["id"]

    assert (
        await wait_until(lambda: matching_status(system, admin, participant_id), timeout=10)
        == "awaiting_placement"
    )
    mails = smtp.sink.wait_for(lambda m: body["email"] in str(m["To"]), timeout=10)
    assert len(mails) == 1
    assert "Bienvenue" in str(mails[0]["Subject"])  # French, the teacher's language

    # One trace: the HTTP request's trace id is on registration's, matching's and notifications' spans.
    def trace_services() -> set[str]:
        http_spans = [
            s
            for s in otlp.spans
            if s.service == "registration" and s.name.startswith("POST /v1/participants")
        ]
        traces = {s.trace_id for s in http_spans}
        return {s.service for t in traces for s in otlp.trace(t)}

    services = await wait_until(
        lambda: {"registration", "matching", "notifications"} <= trace_services(), timeout=10
    )
    assert services, f"spans seen per trace: {trace_services()}"
    # And the consumer spans are children of the relay's publish span (parent→child edges, not links).
    http_span = next(
        s
        for s in otlp.spans
        if s.service == "registration"
        and s.name.startswith("POST /v1/participants")
        and any(x.service == "matching" for x in otlp.trace(s.trace_id))
    )

    def consumer_spans() -> list:
        # A consumer span ends (and is exported) after its handler's database spans: wait for it.
        spans = otlp.trace(http_span.trace_id)
        found = [s for s in spans if s.service in ("matching", "notifications") and s.kind == 5]  # CONSUMER
        return found if {s.service for s in found} == {"matching", "notifications"} else []

    consumers = await wait_until(lambda: consumer_spans(), timeout=10)
    spans = otlp.trace(http_span.trace_id)
    publish = [s for s in spans if s.name.endswith(" publish") and s.service == "registration"]
    assert publish, [s.name for s in spans]
    assert consumers, [(s.service, s.name, s.kind) for s in spans]
    assert all(c.parent_span_id in {p.span_id for p in publish} for c in consumers)
    # No personal data in span attributes.
    flat = json.dumps([s.attributes for s in spans])
    assert body["email"] not in flat and body["family_name"] not in flat


async def test_same_event_twice_gives_one_record_and_one_email(system: System, smtp: SmtpServer, token):
    board = unique_board()
    admin = token("province_admin")
    profile = ParticipantProfile(
        participant_id=uuid.uuid4(),
        program_year="2026-2027",
        hr_id="DUP-1",
        role="beginning_teacher",
        given_name="Noah",
        family_name="Twice",
        email=f"twice.{uuid.uuid4().hex[:6]}@example.org",
    )
    event = TeacherRegistered(board=board, participant=profile)
    # Published after both copies: once matching and notifications have handled it, they have
    # handled the copies queued before it (the positive signal before counting effects).
    sentinel = TeacherRegistered(
        board=board,
        participant=profile.model_copy(
            update={
                "participant_id": uuid.uuid4(),
                "hr_id": "DUP-SENTINEL",
                "email": f"after.{uuid.uuid4().hex[:6]}@example.org",
            }
        ),
    )
    connection = await aio_pika.connect(system.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{system.prefix}.events")
        for message in (event, event, sentinel):
            await exchange.publish(
                aio_pika.Message(encode(message), message_id=str(message.event_id), delivery_mode=2),
                routing_key=message.routing_key(),
            )
    assert await wait_until(lambda: matching_status(system, admin, str(profile.participant_id)), timeout=10)
    assert smtp.sink.wait_for(lambda m: profile.email in str(m["To"]), timeout=10)
    assert await wait_until(
        lambda: matching_status(system, admin, str(sentinel.participant.participant_id)), timeout=10
    )
    assert smtp.sink.wait_for(lambda m: sentinel.participant.email in str(m["To"]), timeout=10)
    conn = await asyncpg.connect(asyncpg_dsn(system.database_url("matching")))
    try:
        assert await _inbox_has(conn, event.event_id) and await _inbox_has(conn, sentinel.event_id)
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM participants WHERE participant_id=$1", profile.participant_id
            )
            == 1
        )
    finally:
        await conn.close()
    notifications = await asyncpg.connect(asyncpg_dsn(system.database_url("notifications")))
    try:
        assert (
            await notifications.fetchval(
                "SELECT count(*) FROM notifications WHERE event_id=$1", event.event_id
            )
            == 1
        )
    finally:
        await notifications.close()
    assert len(smtp.sink.to(profile.email)) == 1


async def _inbox_has(conn: asyncpg.Connection, event_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id=$1", event_id))


async def test_auth_no_token_and_board_isolation(system: System, token):
    board_a, board_b = unique_board(), unique_board()
    admin = token("province_admin")
    coordinator_a = token("board_coordinator", board=board_a)
    with httpx.Client(timeout=10) as client:
        url = system.url("registration")
        create_board(client, url, admin, board_a)
        create_board(client, url, admin, board_b)
        assert client.get(f"{url}/v1/participants").status_code == 401
        assert client.post(f"{url}/v1/participants", json=teacher(board_a)).status_code == 401
        refused = client.post(f"{url}/v1/participants", json=teacher(board_b), headers=auth(coordinator_a))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        b_teacher = client.post(f"{url}/v1/participants", json=teacher(board_b), headers=auth(admin)).json()
        assert (
            client.get(f"{url}/v1/participants/{b_teacher['id']}", headers=auth(coordinator_a)).status_code
            == 404
        )
        listed = client.get(f"{url}/v1/participants", headers=auth(coordinator_a)).json()
        assert all(p["board"] == board_a for p in listed["items"])
        mine = client.post(f"{url}/v1/participants", json=teacher(board_a), headers=auth(coordinator_a))
        assert mine.status_code == 201
        assert (
            client.get(f"{url}/v1/participants/{mine.json()['id']}", headers=auth(coordinator_a)).status_code
            == 200
        )
        for service in ("matching", "notifications", "grants"):
            # Every service's API refuses anonymous calls too.
            path = {
                "matching": f"/v1/participants/{b_teacher['id']}/placement",
                "notifications": "/v1/notifications",
                "grants": "/v1/healthz-not-here",
            }[service]
            if service != "grants":
                assert client.get(f"{system.url(service)}{path}").status_code == 401
        assert client.get(
            f"{system.url('matching')}/v1/participants/{b_teacher['id']}/placement",
            headers=auth(coordinator_a),
        ).status_code in (404,)
