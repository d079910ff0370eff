"""Bulk import through every service: a province-sized HR file uploaded over HTTP, timed until
every event it caused has been handled by matching and by notifications.

Workload: the four services as processes (``shared.testing.processes.System``, fresh databases and
bus prefix, default settings) and an aiosmtpd sink on loopback. One ``POST /v1/imports`` of the
same 50,000-row CSV as bench_import.py (1 in 8 mentors, the rest beginning teachers and new school
leaders, English and French). Timed from the upload's 202 to: the import job finished (every row
in registration with its event in the outbox); every event in matching's inbox; every event in
notifications' inbox (each welcome message queued, rendered, in its language). Welcome emails
accepted by the SMTP sink are counted until the time box ends (sending is paced by SMTP, not the
bus). Target: every service done in under 3 minutes.

Baseline in the same run: raw aio-pika carrying the same number of 1 KB persistent messages to two
quorum queues (publish with confirms, pipelined; both queues drained by manual-ack consumers) —
the bus alone doing the same fan-out, from first publish to last ack.

    uv run python bench/bench_import_flow.py [--rows 50000] [--time-box 240]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aio_pika  # noqa: E402
import httpx  # noqa: E402

from bench.bench_e2e import timed_smtp  # noqa: E402
from bench.bench_import import make_csv  # noqa: E402
from bench.common import (  # noqa: E402
    ROOT,
    declare_quorum_queue,
    environment,
    pg_connect,
    print_table,
    ratio,
    raw_body,
    raw_publish,
    target,
    unique_prefix,
    write_result,
)
from shared.auth import mint_token  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402
from shared.testing.infrastructure import provide  # noqa: E402
from shared.testing.processes import TEST_JWT_SECRET, System  # noqa: E402

TARGET_SECONDS = 180.0


async def raw_fan_out(url: str, prefix: str, count: int) -> float:
    """Seconds for raw aio-pika to carry ``count`` 1 KB messages into two quorum queues and drain both."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            f"{prefix}.rawflow", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queues = []
        for name in ("a", "b"):
            consumer_channel = await connection.channel()
            await consumer_channel.set_qos(prefetch_count=64)
            queue = await declare_quorum_queue(
                consumer_channel, exchange, f"{prefix}.rawflow.{name}", ["participant.registered"]
            )
            queues.append(queue)
        remaining = {id(q): count for q in queues}
        done = asyncio.get_running_loop().create_future()

        def consumer_for(queue: aio_pika.abc.AbstractQueue) -> Any:
            async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                await message.ack()
                remaining[id(queue)] -= 1
                if not any(remaining.values()) and not done.done():
                    done.set_result(time.perf_counter())

            return on_message

        started = time.perf_counter()
        tags = [await queue.consume(consumer_for(queue)) for queue in queues]
        await raw_publish(exchange, [raw_body()] * count, "participant.registered")
        finished = await asyncio.wait_for(done, timeout=300)
        for queue, tag in zip(queues, tags, strict=True):
            await queue.cancel(tag)
            await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
        return finished - started


