"""Poison messages end in the service's dead-letter queue with the reason, the consumer keeps going,
and the operator's CLI lists and replays dead letters."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import aio_pika
import httpx
import pytest

from shared.events.catalog import encode
from shared.events.registration import ParticipantProfile, ParticipantUpdated, TeacherRegistered
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import ROOT, System, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def profile(**overrides: object) -> ParticipantProfile:
    fields: dict[str, object] = {
        "participant_id": uuid.uuid4(),
        "program_year": "2026-2027",
        "hr_id": "P-1",
        "role": "beginning_teacher",
        "given_name": "Poison",
        "family_name": "Test",
        "email": f"p.{uuid.uuid4().hex[:6]}@example.org",
    }
    fields.update(overrides)
    return ParticipantProfile(**fields)


async def placement(system: System, token: str, participant_id: uuid.UUID) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{system.url('matching')}/v1/participants/{participant_id}/placement", headers=auth(token)
        )
    return response.status_code


async def known(system: System, token: str, participant_id: uuid.UUID) -> bool:
    return await placement(system, token, participant_id) == 200


def cli(system: System, *args: str) -> str:
    env = {
        **os.environ,
        "BUS_PREFIX": system.prefix,
        "RABBITMQ_URL": system.infra.rabbitmq_url,
        "DATABASE_URL": system.database_url("matching"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_poison_messages_are_dead_lettered_and_the_rest_flows(system: System, token):
    board = unique_board()
    admin = token("province_admin")
    # A handler that always fails: the program year does not fit matching's column (a bug upstream).
    poison = ParticipantUpdated(board=board, participant=profile(program_year="2026-2027-and-beyond"))
    good = TeacherRegistered(board=board, participant=profile())
    connection = await aio_pika.connect(system.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{system.prefix}.events")
        await exchange.publish(
            aio_pika.Message(encode(poison), message_id=str(poison.event_id), delivery_mode=2),
            routing_key=poison.routing_key(),
        )
        # Undecodable body and an unknown major version, straight onto matching's queue.
        queue = f"{system.prefix}.matching"
        await channel.default_exchange.publish(
            aio_pika.Message(b"\x00not json", message_id="garbage-1"), queue
        )
        future = encode(good).replace(b'"version":1', b'"version":9')
        await channel.default_exchange.publish(aio_pika.Message(future, message_id="future-1"), queue)
        await exchange.publish(
            aio_pika.Message(encode(good), message_id=str(good.event_id), delivery_mode=2),
            routing_key=good.routing_key(),
        )
        # The good message behind the poison ones is handled.
        assert await wait_until(lambda: known(system, admin, good.participant.participant_id), timeout=20)

        # The dead-letter queue is shared with the other tests of this system: wait for these three.
        expected = (
            str(poison.event_id),
            "garbage-1\tNone\t",
            "future-1\tNone\t",
        )

        async def all_three_parked() -> bool:
            listing = await asyncio.to_thread(cli, system, "dead-letters", "matching", "list")
            return all(e in listing for e in expected)

        assert await wait_until(all_three_parked, timeout=60)
        lines = cli(system, "dead-letters", "matching", "list").splitlines()
        reason = {e: next(line for line in lines if e in line) for e in expected}
        assert "handler failed 5 times" in reason[str(poison.event_id)]
        assert "body is not JSON" in reason["garbage-1\tNone\t"]
        assert "unknown event type/version 'TeacherRegistered' v9" in reason["future-1\tNone\t"]
        assert await placement(system, admin, poison.participant.participant_id) == 404

        # An operator replays a dead letter (here: a valid event parked by an earlier bug) and it is handled.
        parked = TeacherRegistered(board=board, participant=profile())
        await channel.default_exchange.publish(
            aio_pika.Message(encode(parked), message_id=str(parked.event_id), delivery_mode=2),
            f"{system.prefix}.matching.dlq",
        )
        cli(system, "dead-letters", "matching", "replay", "--message-id", str(parked.event_id))
        assert await wait_until(lambda: known(system, admin, parked.participant.participant_id), timeout=15)
