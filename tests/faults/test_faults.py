"""Faults while a stream of 2,000 registrations flows through the whole system.

After each fault: every registered teacher known to matching, exactly one welcome email each,
every outbox row sent, no message left in the queues, no dead letter except injected poison.
Figures land in tests/faults/results/ and the table in docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import aio_pika
import asyncpg
import httpx
import pytest

from shared.events.catalog import encode
from shared.events.registration import ParticipantProfile, ParticipantUpdated, TeacherRegistered
from shared.testing.helpers import auth, unique_board
from shared.testing.processes import System, wait_until
from shared.wakeup import asyncpg_dsn
from tests.e2e.helpers import create_board
from tests.faults.harness import all_ready, drive_registrations, settle_and_check

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
STREAM = int(os.environ.get("FAULT_STREAM_SIZE", "2000"))


def _clean(report, allowed_duplicates: int = 0) -> None:
    assert report.known_to_matching == report.events_in, report
    assert report.lost == 0, report
    assert report.welcome_emails == report.events_in + report.duplicate_emails, report
    assert report.duplicate_emails <= allowed_duplicates, report
    assert report.outbox_pending == 0, report
    assert sum(report.queue_depths.values()) == 0, report


async def test_broker_restart_mid_stream(fault_system: System, fault_smtp, token):
    admin = token("province_admin")
    board = unique_board()
    with httpx.Client() as client:
        create_board(client, fault_system.url("registration"), admin, board)
    recovery: dict[str, float] = {}
    restart: asyncio.Task[None] | None = None

    async def restart_broker() -> None:
        await asyncio.to_thread(fault_system.infra.stop_broker)
        await asyncio.sleep(3)
        await asyncio.to_thread(fault_system.infra.start_broker)
        started = time.monotonic()
        assert await wait_until(lambda: asyncio.to_thread(all_ready, fault_system), timeout=90, interval=0.5)
        recovery["seconds"] = time.monotonic() - started

    async def on_progress(done: int) -> None:
        nonlocal restart
        if done == STREAM // 3 and restart is None:
            restart = asyncio.create_task(restart_broker())

    bodies, errors = await drive_registrations(fault_system, admin, board, STREAM, on_progress=on_progress)
    assert restart is not None
    await restart
    report = await settle_and_check(fault_system, fault_smtp, bodies, "broker_restart", timeout=180)
    report.http_errors = dict(errors)
    report.recovery_seconds = recovery.get("seconds")
    report.save()
    _clean(report)
    assert sum(report.dead_letters.values()) == 0, report
    # Every service has its consumer back (the watchdog restores one that the client failed to).
    for service in ("registration", "matching", "notifications"):
        ready = httpx.get(f"{fault_system.url(service)}/readyz").json()
        assert ready["ready"] and ready["consumers"] >= 1, (service, ready)


@pytest.mark.service_env(
    {
        "matching": {"MENTORWEB_CRASH_AT": "after_commit:400"},
        "notifications": {"MENTORWEB_CRASH_AT": "before_commit:700"},
    }
)
async def test_consumers_killed_mid_handling(fault_system: System, fault_smtp, token):
    """matching is SIGKILLed after a commit and before its ack; notifications before its commit.
    An orchestrator restarts them; redelivery gives no second effect and loses nothing."""
    admin = token("province_admin")
    board = unique_board()
    with httpx.Client() as client:
        create_board(client, fault_system.url("registration"), admin, board)
    crashed: list[str] = []

    async def supervise() -> None:
        while len(crashed) < 2:
            for service in ("matching", "notifications"):
                proc = fault_system.processes[service].process
                if service not in crashed and proc is not None and proc.poll() is not None:
                    crashed.append(service)
                    assert proc.returncode == -9  # SIGKILL
                    await asyncio.to_thread(fault_system.restart, service, {})
            await asyncio.sleep(0.2)

    supervisor = asyncio.create_task(supervise())
    bodies, errors = await drive_registrations(fault_system, admin, board, STREAM)
    await asyncio.wait_for(supervisor, timeout=120)
    report = await settle_and_check(fault_system, fault_smtp, bodies, "consumer_sigkill", timeout=180)
    report.http_errors = dict(errors)
    report.notes = f"crashed: {crashed}; duplicates are the emails in flight when notifications was killed"
    report.save()
    # SMTP has no transaction to join: a message accepted just before the crash is sent again on restart.
    # The dispatcher records each message on its own, so at most its concurrency can be resent.
    _clean(report, allowed_duplicates=8)
    assert sorted(crashed) == ["matching", "notifications"]
    assert sum(report.dead_letters.values()) == 0, report


async def _block_database(system: System, service: str, blocked: bool) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(system.infra.database_url("postgres")))
    name = f"{system.prefix}_{service}"
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if blocked else "true"}')
        if blocked:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
    finally:
        await admin.close()


async def test_database_unavailable_for_seconds(fault_system: System, fault_smtp, token):
    """Matching's and registration's databases refuse connections for 6 s mid-stream: handlers retry
    without acking, HTTP answers 503 with Retry-After (never a hang or a 500), all finishes after."""
    admin = token("province_admin")
    board = unique_board()
    with httpx.Client() as client:
        create_board(client, fault_system.url("registration"), admin, board)
    outage: asyncio.Task[None] | None = None
    seen_503: list[httpx.Response] = []
    restored: list[float] = []

    async def take_databases_away() -> None:
        for service in ("matching", "registration"):
            await _block_database(fault_system, service, True)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{fault_system.url('registration')}/v1/participants",
                headers=auth(admin),
                json={
                    "board": board,
                    "program_year": "2026-2027",
                    "hr_id": f"X-{uuid.uuid4().hex[:6]}",
                    "role": "beginning_teacher",
                    "given_name": "Out",
                    "family_name": "Age",
                    "email": "outage@example.org",
                },
                timeout=15,
            )
            seen_503.append(response)
        await asyncio.sleep(6)
        for service in ("matching", "registration"):
            await _block_database(fault_system, service, False)
        restored.append(time.monotonic())

    async def on_progress(done: int) -> None:
        nonlocal outage
        if done == STREAM // 3 and outage is None:
            outage = asyncio.create_task(take_databases_away())

    bodies, errors = await drive_registrations(fault_system, admin, board, STREAM, on_progress=on_progress)
    assert outage is not None
    await outage
    report = await settle_and_check(fault_system, fault_smtp, bodies, "database_outage", timeout=180)
    report.http_errors = dict(errors)
    report.recovery_seconds = (
        time.monotonic() - restored[0] - 2
    )  # until everything settled (less the 2 s grace)
    report.notes = "recovery: from the databases accepting connections again until every effect is in"
    report.save()
    _clean(report)
    assert seen_503 and seen_503[0].status_code == 503, seen_503[0].text
    assert seen_503[0].headers.get("Retry-After") and seen_503[0].headers["content-type"].startswith(
        "application/problem+json"
    )
    # Never a 500, never a hang: the only refusals are 503s (a keep-alive connection closed by the
    # server while the client reused it shows up as a transport error, retried like any client would).
    assert "500" not in errors and not any("Timeout" in e for e in errors), errors
    assert sum(report.dead_letters.values()) == 0, report


def _profile(board: str, n: int, revision: int = 1, **extra: object) -> ParticipantProfile:
    return ParticipantProfile(
        participant_id=uuid.UUID(int=n + 1),
        revision=revision,
        program_year="2026-2027",
        hr_id=f"D-{n:05d}",
        role="beginning_teacher",
        given_name="Dup",
        family_name=f"Lic{n}",
        email=f"dup.{board.lower()}.{n}@example.org",
        **extra,
    )


async def test_duplicates_out_of_order_and_poison(fault_system: System, fault_smtp):
    """Every event delivered three times, updates before registrations, and poison mixed in."""
    board = unique_board()
    registered = [TeacherRegistered(board=board, participant=_profile(board, n)) for n in range(STREAM)]
    early_updates = [
        ParticipantUpdated(
            board=board, participant=_profile(board, n, revision=2, school="Moved PS"), changed=["school"]
        )
        for n in range(0, STREAM, 20)
    ]
    poison = (
        [aio_pika.Message(b"{not json", message_id=f"garbage-{i}") for i in range(5)]
        + [
            aio_pika.Message(
                encode(registered[i]).replace(b'"version":1', b'"version":7'), message_id=f"v7-{i}"
            )
            for i in range(5)
        ]
        + [
            # Always fails matching's handler (a program year longer than its column).
            aio_pika.Message(
                encode(
                    ParticipantUpdated(
                        board=board,
                        participant=_profile(board, 90_000 + i).model_copy(
                            update={"program_year": "2026-2027-extended"}
                        ),
                    )
                ),
                message_id=f"bad-{i}",
            )
            for i in range(5)
        ]
        # Missing fields (no participant; no hr_id) and a 10 MB body: refused, never a crashed consumer.
        + [
            aio_pika.Message(_without(encode(registered[i]), ("participant",)), message_id=f"partless-{i}")
            for i in range(2)
        ]
        + [
            aio_pika.Message(
                _without(encode(registered[i]), ("participant", "hr_id")), message_id=f"no-hr-id-{i}"
            )
            for i in range(2)
        ]
        + [
            aio_pika.Message(
                b'{"type": "TeacherRegistered", "pad": "' + b"x" * 10_000_000 + b'"}', message_id="10mb"
            )
        ]
    )
    # Extra fields from a newer minor version are ignored, not refused: the first copy of some events
    # carries them, and they must not add to the dead letters.
    with_extras = {i: _with_extra(encode(registered[i])) for i in range(0, STREAM, 50)}
    connection = await aio_pika.connect(fault_system.infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{fault_system.prefix}.events")

        async def publish(event: TeacherRegistered | ParticipantUpdated, body: bytes | None = None) -> None:
            await exchange.publish(
                aio_pika.Message(body or encode(event), message_id=str(event.event_id), delivery_mode=2),
                event.routing_key(),
            )

        for update in early_updates:
            await publish(update)
        for copy in range(3):
            await asyncio.gather(
                *(publish(e, with_extras.get(i) if copy == 0 else None) for i, e in enumerate(registered))
            )
            if copy == 0:
                for message in poison[:10] + poison[15:]:
                    await channel.default_exchange.publish(message, f"{fault_system.prefix}.matching")
                for message in poison[10:15]:
                    await exchange.publish(message, "registration.participant_updated.v1")
    bodies = [
        {"board": board, "hr_id": e.participant.hr_id, "email": str(e.participant.email)} for e in registered
    ]
    report = await settle_and_check(
        fault_system,
        fault_smtp,
        bodies,
        "duplicates_out_of_order_poison",
        timeout=180,
        dead_letters_expected=len(poison),  # handler failures are dead-lettered after their retries
    )
    report.notes = f"{3 * STREAM} deliveries, {len(early_updates)} updates first, {len(poison)} poison"
    report.save()
    _clean(report)
    assert report.dead_letters.get("matching") == len(poison), report
    conn = await asyncpg.connect(asyncpg_dsn(fault_system.database_url("matching")))
    try:
        moved = await conn.fetchval(
            "SELECT count(*) FROM participants WHERE school = 'Moved PS' AND revision = 2 AND hr_id LIKE 'D-%'"
        )
        assert moved == len(early_updates)  # the newer snapshot won although it arrived first
    finally:
        await conn.close()


def _without(body: bytes, path: tuple[str, ...]) -> bytes:
    """``body`` with the field at ``path`` removed (a producer that forgot it)."""
    raw = json.loads(body)
    holder = raw
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return json.dumps(raw).encode()


def _with_extra(body: bytes) -> bytes:
    """``body`` as a newer minor version of its producer would write it: fields this code does not know."""
    raw = json.loads(body)
    raw["introduced_later"] = {"note": "a field from a newer minor version"}
    raw["participant"]["pronouns"] = "they/them"
    return json.dumps(raw).encode()


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


async def test_smtp_down_and_a_backlog_of_thousands(fault_system: System, fault_smtp, token):
    """SMTP refuses connections while matching is stopped and thousands of events queue up: the
    notifications consumer keeps draining the bus, mail waits and goes out when SMTP returns, and
    matching's memory stays bounded by its prefetch while it works through the backlog."""
    admin = token("province_admin")
    board = unique_board()
    with httpx.Client() as client:
        create_board(client, fault_system.url("registration"), admin, board)
    fault_smtp.stop()
    matching = fault_system.processes["matching"]
    matching.stop()
    bodies, errors = await drive_registrations(fault_system, admin, board, STREAM)
    notifications_db = await asyncpg.connect(asyncpg_dsn(fault_system.database_url("notifications")))
    try:
        # The bus is not blocked by SMTP: every welcome is recorded, pending, while SMTP is down.
        assert await wait_until(
            lambda: notifications_db.fetchval(
                "SELECT count(*) >= $1 FROM notifications WHERE state = 'pending' AND last_error IS NOT NULL",
                STREAM,
            ),
            timeout=90,
        )
    finally:
        await notifications_db.close()
    matching.start()
    matching.wait_ready()
    assert matching.process is not None
    pid = matching.process.pid
    idle_rss = _rss_kib(pid)
    peak = idle_rss
    fault_smtp.start_again()  # SMTP is back on the same port
    started = time.monotonic()
    while time.monotonic() - started < 60:
        peak = max(peak, _rss_kib(pid))
        depth = httpx.get(f"{matching.url}/readyz").json()
        if depth.get("ready"):
            conn = await asyncpg.connect(asyncpg_dsn(fault_system.database_url("matching")))
            known = await conn.fetchval("SELECT count(*) FROM participants")
            await conn.close()
            if known >= STREAM:
                break
        await asyncio.sleep(0.2)
    report = await settle_and_check(fault_system, fault_smtp, bodies, "smtp_down_and_backlog", timeout=240)
    report.http_errors = dict(errors)
    report.notes = f"matching RSS idle {idle_rss // 1024} MiB, peak while draining {peak // 1024} MiB"
    report.save()
    _clean(report)
    assert peak - idle_rss < 100 * 1024, report.notes  # bounded by prefetch, not by the backlog