async def main(rows: int, time_box: float) -> dict[str, Any]:
    prefix = unique_prefix("importflow")
    smtp, sink = timed_smtp()
    content = make_csv(rows)
    with provide() as infra:
        raw_seconds = await raw_fan_out(infra.rabbitmq_url, prefix, rows)
        system = System(
            infra=infra, prefix=prefix, log_dir=ROOT / ".run" / "bench-logs" / prefix, smtp_port=smtp.port
        )
        done_at: dict[str, float | None] = {"registration": None, "matching": None, "notifications": None}
        try:
            await system.migrate()
            await asyncio.get_running_loop().run_in_executor(None, system.start)
            settings = ServiceSettings(jwt_secret=TEST_JWT_SECRET, mentorweb_env="test")
            token = mint_token(settings, subject="bench", roles=["province_admin"])
            headers = {"Authorization": f"Bearer {token}"}
            board = "BENCH"
            databases = {s: await pg_connect(system.database_url(s)) for s in done_at}
            try:
                async with httpx.AsyncClient(base_url=system.url("registration"), timeout=60) as client:
                    created = await client.post(
                        "/v1/boards", json={"code": board, "name": "Bench DSB"}, headers=headers
                    )
                    created.raise_for_status()
                    started = time.perf_counter()
                    upload = await client.post(
                        "/v1/imports",
                        files={"file": ("province.csv", content, "text/csv")},
                        data={"board": board, "program_year": "2026-2027"},
                        headers=headers,
                    )
                    upload.raise_for_status()
                    job = upload.json()["id"]
                    accepted = time.perf_counter() - started
                    events = None
                    while time.perf_counter() - started < time_box:
                        now = time.perf_counter() - started
                        if done_at["registration"] is None:
                            state = (await client.get(f"/v1/imports/{job}", headers=headers)).json()
                            if state["state"] in ("completed", "failed"):
                                done_at["registration"] = now
                                events = await databases["registration"].fetchval(
                                    # Participant events (ParticipantsCounted goes to matching only).
                                    "SELECT count(*) FROM outbox WHERE event_type <> 'ParticipantsCounted'"
                                )
                        for service in ("matching", "notifications"):
                            if done_at[service] is None and events is not None:
                                handled = await databases[service].fetchval("SELECT count(*) FROM inbox")
                                if handled >= events:
                                    done_at[service] = now
                        if all(done_at.values()):
                            break
                        await asyncio.sleep(0.25)
                    emails_at_end = len(sink.arrivals)
                    elapsed = time.perf_counter() - started
                    handled_by = {
                        s: await databases[s].fetchval("SELECT count(*) FROM inbox")
                        for s in ("matching", "notifications")
                    }
                    queued = await databases["notifications"].fetchval(
                        "SELECT count(*) FROM notifications WHERE template = 'welcome'"
                    )
            finally:
                for conn in databases.values():
                    await conn.close()
        finally:
            await asyncio.get_running_loop().run_in_executor(None, system.stop)
            await system.destroy()
            smtp.stop()

    every_service = max(done_at.values()) if all(done_at.values()) else None  # type: ignore[type-var]
    result_rows: list[dict[str, Any]] = [
        {"name": f"raw aio-pika: {rows} msgs to 2 quorum queues, drained", "rate": rows / raw_seconds},
        {
            "name": "registration: import finished (rows + outbox)",
            "rate": _rate(rows, done_at["registration"]),
        },
        {"name": "matching: every event handled", "rate": _rate(rows, done_at["matching"])},
        {"name": "notifications: every event handled", "rate": _rate(rows, done_at["notifications"])},
        {"name": f"welcome emails accepted by SMTP in {elapsed:.0f} s", "rate": emails_at_end / elapsed},
    ]
    return {
        "scenario": "import_flow",
        "title": "Bulk import through every service",
        "workload": (
            f"POST /v1/imports of a {rows}-row CSV ({len(content) // 1024} KiB) to the four running "
            f"services; times from the 202 (answered in {accepted:.2f} s) to each service having handled "
            f"every event ({events} events); time box {time_box:.0f} s. Baseline: raw aio-pika fan-out of "
            f"{rows} 1 KB messages to two quorum queues, {raw_seconds:.1f} s."
        ),
        "rows": result_rows,
        "seconds": {**done_at, "raw_fan_out": round(raw_seconds, 2), "every_service": every_service},
        "handled": {**handled_by, "events": events, "welcome_queued": queued, "emails_sent": emails_at_end},
        "ratios": {"every service done: raw seconds / ours": ratio(raw_seconds, every_service)},
        "targets": [
            target(
                f"{rows}-row import handled by every service < {TARGET_SECONDS:.0f} s",
                every_service,
                TARGET_SECONDS,
                higher_is_better=False,
                unit="s",
            )
        ],
        "environment": environment(),
    }


def _rate(rows: int, seconds: float | None) -> float | None:
    return rows / seconds if seconds else None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--time-box", type=float, default=240)
    args = parser.parse_args()
    result = asyncio.run(main(args.rows, args.time_box))
    print_table(result["title"], result["rows"], result["ratios"], result["targets"])
    print("seconds:", result["seconds"])
    print("handled:", result["handled"])
    write_result("import_flow", result)
