"""Every event is archived: the audit stream holds one of every event type in the catalogue, no relay
keeps any of them waiting as unroutable, and the operator's CLI reads the history by participant and
hub (ids only unless asked) and replays it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
import typing
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import aio_pika
import asyncpg
import pytest
from pydantic import AwareDatetime, BaseModel

from shared.bus.audit import AuditFilter, collect_history, replay
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import IntegrationEvent
from shared.events.registration import ParticipantProfile
from shared.migrations import SERVICES
from shared.settings import ServiceSettings
from shared.testing.helpers import unique_board
from shared.testing.processes import ROOT, System, wait_until
from shared.wakeup import asyncpg_dsn

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

PERSON = uuid.uuid4()
HUB = uuid.uuid4()
SECRET_NAME = "Gaëlle-Audit"
PEOPLE_FIELDS = {"participant_id", "teacher_id", "mentor_id", "visitor_id", "host_id", "members", "leaders"}
PEOPLE_FIELDS |= {"added", "removed", "attendees"}


def sample(annotation: Any, name: str) -> Any:
    """A valid value for a field, built from its type: ids name PERSON / HUB so filters can find them."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return sample(options[0], name)
    if origin is Literal:
        return typing.get_args(annotation)[0]
    if origin is list:
        (item,) = typing.get_args(annotation)
        return [sample(item, name)]
    if origin is dict:
        return {}
    if annotation is uuid.UUID:
        if name == "hub_id":
            return HUB
        return PERSON if name in PEOPLE_FIELDS else uuid.uuid4()
    if annotation is ParticipantProfile:
        return ParticipantProfile(
            participant_id=PERSON,
            program_year="2026-2027",
            hr_id="AUD-1",
            role="beginning_teacher",
            given_name=SECRET_NAME,
            family_name="Témoin",
            email="audit.person@example.org",
        )
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None
    if annotation in (datetime, AwareDatetime):  # contract times are aware datetimes
        return datetime(2026, 11, 3, 9, tzinfo=UTC)
    if annotation is bool:
        return False
    if annotation is int:
        return 1
    if annotation in (str, typing.Any):
        return "2026-2027" if name == "program_year" else f"{SECRET_NAME} {name}"
    raise AssertionError(f"no sample for {name}: {annotation!r}")


def one_of(cls: type[IntegrationEvent], board: str) -> IntegrationEvent:
    envelope = set(IntegrationEvent.model_fields)
    values = {
        name: sample(info.annotation, name)
        for name, info in cls.model_fields.items()
        if name not in envelope and info.is_required()
    }
    return cls(board=board, **values)


def cli(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUS_PREFIX": system.prefix, "RABBITMQ_URL": system.infra.rabbitmq_url}
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", "audit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_every_event_type_is_archived_and_none_is_unroutable(system: System):
    board = unique_board()
    started = datetime.now(UTC) - timedelta(seconds=1)
    events = [one_of(cls, board) for cls in EVENT_TYPES.values()]
    assert len(events) >= 23, "the catalogue is read whole"

    # Each event goes out through its producer's outbox and relay, as the producer would send it.
    by_service: dict[str, list[IntegrationEvent]] = {}
    for event in events:
        service = event.producer if event.producer in SERVICES else "registration"
        by_service.setdefault(service, []).append(event)
    for service, batch in by_service.items():
        engine = make_engine(system.database_url(service))
        try:
            async with UnitOfWork(make_session_factory(engine)) as uow:
                uow.publish(*batch)
                await uow.commit()
        finally:
            await engine.dispose()

    settings = ServiceSettings(rabbitmq_url=system.infra.rabbitmq_url, bus_prefix=system.prefix)
    wanted = {str(event.event_id) for event in events}

    async def archived() -> set[str]:
        history = await collect_history(settings, AuditFilter(board=board, since=started), idle_seconds=0.5)
        return {event.event_id for event in history} & wanted

    assert await wait_until(lambda: _all(archived, wanted), timeout=40), "every event in the history"
    history = await collect_history(settings, AuditFilter(board=board, since=started), idle_seconds=0.5)
    assert {e.event_type for e in history} == {cls.__name__ for cls in EVENT_TYPES.values()}

    # No relay ever had one of them returned as unroutable (that path writes last_error), and all
    # are published.
    for service, batch in by_service.items():
        conn = await asyncpg.connect(asyncpg_dsn(system.database_url(service)))
        try:
            rows = await conn.fetch(
                "SELECT event_type, state, last_error FROM outbox WHERE event_id = ANY($1::uuid[])",
                [e.event_id for e in batch],
            )
        finally:
            await conn.close()
        assert len(rows) == len(batch)
        assert [r for r in rows if r["state"] != "published" or r["last_error"] is not None] == []

    # The CLI, by participant: every event naming PERSON, ids only (no names, no addresses).
    since = started.isoformat()
    listing = cli(
        system, "list", "--participant", str(PERSON), "--board", board, "--since", since, "--idle", "1"
    )
    assert listing.returncode == 0, listing.stderr
    lines = [json.loads(line) for line in listing.stdout.splitlines()]
    naming_person = [e for e in events if str(PERSON) in e.model_dump_json()]
    assert {line["event_id"] for line in lines} == {str(e.event_id) for e in naming_person}
    assert SECRET_NAME not in listing.stdout and "@example.org" not in listing.stdout
    # By hub.
    by_hub = cli(system, "list", "--hub", str(HUB), "--board", board, "--since", since, "--idle", "1")
    hub_events = {str(e.event_id) for e in events if getattr(e, "hub_id", None) == HUB}
    assert {json.loads(line)["event_id"] for line in by_hub.stdout.splitlines()} == hub_events
    assert hub_events
    # The whole event only when asked.
    full = cli(system, "list", "--type", "TeacherRegistered", "--board", board, "--since", since, "--full")
    assert SECRET_NAME in full.stdout
    # By time: nothing of this board before the test started.
    before = cli(system, "list", "--board", board, "--until", since, "--idle", "1")
    assert before.returncode == 0 and before.stdout == ""

    # Replay sends the original messages to one queue only.
    connection = await aio_pika.connect(system.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        probe = await channel.declare_queue(f"{system.prefix}.probe-{uuid.uuid4().hex[:6]}", exclusive=True)
        picked = [e for e in history if e.event_type in ("HubFormed", "GrantPaid")]
        keys = {e.routing_key for e in picked}
        assert await replay(settings, history, to_queue=probe.name, routing_keys=keys) == 2
        got = [await probe.get(timeout=5) for _ in range(2)]
        assert {m.message_id for m in got} == {e.event_id for e in picked}
        assert {m.body for m in got} == {e.raw for e in picked}


async def _all(archived, wanted: set[str]) -> bool:
    return await archived() == wanted
