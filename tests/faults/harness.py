"""Drive a stream of registrations through the whole system and check the end state after a fault."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx

from shared.events.catalog import encode
from shared.events.registration import ParticipantProfile, TeacherRegistered
from shared.migrations import SERVICES
from shared.testing.helpers import auth
from shared.testing.processes import System, wait_until
from shared.testing.smtp_sink import SmtpServer
from shared.wakeup import asyncpg_dsn

RESULTS = Path(__file__).resolve().parent / "results"
# When the last stream driven by this process started and ended (time.monotonic), for the report.
_last_stream: dict[str, float] = {}


@dataclass
class FaultReport:
    fault: str
    events_in: int
    known_to_matching: int = 0
    welcome_emails: int = 0
    duplicate_emails: int = 0
    lost: int = 0
    outbox_pending: int = 0
    queue_depths: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    http_errors: dict[str, int] = field(default_factory=dict)
    recovery_seconds: float | None = None
    stream_seconds: float | None = None  # first POST to last 201
    drain_seconds: float | None = None  # last 201 to every effect in
    notes: str = ""

    def save(self) -> None:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{self.fault}.json").write_text(json.dumps(asdict(self), indent=2))


def registration(board: str, n: int, run: str) -> dict[str, Any]:
    return {
        "board": board,
        "program_year": "2026-2027",
        "hr_id": f"F-{run}-{n:05d}",
        "role": "beginning_teacher",
        "given_name": "Fault",
        "family_name": f"Stream{n}",
        "email": f"fault.{run}.{n}@example.org",
        "language": "fr" if n % 5 == 0 else "en",
        "school": f"School {n % 17}",
        "grade_band": "junior",
        "themes": ["assessment"],
    }


async def drive_registrations(
    system: System,
    token: str,
    board: str,
    count: int,
    *,
    concurrency: int = 16,
    on_progress: Any = None,
    retry_seconds: float = 60.0,
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """POST ``count`` teachers; 503s (the documented Retry-After answer) are retried until accepted."""
    run = uuid.uuid4().hex[:6]
    bodies = [registration(board, n, run) for n in range(count)]
    errors: Counter[str] = Counter()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    done = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while not queue.empty():
            body = queue.get_nowait()
            deadline = time.monotonic() + retry_seconds
            while True:
                try:
                    response = await client.post("/v1/participants", json=body, headers=auth(token))
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status, response = 0, None
                    errors[exc.__class__.__name__] += 1
                if status in (201, 409):  # 409: a retried request that had in fact landed
                    break
                errors[str(status)] += 1
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"registration never accepted: {status} {response and response.text}"
                    )
                await asyncio.sleep(
                    float(response.headers.get("Retry-After", "1")) if response is not None else 0.5
                )
            done += 1
            if on_progress is not None:
                await on_progress(done)

    _last_stream["started"] = time.monotonic()
    async with httpx.AsyncClient(base_url=system.url("registration"), timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    _last_stream["ended"] = time.monotonic()
    return bodies, errors


async def _queue_depths(system: System) -> tuple[dict[str, int], dict[str, int]]:
    depths: dict[str, int] = {}
    dead: dict[str, int] = {}
    connection = await aio_pika.connect(system.infra.rabbitmq_url)
    async with connection:
        for service in SERVICES:
            for name, target in (
                (f"{system.prefix}.{service}", depths),
                (f"{system.prefix}.{service}.dlq", dead),
            ):
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(name, passive=True)
                    target[service] = queue.declaration_result.message_count or 0
                except aio_pika.exceptions.ChannelClosed:
                    pass
    return depths, dead


async def settle_and_check(
    system: System,
    smtp: SmtpServer,
    bodies: list[dict[str, Any]],
    fault: str,
    *,
    timeout: float = 120.0,
    dead_letters_expected: int = 0,
) -> FaultReport:
    """Wait until every teacher reached matching and got a welcome email and ``dead_letters_expected``
    messages were dead-lettered (or timeout), then until a later sentinel event was handled; then count."""
    emails = {b["email"] for b in bodies}
    report = FaultReport(fault=fault, events_in=len(bodies))
    matching = await asyncpg.connect(asyncpg_dsn(system.database_url("matching")))
    registration_db = await asyncpg.connect(asyncpg_dsn(system.database_url("registration")))
    try:
        hr_ids = [b["hr_id"] for b in bodies]

        async def settled() -> bool:
            known = await matching.fetchval("SELECT count(*) FROM participants WHERE hr_id = ANY($1)", hr_ids)
            with smtp.sink.lock:
                received = sum(1 for m in smtp.sink.messages if str(m["To"]) in emails)
            if known != len(bodies) or received < len(bodies):
                return False
            _, dead = await _queue_depths(system)
            return sum(dead.values()) >= dead_letters_expected

        await wait_until(settled, timeout=timeout, interval=0.5)
        if "ended" in _last_stream:  # taken once: a later check without its own stream reports none
            started, ended = _last_stream.pop("started"), _last_stream.pop("ended")
            report.stream_seconds = round(ended - started, 1)
            report.drain_seconds = round(time.monotonic() - ended, 1)
        # Stragglers (duplicates) arrive before a later event: count only once one has been handled.
        await _sentinel_handled(system, smtp, matching, board=bodies[0]["board"])
        report.known_to_matching = await matching.fetchval(
            "SELECT count(*) FROM participants WHERE hr_id = ANY($1)", hr_ids
        )
        with smtp.sink.lock:
            per_address = Counter(str(m["To"]) for m in smtp.sink.messages if str(m["To"]) in emails)
        report.welcome_emails = sum(per_address.values())
        report.duplicate_emails = sum(c - 1 for c in per_address.values() if c > 1)
        report.lost = len(bodies) - min(report.known_to_matching, len(per_address))
        report.outbox_pending = await registration_db.fetchval(
            "SELECT count(*) FROM outbox WHERE state <> 'published'"
        )
        report.queue_depths, report.dead_letters = await _queue_depths(system)
    finally:
        await matching.close()
        await registration_db.close()
    return report


async def _sentinel_handled(
    system: System, smtp: SmtpServer, matching: asyncpg.Connection, *, board: str
) -> None:
    """Publish one more teacher's registration behind everything the test sent, and wait until
    matching stored it, its welcome email arrived and no service queue holds a ready message: what
    was queued or redelivered before it has been handled by then."""
    marker = uuid.uuid4().hex[:8]
    sentinel = TeacherRegistered(
        board=board,
        participant=ParticipantProfile(
            participant_id=uuid.uuid4(),
            program_year="2026-2027",
            hr_id=f"S-{marker}",
            role="beginning_teacher",
            given_name="Last",
            family_name="Sentinel",
            email=f"sentinel.{marker}@example.org",
        ),
    )
    connection = await aio_pika.connect(system.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{system.prefix}.events")
        await exchange.publish(
            aio_pika.Message(encode(sentinel), message_id=str(sentinel.event_id), delivery_mode=2),
            sentinel.routing_key(),
        )

    async def handled() -> bool:
        if not await matching.fetchval("SELECT count(*) FROM participants WHERE hr_id = $1", f"S-{marker}"):
            return False
        with smtp.sink.lock:
            if not any(str(m["To"]) == sentinel.participant.email for m in smtp.sink.messages):
                return False
        depths, _ = await _queue_depths(system)
        return sum(depths.values()) == 0

    assert await wait_until(handled, timeout=60, interval=0.5), "the sentinel registration was never handled"


def all_ready(system: System) -> bool:
    for service in SERVICES:
        try:
            if httpx.get(f"{system.url(service)}/readyz", timeout=2).status_code != 200:
                return False
        except httpx.HTTPError:
            return False
    return True
