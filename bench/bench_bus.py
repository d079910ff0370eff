"""Bus ceiling vs ours: the same volume of 1 KB persistent events through raw aio-pika and through
Mentorweb's own path, in one run, reported as ratios.

Workload (default N = 20,000 events of 1 KB, quorum queues, publisher confirms, manual acks):

* raw publish   — aio-pika, confirms awaited per gather of 500, into a topic exchange → quorum queue
* raw consume   — one process drains the queue, manual ack, prefetch 64
* raw e2e       — publisher (this process) and consumer (a second process) at once
* ours publish  — a service process (``shared.runtime.Runtime``) writes the events through
  ``UnitOfWork`` + ``uow.publish`` in transactions of 500; its ``OutboxRelay`` publishes them
* ours consume  — a second service process (``Runtime`` + ``EventConsumer`` on aio-pika, the
  production prefetch, traces sampled as recommended for production: one in ten) drains the queue;
  its handler inserts one row, in one transaction with the inbox row
* ours e2e      — both at once: outbox commit → relay → exchange → consumer → inbox + effect

The consumer process is profiled with py-spy while it drains the queue
(bench/results/profiles/bus_consumer.txt, collapsed stacks that speedscope opens).

    uv run python bench/bench_bus.py [--count 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aio_pika  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    PUBLISH_WINDOW,
    RAW_PREFETCH,
    database_url,
    declare_quorum_queue,
    delete_queues_and_exchanges,
    environment,
    finish_profile,
    padded_teacher,
    pg_connect,
    print_table,
    rabbitmq_url,
    ratio,
    raw_body,
    raw_consume,
    raw_publish,
    spawn_python,
    start_profile,
    target,
    temporary_database,
    unique_prefix,
    write_result,
)
from shared.bus.group_commit import Batchable  # noqa: E402
from shared.bus.topology import declare_service_queue  # noqa: E402
from shared.db import UnitOfWork  # noqa: E402
from shared.events.catalog import encode  # noqa: E402
from shared.events.registration import TeacherRegistered  # noqa: E402
from shared.runtime import Runtime, ServiceSpec  # noqa: E402
from shared.settings import ServiceSettings  # noqa: E402
from shared.testing.processes import TEST_JWT_SECRET, delete_bus_objects  # noqa: E402

PRODUCER, CONSUMER = "benchsource", "benchsink"
# Tracing as recommended for production (docs/performance.md): one trace in ten, decided where the
# trace starts (an HTTP request, a relay's publish) and followed by every service downstream.
PRODUCTION_SAMPLING = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}
_INSERT_EFFECT = sa.text("INSERT INTO bench_effect (event_id, board, occurred_at) VALUES (:id, :board, :at)")


def settings_for(service: str, prefix: str, db_url: str) -> ServiceSettings:
    return ServiceSettings(
        service_name=service,
        bus_prefix=prefix,
        database_url=db_url,
        rabbitmq_url=rabbitmq_url(),
        jwt_secret=TEST_JWT_SECRET,
        mentorweb_env="test",
    )


async def record_effect(uow: UnitOfWork, event: TeacherRegistered) -> None:
    """The bench's effect: one row per event, written in the consumer's unit of work."""
    await uow.session.execute(
        _INSERT_EFFECT, {"id": event.event_id, "board": event.board, "at": event.occurred_at}
    )


async def record_effects(uow: UnitOfWork, events: list[TeacherRegistered]) -> None:
    """The same effect as a Batchable handler's first step: one pipelined statement per run."""
    await uow.session.execute(
        _INSERT_EFFECT, [{"id": e.event_id, "board": e.board, "at": e.occurred_at} for e in events]
    )


def consumer_spec(prefix: str, db_url: str, variant: str = "as-is") -> ServiceSpec:
    handler = Batchable(record_effects) if variant == "batchable" else record_effect
    return ServiceSpec(
        settings=settings_for(CONSUMER, prefix, db_url),
        title="bench sink",
        description="one-row effect per event",
        handlers={TeacherRegistered: handler},
    )


# ------------------------------------------------------------------------------ child process roles


async def run_consumer_service(prefix: str, db_url: str, variant: str = "as-is") -> None:
    """A service process that only consumes (as matching or notifications would), until SIGTERM."""
    from shared.telemetry import configure_logging

    spec = consumer_spec(prefix, db_url, variant)
    configure_logging(CONSUMER)
    if variant == "untraced":
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

        # What tracing costs: the same Runtime with no span sampled.
        runtime: Runtime = Runtime(spec, tracer_provider=TracerProvider(sampler=ALWAYS_OFF))
    else:
        runtime = Runtime(spec)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await runtime.start()
    print("READY", flush=True)
    await stop.wait()
    await runtime.stop()


