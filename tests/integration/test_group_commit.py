"""Group commit against a real PostgreSQL: events delivered together share a transaction, and
still each has exactly one effect, its own outcome and its own trace."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider

from shared.bus.consumer import EventConsumer
from shared.bus.group_commit import Batchable
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.registration import ParticipantProfile, ParticipantWithdrawn, TeacherRegistered
from shared.migrations import drop_database, upgrade
from shared.settings import ServiceSettings
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

_EFFECT = sa.text("INSERT INTO effect (event_id) VALUES (:id)")


def _registered(hr_id: str = "X") -> TeacherRegistered:
    profile = ParticipantProfile(
        participant_id=uuid.uuid4(),
        program_year="2026-2027",
        hr_id=hr_id,
        role="beginning_teacher",
        given_name="A",
        family_name="B",
        email="a.b@example.org",
    )
    return TeacherRegistered(board="ELM", participant=profile)


async def record(uow: UnitOfWork, event: TeacherRegistered) -> None:
    if event.participant.hr_id == "POISON":
        raise ValueError("this event's handler always fails")
    await uow.session.execute(_EFFECT, {"id": event.event_id})
    uow.publish(ParticipantWithdrawn(board=event.board, participant=event.participant))


@pytest.fixture
async def consumer(infra, run_prefix):
    url = infra.database_url(f"{run_prefix}_groupcommit")
    await upgrade("registration", url)  # any service's schema: it has an inbox and an outbox
    conn = await asyncpg.connect(asyncpg_dsn(url))
    await conn.execute("CREATE TABLE effect (event_id uuid NOT NULL)")
    engine = make_engine(url)
    settings = ServiceSettings(service_name="groupcommit", database_url=url, mentorweb_env="test")
    consumer = EventConsumer(settings, make_session_factory(engine), {TeacherRegistered: record}, broker=None)
    consumer.db = conn
    try:
        yield consumer
    finally:
        await conn.close()
        await engine.dispose()
        await drop_database(url)


async def test_events_delivered_together_share_transactions_and_each_has_one_effect(consumer):
    events = [_registered() for _ in range(200)]
    outcomes = await asyncio.gather(*(consumer.group_commit.handle(record, e) for e in events))
    assert outcomes == [True] * 200
    db = consumer.db
    assert await db.fetchval("SELECT count(DISTINCT event_id) FROM effect") == 200
    assert await db.fetchval("SELECT count(*) FROM effect") == 200
    assert await db.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'groupcommit'") == 200
    assert await db.fetchval("SELECT count(*) FROM outbox") == 200
    # Fewer transactions than events: that is the point.
    assert consumer.group_commit.batches < 20
    assert consumer.group_commit.largest_batch > 1


async def test_the_same_event_twice_in_a_batch_and_again_later_has_one_effect(consumer):
    event, other = _registered(), _registered()
    outcomes = await asyncio.gather(*(consumer.group_commit.handle(record, e) for e in (other, event, event)))
    assert outcomes == [True, True, False]
    again = await asyncio.gather(*(consumer.group_commit.handle(record, e) for e in (event, _registered())))
    assert again == [False, True]
    assert await consumer.db.fetchval("SELECT count(*) FROM effect WHERE event_id = $1", event.event_id) == 1


async def test_one_failing_event_fails_alone_and_its_neighbours_commit(consumer):
    good = [_registered() for _ in range(10)]
    poison = _registered(hr_id="POISON")
    batch = [*good[:5], poison, *good[5:]]
    results = await asyncio.gather(
        *(consumer.group_commit.handle(record, e) for e in batch), return_exceptions=True
    )
    assert isinstance(results[5], ValueError)
    assert [r for i, r in enumerate(results) if i != 5] == [True] * 10
    db = consumer.db
    assert await db.fetchval("SELECT count(*) FROM effect") == 10
    assert await db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", poison.event_id) == 0
    assert await db.fetchval("SELECT count(*) FROM outbox") == 10


async def test_each_events_effects_stay_in_their_own_trace(consumer):
    tracer = TracerProvider().get_tracer("test")
    trace_of: dict[uuid.UUID, str] = {}

    async def delivered(event: TeacherRegistered) -> bool:
        with tracer.start_as_current_span("deliver") as span:
            trace_of[event.participant.participant_id] = format(span.get_span_context().trace_id, "032x")
            return await consumer.group_commit.handle(record, event)

    await asyncio.gather(*(delivered(_registered()) for _ in range(30)))
    assert consumer.group_commit.largest_batch > 1
    rows = await consumer.db.fetch("SELECT body, headers FROM outbox")
    assert len(rows) == 30
    for row in rows:
        participant = uuid.UUID(json.loads(bytes(row["body"]))["participant"]["participant_id"])
        traceparent = json.loads(row["headers"])["traceparent"]
        assert traceparent.split("-")[1] == trace_of[participant]


async def test_a_run_of_a_batchable_handler_takes_its_first_step_once_for_the_run(consumer):
    runs: list[list[uuid.UUID]] = []
    seen_each: list[uuid.UUID] = []

    async def record_all(uow: UnitOfWork, events: list[TeacherRegistered]) -> None:
        runs.append([e.event_id for e in events])
        await uow.session.execute(_EFFECT, [{"id": e.event_id} for e in events])

    async def then_each(uow: UnitOfWork, event: TeacherRegistered) -> None:
        seen_each.append(event.event_id)

    batchable = Batchable(record_all, then_each=then_each)
    events = [_registered() for _ in range(60)]
    # Every seventh event goes to the plain handler: runs are cut there, and order is kept.
    handlers = [record if i % 7 == 6 else batchable for i in range(60)]
    outcomes = await asyncio.gather(
        *(consumer.group_commit.handle(h, e) for h, e in zip(handlers, events, strict=True))
    )
    assert outcomes == [True] * 60
    assert await consumer.db.fetchval("SELECT count(DISTINCT event_id) FROM effect") == 60
    batched = [e.event_id for h, e in zip(handlers, events, strict=True) if h is batchable]
    assert [i for run in runs for i in run] == batched  # each once, in delivery order
    assert seen_each == batched
    assert max(len(run) for run in runs) > 1  # a run shared its first step
