"""Outbox relay: drain throughput with one and two replicas, and commit→publish lag at a steady rate.

Workload:

* 50,000 pending 1 KB outbox rows loaded with one COPY; ``OutboxRelay`` (shared/bus/relay.py, batch
  500, confirms) drains them into a topic exchange bound to a quorum queue — first one relay
  process, then two relay processes on the same database (``FOR UPDATE SKIP LOCKED``). Each run is
  time-boxed; rate = rows published / time.
* Baseline in the same run: raw aio-pika pipelined publish (confirms per gather of 500) of 10,000
  1 KB messages into the same kind of queue.
* Lag: the producing load spread as deployed, over two service processes (two registration
  replicas: ``shared.runtime.Runtime``, each with its own relay, as in production) on one database,
  each committing one event per transaction through ``UnitOfWork`` at half of 500 events/s for 20 s;
  lag = outbox ``published_at − created_at`` (relay claim), and broker delivery − event time seen by
  a raw consumer (what a subscriber experiences).

    uv run python bench/bench_relay.py [--rows 50000] [--rate 500] [--seconds 20] [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aio_pika  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    PUBLISH_WINDOW,
    database_url,
    declare_quorum_queue,
    delete_queues_and_exchanges,
    environment,
    finish_profile,
    padded_teacher,
    percentiles,
    pg_connect,
    print_table,
    rabbitmq_url,
    ratio,
    raw_body,
    raw_publish,
    start_profile,
    target,
    temporary_database,
    unique_prefix,
    write_result,
)
from shared.bus.relay import OutboxRelay  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.events.catalog import encode  # noqa: E402
from shared.events.envelope import utcnow  # noqa: E402
from shared.events.registration import TeacherRegistered  # noqa: E402
from shared.runtime import Runtime, ServiceSpec  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402
from shared.telemetry import configure_telemetry  # noqa: E402
from shared.testing.processes import TEST_JWT_SECRET, delete_bus_objects  # noqa: E402

SERVICE = "benchrelay"
ROUTING_KEY = TeacherRegistered.routing_key()
COLUMNS = ["event_id", "event_type", "routing_key", "board", "body", "headers", "state"]


def settings_for(prefix: str, db_url: str) -> ServiceSettings:
    return ServiceSettings(
        service_name=SERVICE,
        bus_prefix=prefix,
        database_url=db_url,
        rabbitmq_url=rabbitmq_url(),
        jwt_secret=TEST_JWT_SECRET,
        mentorweb_env="test",
    )


# ------------------------------------------------------------------------------ child process roles


async def run_relay(prefix: str, db_url: str) -> None:
    """One relay replica: READY once built, starts on GO (stdin), stops on SIGTERM."""
    settings = settings_for(prefix, db_url)
    configure_telemetry(settings)  # as in a service process: the relay's publish spans are recorded
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    relay = OutboxRelay(engine, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("READY", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    await relay.start()
    await stop.wait()
    await relay.stop()
    await engine.dispose()
    print(json.dumps({"published": relay.published}), flush=True)


async def run_steady_producer(prefix: str, db_url: str, rate: float, seconds: float) -> None:
    """A service process committing one event per transaction at ``rate``/s (open loop), its own
    relay publishing them; prints what it achieved."""
    from shared.telemetry import configure_logging

    configure_logging(SERVICE)
    total = int(rate * seconds)
    # Built before the clock starts so the producer spends its time committing, not building events.
    events = [padded_teacher(n) for n in range(total)]
    runtime = Runtime(ServiceSpec(settings_for(prefix, db_url), "bench relay", "steady producer"))
    await runtime.start()
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    late = 0
    errors = 0
    tasks: set[asyncio.Task[None]] = set()

    async def commit_one(n: int) -> None:
        nonlocal errors
        try:
            async with runtime.uow() as uow:
                uow.publish(events[n].model_copy(update={"occurred_at": utcnow()}))
                await uow.commit()
        except Exception as exc:
            errors += 1
            if errors <= 3:
                print(f"commit failed: {exc!r}"[:300], file=sys.stderr, flush=True)

    started = time.perf_counter()
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.05:
            late += 1
        task = asyncio.create_task(commit_one(n))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*list(tasks))
    elapsed = time.perf_counter() - started
    # Let the relays (this replica's and the others', which share the outbox) finish what is
    # committed before stopping this one.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        async with runtime.engine.connect() as conn:
            if not await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE state = 'pending'")):
                break
        await asyncio.sleep(0.05)
    await runtime.stop()
    print(
        json.dumps({"committed": total - errors, "errors": errors, "late": late, "seconds": elapsed}),
        flush=True,
    )


# ------------------------------------------------------------------------------------- orchestration


def spawn_with_stdin(role: str, *args: str) -> subprocess.Popen[bytes]:
    from bench.common import ROOT, child_env

    return subprocess.Popen(
        [sys.executable, __file__, "--role", role, *args],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
    )


async def read_line(proc: subprocess.Popen[bytes], timeout: float = 60) -> bytes:
    loop = asyncio.get_running_loop()
    assert proc.stdout is not None
    return await asyncio.wait_for(loop.run_in_executor(None, proc.stdout.readline), timeout)


async def wait_ready(proc: subprocess.Popen[bytes]) -> None:
    while (line := await read_line(proc)).strip() != b"READY":
        if not line and proc.poll() is not None:
            raise RuntimeError(f"child exited with {proc.returncode}")


def go(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(b"GO\n")
    proc.stdin.flush()


async def stop_and_report(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        line = await read_line(proc, 30)
        return json.loads(line) if line.strip() else {}
    except (TimeoutError, json.JSONDecodeError):
        proc.kill()
        return {}
    finally:
        await asyncio.get_running_loop().run_in_executor(None, proc.wait)


async def load_pending(db_url: str, rows: int) -> float:
    """Empty the outbox and COPY ``rows`` pending 1 KB events into it; returns the seconds taken."""
    body = encode(padded_teacher(0))
    records = [
        (uuid.uuid4(), "TeacherRegistered", ROUTING_KEY, "BENCH", body, "{}", "pending") for _ in range(rows)
    ]
    conn = await pg_connect(db_url)
    try:
        await conn.execute("TRUNCATE outbox")
        started = time.perf_counter()
        await conn.copy_records_to_table("outbox", records=records, columns=COLUMNS)
        seconds = time.perf_counter() - started
        await conn.execute("VACUUM ANALYZE outbox")
        return seconds
    finally:
        await conn.close()


async def drain(
    prefix: str, db_url: str, rows: int, replicas: int, time_box: float, profile: bool = False
) -> dict[str, Any]:
    children = [spawn_with_stdin("relay", "--prefix", prefix, "--db", db_url) for _ in range(replicas)]
    conn = await pg_connect(db_url)
    try:
        for child in children:
            await wait_ready(child)
        started = time.perf_counter()
        for child in children:
            go(child)
        profiler = (
            start_profile(children[0].pid, f"relay_drain_{replicas}", min(time_box, 8)) if profile else None
        )
        deadline = started + time_box
        pending = rows
        while time.perf_counter() < deadline:
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE state = 'pending'")
            if pending == 0:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        reports = [await stop_and_report(child) for child in children]
        profile_summary = finish_profile(profiler, f"relay_drain_{replicas}") if profile else None
        published = await conn.fetchval("SELECT count(*) FROM outbox WHERE state = 'published'")
    finally:
        await conn.close()
        for child in children:
            if child.poll() is None:
                child.kill()
    return {
        "replicas": replicas,
        "published": published,
        "seconds": round(elapsed, 2),
        "rate": published / elapsed,
        "per_replica": [r.get("published") for r in reports],
        "complete": pending == 0,
        "profile": profile_summary,
    }


async def steady_lag(
    prefix: str,
    db_url: str,
    queue: aio_pika.abc.AbstractQueue,
    rate: float,
    seconds: float,
    replicas: int,
    profile_name: str | None = "relay_steady_producer",
) -> dict[str, Any]:
    arrivals: list[float] = []

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        occurred = datetime.fromisoformat(json.loads(message.body)["occurred_at"]).timestamp()
        arrivals.append(time.time() - occurred)
        await message.ack()

    tag = await queue.consume(on_message)
    producers = [
        spawn_with_stdin(
            "steady-producer",
            "--prefix",
            prefix,
            "--db",
            db_url,
            "--rate",
            str(rate / replicas),
            "--seconds",
            str(seconds),
        )
        for _ in range(replicas)
    ]
    try:
        for producer in producers:
            await wait_ready(producer)
        for producer in producers:
            go(producer)
        profiler = start_profile(producers[0].pid, profile_name, min(seconds, 10)) if profile_name else None
        reports = [json.loads(await read_line(producer, seconds + 60)) for producer in producers]
    finally:
        for producer in producers:
            if producer.poll() is None:
                producer.kill()
            await asyncio.get_running_loop().run_in_executor(None, producer.wait)
    report = {
        "committed": sum(r["committed"] for r in reports),
        "errors": sum(r["errors"] for r in reports),
        "late": sum(r["late"] for r in reports),
        "seconds": max(r["seconds"] for r in reports),
        "replicas": replicas,
    }
    profile = finish_profile(profiler, profile_name) if profile_name else None
    deadline = time.monotonic() + 10
    while len(arrivals) < report["committed"] and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await queue.cancel(tag)
    conn = await pg_connect(db_url)
    try:
        lags = await conn.fetch(
            "SELECT extract(epoch FROM published_at - created_at) AS s FROM outbox "
            "WHERE state = 'published' AND event_type = 'TeacherRegistered'"
        )
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE state = 'pending'")
    finally:
        await conn.close()
    return {
        "report": report,
        "claim_lag": percentiles(float(r["s"]) for r in lags),
        "delivery_lag": percentiles(arrivals),
        "received": len(arrivals),
        "left_pending": pending,
        "profile": profile,
    }


async def main(
    rows: int, rate: float, seconds: float, time_box: float, raw_count: int, replicas: int
) -> dict[str, Any]:
    prefix = unique_prefix("relay")
    url = rabbitmq_url()
    db_url = database_url(f"{prefix}_outbox")
    started_run = time.perf_counter()
    async with temporary_database(db_url, effect_table=False):
        connection = await aio_pika.connect(url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=256)
            exchange = await channel.declare_exchange(
                f"{prefix}.events", aio_pika.ExchangeType.TOPIC, durable=True
            )
            sink = await declare_quorum_queue(channel, exchange, f"{prefix}.sink", [ROUTING_KEY])

            raw = await raw_publish(exchange, [raw_body()] * raw_count, ROUTING_KEY)
            await sink.purge()

            copy_seconds = await load_pending(db_url, rows)
            one = await drain(prefix, db_url, rows, 1, time_box, profile=True)
            await sink.purge()
            await load_pending(db_url, rows)
            two = await drain(prefix, db_url, rows, 2, time_box)
            await sink.purge()

            await pg_exec(db_url, "TRUNCATE outbox")
            lag = await steady_lag(prefix, db_url, sink, rate, seconds, replicas)
            # The same at half the rate, where one producing process is not CPU-bound: where the
            # lag comes from (the relay, or the producer's own queue) shows in the difference.
            await sink.purge()
            await pg_exec(db_url, "TRUNCATE outbox")
            half = await steady_lag(prefix, db_url, sink, rate / 2, seconds / 2, replicas, profile_name=None)
        finally:
            await connection.close()
            await delete_bus_objects(url, prefix)
            await delete_queues_and_exchanges(url, [f"{prefix}.sink"], [f"{prefix}.events", f"{prefix}.dlx"])

    produced = lag["report"]
    rows_out = [
        {"name": f"raw aio-pika publish (confirms, window {PUBLISH_WINDOW})", "rate": raw},
        {"name": f"relay, 1 replica ({rows} pending rows)", "rate": one["rate"]},
        {"name": f"relay, 2 replicas ({rows} pending rows)", "rate": two["rate"]},
        {
            "name": f"lag commit→relay claim @ {rate:.0f}/s",
            "rate": produced["committed"] / produced["seconds"],
            **{k: v for k, v in lag["claim_lag"].items()},
        },
        {
            "name": f"lag event→consumer delivery @ {rate:.0f}/s",
            "rate": lag["received"] / produced["seconds"],
            **{k: v for k, v in lag["delivery_lag"].items()},
        },
        {
            "name": f"lag event→consumer delivery @ {rate / 2:.0f}/s (context)",
            "rate": half["received"] / half["report"]["seconds"],
            **{k: v for k, v in half["delivery_lag"].items()},
        },
    ]
    for row in rows_out:
        row["rate"] = round(row["rate"], 1)
    ratios = {
        "relay 1 replica / raw publish": ratio(one["rate"], raw),
        "relay 2 replicas / raw publish": ratio(two["rate"], raw),
        "2 replicas / 1 replica": ratio(two["rate"], one["rate"]),
    }
    targets = [
        target(
            "relay events/s with 1 replica >= 2000", one["rate"], 2000, higher_is_better=True, unit="events/s"
        ),
        target(
            f"p99 commit→publish lag at {rate:.0f}/s < 100 ms",
            lag["delivery_lag"]["p99_ms"],
            100,
            higher_is_better=False,
            unit="ms",
        ),
    ]
    return {
        "scenario": "relay",
        "title": "Outbox relay: drain rate and lag",
        "workload": (
            f"{rows} pending 1 KB rows (one COPY, {copy_seconds:.2f} s) drained by OutboxRelay (batch 500, confirms) "
            f"in 1 then 2 processes (SKIP LOCKED), time box {time_box:.0f} s each; baseline raw aio-pika publish of "
            f"{raw_count} 1 KB messages (confirms per {PUBLISH_WINDOW}); lag: one event per UnitOfWork transaction at "
            f"{rate:.0f}/s for {seconds:.0f} s spread over {replicas} Runtime processes (as deployed: two "
            "registration replicas), each with its own relay. Delivery lag is the target figure "
            "(event time → raw consumer); claim lag is outbox published_at − created_at (both transaction start times)."
        ),
        "rows": rows_out,
        "ratios": ratios,
        "targets": targets,
        "drains": [one, two],
        "lag": lag,
        "environment": environment(),
        "elapsed_s": round(time.perf_counter() - started_run, 1),
    }


async def pg_exec(db_url: str, sql: str) -> None:
    conn = await pg_connect(db_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--time-box", type=float, default=30)
    parser.add_argument("--raw-count", type=int, default=10_000)
    parser.add_argument(
        "--replicas", type=int, default=2, help="producing service processes in the lag runs (as deployed)"
    )
    parser.add_argument("--role", default="main", choices=["main", "relay", "steady-producer"])
    parser.add_argument("--prefix")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.role == "relay":
        asyncio.run(run_relay(args.prefix, args.db))
    elif args.role == "steady-producer":
        asyncio.run(run_steady_producer(args.prefix, args.db, args.rate, args.seconds))
    else:
        result = asyncio.run(
            main(args.rows, args.rate, args.seconds, args.time_box, args.raw_count, args.replicas)
        )
        print_table(result["title"], result["rows"], result["ratios"], result["targets"])
        write_result("relay", result)