async def run_raw_consumer(prefix: str, count: int, out: str) -> None:
    """Raw aio-pika consumer process: manual ack, prefetch 64; records publish→deliver latency."""
    connection = await aio_pika.connect(rabbitmq_url())
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=RAW_PREFETCH)
        queue = await channel.get_queue(f"{prefix}.raw")
        latencies: list[float] = []
        first = last = 0.0
        done = asyncio.get_running_loop().create_future()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal first, last
            now = time.time()
            first = first or now
            latencies.append(now - float(message.headers["sent"]))  # type: ignore[arg-type]
            await message.ack()
            last = time.time()
            if len(latencies) >= count and not done.done():
                done.set_result(None)

        await queue.consume(on_message)
        print("READY", flush=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(done, 180)
    Path(out).write_text(json.dumps({"received": len(latencies), "first": first, "last": last}))  # noqa: ASYNC240


# ------------------------------------------------------------------------------------- orchestration


async def wait_ready(proc: Any, timeout: float = 60) -> None:
    """Child processes print READY on stdout once consuming."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = await loop.run_in_executor(None, proc.stdout.readline)
        if line.strip() == b"READY":
            return
        if proc.poll() is not None:
            raise RuntimeError(f"child exited with {proc.returncode}")
    raise TimeoutError("child not ready")


def spawn(role: str, *args: str) -> Any:
    """This script again, in another OS process, in ``role``; it prints READY on stdout."""
    return spawn_python([__file__, "--role", role, *args], stdout=subprocess.PIPE, **PRODUCTION_SAMPLING)


def stop_child(proc: Any, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except Exception:
            proc.kill()
            proc.wait()


async def purge(url: str, queue: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await (await channel.get_queue(queue)).purge()


async def effect_count(conn: Any) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM bench_effect"))


async def wait_for_effects(conn: Any, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await effect_count(conn) >= count:
            break
        await asyncio.sleep(0.05)
    return time.time()


async def produce(runtime: Runtime, events: list[TeacherRegistered], batch: int) -> float:
    """Write events through the unit of work, ``batch`` per transaction (a bulk HR feed's chunks)."""
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        async with runtime.uow() as uow:
            uow.publish(*events[start : start + batch])
            await uow.commit()
    return time.perf_counter() - started


async def wait_published(runtime: Runtime, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while runtime.relay.published < total and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def drain_fresh(
    url: str,
    sink_settings: ServiceSettings,
    effects: Any,
    prefix: str,
    consumer_db: str,
    variant: str,
    numbers: range,
    phase_seconds: float,
) -> float | None:
    """Put fresh events straight on the exchange, then time a ``variant`` consumer draining them."""
    fresh = [encode(padded_teacher(n)) for n in numbers]
    async with await aio_pika.connect(url) as direct:
        exchange = await (await direct.channel(publisher_confirms=True)).get_exchange(
            sink_settings.exchange_name
        )
        await raw_publish(exchange, fresh, TeacherRegistered.routing_key())
    target_count = await effect_count(effects) + len(fresh)
    child = spawn("consumer-service", "--prefix", prefix, "--db", consumer_db, "--variant", variant)
    try:
        await wait_ready(child)
        started = time.time()
        await wait_for_effects(effects, target_count, phase_seconds)
        first, last, handled = await effects.fetchrow(
            "SELECT extract(epoch FROM min(handled_at)), extract(epoch FROM max(handled_at)), count(*) "
            "FROM bench_effect WHERE handled_at >= to_timestamp($1)",
            started,
        )
    finally:
        stop_child(child)
    return (handled - 1) / float(last - first) if handled > 1 else None


async def main(count: int, profile_seconds: float, phase_seconds: float) -> dict[str, Any]:
    os.environ.update(PRODUCTION_SAMPLING)  # this process's relay starts the traces the consumer follows
    prefix = unique_prefix("bus")
    url = rabbitmq_url()
    producer_db = database_url(f"{prefix}_producer")
    consumer_db = database_url(f"{prefix}_consumer")
    rows: list[dict[str, Any]] = []
    started_run = time.perf_counter()
    body = raw_body()
    async with temporary_database(producer_db), temporary_database(consumer_db):
        try:
            # ---------------------------------------------------------------- raw aio-pika ceiling
            connection = await aio_pika.connect(url)
            async with connection:
                channel = await connection.channel(publisher_confirms=True)
                await channel.set_qos(prefetch_count=RAW_PREFETCH)
                exchange = await channel.declare_exchange(
                    f"{prefix}.raw", aio_pika.ExchangeType.TOPIC, durable=True
                )
                queue = await declare_quorum_queue(channel, exchange, f"{prefix}.raw", ["raw"])
                raw_pub = await raw_publish(exchange, [body] * count, "raw")
                raw_con = await raw_consume(queue, count)

                # raw end to end: a consumer process while this one publishes
                out = Path(f"/tmp/{prefix}_raw_e2e.json")
                child = spawn("raw-consumer", "--prefix", prefix, "--count", str(count), "--out", str(out))
                try:
                    await wait_ready(child)
                    t0 = time.time()
                    for start in range(0, count, PUBLISH_WINDOW):
                        headers = {"sent": repr(time.time())}
                        await asyncio.gather(
                            *(
                                exchange.publish(
                                    aio_pika.Message(body, delivery_mode=2, headers=headers),
                                    routing_key="raw",
                                )
                                for _ in range(min(PUBLISH_WINDOW, count - start))
                            )
                        )
                    child.wait(timeout=180)
                finally:
                    stop_child(child)
                raw_e2e_figures = json.loads(out.read_text())  # noqa: ASYNC240
                out.unlink(missing_ok=True)  # noqa: ASYNC240
                raw_e2e = raw_e2e_figures["received"] / (raw_e2e_figures["last"] - t0)
            rows += [
                {"name": f"raw publish (confirms, window {PUBLISH_WINDOW})", "rate": raw_pub},
                {"name": f"raw consume (manual ack, prefetch {RAW_PREFETCH})", "rate": raw_con},
                {"name": "raw end to end (2 processes)", "rate": raw_e2e},
            ]

            # ------------------------------------------------------------------------------ ours
            sink_settings = consumer_spec(prefix, consumer_db).settings
            # The consumer's queue exists before anything is published (as after a deploy), so the
            # consume phase starts from a full queue.
            admin = await aio_pika.connect(url)
            async with admin:
                await declare_service_queue(
                    await admin.channel(), sink_settings, [TeacherRegistered.routing_key()]
                )
            effects = await pg_connect(consumer_db)
            outbox = await pg_connect(producer_db)
            try:
                # ours publish: outbox writes and relay in one service process, no consumer yet
                source = Runtime(
                    ServiceSpec(settings_for(PRODUCER, prefix, producer_db), "bench source", "outbox")
                )
                await source.start()
                try:
                    events = [padded_teacher(n) for n in range(count)]
                    t0 = time.perf_counter()
                    write_seconds = await produce(source, events, PUBLISH_WINDOW)
                    await wait_published(source, count, phase_seconds)
                    ours_pub = source.relay.published / (time.perf_counter() - t0)
                finally:
                    await source.stop()
                # Whatever the time box left unpublished is not part of the next phases.
                await outbox.execute("UPDATE outbox SET state = 'skipped' WHERE state = 'pending'")

                # ours consume: a service process drains the full queue (time-boxed)
                child = spawn("consumer-service", "--prefix", prefix, "--db", consumer_db)
                try:
                    await wait_ready(child)
                    profiler = start_profile(child.pid, "bus_consumer", min(profile_seconds, phase_seconds))
                    await wait_for_effects(effects, source.relay.published, phase_seconds)
                    profile = finish_profile(profiler, "bus_consumer")
                    first, last, handled = await effects.fetchrow(
                        "SELECT extract(epoch FROM min(handled_at)), extract(epoch FROM max(handled_at)), count(*) "
                        "FROM bench_effect"
                    )
                    ours_con = (handled - 1) / float(last - first)
                    stop_child(child)

                    # the same drain with tracing sampled off (what tracing costs), then with the
                    # effect written by a Batchable handler (one statement per run of events): fresh
                    # events each time (the traced drain took them all), put straight on the exchange
                    variants: dict[str, float | None] = {}
                    for n, variant in enumerate(("untraced", "batchable"), start=1):
                        variants[variant] = await drain_fresh(
                            url,
                            sink_settings,
                            effects,
                            prefix,
                            consumer_db,
                            variant,
                            range(n * count, (n + 1) * count),
                            phase_seconds,
                        )
                    untraced_con, batchable_con = variants["untraced"], variants["batchable"]
                    await purge(url, sink_settings.queue_name)
                    before = await effect_count(effects)

                    # ours end to end: commit → relay → exchange → consumer → inbox + effect
                    child = spawn("consumer-service", "--prefix", prefix, "--db", consumer_db)
                    await wait_ready(child)
                    source = Runtime(
                        ServiceSpec(settings_for(PRODUCER, prefix, producer_db), "bench source", "outbox")
                    )
                    await source.start()
                    try:
                        events = [padded_teacher(n) for n in range(3 * count, 4 * count)]
                        t0_wall = time.time()
                        await produce(source, events, PUBLISH_WINDOW)
                        finished = await wait_for_effects(
                            effects, before + count, max(phase_seconds - (time.time() - t0_wall), 1)
                        )
                        e2e_done = await effect_count(effects) - before
                        ours_e2e = e2e_done / (finished - t0_wall)
                    finally:
                        await source.stop()
                finally:
                    stop_child(child)
                outbox_left = await outbox.fetchval("SELECT count(*) FROM outbox WHERE state = 'pending'")
            finally:
                await effects.close()
                await outbox.close()
            rows += [
                {
                    "name": f"ours: outbox writes (UnitOfWork, {PUBLISH_WINDOW}/tx)",
                    "rate": count / write_seconds,
                },
                {"name": "ours publish (outbox → relay → broker)", "rate": ours_pub},
                {"name": "ours consume (Runtime/aio-pika, inbox+effect, 1 trace in 10)", "rate": ours_con},
                {"name": "ours consume, no span sampled (cost of tracing)", "rate": untraced_con or 0.0},
                {
                    "name": "ours consume, Batchable handler (one statement per run)",
                    "rate": batchable_con or 0.0,
                },
                {"name": "ours end to end (2 service processes)", "rate": ours_e2e},
            ]
        finally:
            await delete_bus_objects(url, prefix)
            await delete_queues_and_exchanges(
                url,
                [f"{prefix}.raw", f"{prefix}.{CONSUMER}", f"{prefix}.{CONSUMER}.dlq"],
                [f"{prefix}.raw", f"{prefix}.events", f"{prefix}.dlx"],
            )

    ratios = {
        "publish ours/raw": ratio(ours_pub, raw_pub),
        "consume ours/raw": ratio(ours_con, raw_con),
        "end to end ours/raw": ratio(ours_e2e, raw_e2e),
    }
    targets = [target(f"{name} >= 0.5", value, 0.5, higher_is_better=True) for name, value in ratios.items()]
    ratios["consume without tracing / raw (not a target)"] = ratio(untraced_con, raw_con)
    ratios["consume with a Batchable handler / raw (not a target)"] = ratio(batchable_con, raw_con)
    for row in rows:
        row["rate"] = round(row["rate"], 1)
    return {
        "scenario": "bus",
        "title": "Bus ceiling vs ours (1 KB persistent events, quorum queues)",
        "workload": (
            f"{count} events of 1 KB each way; raw aio-pika publish with confirms per gather of {PUBLISH_WINDOW}, "
            f"consume with manual ack at prefetch {RAW_PREFETCH}; ours = UnitOfWork outbox ({PUBLISH_WINDOW}/tx) "
            "→ OutboxRelay → topic exchange → Runtime/EventConsumer (aio-pika, prefetch "
            f"{sink_settings.prefetch}, batched acks) → inbox + one-row effect per event, group-committed; "
            "traces sampled as recommended for production (parentbased_traceidratio 0.1). "
            f"Each of our phases is time-boxed at {phase_seconds:.0f} s (rate = work done / time taken)."
        ),
        "count": count,
        "rows": rows,
        "ratios": ratios,
        "targets": targets,
        "profile": profile,
        "outbox_left": outbox_left,
        "environment": environment(),
        "elapsed_s": round(time.perf_counter() - started_run, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--profile-seconds", type=float, default=10)
    parser.add_argument("--phase-seconds", type=float, default=25, help="time box of each of our phases")
    parser.add_argument("--role", default="main", choices=["main", "consumer-service", "raw-consumer"])
    parser.add_argument("--prefix")
    parser.add_argument("--db")
    parser.add_argument("--out")
    parser.add_argument("--variant", default="as-is", choices=["as-is", "untraced", "batchable"])
    args = parser.parse_args()
    if args.role == "consumer-service":
        asyncio.run(run_consumer_service(args.prefix, args.db, args.variant))
    elif args.role == "raw-consumer":
        asyncio.run(run_raw_consumer(args.prefix, args.count, args.out))
    else:
        result = asyncio.run(main(args.count, args.profile_seconds, args.phase_seconds))
        print_table(result["title"], result["rows"], result["ratios"], result["targets"])
        write_result("bus", result)
